import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AlertInput } from '../../../core/alert.ts';
import { Timekeeper } from '../../../gateway/clock/index.ts';
import { gatewayConfigSchema } from '../../../gateway/config/schema.ts';
import { createProcessors, monotonicEdgeClock, wallEdgeClock, type EdgeClock } from '../../../gateway/families/index.ts';
import { silentLogger } from '../../../core/log.ts';
import type { ReadingProcessor } from '../../../gateway/processing/types.ts';
import type { NewReading } from '../../../core/reading.ts';
import { DrivenClock, SwitchedSource } from '../../helpers/driven-clock.ts';

const min = 60_000;
const config = gatewayConfigSchema.parse({
  gateway: { id: 'gw' },
  buses: [{ id: 'rs485', type: 'modbus-rtu', port: '/dev/null', baud: 9600 }],
  devices: [
    {
      id: 'canal',
      driver: 'modbus',
      bus: 'rs485',
      unit: 1,
      profile: 'radar-level-ld8001h',
      family: {
        type: 'flood-level',
        point: 'level_mm',
        unit: 'mm',
        stages: { watchM: 3.7, alertM: 4.0, criticalM: 4.2, hysteresisM: 0.05, minHold: '3h' },
        rise: { window: '1h', alertCmH: 5 },
        staleAfter: '10m',
      },
    },
  ],
});

/**
 * Runs the real edge chain on readings stamped by the timekeeper, one a minute, with the water
 * at 4.05 m for 5 minutes (stage alert, raised once), then back to 3.80 m, which may lower the
 * stage only after the 3 h hold, while the wall clock is stepped as given. Returns every alert
 * after the first stage alert.
 */
async function run(edgeOf: (clock: DrivenClock, tk: Timekeeper) => EdgeClock, steps: Record<number, number>): Promise<AlertInput[]> {
  const clock = new DrivenClock(Date.UTC(2026, 10, 30, 0, 0, 0));
  const tk = new Timekeeper({ clock, source: new SwitchedSource(true), bootId: 'b', log: silentLogger(), checkIntervalMs: 60_000, stepThresholdMs: 1_000 });
  await tk.start();
  const alerts: AlertInput[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'citygw-step-'));
  const chain: ReadingProcessor[] = createProcessors({ config, dataDir, log: silentLogger(), alert: (a) => alerts.push(a), edge: edgeOf(clock, tk) });
  const stale = chain.find((p) => p.name === 'stale-sensor')!;
  const abort = new AbortController();
  await stale.start?.(abort.signal);
  for (let m = 0; m < 120; m++) {
    if (steps[m] !== undefined) clock.stepWall(steps[m]!);
    const levelMm = m < 5 ? 4050 : 3800 + (m % 3);
    const driverTs = clock.wallMs();
    const stamp = tk.stamp('canal', driverTs);
    let reading: NewReading = { device: 'canal', kind: 'flood-level', tsMs: stamp.tsMs, monoMs: stamp.monoMs, values: { level_mm: levelMm }, units: { level_mm: 'mm' }, quality: 'good' };
    for (const p of chain) reading = p.process(reading);
    clock.advance(min);
    (stale as unknown as { check(): void }).check();
  }
  abort.abort();
  tk.stop();
  rmSync(dataDir, { recursive: true, force: true });
  expect(alerts[0]).toMatchObject({ id: 'flood-stage:canal', state: 'raised', values: { stage: 'alert' } });
  return alerts.slice(1);
}

describe('a clock step at the edge', () => {
  const steps = { 30: 86_400_000, 60: -3_600_000, 90: -86_400_000 + 3_600_000 };

  it('fires and clears no alert: rise, hold and silence are measured on the monotonic clock', async () => {
    const after = await run((clock, tk) => monotonicEdgeClock(() => clock.monoMs(), () => tk.nowMs()), steps);
    expect(after).toEqual([]);
  });

  it('(the same steps on wall time would have: this is what the test guards against)', async () => {
    const after = await run((clock) => wallEdgeClock(() => clock.wallMs()), steps);
    expect(after.length).toBeGreaterThan(0);
  });
});
