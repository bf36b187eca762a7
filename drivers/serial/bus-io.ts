import { ErrorCodes, GatewayError } from '../../core/errors.ts';
import type { FrameParser } from './frame-parser.ts';
import type { SerialBus } from './serial-bus.ts';

/**
 * Waits for the first frame that `accept` turns into a result, feeding the bus's bytes through
 * `parser`. Rejects with Timeout after `timeoutMs`, TransportClosed if the port goes away, and
 * Aborted on `signal`. Used for every request/answer exchange on a serial bus.
 */
export function awaitFrame<F, T>(bus: SerialBus, parser: FrameParser<F>, accept: (frame: F) => T | undefined, timeoutMs: number, signal?: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const finish = (fn: () => void): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      unsubscribe();
      unState();
      signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const onAbort = (): void => finish(() => reject(new GatewayError(ErrorCodes.Aborted, 'aborted')));
    const timer = setTimeout(() => finish(() => reject(new GatewayError(ErrorCodes.Timeout, `no valid reply within ${timeoutMs} ms`, { context: { bus: bus.config.id } }))), timeoutMs);
    const unsubscribe = bus.subscribe((chunk) => {
      for (const frame of parser.push(chunk)) {
        const result = accept(frame);
        if (result !== undefined) {
          finish(() => resolve(result));
          return;
        }
      }
    });
    const unState = bus.onState((open) => {
      if (!open) finish(() => reject(new GatewayError(ErrorCodes.TransportClosed, `serial port ${bus.config.port} went away`, { context: { bus: bus.config.id } })));
    });
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Writes a request and waits for its answer (the parser is reset first: no stale bytes answer it). */
export async function transact<F, T>(bus: SerialBus, request: Uint8Array | null, parser: FrameParser<F>, accept: (frame: F) => T | undefined, timeoutMs: number, signal?: AbortSignal): Promise<T> {
  parser.reset();
  const answer = awaitFrame(bus, parser, accept, timeoutMs, signal);
  // The answer may settle (abort, port gone) while the write is still pending: mark it handled
  // now; the caller still sees the rejection through the returned promise.
  answer.catch(() => undefined);
  if (request) await bus.write(request);
  return answer;
}
