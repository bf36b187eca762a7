import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPtyPair, type PtyPair } from '../../drivers/sim/socat-pair.ts';
import { serveSerial, type SimEndpoint } from '../../drivers/sim/servers.ts';
import { SondeModel, StaticModel } from '../../drivers/sim/models.ts';
import { startDemoDevices, type DemoDevices } from '../../drivers/sim/demo.ts';
import { createLink } from '../../drivers/transport/index.ts';
import { portOpenError } from '../../drivers/transport/serial.ts';
import { ErrorCodes } from '../../core/errors.ts';
import { probeCommand } from '../../gateway/commands/probe.ts';
import { readCommand } from '../../gateway/commands/read.ts';
import { scanCommand } from '../../gateway/commands/scan.ts';
import { runCli } from '../helpers/modbus-cli.ts';

describe('technician tools on a serial bus', () => {
  let pty: PtyPair;
  let sim: SimEndpoint;
  const sonde = new SondeModel(4);
  const co2 = new StaticModel(17, 'co2-senseair-s8', { co2_ppm: 505 });

  beforeAll(async () => {
    pty = await openPtyPair();
    sonde.device.set('temperature_c', 28.5);
    sim = await serveSerial(new Map([[4, sonde.device.slave], [17, co2.device.slave]]), { path: pty.b, baud: 19200, dataBits: 8, parity: 'even', stopBits: 1 });
  });

  afterAll(async () => {
    await sim?.stop();
    await pty?.stop();
  });

  it('scan finds exactly the units that answer, and what they answer', async () => {
    const { code, out } = await runCli(scanCommand, ['--port', pty.a, '--baud', '19200', '--parity', 'even', '--units', '2-5,15-18', '--timeout', '250ms', '--json']);
    expect(code).toBe(0);
    const result = JSON.parse(out) as { found: { unit: number; answers: Record<string, string>; identity: string | null }[] };
    expect(result.found.map((f) => f.unit)).toEqual([4, 17]);
    // the sonde has no input registers: it answers with an exception, which still proves it is there
    expect(result.found[0]!.answers['input 0']).toBe('exception 2 (illegal data address)');
    expect(result.found[1]!.answers['input 0']).toBe('ok 0 (0x0000)');
    expect(result.found[1]!.identity).toContain('citygw-sim unit 17');
  });

  it('scan prints a table a technician can read', async () => {
    const { code, out } = await runCli(scanCommand, ['--port', pty.a, '--baud', '19200', '--units', '17', '--timeout', '250ms']);
    expect(code).toBe(0);
    expect(out).toMatch(/^unit\s+holding 0/m);
    expect(out).toMatch(/^17\s+exception 2/m);
  });

  it('probe shows the sonde block with the CDAB float column plausible', async () => {
    const { code, out } = await runCli(probeCommand, ['--port', pty.a, '--baud', '19200', '--unit', '4', '--address', '0x80', '--count', '4', '--json']);
    expect(code).toBe(0);
    const result = JSON.parse(out) as { rows: { address: number; wide: Record<string, number> }[] };
    expect(result.rows[0]!.address).toBe(0x80);
    expect(result.rows[0]!.wide['float32 CDAB']).toBeCloseTo(28.5, 4);
    expect(Math.abs(result.rows[0]!.wide['float32 ABCD']!)).not.toBeCloseTo(28.5, 1);
    const text = await runCli(probeCommand, ['--port', pty.a, '--baud', '19200', '--unit', '4', '--address', '0x80', '--count', '4']);
    expect(text.out).toContain('float32 CDAB');
    expect(text.out).toMatch(/128 \(0x0080\)/);
  });

  it('names a missing port and lists the ports there are', async () => {
    const { code, err } = await runCli(scanCommand, ['--port', '/dev/serial/by-id/usb-nothing-here', '--units', '1']);
    expect(code).toBe(1);
    expect(err).toContain('/dev/serial/by-id/usb-nothing-here does not exist');
  });

  it('says a port is in use when another program holds it', async () => {
    const holder = createLink({ kind: 'serial', path: pty.a, baud: 9600, dataBits: 8, parity: 'none', stopBits: 1 });
    await holder.open();
    try {
      const { code, err } = await runCli(probeCommand, ['--port', pty.a, '--unit', '4']);
      expect(code).toBe(1);
      expect(err).toMatch(/is in use by another program/);
    } finally {
      await holder.close();
    }
  });

  it('explains a permission problem with the dialout group', () => {
    const error = portOpenError('/dev/ttyUSB0', new Error('Error: Permission denied, cannot open /dev/ttyUSB0'));
    expect(error.code).toBe(ErrorCodes.PortPermission);
    expect(error.message).toContain('dialout');
  });

  it('rejects bad options with usage and exit code 2', async () => {
    expect((await runCli(scanCommand, ['--port', pty.a, '--units', '0-300'])).code).toBe(2);
    expect((await runCli(probeCommand, ['--port', pty.a])).err).toContain('--unit N');
  });
});

describe('citygw read', () => {
  let demo: DemoDevices;
  let dir: string;

  beforeAll(async () => {
    demo = await startDemoDevices();
    demo.radar.setLevelM(2.5);
    dir = mkdtempSync(join(tmpdir(), 'citygw-read-'));
    const { buses, devices } = demo.config(10);
    writeFileSync(join(dir, 'gateway.yaml'), JSON.stringify({ gateway: { id: 'gw-read' }, buffer: {}, buses, devices }, null, 2));
  });

  afterAll(async () => {
    await demo?.stop();
  });

  it('prints one decoded reading of a configured device', async () => {
    const { code, out } = await runCli(readCommand, ['--config', join(dir, 'gateway.yaml'), '--device', 'canal-level']);
    expect(code).toBe(0);
    expect(out).toMatch(/^canal-level \(flood-level\) at .*: quality good, took \d+ ms/);
    expect(out).toMatch(/^level_m\s+2\.\d+\s+m\s+ok$/m);
  });

  it('prints JSON for scripts', async () => {
    const { code, out } = await runCli(readCommand, ['--config', join(dir, 'gateway.yaml'), '--device', 'canal-quality', '--json']);
    expect(code).toBe(0);
    const reading = JSON.parse(out) as { values: Record<string, number> };
    expect(reading.values.ph).toBeGreaterThan(6);
    expect(reading.values.ph).toBeLessThan(8);
  });

  it('names the devices there are when the id is wrong', async () => {
    const { code, err } = await runCli(readCommand, ['--config', join(dir, 'gateway.yaml'), '--device', 'nope']);
    expect(code).toBe(2);
    expect(err).toContain('canal-level, canal-quality, siren-relay');
  });

  it('exits 1 with the reason when the device does not answer', async () => {
    const config = JSON.stringify({ gateway: { id: 'gw-read' }, buffer: {}, buses: [{ id: 'b', type: 'modbus-tcp', host: '127.0.0.1', port: demo.devices[0]!.port, timeout: '100ms' }], devices: [{ id: 'ghost', driver: 'modbus', bus: 'b', unit: 99, profile: 'co2-senseair-s8' }] });
    writeFileSync(join(dir, 'ghost.yaml'), config);
    const { code, out } = await runCli(readCommand, ['--config', join(dir, 'ghost.yaml'), '--device', 'ghost']);
    expect(code).toBe(1);
    expect(out).toMatch(/^no values \(2 points\): timeout$/m);
    // What to check at the cabinet, with the scan command for this bus.
    expect(out).toContain('unit 99 did not answer on 127.0.0.1:');
    expect(out).toMatch(/the unit id: the device's address must be 99/);
    expect(out).toContain(`citygw scan --tcp 127.0.0.1:${demo.devices[0]!.port}`);
  });
});
