import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, GatewayError } from '../../core/errors.ts';
import { callbackFailureCount, guarded } from '../../core/log.ts';

function capturingLogger(): { log: pino.Logger; lines: () => Array<Record<string, unknown>> } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { log: pino({ level: 'info' }, sink), lines: () => lines.flatMap((l) => l.trim().split('\n')).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('guarded timer and event callbacks', () => {
  it('contains a throw: logged once with its code, counted, not rethrown', () => {
    const { log, lines } = capturingLogger();
    const before = callbackFailureCount();
    const callback = guarded(log, 'reconnect', () => {
      throw new GatewayError(ErrorCodes.SecretUnavailable, 'cannot read ca.pem');
    });
    expect(() => callback()).not.toThrow();
    expect(callbackFailureCount()).toBe(before + 1);
    expect(lines()).toEqual([expect.objectContaining({ level: 50, callback: 'reconnect', code: 'SecretUnavailable', err: 'cannot read ca.pem' })]);
  });

  it('contains a rejected promise from an async callback, and passes arguments through', async () => {
    const { log, lines } = capturingLogger();
    const before = callbackFailureCount();
    const seen: number[] = [];
    const callback = guarded(log, 'data', async (n: number) => {
      seen.push(n);
      throw new Error('parser bug');
    });
    callback(7);
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual([7]);
    expect(callbackFailureCount()).toBe(before + 1);
    expect(lines()[0]).toMatchObject({ callback: 'data', err: 'parser bug' });
  });

  it('keeps a real timer from ending the process', async () => {
    const { log } = capturingLogger();
    const before = callbackFailureCount();
    await new Promise<void>((resolve) => {
      setTimeout(
        guarded(log, 'timer', () => {
          resolve();
          throw new Error('boom');
        }),
        1,
      );
    });
    await new Promise((r) => setImmediate(r));
    expect(callbackFailureCount()).toBe(before + 1);
  });
});
