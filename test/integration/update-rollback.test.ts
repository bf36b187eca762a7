import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signFile } from '../../core/signing/minisign.ts';
import { schemaVersion } from '../../gateway/outbox/schema.ts';
import { linkBundle, sharedBundle } from '../helpers/bundle.ts';
import { runCli } from '../helpers/cli.ts';
import { waitFor } from '../helpers/free-port.ts';
import { startPymodbus, type PymodbusPeer } from '../helpers/modbus-peer.ts';
import { startMosquitto, type RunningMosquitto } from '../helpers/mosquitto.ts';
import { checkDelivery, lastSeqs, recordAll, type Received } from '../helpers/outbox-crash.ts';
import { buildVariant } from '../helpers/release-variants.ts';

const gatewayId = 'upd-box';
const devices = ['level-1', 'level-2'];

/** The box's service launcher, run as systemd would run it (CITYGW_ROOT points at the throwaway root). */
interface Service {
  proc: ChildProcess;
  output: () => string;
}

/**
 * Three updates on one box, with readings flowing and the broker down the whole time: a release
 * that fails to start (it refuses the outbox, whose schema is newer than it knows), one that runs
 * but never becomes healthy, and a good one. The first two are rolled back by the launcher, the
 * third is confirmed; afterwards every committed reading arrives upstream, gap-free.
 */
describe('citygw update: probation, automatic rollback, nothing lost', () => {
  let work: string;
  let root: string;
  let peer: PymodbusPeer;
  let broker: RunningMosquitto;
  let brokerPort: number;
  let brokerData: string;
  let recorder: { client: MqttClient; received: Received[] };
  let service: Service | null = null;
  let version: string;
  const bundles: Record<string, string> = {};
  let config: string;

  const opt = () => join(root, 'opt', 'citygw');
  const current = () => readlinkSync(join(opt(), 'current'));

  function startService(configFile = config): Service {
    const proc = spawn(join(opt(), 'citygw-service'), ['run', '--config', configFile], {
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', CITYGW_ROOT: root, CITYGW_LOG_FORMAT: 'json' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    service = { proc, output: () => out };
    return service;
  }

  async function stopService(): Promise<void> {
    const s = service;
    if (!s || s.proc.exitCode !== null || s.proc.signalCode !== null) return;
    const exited = new Promise<number | null>((resolve) => s.proc.once('exit', resolve));
    s.proc.kill('SIGTERM');
    expect(await exited, s.output().slice(-3000)).toBe(0);
  }

  /** `citygw update` as root would run it (no service manager here: the test restarts the launcher). */
  async function update(file: string, probationS: number): Promise<void> {
    const r = await runCli(['update', file, '--root', root, '--probation-s', String(probationS)], { timeoutMs: 120_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    await stopService();
    startService();
  }

  const readingsSeen = () => recorder.received.filter((m) => m.topic.includes('/devices/')).length;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'citygw-update-'));
    root = join(work, 'root');
    const shared = sharedBundle(process.arch);
    version = shared.manifest.version;
    bundles.base = linkBundle(shared.file, work);
    const out = join(work, 'variants');
    // An older release: it knows only the schema before this one and refuses the box's (newer) file.
    bundles.refusesOutbox = buildVariant({ version: '0.1.1-old-schema', outDir: out, patches: [{ file: 'gateway/outbox/schema.ts', find: `export const schemaVersion = ${schemaVersion};`, replace: `export const schemaVersion = ${schemaVersion - 1};` }] }).file;
    // A release that runs but never proves itself healthy.
    bundles.neverHealthy = buildVariant({
      version: '0.1.2-unhealthy',
      outDir: out,
      patches: [{ file: 'gateway/release/probation-health.ts', find: 'if (!this.#checks.ready() || !this.#checks.outboxCommits()) return;', replace: 'if (this.#file) return;' }],
    }).file;
    bundles.good = buildVariant({ version: '0.2.0', outDir: out }).file;
    expect((await runCli(['keygen', '--out', join(work, 'fleet')])).code).toBe(0);
    for (const file of Object.values(bundles)) signFile({ file, keyFile: join(work, 'fleet.key'), trustedComment: `${file.split('/').pop()!.replace(/^citygw-(.*)-linux-(\w+)\.tar\.gz$/, 'citygw $1 linux-$2')} commit test` });

    const installed = await runCli(['install', bundles.base, '--trust', join(work, 'fleet.pub'), '--root', root], { timeoutMs: 120_000 });
    expect(installed.code, installed.stderr).toBe(0);

    peer = await startPymodbus({ mode: 'tcp' }, { 1: { hr: { 1: 1500, 3: 1000, 5: 300 } }, 2: { hr: { 1: 1600, 3: 900, 5: 300 } } });
    brokerData = mkdtempSync(join(tmpdir(), 'citygw-update-broker-'));
    broker = await startMosquitto({ persistenceDir: brokerData });
    brokerPort = broker.port;
    recorder = await recordAll(broker.url, gatewayId, true);
    config = join(root, 'etc', 'citygw', 'citygw.yaml');
    const devicesYaml = devices.map((d, i) => `  - id: ${d}\n    driver: modbus\n    bus: plc\n    unit: ${i + 1}\n    profile: radar-level-ld8001h\n    interval: 200ms\n`).join('');
    writeFileSync(
      config,
      `gateway:\n  id: ${gatewayId}\n  dataDir: ${join(root, 'var', 'lib', 'citygw')}\n  healthInterval: 1s\nuplink:\n  url: ${broker.url}\n  reconnectMin: 100ms\n  reconnectMax: 500ms\nflows:\n  enabled: false\nbuffer:\n  commitInterval: 50ms\nbuses:\n  - id: plc\n    type: modbus-tcp\n    host: 127.0.0.1\n    port: ${peer.port}\ndevices:\n${devicesYaml}`,
    );
    startService();
    await waitFor('readings upstream from the installed release', () => readingsSeen() >= 10, 60_000, 100);
    await broker.stop();
  }, 600_000);

  afterAll(async () => {
    if (service && service.proc.exitCode === null) service.proc.kill('SIGKILL');
    recorder?.client.end(true);
    await peer?.stop();
    await broker?.stop();
  });

  const gatewayHasStored = async (minReadings: number): Promise<void> => {
    const db = join(root, 'var', 'lib', 'citygw', 'outbox.db');
    const before = devices.map((d) => lastSeqs(db).get(d) ?? 0);
    await waitFor(`${minReadings} more readings stored`, () => devices.every((d, i) => (lastSeqs(db).get(d) ?? 0) >= before[i]! + minReadings), 60_000, 200);
  };

  it('a release that fails to start (refuses the newer outbox) is rolled back to the previous one', async () => {
    await update(bundles.refusesOutbox!, 120);
    await waitFor('the rollback', () => service!.output().includes('rolled back to'), 90_000, 200);
    expect(service!.output()).toMatch(/release 0\.1\.1-old-schema failed \(exited with code \d+ before it was healthy\): rolled back to 0\.1\.0/);
    expect(service!.output()).toContain(`outbox file has schema ${schemaVersion}, this gateway knows up to ${schemaVersion - 1}`);
    expect(current()).toBe(`releases/${version}`);
    await waitFor('the previous release to report the failed update', () => service!.output().includes('update failed and was rolled back'), 60_000, 200);
    await gatewayHasStored(3);
  }, 240_000);

  it('a release that is not healthy in time is rolled back', async () => {
    await update(bundles.neverHealthy!, 20);
    await waitFor('the rollback', () => service!.output().includes('rolled back to'), 120_000, 200);
    expect(service!.output()).toMatch(/release 0\.1\.2-unhealthy failed \(not healthy by its deadline\): rolled back to 0\.1\.0/);
    expect(current()).toBe(`releases/${version}`);
    await waitFor('the previous release to report the failed update', () => service!.output().includes('update failed and was rolled back'), 60_000, 200);
    await gatewayHasStored(3);
  }, 240_000);

  it('a good release is confirmed after probation; the last two releases are kept', async () => {
    await update(bundles.good!, 120);
    await waitFor('the confirmation', () => service!.output().includes('is healthy: update confirmed') || service!.output().includes('rolled back to'), 180_000, 200);
    expect(service!.output()).toContain('release 0.2.0 is healthy: update confirmed (kept: 0.2.0 and 0.1.0)');
    expect(current()).toBe('releases/0.2.0');
    expect(readdirSync(join(opt(), 'releases')).sort()).toEqual(['0.1.0', '0.2.0']);
    expect(existsSync(join(root, 'var', 'lib', 'citygw', 'update', 'probation'))).toBe(false);
    await gatewayHasStored(3);
  }, 240_000);

  it('afterwards every committed reading arrives upstream, gap-free, and both update-failed alerts with them', async () => {
    await stopService();
    const db = join(root, 'var', 'lib', 'citygw', 'outbox.db');
    const committed = lastSeqs(db);
    // The broker back, and the box with no devices: it only drains what it holds.
    broker = await startMosquitto({ port: brokerPort, persistenceDir: brokerData });
    const drain = join(root, 'etc', 'citygw', 'drain.yaml');
    writeFileSync(drain, `gateway:\n  id: ${gatewayId}\n  dataDir: ${join(root, 'var', 'lib', 'citygw')}\nuplink:\n  url: ${broker.url}\n  reconnectMin: 100ms\n  reconnectMax: 500ms\nflows:\n  enabled: false\ndevices: []\n`);
    startService(drain);
    await waitFor('every committed reading upstream', () => checkDelivery(recorder.received, committed).missing === 0, 90_000, 250);
    await stopService();
    const report = checkDelivery(recorder.received, committed);
    expect(report.problems).toEqual([]);
    expect(report.missing).toBe(0);
    for (const d of devices) expect(committed.get(d)).toBeGreaterThan(20);
    const alerts = recorder.received.filter((m) => m.topic.endsWith('/alerts')).map((m) => JSON.parse(m.payload) as { id: string; message: { th: string; en: string } });
    const failed = alerts.filter((a) => a.id === 'update-failed');
    expect(failed.map((a) => a.message.en)).toEqual([
      expect.stringContaining('Update to release 0.1.1-old-schema failed'),
      expect.stringContaining('Update to release 0.1.2-unhealthy failed'),
    ]);
    expect(failed[0]!.message.th).toContain('อัปเดต');
  }, 240_000);
});
