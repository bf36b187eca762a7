import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, GatewayError } from '../../core/errors.ts';
import { child, loggerOptions } from '../../core/log.ts';

/** A root logger with the gateway's own options, writing raw JSON lines into an array. */
function capture(): { log: pino.Logger; raw: string[] } {
  const raw: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      raw.push(...chunk.toString().trim().split('\n'));
      done();
    },
  });
  return { log: pino(loggerOptions('debug'), sink), raw };
}

describe('log lines', () => {
  it('keeps addresses readable and cuts only the credentials out of URLs, wherever they are', () => {
    const { log, raw } = capture();
    log.info({ url: 'http://127.0.0.1:1880/', user: 'tech' }, 'flows editor listening');
    log.warn({ broker: 'mqtts://gw:hunter2@broker.example:8883', nested: { urls: ['mqtt://a:b@10.0.0.1'] } }, 'cannot reach mqtt://gw:hunter2@broker.example:8883 now');
    log.info({ password: 'hunter2', uplink: { password: 'hunter2' } }, 'secrets by key');
    expect(JSON.parse(raw[0]!).url).toBe('http://127.0.0.1:1880/');
    const second = JSON.parse(raw[1]!);
    expect(second.broker).toBe('mqtts://[redacted]@broker.example:8883');
    expect(second.nested.urls).toEqual(['mqtt://[redacted]@10.0.0.1']);
    expect(second.msg).toBe('cannot reach mqtt://[redacted]@broker.example:8883 now');
    expect(raw.join('\n')).not.toContain('hunter2');
  });

  it('writes a key the logger already carries once, not twice', () => {
    const { log, raw } = capture();
    const busLog = child(log, 'modbus', { bus: 'rs485' });
    busLog.warn({ bus: 'rs485', err: 'gone' }, 'cannot open the bus port; retrying');
    expect(raw[0]!.match(/"bus":/g)).toHaveLength(1);
    expect(raw[0]!.match(/"area":/g)).toHaveLength(1);
  });

  it('logs a known condition as its code, message and what to do, without a stack trace; the unexpected keeps its stack', () => {
    const { log, raw } = capture();
    log.error({ err: new GatewayError(ErrorCodes.PortNotFound, 'serial port /dev/ttyUSB0: No such file or directory') }, 'cannot open the bus port; retrying');
    log.error({ err: new TypeError('x is undefined') }, 'unexpected error in the bus loop');
    const known = JSON.parse(raw[0]!);
    expect(known.err).toEqual({ code: 'PortNotFound', message: 'serial port /dev/ttyUSB0: No such file or directory', hint: expect.stringContaining('/dev/serial/by-id/') });
    expect(raw[0]).not.toContain('stack');
    expect(JSON.parse(raw[1]!).err.stack).toContain('TypeError: x is undefined');
  });
});
