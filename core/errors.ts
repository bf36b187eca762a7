/**
 * The one error type of the gateway. Codes are grouped by range (like zwave-js): a code says what
 * went wrong (in logs, reading reasons and a flow's `msg.error`), `context` says where.
 */
export const ErrorCodes = {
  // 1xx configuration and command line
  ConfigInvalid: 100,
  ConfigNotFound: 101,
  SecretUnavailable: 102,
  UsageError: 103,
  // 2xx field transports and devices
  PortNotFound: 200,
  PortBusy: 201,
  PortPermission: 202,
  TransportClosed: 203,
  Timeout: 210,
  CrcMismatch: 211,
  ModbusException: 212,
  FrameInvalid: 213,
  DeviceOffline: 214,
  WriteVerifyFailed: 215,
  ProfileInvalid: 220,
  // 3xx outbox and storage
  StorageCorrupt: 300,
  StorageFull: 301,
  StorageClosed: 302,
  StorageWriteFailed: 303,
  /** The file was written by a newer release; never treated as corrupt (that would set it aside). */
  StorageTooNew: 304,
  // 4xx uplink
  UplinkNotConnected: 400,
  UplinkRejected: 401,
  // 5xx flows and services
  FlowsFailed: 500,
  ServiceFailed: 501,
  Aborted: 502,
  // 6xx releases, signatures and updates
  ReleaseInvalid: 600,
  SignatureInvalid: 601,
  KeyInvalid: 602,
  UpdateFailed: 603,
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

const codeNames = new Map<number, string>(Object.entries(ErrorCodes).map(([name, code]) => [code, name]));

export class GatewayError extends Error {
  override readonly name = 'GatewayError';
  readonly code: ErrorCode;
  readonly context: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: { context?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.context = options.context;
  }

  /** The code's symbolic name, e.g. `Timeout`, for logs and reading reasons. */
  get codeName(): string {
    return codeNames.get(this.code) ?? String(this.code);
  }
}

export function isGatewayError(error: unknown, code?: ErrorCode): error is GatewayError {
  return error instanceof GatewayError && (code === undefined || error.code === code);
}

/** Turns anything thrown into an Error without casts. */
export function toError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  return new Error(typeof thrown === 'string' ? thrown : JSON.stringify(thrown));
}

/** The system error code of a failed I/O call (`ENOENT`, `EACCES` ...), or its message. */
export function errorCode(thrown: unknown): string {
  if (thrown instanceof Error && 'code' in thrown && typeof thrown.code === 'string') return thrown.code;
  return toError(thrown).message;
}
