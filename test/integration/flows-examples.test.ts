import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { defaultFlowsDir } from '../../gateway/flows-host/host.ts';
import { FlowsHostProcess, seedFlows, tempDataDir, type FlowNodeJson } from '../helpers/flows-host-process.ts';

// The examples a technician imports from the editor must start in the real runtime: every node
// type they use exists (Node-RED refuses to start flows with a missing type).
let gateway: FlowsHostProcess | undefined;

afterAll(async () => {
  await gateway?.stop();
  gateway?.kill();
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
  gateway.reading({ device: 'canal-level', kind: 'flood-level', tsMs: Date.now(), seq: 1, values: { level: 3.6 }, units: { level: 'm' }, quality: 'good' });
  const alert = await gateway.waitForAlert('example alert', (a) => a.rule === 'high-water');
  expect(alert.message).toEqual({ th: 'ระดับน้ำสูง 3.6 ม.', en: 'High water 3.6 m' });
});
