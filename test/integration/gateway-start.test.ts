import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../gateway/config/load.ts';
import { ErrorCodes, GatewayError } from '../../core/errors.ts';
import { Gateway } from '../../gateway/gateway.ts';
import { silentLogger } from '../../core/log.ts';
import { runCli } from '../helpers/cli.ts';
import { waitFor } from '../helpers/wait-for.ts';

const dir = mkdtempSync(join(tmpdir(), 'citygw-start-'));

/** A Modbus TCP "device" that only counts the connections the gateway holds open to it. */
function connectionCounter(): Promise<{ port: number; open: () => number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // Read (and drop) the requests, so the end of the connection is seen.
    socket.resume();
    socket.on('error', () => undefined);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve({
        port: typeof address === 'object' && address ? address.port : 0,
        open: () => sockets.size,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

describe('start-up is all or nothing', () => {
  let device: Awaited<ReturnType<typeof connectionCounter>>;
  beforeAll(async () => {
    device = await connectionCounter();
  });
  afterAll(async () => {
    await device.close();
  });

  it('a failure in a late step (the uplink) stops the field side and closes the outbox again, and names the config', async () => {
    const ca = join(dir, 'ca.pem');
    writeFileSync(ca, 'not yet a real CA, only has to exist when the config is loaded\n');
    const file = join(dir, 'late-failure.yaml');
    writeFileSync(
      file,
      `gateway: { id: start-test, dataDir: ./data-late }
uplink: { url: 'mqtts://127.0.0.1:1', tls: { ca: ./ca.pem } }
flows: { enabled: false }
buses: [{ id: plc, type: modbus-tcp, host: 127.0.0.1, port: ${device.port}, timeout: 200ms }]
devices: [{ id: level, driver: modbus, bus: plc, unit: 1, profile: radar-level-ld8001h, interval: 100ms }]
`,
    );
    const loaded = loadConfig(file);
    // The file disappears between loading and starting (a certificate being replaced).
    rmSync(ca);
    const gateway = new Gateway({ loaded, log: silentLogger() });
    const error = await gateway.start().then(
      () => expect.unreachable('start must fail'),
      (e: unknown) => e,
    );
    if (!(error instanceof GatewayError)) throw error;
    expect(error.code).toBe(ErrorCodes.ServiceFailed);
    expect(error.message).toContain(file);
    expect(error.message).toMatch(/uplink\.tls\.ca/);
    // Everything that had started is stopped again: no connection to the bus stays open or is reopened ...
    await waitFor('the bus connection to be closed', () => device.open() === 0, 5_000);
    await new Promise((r) => setTimeout(r, 400));
    expect(device.open()).toBe(0);
    // ... and the outbox is closed.
    expect(() => gateway.outbox.stats()).toThrow(/not open/);
  });

  it('citygw run exits 2 naming the config when start-up fails, without a stack trace', async () => {
    writeFileSync(join(dir, 'a-file'), 'not a folder\n');
    const file = join(dir, 'bad-data-dir.yaml');
    writeFileSync(file, 'gateway: { id: start-test, dataDir: ./a-file/data }\nflows: { enabled: false }\n');
    const result = await runCli(['run', '--config', file], { cwd: tmpdir() });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`citygw run: ${file}: the gateway could not start`);
    expect(result.stderr).toContain('nothing is left running');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('validate checks every file the config names', () => {
  it('names a missing CA, certificate, key and secret file, each with its place', async () => {
    const file = join(dir, 'missing-files.yaml');
    writeFileSync(
      file,
      `gateway: { id: files-test }
uplink:
  url: mqtts://broker.example:8883
  password: { file: ./secrets/mqtt-password }
  tls: { ca: ./pki/ca.pem, cert: ./pki/gw.pem, key: /nonexistent/gw.key }
flows: { editor: { enabled: true, passwordHash: '$2b$08$abcdefghijklmnopqrstuu0123456789ABCDEFGHIJKLMNOPQRSTU', tls: { cert: ./editor.pem, key: ./editor.key } } }
`,
    );
    const result = await runCli(['validate', '--config', file], { cwd: tmpdir() });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`uplink.password: cannot read secret file ${join(dir, 'secrets/mqtt-password')}: ENOENT`);
    expect(result.stderr).toContain(`uplink.tls.ca: file ${join(dir, 'pki/ca.pem')} does not exist`);
    expect(result.stderr).toContain(`uplink.tls.cert: file ${join(dir, 'pki/gw.pem')} does not exist`);
    expect(result.stderr).toContain('uplink.tls.key: file /nonexistent/gw.key does not exist');
    expect(result.stderr).toContain(`flows.editor.tls.cert: file ${join(dir, 'editor.pem')} does not exist`);
    expect(result.stderr).toContain(`flows.editor.tls.key: file ${join(dir, 'editor.key')} does not exist`);
  });

  const asRoot = process.getuid?.() === 0;
  const title = 'names a file the current user cannot read';
  it.skipIf(asRoot)(asRoot ? `${title} (SKIPPED: running as root, which reads every file)` : title, async () => {
    const { chmodSync } = await import('node:fs');
    const ca = join(dir, 'private-ca.pem');
    writeFileSync(ca, 'x\n');
    chmodSync(ca, 0o000);
    const file = join(dir, 'unreadable.yaml');
    writeFileSync(file, `gateway: { id: files-test }\nuplink: { url: 'mqtts://broker.example:8883', tls: { ca: ./private-ca.pem } }\n`);
    const result = await runCli(['validate', '--config', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/uplink\.tls\.ca: file .*private-ca\.pem is not readable by this user/);
  });
});

describe('relative paths in the config are relative to the config file, wherever citygw is started', () => {
  it('reads a secret file, a CA and a profile next to the config from another working directory', async () => {
    const site = mkdtempSync(join(tmpdir(), 'citygw-site-'));
    writeFileSync(join(site, 'mqtt-password'), 'pw-from-file\n');
    writeFileSync(join(site, 'ca.pem'), 'x\n');
    const file = join(site, 'citygw.yaml');
    writeFileSync(file, `gateway: { id: paths-test }\nuplink: { url: 'mqtts://broker.example:8883', password: { file: mqtt-password }, tls: { ca: ca.pem } }\n`);
    const result = await runCli(['validate', '--config', file], { cwd: tmpdir() });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const loaded = loadConfig(file);
    expect(loaded.config.uplink?.password?.reveal()).toBe('pw-from-file');
    expect(loaded.config.uplink?.tls?.ca).toBe(join(site, 'ca.pem'));
    expect(loaded.dataDir).toBe(join(site, 'data'));
  });
});
