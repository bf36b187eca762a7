import { pino, type Logger, type LoggerOptions } from 'pino';
import { errorCode, isGatewayError, toError } from './errors.ts';
import { errorHint } from './error-hints.ts';

/**
 * The areas that get their own child logger, so a technician can filter `area=modbus`. A driver
 * family logs under its own name (a new family needs no entry here).
 */
export type LogArea = 'gateway' | 'config' | 'outbox' | 'uplink' | 'modbus' | 'serial' | 'cctv' | 'flows' | 'health' | 'demo' | 'cli' | 'sim' | 'families' | (string & {});

export type { Logger };

/** Keys whose values never reach a log line, wherever they are nested. */
const redactPaths = ['password', 'passphrase', 'secret', 'token', 'key', 'credentialSecret', '*.password', '*.passphrase', '*.secret', '*.token', '*.credentialSecret', '*.*.password', '*.*.secret'];

/** `scheme://user:password@` in any text: the credentials go, the address stays readable. */
const urlCredentials = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]+@/gi;

/** A text with the user name and password of every URL in it replaced by `[redacted]`. */
export function withoutUrlCredentials(text: string): string {
  return text.replace(urlCredentials, '$1[redacted]@');
}

/** The value with credentials cut out of every URL in it; the same object when there were none (the usual case). */
function scrub(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return value.includes('://') ? withoutUrlCredentials(value) : value;
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const items = value.map((item) => scrub(item, depth + 1));
    return items.some((item, i) => item !== value[i]) ? items : value;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  let out: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(value)) {
    const clean = scrub(v, depth + 1);
    if (clean !== v) (out ??= { ...(value as Record<string, unknown>) })[k] = clean;
  }
  return out ?? value;
}

/** A logger's bound fields; pino re-parses them on every bindings() call, so they are kept per logger. */
const boundFields = new WeakMap<object, Record<string, unknown>>();

/**
 * A known condition (a GatewayError) is logged as its code, its message and what to do about it;
 * a stack trace is kept only for the unexpected (anything else), where it helps find a bug.
 */
function serializeError(error: unknown): unknown {
  if (isGatewayError(error)) {
    const hint = errorHint(error.code);
    return { code: error.codeName, message: withoutUrlCredentials(error.message), ...(hint ? { hint } : {}) };
  }
  return error instanceof Error ? pino.stdSerializers.err(error) : error;
}

/**
 * The options every root logger shares: secrets redacted by key, credentials cut out of URLs
 * wherever they appear, known errors without stack traces, and a key given in a log call that the
 * logger already carries (`bus` on a bus's logger) written once, not twice.
 */
export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    base: { pid: process.pid },
    redact: { paths: redactPaths, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    serializers: { err: serializeError },
    formatters: { log: (object) => scrub(object, 0) as Record<string, unknown> },
    hooks: {
      logMethod(args, method) {
        const [first, ...rest] = args as unknown[];
        if (typeof first === 'string') return method.apply(this, [withoutUrlCredentials(first), ...rest] as Parameters<typeof method>);
        if (first !== null && typeof first === 'object' && !(first instanceof Error)) {
          let bound = boundFields.get(this);
          if (!bound) boundFields.set(this, (bound = this.bindings()));
          const fields = first as Record<string, unknown>;
          const duplicate = Object.keys(fields).filter((k) => k in bound && bound[k] === fields[k]);
          if (duplicate.length > 0) {
            const copy = { ...fields };
            for (const k of duplicate) delete copy[k];
            args[0] = copy;
          }
          if (typeof rest[0] === 'string') args[1] = withoutUrlCredentials(rest[0]);
        }
        return method.apply(this, args);
      },
    },
  };
}

export interface LogSettings {
  level?: string;
  /** Force human-readable output; by default it is used only when stderr is a terminal. */
  pretty?: boolean;
}

/**
 * The root logger: JSON lines to stderr when not on a terminal (journald keeps them), readable
 * lines on a terminal. Children per area come from `child(root, 'modbus')`.
 */
export function createRootLogger(settings: LogSettings = {}): Logger {
  const level = settings.level ?? process.env.CITYGW_LOG_LEVEL ?? 'info';
  const pretty = settings.pretty ?? (process.stderr.isTTY === true && process.env.CITYGW_LOG_FORMAT !== 'json');
  const options = loggerOptions(level);
  if (pretty) {
    return pino({ ...options, transport: { target: 'pino-pretty', options: { destination: 2, colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } });
  }
  return pino(options, pino.destination({ dest: 2, sync: true }));
}

export function child(parent: Logger, area: LogArea, bindings: Record<string, unknown> = {}): Logger {
  return parent.child({ area, ...bindings });
}

/** A logger that writes nothing, for tests and library use without a host. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

let callbackFailures = 0;

/** Logs (one line, with the error's code) and counts a failure that was contained instead of thrown. */
export function reportContainedFailure(log: Logger, what: string, error: unknown): void {
  callbackFailures += 1;
  const err = toError(error);
  try {
    log.error({ callback: what, code: isGatewayError(err) ? err.codeName : errorCode(err), err: err.message }, 'callback failed; contained, carrying on');
  } catch {
    // A logger that cannot write must not turn a contained failure into a crash.
  }
}

/** How many timer or event callbacks failed (and were contained) since the process started; on the health topic. */
export function callbackFailureCount(): number {
  return callbackFailures;
}

/**
 * Wraps a timer or event-handler callback so that nothing can throw out of it: a throw or a
 * rejected promise is logged (one line, with the error's code), counted in
 * `callbackFailureCount()`, and the process carries on; the owner's next timer retries. An
 * exception escaping a timer would otherwise end the process and every bus with it.
 */
export function guarded<A extends unknown[]>(log: Logger, what: string, callback: (...args: A) => unknown): (...args: A) => void {
  const report = (error: unknown): void => reportContainedFailure(log, what, error);
  return (...args: A) => {
    try {
      const result = callback(...args);
      if (result instanceof Promise) result.catch(report);
    } catch (error) {
      report(error);
    }
  };
}
