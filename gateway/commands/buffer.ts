import { existsSync } from 'node:fs';
import { inDataDir } from '../config/load.ts';
import { isGatewayError } from '../../core/errors.ts';
import { inspectOutboxFile } from '../outbox/inspect.ts';
import type { OutboxStats, StreamCounters } from '../outbox/types.ts';
import { parseCommandArgs, requireOption } from './args.ts';
import { loadConfigOrReport } from './config-problems.ts';
import type { CliCommand } from './types.ts';

const columns: Array<[keyof StreamCounters, string]> = [
  ['depth', 'waiting'],
  ['produced', 'produced'],
  ['stored', 'stored'],
  ['sent', 'sent'],
  ['acknowledged', 'acked'],
  ['evicted', 'evicted'],
  ['expired', 'expired'],
  ['rejected', 'rejected'],
];

function age(oldestTsMs: number | null, nowMs: number): string {
  if (oldestTsMs === null) return '-';
  const s = Math.max(0, Math.round((nowMs - oldestTsMs) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172_800) return `${(s / 3600).toFixed(1)}h`;
  return `${(s / 86_400).toFixed(1)}d`;
}

/** The table a technician reads: one row per stream, then lane totals. */
export function formatBufferReport(stats: OutboxStats, nowMs: number = Date.now()): string {
  const header = ['stream', ...columns.map(([, title]) => title), 'oldest'];
  const row = (name: string, c: StreamCounters): string[] => [name, ...columns.map(([key]) => String(c[key] ?? 0)), age(c.oldestTsMs, nowMs)];
  const body = Object.keys(stats.streams)
    .sort()
    .map((name) => row(name, stats.streams[name]!));
  const totals = Object.entries(stats.lanes).map(([lane, c]) => row(`[${lane}]`, c));
  const rows = [header, ...body, ...totals];
  const widths = header.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]): string => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  // Health snapshots are replaced by newer ones on purpose: not a loss.
  const lost = Object.entries(stats.lanes).reduce((n, [lane, c]) => (lane === 'health' ? n : n + c.evicted + c.expired + c.rejected), 0);
  return [
    `outbox ${stats.path}: ${(stats.bytesOnDisk / 1024 ** 2).toFixed(1)} MB on disk`,
    line(header),
    ...body.map(line),
    ...totals.map(line),
    lost > 0 ? `${lost} reading(s) or alert(s) removed by the retention policy (evicted, expired or rejected): upstream sees the readings as seq gaps.` : 'nothing removed by the retention policy.',
    '',
  ].join('\n');
}

export const bufferCommand: CliCommand = {
  name: 'buffer',
  summary: 'show the outbox: rows waiting per lane and stream, oldest row, loss counters',
  usage: 'citygw buffer --config FILE [--json]',
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, { config: { type: 'string', short: 'c' }, json: { type: 'boolean' } });
    const file = requireOption(values.config, '--config FILE');
    const loaded = loadConfigOrReport(file, io);
    if (typeof loaded === 'number') return loaded;
    const path = inDataDir(loaded, loaded.config.buffer.path);
    if (!existsSync(path)) {
      io.err.write(`no outbox at ${path} yet (the gateway creates it when it first runs)\n`);
      return 1;
    }
    try {
      const stats = inspectOutboxFile(path);
      io.out.write(values.json ? `${JSON.stringify(stats, null, 2)}\n` : formatBufferReport(stats));
      return 0;
    } catch (error) {
      if (!isGatewayError(error)) throw error;
      io.err.write(`${error.message}\n(the gateway checks the file at start and moves a damaged one aside)\n`);
      return 1;
    }
  },
};
