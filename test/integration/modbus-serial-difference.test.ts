import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPtyPair, type PtyPair } from '../../drivers/sim/socat-pair.ts';
import { startPymodbus, type PymodbusPeer } from '../helpers/modbus-peer.ts';
import { modbusHarness, type ModbusHarness } from '../helpers/modbus-harness.ts';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
// modbus-serial is CommonJS whose typings declare an ES default export; load it the CommonJS way.
const ModbusRTU = createRequire(import.meta.url)('modbus-serial') as typeof import('modbus-serial').default;

type Outcome = { ok: number[] } | { error: string } | 'never settled';

/** Waits for a promise at most `ms`; a request without a timeout may never settle. */
function settle(promise: Promise<{ data: number[] }>, ms: number): Promise<Outcome> {
  return Promise.race([
    promise.then(
      (r): Outcome => ({ ok: r.data }),
      (e: unknown): Outcome => ({ error: e instanceof Error ? e.message : JSON.stringify(e) }),
    ),
    new Promise<Outcome>((resolve) => setTimeout(() => resolve('never settled'), ms)),
  ]);
}

// Why the gateway puts a scheduler in front of every port instead of handing modbus-serial's RTU
// client to whoever polls: two polls that overlap on one port (two flows, two timers) break it.
// Same line, same pymodbus slave, same two requests at the same moment.
describe('two overlapping polls on one RTU port: modbus-serial alone, and the gateway', () => {
  let pty: PtyPair;
  let peer: PymodbusPeer;
  let h: ModbusHarness;

  beforeAll(async () => {
    pty = await openPtyPair();
    peer = await startPymodbus({ mode: 'rtu', port: pty.b }, { 1: { hr: { 0: 101, 1: 102, 10: 111, 11: 112 } } });
  });

  afterAll(async () => {
    await h?.stop();
    await peer?.stop();
    await pty?.stop();
  });

  it('modbus-serial (no default timeout, one pending transaction per port): one read hangs, the other gets its data', async () => {
    const client = new ModbusRTU();
    await client.connectRTUBuffered(pty.a, { baudRate: 9600 });
    client.setID(1);
    try {
      const first = client.readHoldingRegisters(0, 2);
      const second = client.readHoldingRegisters(10, 2);
      const [a, b] = await Promise.all([settle(first, 1500), settle(second, 1500)]);
      expect(a).toBe('never settled');
      // registers 10-11 hold 111, 112: the second read returns the first read's registers instead
      expect(b).toEqual({ ok: [101, 102] });
    } finally {
      await new Promise<void>((resolve) => client.close(() => resolve()));
    }
  });

  it('the gateway serialises them through the bus scheduler: both right', async () => {
    h = modbusHarness(
      {
        buses: [{ id: 'rs485', type: 'modbus-rtu', port: pty.a, baud: 9600, timeout: '500ms' }],
        devices: [
          { id: 'low', driver: 'modbus', bus: 'rs485', unit: 1, profile: './modbus-two-registers.yaml' },
          { id: 'high', driver: 'modbus', bus: 'rs485', unit: 1, profile: './modbus-two-registers.yaml', points: [{ name: 'a', address: 10 }, { name: 'b', address: 11 }] },
        ],
      },
      fixtures,
    );
    const [low, high] = await Promise.all([h.devices.get('low')!.readOnce(), h.devices.get('high')!.readOnce()]);
    expect(low.values).toEqual({ a: 101, b: 102 });
    expect(high.values).toEqual({ a: 111, b: 112 });
  });
});
