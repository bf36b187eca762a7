import { toError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import type { ProbeName, ProbeOutcome, ProbeResult } from './probe.ts';

const netErrorWords: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'timeout',
  EPIPE: 'connection closed',
};

/** A failure in words a technician understands (`connection refused`, `timeout after 2000 ms`). */
export function describeFailure(thrown: unknown, timeoutMs: number, signal: AbortSignal): string {
  if (signal.aborted) return `timeout after ${timeoutMs} ms`;
  const error = toError(thrown);
  const code = 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  if (code !== undefined && netErrorWords[code] !== undefined) return netErrorWords[code];
  // fetch wraps the socket error in `cause`.
  if (error.cause !== undefined && error.cause !== thrown) {
    const inner = toError(error.cause);
    const innerCode = 'code' in inner && typeof inner.code === 'string' ? inner.code : undefined;
    if (innerCode !== undefined && netErrorWords[innerCode] !== undefined) return netErrorWords[innerCode];
    return inner.message;
  }
  return error.message;
}

/**
 * Runs one probe body under its own deadline and turns every failure into a result: a probe never
 * throws and never outlives its timeout, so one hung camera cannot hold up another probe.
 */
export async function runProbe(
  name: ProbeName,
  timeoutMs: number,
  outer: AbortSignal,
  log: Logger,
  body: (signal: AbortSignal) => Promise<ProbeOutcome>,
  onFailure: (reason: string) => ProbeOutcome = (reason) => ({ verdict: 'down', reason, values: {}, units: {} }),
): Promise<ProbeResult> {
  const startMs = Date.now();
  const deadline = AbortSignal.timeout(timeoutMs);
  const signal = AbortSignal.any([outer, deadline]);
  let outcome: ProbeOutcome;
  try {
    outcome = await raceAbort(body(signal), signal);
  } catch (thrown) {
    const reason = describeFailure(thrown, timeoutMs, deadline);
    log.debug({ probe: name, reason }, 'probe failed');
    outcome = onFailure(reason);
  }
  return { probe: name, ...outcome, tsMs: startMs, durationMs: Date.now() - startMs };
}

/** Settles with the promise, or rejects as soon as the signal aborts (a body that ignores its signal cannot hang the loop). */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) {
      reject(toError(signal.reason));
      return;
    }
    const onAbort = (): void => reject(toError(signal.reason));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(toError(error));
      },
    );
  });
}
