import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { checkConfig } from '../../gateway/config/load.ts';

const dir = mkdtempSync(join(tmpdir(), 'citygw-cctv-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const base = (devices: unknown[]): unknown => ({ gateway: { id: 'gw-1' }, buses: [{ type: 'modbus-tcp', id: 'b1', host: '127.0.0.1' }], devices });
const camera = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({ id: 'cam-1', driver: 'cctv', host: '10.0.5.21', probes: { tcp: {} }, ...extra });

describe('cctv device config', () => {
  it('fills defaults: 30 s interval, 5 s timeout, tcp ports 554 and 80, DESCRIBE on 554', () => {
    const { config, problems } = checkConfig(base([camera({ probes: { tcp: {}, rtsp: { path: '/Streaming/Channels/101', interval: '1m' } } })]));
    expect(problems).toEqual([]);
    const cam = config!.devices[0]!;
    expect(cam).toMatchObject({ driver: 'cctv', kind: 'cctv-health', interval: 30_000, timeout: 5000, probes: { tcp: { ports: [554, 80] }, rtsp: { port: 554, method: 'DESCRIBE', interval: 60_000 } } });
  });

  it('a camera with no probe, an unknown key, or a bad duration is rejected with the path', () => {
    const { problems } = checkConfig(base([camera({ probes: {} }), camera({ id: 'cam-2', probes: { tcp: {}, rtps: {} } }), camera({ id: 'cam-3', interval: 'often' })]));
    const paths = problems.map((p) => p.path);
    expect(paths).toContain('devices[0].probes');
    expect(paths).toContain('devices[1].probes.rtps');
    expect(paths).toContain('devices[2].interval');
  });

  it('a host that would read as a ping option is rejected', () => {
    const { problems } = checkConfig(base([camera({ host: '-f' }), camera({ id: 'cam-2', host: 'cam 2' }), camera({ id: 'cam-3', host: 'fe80::1%eth0' }), camera({ id: 'cam-4', host: '::1' })]));
    expect(problems.map((p) => p.path)).toEqual(['devices[0].host', 'devices[1].host']);
  });

  it('the contacts probe must name a configured Modbus device', () => {
    const withContacts = camera({ probes: { contacts: { device: 'cab-di', power: 'di0', door: { point: 'di2', invert: true } } } });
    expect(checkConfig(base([withContacts])).problems).toEqual([{ path: 'devices[0].probes.contacts.device', message: expect.stringContaining('no device with id "cab-di"') }]);
    const di = { id: 'cab-di', driver: 'modbus', bus: 'b1', unit: 3, profile: 'di-module' };
    const { config, problems } = checkConfig(base([di, withContacts]));
    expect(problems).toEqual([]);
    expect(config!.devices[1]).toMatchObject({ probes: { contacts: { power: { point: 'di0', invert: false }, door: { point: 'di2', invert: true }, maxAge: 60_000 } } });
  });

  it('credentials come from a file or the environment and never print', () => {
    const file = join(dir, 'cam-password');
    writeFileSync(file, 'from-file-pw\n');
    process.env.CITYGW_TEST_POE_COMMUNITY = 'from-env-community';
    const { config, problems } = checkConfig(
      base([camera({ credentials: { username: 'viewer', password: { file } }, probes: { poe: { host: '10.0.5.1', portIndex: 4, community: { env: 'CITYGW_TEST_POE_COMMUNITY' } } } })]),
    );
    expect(problems).toEqual([]);
    const cam = config!.devices[0]!;
    if (cam.driver !== 'cctv') throw new Error('not a camera');
    expect(cam.credentials!.password.reveal()).toBe('from-file-pw');
    expect(cam.probes.poe!.community.reveal()).toBe('from-env-community');
    const shown = JSON.stringify(config) + inspect(config, { depth: 10 });
    expect(shown).not.toContain('from-file-pw');
    expect(shown).not.toContain('from-env-community');
  });

  it('a missing credential variable is a config error, not a runtime surprise', () => {
    delete process.env.CITYGW_TEST_MISSING;
    const { problems } = checkConfig(base([camera({ credentials: { username: 'viewer', password: { env: 'CITYGW_TEST_MISSING' } } })]));
    expect(problems).toEqual([{ path: 'devices[0].credentials.password', message: 'environment variable CITYGW_TEST_MISSING is not set' }]);
  });
});
