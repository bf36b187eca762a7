import type { LineDeviceConfig } from '../config-schema.ts';
import { transact } from '../bus-io.ts';
import { decodeLine } from '../line-protocol.ts';
import { LineSplitter } from '../line-splitter.ts';
import type { Sample, SerialProtocol } from '../serial-device.ts';

/** A text-line device: streams lines, or answers a `request` line once per interval. */
export function lineProtocol(config: LineDeviceConfig): SerialProtocol {
  const streaming = config.request === undefined;
  const parser = new LineSplitter({ delimiter: config.delimiter, maxLength: config.maxLength, dropFirstLine: streaming });
  const decode = (frame: unknown): Sample | null => {
    const result = decodeLine(String(frame), config.format, config.checksum);
    if (!result.ok) {
      parser.stats.invalidFrames += 1;
      return null;
    }
    return { values: result.values, units: result.units };
  };
  const points: Record<string, string> = config.format.type === 'fields' ? Object.fromEntries(config.format.fields.map((f) => [f.name, f.unit])) : { ...config.format.units };
  if (streaming) return { mode: 'stream', parser, decode, points };
  const request = Buffer.from(`${config.request}${config.delimiter}`, 'latin1');
  return { mode: 'poll', parser, points, poll: (bus, signal) => transact(bus, request, parser, (line: string) => decode(line) ?? undefined, config.timeout, signal) };
}
