import { ErrorCodes, type ErrorCode } from './errors.ts';

/**
 * What a technician does about a known condition, said next to its code in the log line (and on
 * the command line), so a routine problem reads as an instruction, not a stack trace.
 */
const hints: Partial<Record<ErrorCode, string>> = {
  [ErrorCodes.PortNotFound]: 'check the USB adapter and its cable; `ls -l /dev/serial/by-id/` lists the adapters plugged in (use those names in the config)',
  [ErrorCodes.PortBusy]: 'another program holds the port (a second citygw, a terminal program); stop it',
  [ErrorCodes.PortPermission]: 'the service user must be in the dialout group (install.sh does this); log out and in after adding yourself',
  [ErrorCodes.TransportClosed]: 'the line or adapter went away; it is reopened by itself when it returns',
  [ErrorCodes.Timeout]: 'check the unit id, the wiring (A/B), baud rate and parity; `citygw scan` finds units on the bus',
  [ErrorCodes.CrcMismatch]: 'noise or a wrong baud rate/parity on the line; check termination and the bus settings',
  [ErrorCodes.SecretUnavailable]: 'check that the file exists and is readable by the service user',
  [ErrorCodes.StorageFull]: 'the disk is nearly full; free space or lower buffer.maxBytes',
  [ErrorCodes.UplinkNotConnected]: 'readings wait in the outbox until the broker is reachable',
};

/** The hint for a known error code, if there is one. */
export function errorHint(code: ErrorCode): string | undefined {
  return hints[code];
}
