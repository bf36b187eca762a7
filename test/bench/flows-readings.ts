/**
 * How many readings a second the shipped flood rule handles in the real Node-RED runtime, next to a
 * baseline measured in the same run: the same readings through a readings-in node alone (IPC and
 * runtime overhead without the rule). Run:
 *   node --disable-warning=ExperimentalWarning test/bench/flows-readings.ts [readings]
 */
import type { Reading } from '../../core/reading.ts';
import { FlowsHostProcess, seedFlows, shippedFlowWithEnv, tempDataDir, type FlowNodeJson } from '../helpers/flows-host-process.ts';

const count = Number(process.argv[2] ?? 5000);
const t0 = Date.UTC(2026, 9, 1);

function readings(lastLevel: number): Reading[] {
  const out: Reading[] = [];
  for (let i = 0; i < count; i++) {
    const level = i === count - 1 ? lastLevel : 2 + (i % 50) / 1000;
    out.push({ device: `canal-${i % 4}`, kind: 'flood-level', tsMs: t0 + i * 10_000, seq: i + 1, values: { level_m: level }, units: { level_m: 'm' }, quality: 'good' });
  }
  return out;
}

async function measure(label: string, flows: FlowNodeJson[], done: (gateway: FlowsHostProcess) => Promise<unknown>, lastLevel: number): Promise<number> {
  const dataDir = tempDataDir('flows-bench');
  seedFlows(dataDir, flows);
  const gateway = new FlowsHostProcess({ config: { gateway: { id: 'gw-bench' }, flows: { install: [], env: { SIREN_DEVICE: 'siren-box' } } }, dataDir });
  try {
    await gateway.ready();
    const batch = readings(lastLevel);
    const started = performance.now();
    for (const reading of batch) gateway.reading(reading);
    await done(gateway);
    const seconds = (performance.now() - started) / 1000;
    const rate = count / seconds;
    process.stdout.write(`${label.padEnd(34)} ${count} readings in ${seconds.toFixed(2)} s = ${rate.toFixed(0)} readings/s\n`);
    return rate;
  } finally {
    await gateway.stop(60_000);
    gateway.kill();
  }
}

const baselineFlow: FlowNodeJson[] = [
  { id: 'b', type: 'tab', label: 'baseline' },
  { id: 'b-in', type: 'citygw-readings-in', z: 'b', device: '', kind: 'flood-level', point: '', quality: 'any', x: 100, y: 100, wires: [['b-j']] },
  { id: 'b-j', type: 'junction', z: 'b', x: 200, y: 100, wires: [] },
];
const baseline = await measure('baseline (readings-in only)', baselineFlow, (g) => g.waitFor('last reading', () => g.outputs('b-in')[count - 1], 120_000), 2);
const flood = await measure('flood-alert flow (4 sensors)', shippedFlowWithEnv('flood-alert', {}), (g) => g.waitForAlert('last reading', (a) => a.values?.stage === 'critical', 1, 120_000), 4.5);
process.stdout.write(`flood rule costs ${(100 * (1 - flood / baseline)).toFixed(0)} % of the baseline rate (a sensor reads every 10 s or slower)\n`);
