import { describe, expect, it } from 'vitest';
import { floodLevelFamilySchema } from '../../core/family-schema.ts';
import { levelAgainstDatumM, RiseRate, stageOf, StageTracker } from '../../gateway/families/flood.ts';
import { FloodLevelProcessor } from '../../gateway/families/flood-processor.ts';
import { StaleSensorWatch } from '../../gateway/families/stale-watch.ts';
import type { AlertInput } from '../../core/alert.ts';
import type { FamilyConfig } from '../../core/family-schema.ts';
import type { NewReading } from '../../core/reading.ts';
import { silentLogger } from '../../core/log.ts';

// Chiang Mai P.1 (Nawarat bridge) style thresholds: bank-full 3.70 m, red near 4.0 m, flooding above 4.2 m.
const config = floodLevelFamilySchema.parse({
  type: 'flood-level',
  stages: { watchM: 3.7, alertM: 4.0, criticalM: 4.2, hysteresisM: 0.05, minHold: '10m' },
  bankM: 3.7,
  rise: { window: '1h', alertCmH: 2 },
  staleAfter: '10m',
});
const stages = config.stages!;
const min = 60_000;

describe('flood stage against the station thresholds', () => {
  it('puts every band edge in the right stage', () => {
    expect(stageOf(3.69, stages)).toBe('normal');
    expect(stageOf(3.7, stages)).toBe('watch');
    expect(stageOf(3.99, stages)).toBe('watch');
    expect(stageOf(4.0, stages)).toBe('alert');
    expect(stageOf(4.19, stages)).toBe('alert');
    expect(stageOf(4.2, stages)).toBe('critical');
  });

  it('rises at once, falls only below the hysteresis band and after the hold time', () => {
    const t = new StageTracker(stages);
    expect(t.update(3.5, 0)).toBe('normal');
    expect(t.update(4.05, 1 * min)).toBe('alert');
    // Back under 4.0 but within the 5 cm band: stays.
    expect(t.update(3.97, 20 * min)).toBe('alert');
    // Below 3.95 but the hold time since entering is... 21 min: falls to watch.
    expect(t.update(3.9, 21 * min)).toBe('watch');
    // Below 3.70 - 0.05 yet only 1 min after the last change: held.
    expect(t.update(3.6, 22 * min)).toBe('watch');
    expect(t.update(3.6, 31 * min)).toBe('normal');
  });

  it('refers levels to the datum, also from an air gap', () => {
    expect(levelAgainstDatumM(2500, { unit: 'mm', datum: { mode: 'level', offsetM: 1.2 } })).toBeCloseTo(3.7, 9);
    expect(levelAgainstDatumM(180, { unit: 'cm', datum: { mode: 'distance', offsetM: 0, sensorElevationM: 6.0 } })).toBeCloseTo(4.2, 9);
    expect(levelAgainstDatumM(1.8, { unit: 'm', datum: { mode: 'distance', offsetM: 0 } })).toBeNull();
  });
});

describe('rate of rise', () => {
  it('reports 2.5 cm/h for a steady 2.5 cm/h rise, once the window is a quarter covered', () => {
    const rise = new RiseRate(3_600_000);
    const out: Array<number | null> = [];
    for (let m = 0; m <= 60; m += 5) out.push(rise.add(m * min, 3.0 + (0.025 * m) / 60));
    expect(out[0]).toBeNull();
    expect(out[2]).toBeNull();
    expect(out[3]).toBeCloseTo(2.5, 6);
    expect(out[12]).toBeCloseTo(2.5, 6);
  });

  it('forgets samples older than the window', () => {
    const rise = new RiseRate(3_600_000);
    for (let m = 0; m <= 60; m += 5) rise.add(m * min, 3.0 + (0.05 * m) / 60);
    // Then flat for an hour: the old rise leaves the window.
    let last: number | null = null;
    for (let m = 65; m <= 130; m += 5) last = rise.add(m * min, 3.05);
    expect(last).toBe(0);
  });
});

describe('flood-level processor', () => {
  const families = new Map<string, FamilyConfig>([['canal', config]]);
  const reading = (tsMs: number, level: number | null, extra: Partial<NewReading> = {}): NewReading => ({ device: 'canal', kind: 'flood-level', tsMs, values: { level_m: level }, units: { level_m: 'm' }, quality: 'good', ...extra });

  it('adds level, stage, rise and bank distance, and raises and clears alerts', () => {
    const alerts: AlertInput[] = [];
    const p = new FloodLevelProcessor(families, (a) => alerts.push(a));
    let out = p.process(reading(0, 3.5));
    expect(out.values).toMatchObject({ level_m: 3.5, stage: 'normal', stage_index: 0, rise_cm_h: null, below_bank_m: 0.2 });
    expect(out.units).toMatchObject({ level_m: 'm', rise_cm_h: 'cm/h' });
    for (let m = 5; m <= 60; m += 5) out = p.process(reading(m * min, 3.5 + (0.6 * m) / 60));
    expect(out.values.stage).toBe('alert');
    expect(out.values.rise_cm_h).toBeCloseTo(60, 6);
    expect(alerts.map((a) => `${a.rule}:${a.state}:${a.severity}`)).toEqual(['flood-rise:raised:warning', 'flood-stage:raised:info', 'flood-stage:raised:warning']);
    const stage = alerts.find((a) => a.rule === 'flood-stage' && a.severity === 'warning')!;
    expect(stage.id).toBe('flood-stage:canal');
    expect(stage.message.th).toContain('เตือนภัย');
    expect(stage.message.en).toContain('stage alert');
    for (let m = 65; m <= 180; m += 5) out = p.process(reading(m * min, 3.2));
    expect(out.values.stage).toBe('normal');
    expect(alerts.filter((a) => a.state === 'cleared').map((a) => a.rule).sort()).toEqual(['flood-rise', 'flood-stage']);
  });

  it('leaves a flagged or bad level out of the stage', () => {
    const alerts: AlertInput[] = [];
    const p = new FloodLevelProcessor(families, (a) => alerts.push(a));
    const spike = p.process(reading(0, 9.9, { quality: 'uncertain', reasons: { level_m: 'spike' } }));
    expect(spike.values.stage).toBeUndefined();
    expect(p.process(reading(0, null, { quality: 'bad', reasons: { level_m: 'timeout' } })).values.stage).toBeUndefined();
    expect(alerts).toEqual([]);
  });
});

describe('flood-level family without stages', () => {
  const noStages = floodLevelFamilySchema.parse({ type: 'flood-level', bankM: 3.7, rise: { window: '1h', alertCmH: 2 }, staleAfter: '10m' });
  const families = new Map<string, FamilyConfig>([['gauge', noStages]]);
  const reading = (tsMs: number, level: number): NewReading => ({ device: 'gauge', kind: 'flood-level', tsMs, values: { level_m: level }, units: { level_m: 'm' }, quality: 'good' });

  it('reports level, rise and bank distance but no stage, and leaves every alert to the flood flow', async () => {
    const alerts: AlertInput[] = [];
    const p = new FloodLevelProcessor(families, (a) => alerts.push(a));
    let out = p.process(reading(0, 3.5));
    for (let m = 5; m <= 60; m += 5) out = p.process(reading(m * min, 3.5 + (0.6 * m) / 60));
    expect(out.values).toMatchObject({ level_m: 4.1, below_bank_m: -0.4 });
    expect(out.values.rise_cm_h).toBeCloseTo(60, 6);
    expect(out.values).not.toHaveProperty('stage');
    expect(alerts).toEqual([]);
    let nowMs = 0;
    const watch = new StaleSensorWatch(families, (a) => alerts.push(a), silentLogger(), () => nowMs);
    const controller = new AbortController();
    await watch.start(controller.signal);
    nowMs = 60 * min;
    watch.check();
    controller.abort();
    await watch.stop();
    expect(alerts).toEqual([]);
  });
});

describe('stale-sensor alarm', () => {
  it('raises after staleAfter without a usable value, critical during a flood alert, and clears on the next value', async () => {
    let now = 0;
    const alerts: AlertInput[] = [];
    const watch = new StaleSensorWatch(new Map<string, FamilyConfig>([['canal', config]]), (a) => alerts.push(a), silentLogger(), () => now);
    const controller = new AbortController();
    await watch.start(controller.signal);
    watch.process({ device: 'canal', kind: 'flood-level', tsMs: 0, values: { level_m: 4.1, stage: 'alert' }, units: {}, quality: 'good' });
    now = 9 * min;
    watch.check();
    expect(alerts).toEqual([]);
    now = 9 * min + 1;
    watch.process({ device: 'canal', kind: 'flood-level', tsMs: now, values: {}, units: {}, quality: 'bad', reasons: { _device: 'timeout' } });
    now = 10 * min;
    watch.check();
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ id: 'stale-sensor:canal', state: 'raised', severity: 'critical', rule: 'stale-sensor' });
    watch.check();
    expect(alerts).toHaveLength(1);
    watch.process({ device: 'canal', kind: 'flood-level', tsMs: 11 * min, values: { level_m: 4.0 }, units: {}, quality: 'good' });
    expect(alerts[1]).toMatchObject({ id: 'stale-sensor:canal', state: 'cleared' });
    await watch.stop();
  });
});
