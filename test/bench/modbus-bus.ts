/**
 * Bench: how close one RS-485 bus gets to its physical limit, and what a dead device costs.
 *
 * The line is a socat pty pair; the simulated devices answer only when the bytes could have
 * crossed a real 9600-baud wire (request time + 3.5 character silence + device turnaround + reply
 * time), so bus time is physical. Figures are printed next to (1) the limit from FIELD-NOTES'
 * formula and (2) a bare master measured in this run on the same line (write, wait for the reply,
 * keep the silence, repeat; no scheduling, no decoding).
 *
 * Run: node --disable-warning=ExperimentalWarning test/bench/modbus-bus.ts [windowS] [registersPerRead]
 */
import { fileURLToPath } from 'node:url';
import { gatewayConfigSchema } from '../../gateway/config/schema.ts';
import { silentLogger } from '../../core/log.ts';
import { modbusFamily } from '../../drivers/modbus/family.ts';
import type { BusScheduler } from '../../drivers/modbus/scheduler.ts';
import { withCrc } from '../../drivers/modbus/crc.ts';
import { openPtyPair } from '../../drivers/sim/socat-pair.ts';
import { serveSerial } from '../../drivers/sim/servers.ts';
import { SimSlave } from '../../drivers/sim/slave.ts';
import { createLink } from '../../drivers/transport/index.ts';

const windowS = Number(process.argv[2] ?? 20);
const baud = 9600;
const bitsPerChar = 11; // 8E1, as the field notes' table
const turnaroundMs = 10;
const registers = Number(process.argv[3] ?? 2);
const liveDevices = 10;
const deadTimeout = '500ms';
const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));

const charMs = (bitsPerChar * 1000) / baud;
const physicalTps = 1000 / ((13 + 2 * registers + 7) * charMs + turnaroundMs);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function withLine<T>(units: number[], run: (port: string) => Promise<T>): Promise<T> {
  const pty = await openPtyPair();
  const slaves = new Map<number, SimSlave>();
  for (const unit of units) {
    const slave = new SimSlave(unit);
    slave.setRegisters('holding', 0, Array.from({ length: registers }, (_, i) => unit * 100 + i));
    slaves.set(unit, slave);
  }
  const sim = await serveSerial(slaves, { path: pty.b, baud, dataBits: 8, parity: 'even', stopBits: 1, timing: { baud, bitsPerChar, turnaroundMs } });
  try {
    return await run(pty.a);
  } finally {
    await sim.stop();
    await pty.stop();
  }
}

/** A bare master: back-to-back FC03 reads round-robin over the units, nothing else. */
async function bareMaster(port: string, seconds: number): Promise<number> {
  const link = createLink({ kind: 'serial', path: port, baud, dataBits: 8, parity: 'even', stopBits: 1 });
  let received = 0;
  let wake: (() => void) | undefined;
  link.setHandlers({ data: (chunk) => { received += chunk.length; wake?.(); }, closed: () => undefined });
  await link.open();
  const expected = 5 + 2 * registers;
  let count = 0;
  const end = performance.now() + seconds * 1000;
  for (let unit = 1; performance.now() < end; unit = (unit % liveDevices) + 1) {
    received = 0;
    const done = new Promise<void>((resolve) => { wake = () => received >= expected && resolve(); });
    await link.write(withCrc(Buffer.from([unit, 3, 0, 0, 0, registers])));
    await done;
    count++;
    await sleep(3.5 * charMs);
  }
  await link.close();
  return count / seconds;
}

interface GatewayRun { tps: number; deadPolls: number; deadBusMs: number; stats: ReturnType<BusScheduler['stats']> }

async function gateway(port: string, units: number[], windows: number[]): Promise<GatewayRun[]> {
  // The fixture's two registers, plus more adjacent ones when reading more per request.
  const points = Array.from({ length: Math.max(0, registers - 2) }, (_, i) => ({ name: `r${i + 2}`, address: i + 2 }));
  const devices = units.map((unit) => ({ id: `dev-${unit}`, driver: 'modbus', bus: 'rs485', unit, profile: './modbus-two-registers.yaml', points, interval: '0s', timeout: unit > liveDevices ? deadTimeout : '200ms' }));
  const config = gatewayConfigSchema.parse({ gateway: { id: 'bench' }, buffer: {}, buses: [{ id: 'rs485', type: 'modbus-rtu', port, baud, parity: 'even', timeout: '200ms' }], devices });
  let good = 0;
  const setup = modbusFamily.create({ config, configDir: fixtures, dataDir: fixtures, log: silentLogger(), emit: (r) => { if (r.quality === 'good') good++; }, alert: () => undefined, latestReading: () => undefined });
  const scheduler = setup.services[0] as BusScheduler;
  const controller = new AbortController();
  await scheduler.start(controller.signal);
  const results: GatewayRun[] = [];
  for (const seconds of windows) {
    const before = good;
    const dead = () => setup.devices.filter((d) => d.id === `dev-${liveDevices + 1}`).map((d) => d.stats());
    const deadBefore = dead();
    await sleep(seconds * 1000);
    const deadAfter = dead();
    const sum = (list: typeof deadAfter, key: 'polls' | 'busMs') => list.reduce((n, s) => n + Number(s[key] ?? 0), 0);
    results.push({ tps: (good - before) / seconds, deadPolls: sum(deadAfter, 'polls') - sum(deadBefore, 'polls'), deadBusMs: sum(deadAfter, 'busMs') - sum(deadBefore, 'busMs'), stats: scheduler.stats() });
  }
  await scheduler.stop();
  return results;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const live = Array.from({ length: liveDevices }, (_, i) => i + 1);

console.log(`modbus bus bench: ${liveDevices} devices, FC03 x ${registers} registers, ${baud} baud 8E1 (${bitsPerChar}-bit characters), ${turnaroundMs} ms device turnaround, ${windowS} s windows`);
console.log(`physical limit (FIELD-NOTES formula): ${physicalTps.toFixed(1)} transactions/s`);

// Measured before and after the gateway runs; the better figure is the line's practical ceiling here.
const bareBefore = await withLine(live, (port) => bareMaster(port, windowS / 2));

const [healthy] = await withLine(live, (port) => gateway(port, live, [2, windowS]).then((r) => r.slice(1)));

const withDead = await withLine(live, (port) => gateway(port, [...live, liveDevices + 1], [windowS, windowS]));
const bareAfter = await withLine(live, (port) => bareMaster(port, windowS / 2));
const bare = Math.max(bareBefore, bareAfter);
console.log(`bare master on this line (same run):   ${bareBefore.toFixed(1)} before, ${bareAfter.toFixed(1)} after transactions/s  (best ${pct(bare / physicalTps)} of physical)`);
const [first, steady] = withDead;
console.log(`gateway, ${liveDevices} live devices:         ${healthy!.tps.toFixed(1)} readings/s      (${pct(healthy!.tps / physicalTps)} of physical, ${pct(healthy!.tps / bare)} of the best bare master)`);
console.log(`gateway, + 1 dead device (timeout ${deadTimeout}):`);
// Bus time the dead device took is measured directly; the drop in live readings/s is shown beside
// it but is noisy on a loaded machine (two separate runs).
for (const [label, run] of [[`first ${windowS} s (finding it dead)`, first!], [`next ${windowS} s (backoff grown)`, steady!]] as const) {
  console.log(`  ${label.padEnd(28)} ${run.tps.toFixed(1)} readings/s, ${run.deadPolls} poll(s)/probe(s) of the dead device taking ${(run.deadBusMs / 1000).toFixed(2)} s of bus time = ${pct(run.deadBusMs / (windowS * 1000))} of the bus (live readings/s ${pct(1 - run.tps / healthy!.tps)} lower than without it)`);
}
console.log(`  targets: >= 90% of physical; dead device <= 5% of the bus. Bus counters: ${JSON.stringify({ transactions: steady!.stats.transactions, timeouts: steady!.stats.timeouts, retries: steady!.stats.retries, stray: steady!.stats.strayFrames })}`);
