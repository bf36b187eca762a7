/**
 * Throughput of the serial frame parsers and the edge-computation chain, each next to a baseline
 * measured in the same run on the same machine:
 *   node --disable-warning=ExperimentalWarning test/bench/serial-parsers.ts
 * Parsers baseline: a minimal fixed-offset PMS frame reader (no resync, no plausibility).
 * Chain baseline: the same readings through a chain of no-op processors.
 */
import { encodePmsFrame, PmsParser } from '../../drivers/serial/pms5003.ts';
import { encodeSdsData, SdsParser } from '../../drivers/serial/sds011.ts';
import { pmsWords } from '../../drivers/sim/serial/pms5003-sim.ts';
import { createProcessors } from '../../gateway/families/index.ts';
import { gatewayConfigSchema } from '../../gateway/config/schema.ts';
import { silentLogger } from '../../core/log.ts';
import type { NewReading } from '../../core/reading.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function time(label: string, units: number, unitName: string, fn: () => void): number {
  fn(); // warm-up
  const t0 = process.hrtime.bigint();
  fn();
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const rate = units / s;
  process.stdout.write(`${label.padEnd(44)} ${rate.toFixed(0).padStart(12)} ${unitName}/s ${((s * 1e6) / units).toFixed(2).padStart(9)} us each\n`);
  return rate;
}

function chunks(stream: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < stream.length; i += size) out.push(stream.subarray(i, i + size));
  return out;
}

const frames = 100_000;
const pmsStream = chunks(Buffer.concat(Array.from({ length: frames }, (_, i) => encodePmsFrame(pmsWords(i % 300)))), 64);
const sdsStream = chunks(Buffer.concat(Array.from({ length: frames }, (_, i) => encodeSdsData((i % 999) / 10, (i % 999) / 5))), 64);

process.stdout.write(`serial parsers, ${frames} frames fed in 64-byte chunks\n`);
const baseline = time('baseline: fixed-offset PMS reader', frames, 'frames', () => {
  let buf = Buffer.alloc(0);
  let n = 0;
  for (const c of pmsStream) {
    buf = Buffer.concat([buf, c]);
    while (buf.length >= 32) {
      let sum = 0;
      for (let i = 0; i < 30; i++) sum += buf[i]!;
      if (sum === buf.readUInt16BE(30)) n++;
      buf = buf.subarray(32);
    }
  }
  if (n !== frames) throw new Error('baseline miscounted');
});
const pms = time('PmsParser (resync, checksum, plausibility)', frames, 'frames', () => {
  const p = new PmsParser();
  let n = 0;
  for (const c of pmsStream) n += p.push(c).length;
  if (n !== frames) throw new Error('PmsParser miscounted');
});
time('SdsParser', frames, 'frames', () => {
  const p = new SdsParser();
  let n = 0;
  for (const c of sdsStream) n += p.push(c).length;
  if (n !== frames) throw new Error('SdsParser miscounted');
});
process.stdout.write(`PmsParser / baseline: ${(pms / baseline).toFixed(2)}x (a PMS5003 sends about 1 frame/s)\n\n`);

const dir = mkdtempSync(join(tmpdir(), 'citygw-bench-'));
try {
  const config = gatewayConfigSchema.parse({
    gateway: { id: 'bench', dataDir: dir },
    buses: [{ type: 'serial', id: 'b', port: '/dev/null' }],
    devices: [{ id: 'air', driver: 'pms5003', bus: 'b', family: { type: 'air-quality', plausibility: { pm25_ug_m3: { min: 0, max: 1000, maxStep: 300 } } } }],
  });
  const readings = 50_000;
  const t0 = Date.UTC(2026, 0, 1);
  const make = (i: number): NewReading => ({ device: 'air', kind: 'air-quality', tsMs: t0 + i * 2000, values: { pm25_ug_m3: 20 + (i % 40), pm10_ug_m3: 30 + (i % 50) }, units: {}, quality: 'good' });
  process.stdout.write(`edge computation, ${readings} air-quality readings (2 s apart)\n`);
  const noop = time('baseline: 5 no-op processors', readings, 'readings', () => {
    const chain = Array.from({ length: 5 }, () => (r: NewReading): NewReading => ({ ...r, values: { ...r.values } }));
    for (let i = 0; i < readings; i++) chain.reduce((r, p) => p(r), make(i));
  });
  const real = time('createProcessors chain (means, AQI, checks)', readings, 'readings', () => {
    const chain = createProcessors({ config, dataDir: dir, log: silentLogger(), alert: () => undefined });
    for (let i = 0; i < readings; i++) chain.reduce((r, p) => p.process(r), make(i));
  });
  process.stdout.write(`chain costs ${(1e6 / real - 1e6 / noop).toFixed(1)} us more per reading than the baseline\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
