import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reading } from '../../core/reading.ts';
import { FlowsHostProcess, seedFlows, tempDataDir, removeTempDataDirs, type FlowNodeJson } from '../helpers/flows-host-process.ts';


// Node-level tests: a small flow of the gateway's nodes in the real Node-RED runtime (in a child
// process), driven by readings through the gateway API. Commands reach the alert, write and
// status nodes as readings of pseudo-devices, turned into messages by small function nodes.
const z = 'node-tests';
const at = (id: string, type: string, extra: Record<string, unknown>, wires: string[][]): FlowNodeJson => ({ id, type, z, x: 100, y: 100, wires, ...extra });
const toJunction = [['sink']];
const flow: FlowNodeJson[] = [
  { id: z, type: 'tab', label: 'node tests' },
  at('sink', 'junction', {}, []),
  at('r-all', 'citygw-readings-in', { device: '', kind: '', point: '', quality: 'any' }, toJunction),
  at('r-dev', 'citygw-readings-in', { device: 'canal-a, canal-b', kind: '', point: '', quality: 'any' }, toJunction),
  at('r-point', 'citygw-readings-in', { device: '', kind: 'flood-level', point: 'level_m', quality: 'good' }, toJunction),
  // alert node: command readings of device cmd-alert
  at('r-alert', 'citygw-readings-in', { device: 'cmd-alert', kind: '', point: '', quality: 'any' }, [['f-alert']]),
  at('f-alert', 'function', { func: "msg.payload = msg.reading.values.state; msg.device = 'canal-a'; msg.alert = { values: { level_m: msg.reading.values.level_m } }; return msg;", outputs: 1 }, [['a-good']]),
  at('a-good', 'citygw-alert', { rule: 'test-rule', severity: 'critical', messageTh: 'ระดับ {{level_m}} ม. ที่ {{device}}', messageEn: 'level {{level_m}} m at {{device}}', clearTh: 'ปกติ', clearEn: 'normal' }, toJunction),
  at('r-alert-bad', 'citygw-readings-in', { device: 'cmd-alert-bad', kind: '', point: 'state', quality: 'any' }, [['a-bad']]),
  at('a-bad', 'citygw-alert', { rule: 'broken', severity: 'warning', messageTh: '', messageEn: 'English only' }, toJunction),
  at('catch', 'catch', { scope: ['a-bad', 'w-msg'], uncaught: false }, toJunction),
  // device-write node: target from the message, or fixed in the node
  at('r-write', 'citygw-readings-in', { device: 'cmd-write', kind: '', point: '', quality: 'any' }, [['f-write']]),
  at('f-write', 'function', { func: 'const v = msg.reading.values; return { payload: v.value, device: v.device, point: v.point };', outputs: 1 }, [['w-msg']]),
  at('w-msg', 'citygw-device-write', { device: '', point: '', timeoutS: '5' }, [['sink'], ['sink']]),
  at('r-write-fixed', 'citygw-readings-in', { device: 'cmd-write-fixed', kind: '', point: 'value', quality: 'any' }, [['w-fixed']]),
  at('w-fixed', 'citygw-device-write', { device: 'relay-box', point: 'siren', timeoutS: '5' }, [['sink'], ['sink']]),
  // status node
  at('r-status', 'citygw-readings-in', { device: 'cmd-status', kind: '', point: '', quality: 'any' }, [['s-status']]),
  at('s-status', 'citygw-status', { intervalS: 0 }, toJunction),
];

let seq = 0;
function reading(device: string, kind: string, values: Reading['values'], quality: Reading['quality'] = 'good'): Reading {
  return { device, kind, tsMs: Date.now(), seq: ++seq, values, units: {}, quality };
}

let gateway: FlowsHostProcess;

beforeAll(async () => {
  const dataDir = tempDataDir('flows-nodes');
  seedFlows(dataDir, flow);
  gateway = new FlowsHostProcess({ config: { gateway: { id: 'gw-nodes' }, flows: { install: [] } }, dataDir, devices: [{ id: 'relay-box', kind: 'digital-io', writable: true }] });
  await gateway.ready();
});

afterAll(async () => {
  await gateway?.stop();
  gateway?.kill();
  removeTempDataDirs();
});

describe('citygw-readings-in', () => {
  it('filters by device, kind, point and quality', async () => {
    gateway.reading(reading('canal-a', 'flood-level', { level_m: 3.1 }));
    gateway.reading(reading('canal-c', 'flood-level', { level_m: 2.2 }, 'uncertain'));
    gateway.reading(reading('canal-b', 'water-quality', { do_mg_l: 4.5 }));
    gateway.reading(reading('sentinel-1', 'generic', {}));
    await gateway.waitFor('sentinel', () => gateway.outputs('r-all').find((o) => o.msg.device === 'sentinel-1'));

    expect(gateway.outputs('r-all').map((o) => o.msg.device)).toEqual(['canal-a', 'canal-c', 'canal-b', 'sentinel-1']);
    expect(gateway.outputs('r-dev').map((o) => o.msg.device)).toEqual(['canal-a', 'canal-b']);
    const points = gateway.outputs('r-point');
    expect(points.map((o) => [o.msg.topic, o.msg.payload])).toEqual([['canal-a/level_m', 3.1]]);
    expect(points[0]!.msg.reading).toMatchObject({ device: 'canal-a', kind: 'flood-level', values: { level_m: 3.1 }, quality: 'good' });
    expect(gateway.outputs('r-all')[0]!.msg.payload).toEqual({ level_m: 3.1 });
  });
});

describe('citygw-alert', () => {
  it('raises and clears through the gateway, with both languages and values filled in', async () => {
    gateway.reading(reading('cmd-alert', 'generic', { state: 'raised', level_m: 3.4 }));
    const raised = await gateway.waitForAlert('raised test alert', (a) => a.rule === 'test-rule' && a.state === 'raised');
    expect(raised).toMatchObject({ id: 'test-rule:canal-a', severity: 'critical', device: 'canal-a', values: { level_m: 3.4 }, message: { th: 'ระดับ 3.4 ม. ที่ canal-a', en: 'level 3.4 m at canal-a' } });
    gateway.reading(reading('cmd-alert', 'generic', { state: 'cleared', level_m: 3.0 }));
    const cleared = await gateway.waitForAlert('cleared test alert', (a) => a.rule === 'test-rule' && a.state === 'cleared');
    expect(cleared).toMatchObject({ id: 'test-rule:canal-a', message: { th: 'ปกติ', en: 'normal' } });
    await gateway.waitFor('both alert outputs', () => (gateway.outputs('a-good').length === 2 ? true : undefined));
    expect(gateway.outputs('a-good').map((o) => (o.msg.alert as { state: string }).state)).toEqual(['raised', 'cleared']);
  });

  it('refuses an alert without a Thai message and reports it to Catch nodes', async () => {
    gateway.reading(reading('cmd-alert-bad', 'generic', { state: 'raised' }));
    const caught = await gateway.waitFor('caught alert error', () => gateway.outputs('catch').find((o) => (o.msg.error as { source?: { id?: string } }).source?.id === 'a-bad'));
    expect((caught.msg.error as { message: string }).message).toMatch(/Thai and an English/);
    expect(gateway.alerts().filter((a) => a.rule === 'broken')).toEqual([]);
  });
});

describe('citygw-device-write', () => {
  it('writes through the gateway and sends the result on output 1', async () => {
    gateway.reading(reading('cmd-write', 'generic', { device: 'relay-box', point: 'beacon', value: true }));
    const written = await gateway.waitFor('write result', () => gateway.outputs('w-msg').find((o) => o.port === 0));
    expect(written.msg.payload).toMatchObject({ device: 'relay-box', point: 'beacon', value: true });
    gateway.reading(reading('cmd-write-fixed', 'generic', { value: 1 }));
    await gateway.waitFor('fixed write result', () => gateway.outputs('w-fixed').find((o) => o.port === 0));
    expect(await gateway.points('relay-box')).toEqual({ beacon: true, siren: 1 });
  });

  it('sends failures on output 2 with the gateway error code, and to Catch nodes', async () => {
    gateway.send({ type: 'fail-writes', device: 'dead-box', reason: 'no answer' });
    gateway.reading(reading('cmd-write', 'generic', { device: 'dead-box', point: 'siren', value: true }));
    const failed = await gateway.waitFor('failed write', () => gateway.outputs('w-msg').find((o) => o.port === 1 && o.msg.device === 'dead-box'));
    expect(failed.msg.error).toMatchObject({ code: 'DeviceOffline', message: 'dead-box: no answer' });
    await gateway.waitFor('caught write error', () => gateway.outputs('catch').find((o) => (o.msg.error as { source?: { id?: string } }).source?.id === 'w-msg'));

    gateway.reading(reading('cmd-write', 'generic', { device: 'relay-box', point: 'siren', value: 'maybe' }));
    const refused = await gateway.waitFor('refused value', () => gateway.outputs('w-msg').find((o) => o.port === 1 && o.msg.device === 'relay-box'));
    expect((refused.msg.error as { message: string }).message).toMatch(/expected a boolean or a number/);
    expect(gateway.writes().filter((w) => w.device === 'relay-box' && w.request.point === 'siren' && w.request.value !== 1)).toEqual([]);
  });
});

describe('citygw-status', () => {
  it('sends the gateway status on input', async () => {
    const status = {
      gatewayId: 'gw-nodes',
      uplink: { state: 'connected' as const, sinceMs: 1_700_000_000_000 },
      outbox: { depth: 42 },
      devices: [{ device: 'canal-a', state: 'online' as const, polls: 10, ok: 9, errors: { timeout: 1 }, lastOkTsMs: 1_700_000_000_000, lastError: 'timeout' }],
    };
    gateway.send({ type: 'status', status });
    gateway.reading(reading('cmd-status', 'generic', {}));
    const out = await gateway.waitFor('status output', () => gateway.outputs('s-status')[0]);
    expect(out.msg.payload).toEqual(status);
  });
});
