import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedBundle } from '../helpers/bundle.ts';
import { waitFor } from '../helpers/free-port.ts';
import { startPymodbus, type PymodbusPeer } from '../helpers/modbus-peer.ts';
import { startMosquitto, type RunningMosquitto } from '../helpers/mosquitto.ts';
import { lastSeqs, recordAll, type Received } from '../helpers/outbox-crash.ts';
import { arm64Command, arm64Runner } from '../helpers/qemu.ts';
import type { MqttClient } from 'mqtt';
import type { ReadingPayload } from '../../core/reading.ts';

const runner = arm64Runner();
const skipReason = runner.mode === 'none' ? runner.reason : '';
if (skipReason) process.stderr.write(`SKIPPED arm64 release under qemu: ${skipReason}\n`);

function run(release: string, args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 280_000): Promise<{ code: number | null; out: string }> {
  const { command, args: argv } = arm64Command(runner, release, args);
  return new Promise((resolve) => {
    const child = spawn(command, argv, { env: { ...process.env, PATH: '/usr/bin:/bin', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

// One short emulated run: qemu-user is slow (Node starts in seconds, not milliseconds).
describe.skipIf(skipReason !== '')(`the arm64 release under qemu-user (${runner.mode}${skipReason ? `: skipped, ${skipReason}` : ''})`, () => {
  let release: string;
  let work: string;
  let peer: PymodbusPeer;
  let broker: RunningMosquitto;
  let recorder: { client: MqttClient; received: Received[] };

  beforeAll(async () => {
    const bundle = sharedBundle('arm64');
    work = mkdtempSync(join(tmpdir(), 'citygw-arm64-'));
    expect(spawnSync('tar', ['xzf', bundle.file, '-C', work]).status).toBe(0);
    release = join(work, `citygw-${bundle.manifest.version}-linux-arm64`);
    peer = await startPymodbus({ mode: 'tcp' }, { 1: { hr: { 1: 1200, 2: 0, 3: 2350, 4: 0, 5: 500 } } });
    broker = await startMosquitto();
    recorder = await recordAll(broker.url, 'arm-box', false);
  }, 400_000);

  afterAll(async () => {
    recorder?.client.end(true);
    await peer?.stop();
    await broker?.stop();
  });

  it('validates the shipped examples with its own arm64 Node (no Node on PATH)', async () => {
    // One after the other: two emulated Node processes at once only make each slower.
    const results: Array<{ code: number | null; out: string }> = [];
    for (const name of ['canal-station.yaml', 'school-air.yaml']) {
      results.push(
        await (async () => {
        // Secret files the examples point at (/etc/citygw/...) are made in the work folder.
        const text = readFileSync(join(release, 'deploy', 'examples', name), 'utf8').replaceAll('/etc/citygw/', `${work}/`);
        for (const m of text.matchAll(new RegExp(`${work}/([\\w.-]+)`, 'g'))) writeFileSync(join(work, m[1]!), 'secret-from-file\n');
        writeFileSync(join(work, name), text);
          return run(release, ['validate', '--config', join(work, name)], { CITYGW_MQTT_PASSWORD: 'pw', CAM_BRIDGE_01_PASSWORD: 'pw' });
        })(),
      );
    }
    for (const r of results) {
      expect(r.out).toMatch(/: valid \(gateway /);
      expect(r.code).toBe(0);
    }
  }, 600_000);

  it('runs against a pymodbus TCP slave and Mosquitto: readings arrive, the SQLite outbox is written, a clean stop', async () => {
    const config = join(work, 'run.yaml');
    writeFileSync(
      config,
      `gateway:\n  id: arm-box\n  dataDir: ${join(work, 'data')}\nuplink:\n  url: ${broker.url}\nflows:\n  enabled: false\nbuses:\n  - id: plc\n    type: modbus-tcp\n    host: 127.0.0.1\n    port: ${peer.port}\ndevices:\n  - id: canal-level\n    driver: modbus\n    bus: plc\n    unit: 1\n    profile: radar-level-ld8001h\n    interval: 500ms\n    timeout: 5s\n`,
    );
    const { command, args } = arm64Command(runner, release, ['run', '--config', config]);
    const gw = spawn(command, args, { env: { ...process.env, PATH: '/usr/bin:/bin', CITYGW_LOG_FORMAT: 'json' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    gw.stdout.on('data', (d: Buffer) => (out += d.toString()));
    gw.stderr.on('data', (d: Buffer) => (out += d.toString()));
    // Emulation is slow: the device timeout above is generous so a poll is not lost to it.
    const readings = () =>
      recorder.received
        .filter((m) => m.topic.includes('/devices/canal-level/'))
        .flatMap((m) => {
          const body = JSON.parse(m.payload) as ReadingPayload | { readings: ReadingPayload[] };
          return 'readings' in body ? body.readings : [body];
        });
    try {
      await waitFor('three polls to reach the broker', () => readings().length >= 3 || gw.exitCode !== null, 400_000, 250);
      expect(gw.exitCode, out.slice(-3000)).toBe(null);
      const good = readings().filter((r) => r.quality === 'good');
      expect(good.length, JSON.stringify(readings().slice(0, 3))).toBeGreaterThan(0);
      expect(good[0]!.values.level_m).toBeCloseTo(2.35, 3);
    } finally {
      gw.kill('SIGTERM');
    }
    const code = await new Promise<number | null>((resolve) => (gw.exitCode !== null ? resolve(gw.exitCode) : gw.once('exit', resolve)));
    expect(code, out.slice(-3000)).toBe(0);
    expect(out).toContain('gateway stopped');
    const db = join(work, 'data', 'outbox.db');
    expect(existsSync(db)).toBe(true);
    expect(lastSeqs(db).get('canal-level')).toBeGreaterThanOrEqual(3);
  }, 480_000);
});
