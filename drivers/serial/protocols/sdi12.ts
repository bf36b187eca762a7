import type { Sdi12DeviceConfig } from '../config-schema.ts';
import { awaitFrame, transact } from '../bus-io.ts';
import { ErrorCodes, GatewayError, isGatewayError } from '../../../core/errors.ts';
import { LineSplitter } from '../line-splitter.ts';
import { isServiceRequest, parseDataReply, parseMeasureReply, sdi12Command } from '../sdi12.ts';
import type { Sample, SerialProtocol } from '../serial-device.ts';

/** D commands tried before giving up on collecting the announced number of values. */
const maxDataCommands = 10;

/**
 * One SDI-12 sensor behind an adapter: `aM!` -> `atttn`, wait up to ttt s (or until the sensor's
 * service request `a`), then `aD0!`, `aD1!` ... until the n announced values are in. Lines the
 * adapter echoes back (`0M!`) are ignored. The whole exchange holds the bus.
 */
export function sdi12Protocol(config: Sdi12DeviceConfig): SerialProtocol {
  const parser = new LineSplitter({ delimiter: '\r\n', maxLength: 80, dropFirstLine: false });
  const a = config.address;
  const crc = config.command.startsWith('MC');
  const ascii = (text: string): Buffer => Buffer.from(text, 'latin1');
  return {
    points: Object.fromEntries(config.values.map((v) => [v.name, v.unit])),
    mode: 'poll',
    parser,
    poll: async (bus, signal) => {
      const measure = await transact(bus, ascii(sdi12Command(a, config.command)), parser, (line: string) => parseMeasureReply(line, a) ?? undefined, config.timeout, signal);
      if (measure.count === 0) throw new GatewayError(ErrorCodes.FrameInvalid, `sensor ${a} announced no values`);
      if (measure.waitS > 0) {
        try {
          await awaitFrame(bus, parser, (line: string) => (isServiceRequest(line, a) ? true : undefined), measure.waitS * 1000, signal);
        } catch (error) {
          if (!isGatewayError(error, ErrorCodes.Timeout)) throw error;
        }
      }
      const values: number[] = [];
      for (let d = 0; values.length < measure.count && d < maxDataCommands; d++) {
        const got = await transact(bus, ascii(sdi12Command(a, `D${d}`)), parser, (line: string) => parseDataReply(line, a, crc) ?? undefined, config.timeout, signal);
        if (got.length === 0) break;
        values.push(...got);
      }
      if (values.length !== measure.count) {
        throw new GatewayError(ErrorCodes.FrameInvalid, `sensor ${a} announced ${measure.count} values, sent ${values.length}`);
      }
      const sample: Sample = { values: {}, units: {} };
      config.values.forEach((v, i) => {
        const value = values[i];
        if (value === undefined) return;
        sample.values[v.name] = value * v.scale;
        sample.units[v.name] = v.unit;
      });
      return sample;
    },
  };
}
