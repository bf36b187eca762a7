import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Reading } from '../../core/reading.ts';
import { FlowsHostProcess, seedFlows, shippedFlowWithEnv, tempDataDir, removeTempDataDirs } from '../helpers/flows-host-process.ts';


// The shipped flood flow in the real Node-RED runtime, driven by flood-level readings through the
// gateway API; the siren and beacon are points of a simulated relay box read back after the writes.
const minuteMs = 60_000;
const t0 = Date.UTC(2026, 9, 1, 1, 0, 0);
const bindings = { SIREN_DEVICE: 'siren-box', BEACON_DEVICE: 'siren-box' };
const started: FlowsHostProcess[] = [];
let seq = 0;

function level(device: string, minute: number, metres: number | null, extra: Reading['values'] = {}, quality: Reading['quality'] = 'good'): Reading {
  return { device, kind: 'flood-level', tsMs: t0 + minute * minuteMs, seq: ++seq, values: { level_m: metres, ...extra }, units: { level_m: 'm' }, quality };
}

async function startGateway(options: { env?: Record<string, string | number>; dataDir?: string; seed?: boolean } = {}): Promise<{ gateway: FlowsHostProcess; dataDir: string }> {
  const dataDir = options.dataDir ?? tempDataDir('flows-flood');
  if (options.seed !== false) seedFlows(dataDir, shippedFlowWithEnv('flood-alert', options.env ?? {}));
  const gateway = new FlowsHostProcess({ config: { gateway: { id: 'gw-flood' }, flows: { install: ['flood-alert'], env: bindings } }, dataDir });
  started.push(gateway);
  await gateway.ready();
  return { gateway, dataDir };
}

/** Sends readings in order (the flow handles them in that order); the tests then wait for effects. */
function feed(gateway: FlowsHostProcess, readings: Reading[]): void {
  for (const reading of readings) gateway.reading(reading);
}

afterEach(async () => {
  for (const gateway of started.splice(0)) {
    await gateway.stop();
    gateway.kill();
  }
});

describe('flood alert flow', () => {
  it('drives beacon and siren through the stages, with hysteresis and a minimum hold, and clears', async () => {
    const { gateway } = await startGateway();
    const stageAlerts = () => gateway.alerts().filter((a) => a.rule === 'flood-stage').map((a) => [a.state, a.values?.stage, a.severity]);
    const nthStageAlert = (n: number) => gateway.waitFor(`stage alert ${n}`, () => (stageAlerts().length >= n ? true : undefined));
    const relay = (point: string, value: boolean, nth = 1) =>
      gateway.waitFor(`${point} ${value} (${nth})`, () => gateway.writes().filter((w) => w.ok && w.request.point === point && w.request.value === value)[nth - 1]);

    // The first readings put the relays in a known state.
    feed(gateway, [level('canal', 0, 2.8), level('canal', 5, 2.9)]);
    await relay('siren', false);
    await relay('beacon', false);

    gateway.reading(level('canal', 10, 3.25));
    await gateway.waitForAlert('watch', (a) => a.values?.stage === 'watch');
    await relay('beacon', true);
    gateway.reading(level('canal', 15, 3.75));
    const alertStage = await gateway.waitForAlert('alert stage', (a) => a.values?.stage === 'alert');
    expect(alertStage).toMatchObject({ id: 'flood-stage:canal', state: 'raised', severity: 'warning', device: 'canal', tsMs: t0 + 15 * minuteMs });
    expect(alertStage.message.th).toContain('เตือนภัย');
    await relay('siren', true);
    expect(await gateway.points('siren-box')).toEqual({ siren: true, beacon: true });

    // Within the 15-minute hold a drop does not lower the stage; after it, hysteresis keeps
    // "alert" at 3.65 m (threshold 3.7 m minus 0.1 m).
    feed(gateway, [level('canal', 20, 4.05), level('canal', 25, 3.5), level('canal', 40, 3.65)]);
    await nthStageAlert(4);
    expect(stageAlerts()).toEqual([
      ['raised', 'watch', 'info'],
      ['raised', 'alert', 'warning'],
      ['raised', 'critical', 'critical'],
      ['raised', 'alert', 'warning'],
    ]);
    expect(await gateway.points('siren-box')).toEqual({ siren: true, beacon: true });

    feed(gateway, [level('canal', 60, 3.2), level('canal', 80, 3.15)]);
    await relay('siren', false, 2);
    gateway.reading(level('canal', 100, 3.0));
    const cleared = await gateway.waitForAlert('cleared', (a) => a.rule === 'flood-stage' && a.state === 'cleared');
    expect(cleared.message).toEqual({ th: 'ระดับน้ำที่ canal กลับสู่ระดับปกติ (3 ม.)', en: 'Water level at canal is back to normal (3 m)' });
    await relay('beacon', false, 2);
    expect(stageAlerts().slice(4)).toEqual([['raised', 'watch', 'info'], ['cleared', 'normal', 'info']]);
    expect(await gateway.points('siren-box')).toEqual({ siren: false, beacon: false });
  });

  it('alerts on a fast rise below the watch level, from its own history or the family figure', async () => {
    const { gateway } = await startGateway();
    // 4 cm/h for 30 minutes, then flat.
    feed(gateway, [0, 10, 20, 30].map((m) => level('mae-kha', m, 2 + (m / 60) * 0.04)));
    const raised = await gateway.waitForAlert('rise raised', (a) => a.id === 'flood-rise:mae-kha' && a.state === 'raised');
    expect(raised.values?.rise_cm_h).toBeGreaterThanOrEqual(3);
    expect(raised.message.en).toMatch(/rising fast/);
    feed(gateway, [40, 50, 60, 70, 80, 90, 100].map((m) => level('mae-kha', m, 2.02)));
    await gateway.waitForAlert('rise cleared', (a) => a.id === 'flood-rise:mae-kha' && a.state === 'cleared');
    expect(gateway.alerts().filter((a) => a.rule === 'flood-stage')).toEqual([]);

    gateway.reading(level('ping', 0, 1.5, { rise_cm_h: 12 }));
    const family = await gateway.waitForAlert('family rise', (a) => a.id === 'flood-rise:ping');
    expect(family.values).toMatchObject({ rise_cm_h: 12 });
  });

  it('follows the stage of the flood-level family when the reading has one, leaving its alerts to the family', async () => {
    const { gateway } = await startGateway({ env: { STALE_AFTER_MIN: 0.01, STALE_CHECK_S: 0.2 } });
    const family = (minute: number, levelM: number, stage: string) => level('p1', minute, levelM, { stage, stage_index: ['normal', 'watch', 'alert', 'critical'].indexOf(stage), rise_cm_h: 40 });
    gateway.reading(family(0, 3.0, 'normal'));
    await gateway.waitFor('relays written', () => gateway.writes().filter((w) => w.request.value === false)[1]);
    // The family's thresholds differ from the tab's: its stage is the one that counts.
    gateway.reading(family(5, 3.3, 'alert'));
    await gateway.waitFor('siren on', () => gateway.writes().find((w) => w.request.point === 'siren' && w.request.value === true));
    gateway.reading(family(10, 3.1, 'normal'));
    await gateway.waitFor('siren off', () => gateway.writes().filter((w) => w.request.point === 'siren' && w.request.value === false)[1]);
    // A level_m without a family stage (a device whose profile names the point so) is judged here.
    gateway.reading(level('p2', 0, 3.75));
    const own = await gateway.waitForAlert('stage from level_m', (a) => a.device === 'p2');
    expect(own.values).toMatchObject({ level_m: 3.75, stage: 'alert' });
    // Past the stale period: no alert about the family's sensor comes from the flow.
    await gateway.waitForAlert('p2 stale', (a) => a.id === 'stale-sensor:p2', 1, 10_000);
    expect(gateway.alerts().filter((a) => a.device === 'p1')).toEqual([]);
  });

  it('uses thresholds changed in the tab environment', async () => {
    const { gateway } = await startGateway({ env: { FLOOD_ALERT_M: 3.5 } });
    gateway.reading(level('canal', 0, 3.55));
    const raised = await gateway.waitForAlert('alert stage at 3.55 m', (a) => a.rule === 'flood-stage');
    expect(raised.values?.stage).toBe('alert');
    await gateway.waitFor('siren on', () => gateway.writes().find((w) => w.request.point === 'siren' && w.request.value === true));
  });

  it('raises a stale-sensor alert when a level sensor goes silent, and clears it when it reports', async () => {
    const { gateway } = await startGateway({ env: { STALE_AFTER_MIN: 0.02, STALE_CHECK_S: 0.2 } });
    gateway.reading(level('canal', 0, 2.5));
    const stale = await gateway.waitForAlert('stale', (a) => a.id === 'stale-sensor:canal' && a.state === 'raised', 1, 10_000);
    expect(stale).toMatchObject({ severity: 'critical', rule: 'stale-sensor', device: 'canal' });
    // A reading without a measured level is not a sign of life.
    gateway.reading(level('canal', 1, null, {}, 'bad'));
    gateway.reading(level('canal', 2, 2.5));
    await gateway.waitForAlert('stale cleared', (a) => a.id === 'stale-sensor:canal' && a.state === 'cleared');
    expect(gateway.alerts().filter((a) => a.id === 'stale-sensor:canal').map((a) => a.state).slice(0, 2)).toEqual(['raised', 'cleared']);
  });

  it('raises an alert when the siren cannot be switched, and switches it on the next reading', async () => {
    const { gateway } = await startGateway();
    gateway.send({ type: 'fail-writes', device: 'siren-box', reason: 'no answer' });
    gateway.reading(level('canal', 0, 3.8));
    const failed = await gateway.waitForAlert('relay failed', (a) => a.rule === 'relay-write' && a.state === 'raised');
    expect(failed.severity).toBe('critical');
    gateway.send({ type: 'fail-writes', device: 'siren-box', reason: null });
    gateway.reading(level('canal', 5, 3.82));
    await gateway.waitForAlert('relay works again', (a) => a.rule === 'relay-write' && a.state === 'cleared');
    await gateway.waitFor('siren on', () => gateway.writes().find((w) => w.ok && w.request.point === 'siren' && w.request.value === true));
    expect(await gateway.points('siren-box')).toMatchObject({ siren: true });
  });

  it('keeps the raised stage across a restart, writes the relays again, and clears after the reboot', async () => {
    const first = await startGateway();
    feed(first.gateway, [level('canal', 0, 4.1)]);
    await first.gateway.waitForAlert('critical', (a) => a.values?.stage === 'critical');
    expect(await first.gateway.stop()).toBe(0);

    const second = await startGateway({ dataDir: first.dataDir, seed: false });
    // Same stage, but the relay box may have lost power: the siren is written again.
    second.gateway.reading(level('canal', 5, 4.05));
    await second.gateway.waitFor('siren on again', () => second.gateway.writes().find((w) => w.request.point === 'siren' && w.request.value === true));
    expect(second.gateway.alerts()).toEqual([]);
    second.gateway.reading(level('canal', 30, 3.0));
    const cleared = await second.gateway.waitForAlert('cleared after reboot', (a) => a.rule === 'flood-stage');
    expect(cleared.state).toBe('cleared');
    await second.gateway.waitFor('siren off', () => second.gateway.writes().find((w) => w.request.point === 'siren' && w.request.value === false));
  });
});

afterAll(removeTempDataDirs);
