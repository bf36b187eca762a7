import { pino, type Logger, type LoggerOptions } from 'pino';

/**
 * The areas that get their own child logger, so a technician can filter `area=modbus`. A driver
 * family logs under its own name (a new family needs no entry here).
 */
export type LogArea = 'gateway' | 'config' | 'outbox' | 'uplink' | 'modbus' | 'serial' | 'cctv' | 'flows' | 'health' | 'demo' | 'cli' | 'sim' | 'families' | (string & {});

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
