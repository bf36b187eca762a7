import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveTcp, type SimEndpoint } from '../../drivers/sim/servers.ts';
import { SimSlave } from '../../drivers/sim/slave.ts';
import { runCli } from '../helpers/cli.ts';

describe('citygw read on a camera at the cabinet', () => {
  let sim: SimEndpoint;
  let camera: Server;
  let cameraPort = 0;
  const di = new SimSlave(1);
  const dir = mkdtempSync(join(tmpdir(), 'citygw-read-cam-'));

  beforeAll(async () => {
    for (let i = 0; i < 7; i++) di.setBit('discrete', i, false);
    sim = await serveTcp(new Map([[1, di]]), { framing: 'tcp' });
    camera = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => camera.listen(0, '127.0.0.1', () => resolve()));
    const address = camera.address();
    cameraPort = typeof address === 'object' && address ? address.port : 0;
  });

  afterAll(async () => {
    await sim?.stop();
    await new Promise<void>((resolve) => camera?.close(() => resolve()));
  });

  function config(): string {
    const file = join(dir, 'citygw.yaml');
    writeFileSync(
      file,
      `gateway: { id: cabinet-01, dataDir: ./data }
buses: [{ id: cabinet, type: modbus-tcp, host: 127.0.0.1, port: ${sim.port} }]
devices:
  - { id: cabinet-di, driver: modbus, bus: cabinet, unit: 1, profile: digital-input-adam4150 }
  - id: cam-01
    driver: cctv
    host: 127.0.0.1
    probes:
      tcp: { ports: [${cameraPort}] }
      contacts: { device: cabinet-di, power: camera_power, tamper: tamper, door: cabinet_door_open }
`,
    );
    return file;
  }

  it('reads the contact module first, so power and door are known, and prints the cabinet view', async () => {
    di.setBit('discrete', 0, true); // camera powered
    const ok = await runCli(['read', '--config', config(), '--device', 'cam-01']);
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toMatch(/^cam-01\s+OK \/ ปกติ/);
    expect(ok.stdout).toMatch(/\n\s+contacts\s+ok/);

    di.setBit('discrete', 0, false); // power lost
    const off = await runCli(['read', '--config', config(), '--device', 'cam-01', '--json']);
    const reading = JSON.parse(off.stdout) as { values: Record<string, unknown> };
    expect(reading.values.contacts).not.toBe('ok');
    expect(reading.values.contacts).not.toBe('unknown');
  });
});
