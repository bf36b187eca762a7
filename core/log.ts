import { pino, type Logger, type LoggerOptions } from 'pino';
import { errorCode, isGatewayError, toError } from './errors.ts';

/** The areas that get their own child logger, so a technician can filter `area=modbus`. */
export type LogArea = 'gateway' | 'config' | 'outbox' | 'uplink' | 'modbus' | 'serial' | 'cctv' | 'flows' | 'health' | 'demo' | 'cli' | 'sim' | 'families';

export type { Logger };

/** Keys whose values never reach a log line, wherever they are nested. */
const redactPaths = ['password', 'passphrase', 'secret', 'token', 'key', 'credentialSecret', '*.password', '*.passphrase', '*.secret', '*.token', '*.credentialSecret', '*.*.password', '*.*.secret', 'url'];

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
  const options: LoggerOptions = {
    level,
    base: { pid: process.pid },
    redact: { paths: redactPaths, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
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
