import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Reading } from '../../core/reading.ts';
import { FlowsHostProcess, seedFlows, shippedFlowWithEnv, tempDataDir, removeTempDataDirs } from '../helpers/flows-host-process.ts';


// The shipped clean-water and school air flows in the real Node-RED runtime, driven by readings
// through the gateway API; the valve and the sign are points of simulated devices.
const minuteMs = 60_000;
const t0 = Date.UTC(2026, 0, 15, 2, 0, 0);
const started: FlowsHostProcess[] = [];
let seq = 0;

function reading(device: string, kind: string, minute: number, values: Reading['values'], quality: Reading['quality'] = 'good'): Reading {
  return { device, kind, tsMs: t0 + minute * minuteMs, seq: ++seq, values, units: {}, quality };
}

async function startGateway(flow: string, env: Record<string, string | number>, bindings: Record<string, string>): Promise<FlowsHostProcess> {
  const dataDir = tempDataDir('flows-rules');
  seedFlows(dataDir, shippedFlowWithEnv(flow, env));
  const gateway = new FlowsHostProcess({ config: { gateway: { id: 'gw-rules' }, flows: { env: bindings } }, dataDir });
  started.push(gateway);
  await gateway.ready();
  return gateway;
}

afterEach(async () => {
  for (const gateway of started.splice(0)) {
    await gateway.stop();
    gateway.kill();
  }
});

describe('clean-water release flow', () => {
  it('opens the valve on sustained low oxygen and closes it when oxygen recovers', async () => {
    const gateway = await startGateway('clean-water-release', {}, { VALVE_DEVICE: 'valve-box' });
    const water = (minute: number, mgL: number | null, quality: Reading['quality'] = 'good') => reading('khlong-sonde', 'water-quality', minute, { do_mg_l: mgL, ph: 7.1 }, quality);
    // Unmeasured values and a single low reading do not act.
    for (const r of [water(0, null, 'bad'), water(1, 0.5, 'bad'), water(2, 5.0), water(3, 1.8), water(4, 4.0), water(5, 1.9)]) gateway.reading(r);
    gateway.reading(water(6, 1.7));
    const raised = await gateway.waitForAlert('oxygen low', (a) => a.rule === 'water-do-low');
    expect(raised).toMatchObject({ id: 'water-do-low:khlong-sonde', state: 'raised', severity: 'warning', values: { do_mg_l: 1.7 } });
    expect(raised.message.th).toContain('ออกซิเจนละลายน้ำ');
    await gateway.waitFor('valve opened', () => gateway.writes().find((w) => w.request.value === true));
    expect(await gateway.points('valve-box')).toEqual({ valve: true });

    gateway.reading(water(10, 2.5));
    gateway.reading(water(15, 3.4));
    await gateway.waitForAlert('oxygen recovered', (a) => a.rule === 'water-do-low' && a.state === 'cleared');
    await gateway.waitFor('valve closed', () => gateway.writes().find((w) => w.request.value === false));
    expect(gateway.writes().map((w) => [w.device, w.request.point, w.request.value])).toEqual([
      ['valve-box', 'valve', true],
      ['valve-box', 'valve', false],
    ]);
    expect(gateway.alerts().map((a) => a.state)).toEqual(['raised', 'cleared']);
  });

  it('never leaves the valve open longer than the limit, and waits for the cool-down', async () => {
    const gateway = await startGateway('clean-water-release', { VALVE_MAX_OPEN_MIN: 0.02, VALVE_COOLDOWN_MIN: 10, DO_LOW_READINGS: 1 }, { VALVE_DEVICE: 'valve-box', VALVE_POINT: 'gate' });
    gateway.reading(reading('sonde', 'water-quality', 0, { do_mg_l: 1.2 }));
    await gateway.waitFor('valve opened', () => gateway.writes().find((w) => w.request.value === true));
    // No more readings: the watchdog alone closes it.
    await gateway.waitFor('valve closed by the time limit', () => gateway.writes().find((w) => w.request.value === false), 10_000);
    gateway.reading(reading('sonde', 'water-quality', 1, { do_mg_l: 1.1 }));
    gateway.reading(reading('sonde', 'water-quality', 2, { do_mg_l: 1.0 }));
    expect(await gateway.points('valve-box')).toEqual({ gate: false });
    expect(gateway.writes().map((w) => w.request.value)).toEqual([true, false]);
    // Still low: the alert stays raised.
    expect(gateway.alerts().map((a) => a.state)).toEqual(['raised']);
  });
});

describe('clean-water valve failures', () => {
  it('raises an alert when the valve does not move, and tries again', async () => {
    const gateway = await startGateway('clean-water-release', { VALVE_MAX_OPEN_MIN: 0.05, VALVE_COOLDOWN_MIN: 0, DO_LOW_READINGS: 1 }, { VALVE_DEVICE: 'valve-box' });
    const low = (minute: number) => reading('sonde', 'water-quality', minute, { do_mg_l: 1.0 });
    gateway.send({ type: 'fail-writes', device: 'valve-box', reason: 'no answer' });
    gateway.reading(low(0));
    await gateway.waitForAlert('valve failed', (a) => a.rule === 'relay-write' && a.state === 'raised');
    gateway.send({ type: 'fail-writes', device: 'valve-box', reason: null });
    gateway.reading(low(1));
    await gateway.waitFor('valve opened on the next low reading', () => gateway.writes().find((w) => w.ok && w.request.value === true));
    await gateway.waitForAlert('valve works again', (a) => a.rule === 'relay-write' && a.state === 'cleared');
    // The closing fails too at first; the watchdog keeps trying until the valve is closed.
    gateway.send({ type: 'fail-writes', device: 'valve-box', reason: 'no answer' });
    await gateway.waitFor('failed closing', () => gateway.writes().find((w) => !w.ok && w.request.value === false), 10_000);
    gateway.send({ type: 'fail-writes', device: 'valve-box', reason: null });
    await gateway.waitFor('valve closed by a later tick', () => gateway.writes().find((w) => w.ok && w.request.value === false), 10_000);
    expect(await gateway.points('valve-box')).toEqual({ valve: false });
  });
});

describe('school air-quality advisory flow', () => {
  it('follows the AQI bands with a hold and hysteresis, advises indoors from orange, and switches the sign', async () => {
    const gateway = await startGateway('school-air-advisory', {}, { SIGN_DEVICE: 'school-sign' });
    const air = (minute: number, pm25: number) => reading('school-a', 'air-quality', minute, { pm25_ug_m3: pm25, pm10_ug_m3: pm25 * 1.5 });
    const bandChanges = () => gateway.outputs('citygw-air-rule').filter((o) => o.port === 2).map((o) => (o.msg.payload as { band: string }).band);

    for (const r of [air(0, 12), air(10, 30), air(20, 40)]) gateway.reading(r);
    const orange = await gateway.waitForAlert('advisory', (a) => a.rule === 'school-aqi');
    expect(orange).toMatchObject({ id: 'school-aqi:school-a', state: 'raised', severity: 'warning', values: { band: 'orange', pm25_ug_m3: 40 } });
    expect(orange.message.th).toContain('อยู่ในอาคาร');
    await gateway.waitFor('sign on', () => gateway.writes().find((w) => w.device === 'school-sign' && w.request.value === true));

    gateway.reading(air(30, 80));
    await gateway.waitForAlert('red', (a) => a.values?.band === 'red');
    // Within the 30-minute hold: stays red. After it, 36 ug/m3 is within 5 % of the yellow edge: orange.
    gateway.reading(air(40, 70));
    gateway.reading(air(75, 36));
    await gateway.waitForAlert('back to orange', (a) => a.values?.band === 'orange', 2);
    gateway.reading(air(110, 30));
    const cleared = await gateway.waitForAlert('advisory cleared', (a) => a.rule === 'school-aqi' && a.state === 'cleared');
    expect(cleared.values).toMatchObject({ band: 'yellow' });
    await gateway.waitFor('sign off', () => gateway.writes().filter((w) => w.device === 'school-sign' && w.request.value === false)[1]);
    // Written once at the start (known state), on at orange, off below it.
    expect(gateway.writes().map((w) => w.request.value)).toEqual([false, true, false]);

    expect(bandChanges()).toEqual(['blue', 'yellow', 'orange', 'red', 'orange', 'yellow']);
    expect(gateway.alerts().map((a) => [a.state, a.severity, a.values?.band])).toEqual([
      ['raised', 'warning', 'orange'],
      ['raised', 'critical', 'red'],
      ['raised', 'warning', 'orange'],
      ['cleared', 'info', 'yellow'],
    ]);
    expect(await gateway.points('school-sign')).toEqual({ indoor_sign: false });
  });

  it('keeps the sign on while any sensor of the school advises indoors', async () => {
    const gateway = await startGateway('school-air-advisory', { AIR_MIN_HOLD_MIN: 0 }, { SIGN_DEVICE: 'school-sign', SIGN_POINT: 'lamp' });
    const air = (device: string, minute: number, pm25: number) => reading(device, 'air-quality', minute, { pm25_ug_m3: pm25 });
    for (const r of [air('gate', 0, 50), air('yard', 0, 20)]) gateway.reading(r);
    await gateway.waitFor('lamp on', () => gateway.writes().find((w) => w.request.value === true));
    gateway.reading(air('yard', 5, 60));
    gateway.reading(air('gate', 10, 10));
    await gateway.waitForAlert('gate cleared', (a) => a.device === 'gate' && a.state === 'cleared');
    expect(await gateway.points('school-sign')).toEqual({ lamp: true });
    gateway.reading(air('yard', 15, 10));
    await gateway.waitForAlert('yard cleared', (a) => a.device === 'yard' && a.state === 'cleared');
    await gateway.waitFor('lamp off', () => gateway.writes().find((w) => w.request.value === false));
    expect(gateway.writes().map((w) => w.request.value)).toEqual([true, false]);
  });

  it('uses the Thai AQI when the reading carries it', async () => {
    const gateway = await startGateway('school-air-advisory', { AIR_ADVISORY_BAND: 'yellow' }, {});
    gateway.reading(reading('school-b', 'air-quality', 0, { pm25_ug_m3: 10, aqi_th: 60 }));
    const raised = await gateway.waitForAlert('yellow advisory from AQI', (a) => a.rule === 'school-aqi');
    expect(raised.values).toMatchObject({ band: 'yellow', aqi_th: 60 });
    expect(raised.message.en).toContain('AQI 60');
    expect(gateway.writes()).toEqual([]);
  });
});

afterAll(removeTempDataDirs);
