import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkConfig } from '../../gateway/config/load.ts';
import { gatewayConfigSchema } from '../../gateway/config/schema.ts';
import { defaultFlowsDir } from '../../gateway/flows-host/host.ts';
import { buildNodeRedSettings } from '../../gateway/flows-host/settings.ts';
import type { FlowsGatewayApi } from '../../gateway/flows-host/types.ts';
import { applyGlobalEnv, prepareUserDir } from '../../gateway/flows-host/user-dir.ts';
import { silentLogger } from '../../core/log.ts';

const hash = '$2b$08$TnUVY5yaTa9YxiNum29M3uLF/PY.otQwA/z.e9lRijJ2e0f1WD.dm';
const api: FlowsGatewayApi = {
  onReading: () => () => undefined,
  raiseAlert: () => undefined,
  write: () => Promise.reject(new Error('no field side in this test')),
  status: () => ({ gatewayId: 'gw', uplink: { state: 'disabled', sinceMs: null }, outbox: { depth: 0 }, devices: [] }),
  devices: () => [],
};

function parse(flows: unknown) {
  return gatewayConfigSchema.parse({ gateway: { id: 'gw' }, flows });
}

describe('flows config section', () => {
  it('defaults to rules on, editor off, all shipped flows installed', () => {
    const { flows } = parse(undefined);
    expect(flows.enabled).toBe(true);
    expect(flows.editor.enabled).toBe(false);
    expect(flows.editor.host).toBe('127.0.0.1');
    expect(flows.install).toEqual(['flood-alert', 'clean-water-release', 'school-air-advisory']);
  });

  it('refuses an editor without a login, or with a plain password', () => {
    const missing = checkConfig({ gateway: { id: 'gw' }, flows: { editor: { enabled: true } } });
    expect(missing.problems).toEqual([expect.objectContaining({ path: 'flows.editor.passwordHash' })]);
    const plain = checkConfig({ gateway: { id: 'gw' }, flows: { editor: { enabled: true, passwordHash: 'hunter2' } } });
    expect(plain.problems[0]?.message).toMatch(/bcrypt/);
    expect(checkConfig({ gateway: { id: 'gw' }, flows: { editor: { enabled: true, passwordHash: hash } } }).problems).toEqual([]);
  });

  it('rejects unknown keys and unknown shipped flows', () => {
    const result = checkConfig({ gateway: { id: 'gw' }, flows: { editr: {}, install: ['flood'] } });
    expect(result.problems.map((p) => p.path).sort()).toEqual(['flows.editr', 'flows.install[0]']);
  });

  it('takes the credential key and the password hash from the environment', () => {
    process.env.FLOWS_TEST_HASH = hash;
    process.env.FLOWS_TEST_KEY = 'a-long-credential-key';
    const { flows } = parse({ credentialSecret: { env: 'FLOWS_TEST_KEY' }, editor: { enabled: true, passwordHash: { env: 'FLOWS_TEST_HASH' } } });
    expect(flows.credentialSecret?.reveal()).toBe('a-long-credential-key');
    expect(JSON.stringify(flows)).not.toContain('a-long-credential-key');
    expect(flows.editor.passwordHash?.reveal()).toBe(hash);
  });
});

describe('Node-RED settings from the config', () => {
  const base = { gatewayId: 'gw', userDir: '/data/node-red', nodesDir: '/x/nodes', api, log: silentLogger() };

  it('with the editor off: no admin API, no HTTP nodes, no admin login, nothing fetched from the network', () => {
    const settings = buildNodeRedSettings({ ...base, flows: parse(undefined).flows, passwordHash: undefined });
    expect(settings.httpAdminRoot).toBe(false);
    expect(settings.httpNodeRoot).toBe(false);
    expect(settings.adminAuth).toBeUndefined();
    expect(settings.credentialSecret).toBeUndefined();
    expect(settings.functionExternalModules).toBe(false);
    expect(settings.externalModules).toMatchObject({ autoInstall: false, palette: { allowInstall: false } });
    expect(settings.citygw.api).toBe(api);
    expect(settings.nodesExcludes).toEqual(expect.arrayContaining(['10-mqtt.js', '21-httprequest.js', '31-tcpin.js', '90-exec.js']));
    const open = buildNodeRedSettings({ ...base, flows: parse({ allowNetworkNodes: true }).flows, passwordHash: undefined });
    expect(open.nodesExcludes).toEqual([]);
  });

  it('with the editor on: a login with the configured hash, and still no HTTP nodes', () => {
    const flows = parse({ credentialSecret: 'key-from-config', editor: { enabled: true, username: 'tech', passwordHash: hash, sessionExpiry: '2h' } }).flows;
    const settings = buildNodeRedSettings({ ...base, flows, passwordHash: flows.editor.passwordHash?.reveal() });
    expect(settings.httpAdminRoot).toBe('/');
    expect(settings.httpNodeRoot).toBe(false);
    expect(settings.credentialSecret).toBe('key-from-config');
    expect(settings.adminAuth).toEqual({ type: 'credentials', sessionExpiryTime: 7200, users: [{ username: 'tech', password: hash, permissions: '*' }] });
  });
});

describe('user directory', () => {
  it('installs the shipped flows at first start and keeps later edits', () => {
    const userDir = join(mkdtempSync(join(tmpdir(), 'flows-unit-')), 'node-red');
    const first = prepareUserDir({ userDir, sourceDir: defaultFlowsDir, install: ['flood-alert', 'school-air-advisory'], env: {}, log: silentLogger() });
    expect(first.installed).toBe(true);
    const nodes = JSON.parse(readFileSync(first.flowFile, 'utf8')) as Array<{ id: string; type: string; label?: string }>;
    expect(nodes.filter((n) => n.type === 'tab').map((n) => n.label)).toEqual(['Flood alert', 'School air advisory']);
    expect(new Set(nodes.map((n) => n.id)).size).toBe(nodes.length);

    const edited = nodes.filter((n) => n.type === 'tab' || n.id.startsWith('citygw-flood'));
    writeFileSync(first.flowFile, JSON.stringify(edited));
    const second = prepareUserDir({ userDir, sourceDir: defaultFlowsDir, install: ['flood-alert', 'school-air-advisory'], env: {}, log: silentLogger() });
    expect(second.installed).toBe(false);
    expect(JSON.parse(readFileSync(second.flowFile, 'utf8'))).toEqual(edited);
  });

  it('sets the config environment on the global node, keeping entries added in the editor', () => {
    const nodes: Array<Record<string, unknown> & { id: string; type: string }> = [
      { id: 'g', type: 'global-config', env: [{ name: 'MINE', value: 'x', type: 'str' }, { name: 'SIREN_DEVICE', value: 'old', type: 'str' }] },
    ];
    expect(applyGlobalEnv(nodes, { SIREN_DEVICE: 'siren-box', FLOOD_ALERT_M: 3.9 })).toBe(true);
    expect(nodes[0]!.env).toEqual([
      { name: 'MINE', value: 'x', type: 'str' },
      { name: 'SIREN_DEVICE', value: 'siren-box', type: 'str' },
      { name: 'FLOOD_ALERT_M', value: '3.9', type: 'num' },
    ]);
    expect(applyGlobalEnv(nodes, { SIREN_DEVICE: 'siren-box' })).toBe(false);
    const empty: Array<Record<string, unknown> & { id: string; type: string }> = [];
    expect(applyGlobalEnv(empty, {})).toBe(false);
    expect(empty).toEqual([]);
  });

  it('ships flows that are valid Node-RED flow files using only known node types', () => {
    const known = new Set(['tab', 'comment', 'function', 'debug', 'citygw-readings-in', 'citygw-alert', 'citygw-device-write', 'citygw-status']);
    for (const name of ['flood-alert', 'clean-water-release', 'school-air-advisory']) {
      const nodes = JSON.parse(readFileSync(join(defaultFlowsDir, `${name}.json`), 'utf8')) as Array<{ id: string; type: string; z?: string; wires?: string[][] }>;
      const ids = new Set(nodes.map((n) => n.id));
      for (const node of nodes) {
        expect(known.has(node.type), `${name}: ${node.type}`).toBe(true);
        for (const target of (node.wires ?? []).flat()) expect(ids.has(target), `${name}: wire to ${target}`).toBe(true);
      }
    }
  });
});

describe('Node-RED log bridge', () => {
  it('maps Node-RED levels to the gateway logger and keeps who changed what in the editor', async () => {
    const { Writable } = await import('node:stream');
    const { pino } = await import('pino');
    const { nodeRedLogHandler } = await import('../../gateway/flows-host/settings.ts');
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
        callback();
      },
    });
    const handler = nodeRedLogHandler(pino({ level: 'trace' }, sink));
    handler({ level: 20, msg: new Error('write failed'), type: 'citygw-device-write', id: 'n1', name: 'siren' });
    handler({ level: 98, event: 'flows.set', user: { username: 'tech' }, path: '/flows', ip: '127.0.0.1' });
    handler({ level: 99, msg: 'metric' });
    expect(lines).toEqual([
      expect.objectContaining({ level: 50, msg: 'write failed', nodeType: 'citygw-device-write', nodeId: 'n1', nodeName: 'siren' }),
      expect.objectContaining({ level: 30, msg: 'editor audit', audit: 'flows.set', user: 'tech', path: '/flows' }),
    ]);
  });
});

describe('FlowsHost with flows disabled', () => {
  it('starts and stops without Node-RED or a user directory', async () => {
    const { existsSync } = await import('node:fs');
    const { FlowsHost } = await import('../../gateway/flows-host/host.ts');
    const dataDir = mkdtempSync(join(tmpdir(), 'flows-off-'));
    const host = new FlowsHost({ config: parse({ enabled: false }), dataDir, log: silentLogger(), api });
    await host.start(new AbortController().signal);
    expect(host.editor).toBeNull();
    expect(existsSync(host.userDir)).toBe(false);
    await host.stop();
  });
});
