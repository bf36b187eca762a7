import { execFileSync } from 'node:child_process';
import { createDecipheriv, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Reading } from '../../core/reading.ts';
import { httpCall } from '../helpers/flows-http.ts';
import { FlowsHostProcess, tempDataDir, removeTempDataDirs, type FlowNodeJson } from '../helpers/flows-host-process.ts';


// The editor over real HTTP(S) on 127.0.0.1: every Node-RED endpoint needs a login, a technician
// can log in, change the flood threshold and deploy, and after a restart with the editor off the
// rule fires at the new threshold. Node credentials are stored encrypted with the config's key.
const password = 'canal-test-pass';
// bcrypt of the password above (cost 8), as `citygw flows-password` prints it.
const passwordHash = '$2b$08$TnUVY5yaTa9YxiNum29M3uLF/PY.otQwA/z.e9lRijJ2e0f1WD.dm';
const started: FlowsHostProcess[] = [];
let seq = 0;

function level(device: string, metres: number): Reading {
  return { device, kind: 'flood-level', tsMs: Date.now(), seq: ++seq, values: { level_m: metres }, units: { level_m: 'm' }, quality: 'good' };
}

async function start(dataDir: string, editor: Record<string, unknown>): Promise<FlowsHostProcess> {
  const gateway = new FlowsHostProcess({
    config: { gateway: { id: 'gw-editor' }, flows: { credentialSecret: 'test-credential-key', env: { SIREN_DEVICE: 'siren-box' }, editor } },
    dataDir,
  });
  started.push(gateway);
  await gateway.ready();
  return gateway;
}

async function login(base: string, ca?: string): Promise<string> {
  const response = await httpCall(`${base}auth/token`, {
    method: 'POST',
    body: { client_id: 'node-red-editor', grant_type: 'password', scope: '*', username: 'tech', password },
    ...(ca ? { ca } : {}),
  });
  expect(response.status).toBe(200);
  return response.json<{ access_token: string }>().access_token;
}

/** Admin API routes that must refuse a request without a token. */
const protectedRoutes: Array<[string, string, unknown?]> = [
  ['GET', 'flows'],
  ['POST', 'flows', { flows: [] }],
  ['GET', 'flows/state'],
  ['GET', 'flow/citygw-flood-tab'],
  ['DELETE', 'flow/citygw-flood-tab'],
  ['GET', 'nodes'],
  ['GET', 'settings'],
  ['GET', 'settings/user'],
  ['GET', 'context/global'],
  ['GET', 'context/flow/citygw-flood-tab'],
  ['GET', 'citygw/devices'],
  ['POST', 'inject/citygw-flood-in'],
  ['GET', 'diagnostics'],
  ['GET', 'library/local/flows'],
  ['GET', 'credentials/citygw-alert/citygw-flood-alert'],
  ['GET', 'nodes/messages'],
  ['GET', 'icons'],
  ['GET', 'plugins'],
];

/** The editor's live channel: without a valid token it answers `auth: fail` and closes. */
function commsRefuses(url: string, firstMessage: object): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const seen: string[] = [];
    const socket = new WebSocket(url);
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error(`comms did not close: ${seen.join(', ')}`));
    }, 10_000);
    socket.onopen = () => socket.send(JSON.stringify(firstMessage));
    socket.onmessage = (event) => seen.push(String(event.data));
    socket.onclose = () => {
      clearTimeout(timer);
      resolve(seen);
    };
  });
}

afterAll(async () => {
  for (const gateway of started) {
    await gateway.stop();
    gateway.kill();
  }
  removeTempDataDirs();
});

describe('flows editor security', () => {
  it('is off by default: no listener, and the rules still run', async () => {
    const gateway = await start(tempDataDir('flows-editor-off'), {});
    expect(gateway.editorUrl).toBeNull();
    gateway.reading(level('canal', 3.8));
    await gateway.waitForAlert('alert stage with the editor off', (a) => a.values?.stage === 'alert');
  });

  it('refuses every admin request without a login; a technician logs in, changes the threshold, deploys, and it holds after a restart', async () => {
    const dataDir = tempDataDir('flows-editor');
    const gateway = await start(dataDir, { enabled: true, port: 0, username: 'tech', passwordHash });
    const base = gateway.editorUrl!;
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);

    for (const [method, path, body] of protectedRoutes) {
      const response = await httpCall(`${base}${path}`, { method, ...(body === undefined ? {} : { body }) });
      expect(response.status, `${method} /${path}`).toBe(401);
    }
    const forged = await httpCall(`${base}flows`, { headers: { authorization: 'Bearer not-a-token' } });
    expect(forged.status).toBe(401);
    expect((await httpCall(`${base}nodes`, { method: 'POST', body: { module: 'node-red-contrib-anything' } })).status).toBe(401);

    // The whole editor is behind the login: its shell, scripts, styles and icons too; only the login page is served.
    const html = { accept: 'text/html' };
    const shell = await httpCall(base, { headers: html });
    expect(shell.status).toBe(302);
    expect(shell.headers.location).toBe('login');
    for (const asset of ['red/red.min.js', 'red/style.min.css', 'vendor/vendor.js', 'red/images/node-red.svg', 'favicon.ico', 'locales/editor']) {
      expect((await httpCall(`${base}${asset}`)).status, asset).toBe(401);
      expect((await httpCall(`${base}${asset}`, { headers: { cookie: 'citygw_editor=forged' } })).status, `${asset} with a forged cookie`).toBe(401);
    }
    const loginPage = await httpCall(`${base}login`);
    expect(loginPage.status).toBe(200);
    expect(loginPage.text).toContain('name="password"');
    const form = (pw: string) => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ username: 'tech', password: pw }).toString() });
    const refused = await httpCall(`${base}login`, form('guess'));
    expect(refused.status).toBe(403);
    expect(refused.headers['set-cookie']).toBeUndefined();
    const entered = await httpCall(`${base}login`, form(password));
    expect(entered.status).toBe(200);
    const cookie = String(entered.headers['set-cookie']).split(';')[0]!;
    expect(cookie).toMatch(/^citygw_editor=.+/);
    expect(String(entered.headers['set-cookie'])).toMatch(/HttpOnly/);
    const withCookie = { headers: { ...html, cookie } };
    const editorShell = await httpCall(base, withCookie);
    expect(editorShell.status).toBe(200);
    expect(editorShell.text).toContain('red/red.min.js');
    expect((await httpCall(`${base}red/red.min.js`, withCookie)).status).toBe(200);
    // Logging out in the editor revokes the session: the shell is closed again.
    const sessionToken = decodeURIComponent(cookie.slice('citygw_editor='.length));
    expect((await httpCall(`${base}auth/revoke`, { method: 'POST', headers: { authorization: `Bearer ${sessionToken}` }, body: { token: sessionToken } })).status).toBe(200);
    expect((await httpCall(`${base}red/red.min.js`, { headers: { cookie } })).status).toBe(401);
    expect((await httpCall(base, withCookie)).status).toBe(302);
    const comms = base.replace(/^http/, 'ws') + 'comms';
    expect(await commsRefuses(comms, { subscribe: 'status/#' })).toEqual(['{"auth":"fail"}']);
    expect(await commsRefuses(comms, { auth: 'forged-token' })).toEqual(['{"auth":"fail"}']);
    // The editor page itself is only the login shell: no flow, setting or device in it.
    const page = await httpCall(base);
    expect(page.text).not.toMatch(/citygw-flood|siren-box|FLOOD_ALERT_M/);
    const wrong = await httpCall(`${base}auth/token`, { method: 'POST', body: { client_id: 'node-red-editor', grant_type: 'password', scope: '*', username: 'tech', password: 'guess' } });
    expect(wrong.status).toBe(403);
    expect(wrong.text).not.toContain('access_token');

    const token = await login(base);
    const auth = { authorization: `Bearer ${token}`, 'node-red-api-version': 'v2' };
    const current = await httpCall(`${base}flows`, { headers: auth });
    expect(current.status).toBe(200);
    // Installing nodes from the editor is switched off: even logged in, the route does not exist at all.
    expect((await httpCall(`${base}nodes`, { method: 'POST', headers: auth, body: { module: 'node-red-contrib-anything' } })).status).toBe(404);
    const { flows, rev } = current.json<{ flows: FlowNodeJson[]; rev: string }>();
    const devices = await httpCall(`${base}citygw/devices`, { headers: auth });
    expect(devices.status).toBe(200);
    // The editor has the gateway's node package, loaded without errors, with its editor and help HTML.
    const nodeSets = (await httpCall(`${base}nodes`, { headers: { ...auth, accept: 'application/json' } })).json<Array<{ module: string; types: string[]; enabled: boolean; err?: string }>>();
    const ours = nodeSets.filter((set) => set.module === 'node-red-contrib-citygw');
    expect(ours.flatMap((set) => set.types).sort()).toEqual(['citygw-alert', 'citygw-device-write', 'citygw-readings-in', 'citygw-status']);
    expect(ours.every((set) => set.enabled && !set.err)).toBe(true);
    // Node-RED's own connection and process nodes are not there: flows go through the gateway.
    const allTypes = new Set(nodeSets.flatMap((set) => set.types));
    for (const type of ['mqtt in', 'mqtt out', 'http in', 'http request', 'websocket in', 'tcp in', 'udp out', 'exec']) expect(allTypes.has(type), type).toBe(false);
    expect(allTypes.has('function')).toBe(true);
    const editorHtml = (await httpCall(`${base}nodes`, { headers: { ...auth, accept: 'text/html' } })).text;
    for (const type of ['citygw-readings-in', 'citygw-alert', 'citygw-device-write', 'citygw-status']) expect(editorHtml).toContain(`data-help-name="${type}"`);

    // The technician's change: the alert stage from 3.5 m instead of 3.7 m.
    const tab = flows.find((n) => n.id === 'citygw-flood-tab')!;
    const entry = (tab.env as Array<{ name: string; value: string }>).find((e) => e.name === 'FLOOD_ALERT_M')!;
    entry.value = '3.5';
    // A node with credentials (a proxy login) to check they are stored encrypted with the config's key.
    flows.push({ id: 'test-proxy', type: 'http proxy', name: 'site proxy', url: 'http://127.0.0.1:9', noproxy: [], credentials: { username: 'proxy-user', password: 'proxy-password-42' } });
    const deploy = await httpCall(`${base}flows`, { method: 'POST', headers: { ...auth, 'node-red-deployment-type': 'full' }, body: { flows, rev } });
    expect(deploy.status).toBe(200);
    await gateway.waitFor('flows restarted by the deploy', (events) => events.filter((e) => e.type === 'flows-started')[1]);
    gateway.reading(level('canal', 3.55));
    const live = await gateway.waitForAlert('alert stage at the new threshold', (a) => a.values?.stage === 'alert');
    expect(live.device).toBe('canal');
    expect(await gateway.stop()).toBe(0);

    // Reboot with the editor off: the deployed threshold is in the flows file and the rule runs.
    const stored = JSON.parse(readFileSync(join(dataDir, 'node-red', 'flows.json'), 'utf8')) as FlowNodeJson[];
    expect(JSON.stringify(stored.find((n) => n.id === 'citygw-flood-tab'))).toContain('"3.5"');
    const credentialsFile = readFileSync(join(dataDir, 'node-red', 'flows_cred.json'), 'utf8');
    expect(credentialsFile).not.toContain('proxy-password-42');
    const sealed = (JSON.parse(credentialsFile) as { $: string }).$;
    const key = createHash('sha256').update('test-credential-key').digest();
    const decipher = createDecipheriv('aes-256-ctr', key, Buffer.from(sealed.slice(0, 32), 'hex'));
    const opened = JSON.parse(decipher.update(sealed.slice(32), 'base64', 'utf8') + decipher.final('utf8')) as Record<string, { password?: string }>;
    expect(opened['test-proxy']?.password).toBe('proxy-password-42');
    const rebooted = await start(dataDir, { enabled: false });
    expect(rebooted.editorUrl).toBeNull();
    await expect(httpCall(`${base}flows`, { timeoutMs: 2_000 })).rejects.toThrow(/ECONNREFUSED/);
    rebooted.reading(level('canal-2', 3.55));
    const afterReboot = await rebooted.waitForAlert('alert stage after reboot', (a) => a.device === 'canal-2');
    expect(afterReboot.values?.stage).toBe('alert');
  });

  it('keeps the rules running when the editor port is taken', async () => {
    const { createServer } = await import('node:net');
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    try {
      const port = (squatter.address() as { port: number }).port;
      const gateway = await start(tempDataDir('flows-editor-busy'), { enabled: true, port, username: 'tech', passwordHash });
      expect(gateway.editorUrl).toBeNull();
      const line = await gateway.waitFor('editor error logged', () => gateway.stderr.split('\n').find((l) => l.includes('flows editor not available')));
      expect(line).toContain('EADDRINUSE');
      gateway.reading(level('canal', 3.8));
      await gateway.waitForAlert('rule still runs', (a) => a.values?.stage === 'alert');
    } finally {
      squatter.close();
    }
  });

  it('serves the editor over HTTPS with the configured certificate, behind the same login', async () => {
    const dir = tempDataDir('flows-tls');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore', timeout: 30_000 });
    const ca = readFileSync(join(dir, 'cert.pem'), 'utf8');
    const gateway = await start(dir, { enabled: true, port: 0, username: 'tech', passwordHash, tls: { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') } });
    const base = gateway.editorUrl!;
    expect(base).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/$/);
    expect((await httpCall(`${base}flows`, { ca })).status).toBe(401);
    await expect(httpCall(`${base.replace('https:', 'http:')}flows`, { timeoutMs: 3_000 })).rejects.toThrow();
    const token = await login(base, ca);
    const flows = await httpCall(`${base}flows`, { ca, headers: { authorization: `Bearer ${token}` } });
    expect(flows.status).toBe(200);
    expect(flows.json<FlowNodeJson[]>().some((n) => n.id === 'citygw-flood-tab')).toBe(true);
  });
});

