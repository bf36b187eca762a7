import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { defaultFlowsDir } from '../../gateway/flows-host/host.ts';
import { FlowsHostProcess, seedFlows, tempDataDir, removeTempDataDirs, type FlowNodeJson } from '../helpers/flows-host-process.ts';


// What starts in the real runtime: the examples a technician imports from the editor (every node
// type they use exists), and what does not: a flow naming a node type the gateway leaves out.
let gateway: FlowsHostProcess | undefined;

afterAll(async () => {
  await gateway?.stop();
  gateway?.kill();
  removeTempDataDirs();
});

it('the node package examples start in the real runtime', async () => {
  const dir = join(defaultFlowsDir, 'nodes', 'examples');
  const nodes: FlowNodeJson[] = [];
  for (const [i, file] of readdirSync(dir).filter((f) => f.endsWith('.json')).entries()) {
    const tab = `examples-${i}`;
    nodes.push({ id: tab, type: 'tab', label: file });
    for (const node of JSON.parse(readFileSync(join(dir, file), 'utf8')) as FlowNodeJson[]) nodes.push({ ...node, z: tab });
  }
  expect(nodes.length).toBeGreaterThan(4);
  const dataDir = tempDataDir('flows-examples');
  seedFlows(dataDir, nodes);
  gateway = new FlowsHostProcess({ config: { gateway: { id: 'gw-examples' }, flows: { install: [] } }, dataDir });
  await gateway.ready();
  await gateway.waitFor('flows started', (events) => events.find((e) => e.type === 'flows-started'));
  gateway.reading({ device: 'canal-level', kind: 'flood-level', tsMs: Date.now(), seq: 1, values: { level_m: 3.6 }, units: { level_m: 'm' }, quality: 'good' });
  const alert = await gateway.waitForAlert('example alert', (a) => a.rule === 'high-water');
  expect(alert.message).toEqual({ th: 'ระดับน้ำสูง 3.6 ม.', en: 'High water 3.6 m' });
});

it('a flow with a left-out network node does not start, and the log says which type', async () => {
  const dataDir = tempDataDir('flows-missing');
  seedFlows(dataDir, [
    { id: 'm', type: 'tab', label: 'pasted' },
    { id: 'm-in', type: 'citygw-readings-in', z: 'm', device: '', kind: '', point: '', quality: 'any', x: 100, y: 100, wires: [['m-out']] },
    { id: 'm-out', type: 'mqtt out', z: 'm', topic: 'x', qos: '0', retain: false, broker: '', x: 300, y: 100, wires: [] },
  ]);
  const pasted = new FlowsHostProcess({ config: { gateway: { id: 'gw-missing' }, flows: { install: [] } }, dataDir });
  try {
    await pasted.ready();
    const line = await pasted.waitFor('not running log line', () => pasted.stderr.split('\n').find((l) => l.includes('flows are not running')));
    expect(JSON.parse(line)).toMatchObject({ level: 50, area: 'flows', reason: 'missing-types: mqtt out' });
    expect(pasted.events.some((e) => e.type === 'flows-started')).toBe(false);
  } finally {
    await pasted.stop();
    pasted.kill();
  }
});
