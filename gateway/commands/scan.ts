import { toError } from '../../core/errors.ts';
import { child, createRootLogger } from '../../core/log.ts';
import { parseDurationMs } from '../../core/units.ts';
import { busFromArgs, lineUsage, openToolChannelOrExplain, parseToolArgs, portHint } from '../../drivers/modbus/tools/line-options.ts';
import { parseUnits, scanBus } from '../../drivers/modbus/tools/scan.ts';
import { formatTable } from '../../drivers/modbus/tools/text-table.ts';
import type { CliCommand } from './types.ts';

const usage = `citygw scan ${lineUsage} [--units 1-247] [--json]`;

/**
 * `citygw scan`: which unit ids answer on a bus, and what they answer. Owns the port while it
 * runs, so stop the gateway first (or the port is reported busy).
 */
export const scanCommand: CliCommand = {
  name: 'scan',
  summary: 'list the Modbus unit ids that answer on a bus',
  usage,
  async run(argv, io) {
    let values;
    let bus;
    try {
      ({ values } = parseToolArgs(argv, { units: { type: 'string' } }));
      bus = busFromArgs(values);
    } catch (error) {
      io.err.write(`${toError(error).message}\nusage: ${usage}\n`);
      if (!argv.includes('--port') && !argv.includes('--tcp')) io.err.write(await portHint());
      return 2;
    }
    const units = parseUnits(values.units ?? '1-247');
    if (!units) {
      io.err.write(`--units expects ids 1-247 such as 1-247 or 1,2,10-20, got ${values.units}\n`);
      return 2;
    }
    const log = child(createRootLogger({ level: process.env.CITYGW_LOG_LEVEL ?? 'warn' }), 'cli');
    const channel = await openToolChannelOrExplain(bus, log, io.err);
    if (!channel) return 1;
    try {
      const timeoutMs = parseDurationMs(values.timeout ?? '200ms') ?? 200;
      io.err.write(`scanning ${units.length} unit id(s) on ${channel.description}, ${timeoutMs} ms each ...\n`);
      const found = await scanBus(channel, units, timeoutMs);
      if (values.json) {
        io.out.write(`${JSON.stringify({ bus: channel.description, found })}\n`);
      } else if (found.length === 0) {
        io.out.write(`no unit answered on ${channel.description}. Check wiring (A/B swapped?), baud rate, parity and termination.\n`);
      } else {
        const labels = Object.keys(found[0]!.answers);
        const allLabels = [...new Set(found.flatMap((f) => Object.keys(f.answers)).concat(labels))];
        io.out.write(formatTable(['unit', ...allLabels, 'identity (FC17)'], found.map((f) => [String(f.unit), ...allLabels.map((l) => f.answers[l] ?? ''), f.identity ?? '-'])));
      }
      return found.length > 0 ? 0 : 1;
    } catch (error) {
      io.err.write(`${toError(error).message}\n`);
      return 1;
    } finally {
      await channel.close();
    }
  },
};
