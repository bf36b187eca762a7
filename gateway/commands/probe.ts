import { toError } from '../../core/errors.ts';
import { child, createRootLogger } from '../../core/log.ts';
import { parseDurationMs } from '../../core/units.ts';
import { busFromArgs, lineUsage, openToolChannelOrExplain, parseAddress, parseToolArgs, usageError } from '../../drivers/modbus/tools/line-options.ts';
import { doubleColumns, floatColumns, integerColumns, probeRows, probeTable } from '../../drivers/modbus/tools/probe.ts';
import { formatTable } from '../../drivers/modbus/tools/text-table.ts';
import type { CliCommand } from './types.ts';

const usage = `citygw probe ${lineUsage} --unit N [--table holding|input] [--address 0] [--count 8] [--json]`;

/**
 * `citygw probe`: reads a block of registers once and shows it in every type and byte/word order
 * side by side, to identify what an undocumented device holds before writing its profile.
 */
export const probeCommand: CliCommand = {
  name: 'probe',
  summary: 'show a register block in every type and byte order, to identify an unknown device',
  usage,
  async run(argv, io) {
    let values;
    let bus;
    let unit: number;
    let address: number;
    let count: number;
    let table: 'holding' | 'input';
    try {
      ({ values } = parseToolArgs(argv, { unit: { type: 'string' }, table: { type: 'string' }, address: { type: 'string' }, count: { type: 'string' } }));
      bus = busFromArgs(values);
      unit = parseAddress(values.unit, '--unit', -1);
      if (unit < 1 || unit > 247) throw usageError('--unit N (1-247) is required');
      address = parseAddress(values.address, '--address', 0);
      count = parseAddress(values.count, '--count', 8);
      if (count < 1 || count > 125) throw usageError('--count expects 1-125');
      const t = values.table ?? 'holding';
      if (t !== 'holding' && t !== 'input') throw usageError('--table expects holding or input');
      table = t;
    } catch (error) {
      io.err.write(`${toError(error).message}\nusage: ${usage}\n`);
      return 2;
    }
    const log = child(createRootLogger({ level: process.env.CITYGW_LOG_LEVEL ?? 'warn' }), 'cli');
    const channel = await openToolChannelOrExplain(bus, log, io.err);
    if (!channel) return 1;
    try {
      const timeoutMs = parseDurationMs(values.timeout ?? '500ms') ?? 500;
      const reply = await channel.transact(unit, { fc: table === 'holding' ? 3 : 4, address, count }, timeoutMs);
      const registers = reply.registers ?? [];
      const rows = probeRows(address, registers);
      if (values.json) {
        io.out.write(`${JSON.stringify({ unit, table, address, registers, rows })}\n`);
        return 0;
      }
      io.out.write(`unit ${unit}, ${table} registers ${address}..${address + count - 1} on ${channel.description}\n\n`);
      for (const [title, columns] of [['16-bit and 32-bit floats', floatColumns], ['32-bit integers', integerColumns], ['64-bit floats', doubleColumns]] as const) {
        const { headers, cells } = probeTable(rows, [...columns]);
        io.out.write(`${title}:\n${formatTable(headers, cells)}\n`);
      }
      io.out.write('ABCD = big-endian; CDAB = word swap; BADC = byte swap; DCBA = little-endian. Look for the column with plausible values.\n');
      return 0;
    } catch (error) {
      io.err.write(`unit ${unit}: ${toError(error).message}\n`);
      return 1;
    } finally {
      await channel.close();
    }
  },
};
