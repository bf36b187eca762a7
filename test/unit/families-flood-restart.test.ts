import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AlertInput } from '../../core/alert.ts';
import { floodLevelFamilySchema, type FamilyConfig } from '../../core/family-schema.ts';
import { FloodLevelProcessor } from '../../gateway/families/flood-processor.ts';
import { StaleSensorWatch } from '../../gateway/families/stale-watch.ts';
import { silentLogger } from '../../core/log.ts';
import type { NewReading } from '../../core/reading.ts';

// A gateway restarted during a flood: the stage it had raised (and since when) and the rise alert
// are read back from the data folder, so holds still apply and raised alerts are cleared later.
const min = 60_000;
const config = floodLevelFamilySchema.parse({
  type: 'flood-level',
  stages: { watchM: 3.2, alertM: 3.7, criticalM: 4.0, hysteresisM: 0.1, minHold: '10m' },
  rise: { window: '1h', alertCmH: 2 },
  staleAfter: '10m',
});
const families = new Map<string, FamilyConfig>([['canal', config]]);
const reading = (tsMs: number, level: number): NewReading => ({ device: 'canal', kind: 'flood-level', tsMs, values: { level_m: level }, units: { level_m: 'm' }, quality: 'good' });
const dirs: string[] = [];

/** One gateway run: a processor on the data folder and the alerts it raised. */
function run(dataDir: string): { p: FloodLevelProcessor; alerts: AlertInput[] } {
  const alerts: AlertInput[] = [];
  return { p: new FloodLevelProcessor(families, (a) => alerts.push(a), { dataDir, log: silentLogger() }), alerts };
}

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'citygw-flood-state-'));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('flood-level state across a restart', () => {
  it('clears a stage raised before the restart when the water has gone down', () => {
    const dir = dataDir();
    const first = run(dir);
    first.p.process(reading(0, 3.4));
    expect(first.alerts.map((a) => `${a.state}:${String(a.values?.stage)}`)).toEqual(['raised:watch']);

    const second = run(dir);
    expect(second.p.process(reading(20 * min, 1.0)).values.stage).toBe('normal');
    expect(second.alerts.map((a) => `${a.id}:${a.state}`)).toEqual(['flood-stage:canal:cleared']);
  });

  it('keeps the hold of a stage entered before the restart, and raises nothing twice', () => {
    const dir = dataDir();
    const first = run(dir);
    first.p.process(reading(0, 3.8));
    const second = run(dir);
    // Inside the hold and the hysteresis band: still alert, no new alert.
    expect(second.p.process(reading(2 * min, 3.65)).values.stage).toBe('alert');
    expect(second.p.process(reading(4 * min, 3.5)).values.stage).toBe('alert');
    expect(second.alerts).toEqual([]);
    // The hold counted from before the restart.
    expect(second.p.process(reading(10 * min, 3.5)).values.stage).toBe('watch');
    expect(second.alerts.map((a) => `${a.state}:${String(a.values?.stage)}`)).toEqual(['raised:watch']);
  });

  it('clears a rise alert raised before the restart once the rate has dropped', () => {
    const dir = dataDir();
    const first = run(dir);
    first.p.process(reading(0, 1.0));
    first.p.process(reading(20 * min, 2.0));
    expect(first.alerts.filter((a) => a.rule === 'flood-rise').map((a) => a.state)).toEqual(['raised']);

    const second = run(dir);
    second.p.process(reading(30 * min, 2.0));
    second.p.process(reading(50 * min, 2.0));
    expect(second.alerts.filter((a) => a.rule === 'flood-rise').map((a) => a.state)).toEqual(['cleared']);
  });

  it('starts from normal when the saved state is damaged', () => {
    const dir = dataDir();
    mkdirSync(join(dir, 'families', 'flood-level'), { recursive: true });
    writeFileSync(join(dir, 'families', 'flood-level', 'canal.json'), '{"stage": "wat');
    const { p, alerts } = run(dir);
    expect(p.process(reading(0, 1.0)).values.stage).toBe('normal');
    expect(p.process(reading(min, 3.4)).values.stage).toBe('watch');
    expect(alerts.map((a) => a.state)).toEqual(['raised']);
  });
});

describe('stale-sensor alarm across a restart', () => {
  it('clears an alarm raised before the restart at the first value after it, and raises it only once', async () => {
    const dir = dataDir();
    let now = 0;
    const before: AlertInput[] = [];
    const first = new StaleSensorWatch(families, (a) => before.push(a), silentLogger(), () => now, dir);
    await first.start(new AbortController().signal);
    now = 11 * min;
    first.check();
    expect(before.map((a) => `${a.id}:${a.state}`)).toEqual(['stale-sensor:canal:raised']);
    await first.stop();

    const after: AlertInput[] = [];
    const second = new StaleSensorWatch(families, (a) => after.push(a), silentLogger(), () => now, dir);
    await second.start(new AbortController().signal);
    now = 25 * min;
    second.check();
    expect(after).toEqual([]);
    second.process(reading(now, 3.0));
    expect(after.map((a) => `${a.id}:${a.state}`)).toEqual(['stale-sensor:canal:cleared']);
    await second.stop();

    // Cleared is remembered too: a third run has nothing to clear.
    const third: AlertInput[] = [];
    const watch = new StaleSensorWatch(families, (a) => third.push(a), silentLogger(), () => now, dir);
    await watch.start(new AbortController().signal);
    watch.process(reading(now + min, 3.0));
    expect(third).toEqual([]);
    await watch.stop();
  });
});
