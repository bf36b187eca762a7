import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AlertInput } from '../../core/alert.ts';
import { silentLogger } from '../../core/log.ts';
import { bufferSchema } from '../../gateway/outbox/config-schema.ts';
import { SqliteOutbox } from '../../gateway/outbox/sqlite-outbox.ts';
import type { NewReading, ReadingPayload } from '../../core/reading.ts';
import type { OutgoingMessage } from '../../gateway/outbox/types.ts';

/** A 4-value flood-level reading like the ones a radar level sensor produces. */
export function floodReading(device: string, tsMs: number, level = 1.25): NewReading {
  return { device, kind: 'flood-level', tsMs, values: { level, rate: -0.02, battery: 12.6, signal: 78 }, units: { level: 'm', rate: 'm/h', battery: 'V', signal: '%' }, quality: 'good' };
}

/** The benchmarks' i-th 4-value sample (level, rate, battery, signal), spread over `devices` stations. */
export function benchReading(i: number, devices: number, t0Ms: number = Date.UTC(2026, 10, 21)): NewReading {
  return {
    device: `canal-${i % devices}`,
    kind: 'flood-level',
    tsMs: t0Ms + i * 125,
    values: { level: Math.round(1200 + 300 * Math.sin(i / 5000)) / 1000, rate: Math.round(Math.cos(i / 700) * 100) / 1000, battery: 12.4 + (i % 7) / 10, signal: 60 + (i % 30) },
    units: { level: 'm', rate: 'm/h', battery: 'V', signal: '%' },
    quality: 'good',
  };
}

export function floodAlert(n: number): AlertInput {
  return { id: `flood-stage:canal-${n}`, state: 'raised', severity: 'critical', rule: 'flood-stage', device: 'canal', message: { th: 'ระดับน้ำสูง', en: 'Water level high' } };
}

/** A temp folder and an outbox in it, with `buffer` settings as in the YAML file. */
export function tempOutbox(buffer: Record<string, unknown> = {}): { outbox: SqliteOutbox; dir: string; reopen: () => SqliteOutbox; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'citygw-outbox-'));
  const make = (): SqliteOutbox => new SqliteOutbox({ config: bufferSchema.parse({ commitInterval: '10s', minFreeDisk: 0, ...buffer }), dataDir: dir, log: silentLogger() });
  const handle = {
    outbox: make(),
    dir,
    reopen: (): SqliteOutbox => {
      handle.outbox.close();
      handle.outbox = make();
      handle.outbox.open();
      return handle.outbox;
    },
    cleanup: (): void => {
      handle.outbox.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  handle.outbox.open();
  return handle;
}

/** The seqs a message carries, live or history. */
export function seqsOf(message: OutgoingMessage): number[] {
  const body = JSON.parse(message.payload) as ReadingPayload | { readings: ReadingPayload[] };
  return 'readings' in body ? body.readings.map((r) => r.seq) : [body.seq];
}
