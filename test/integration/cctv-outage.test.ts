import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { gatewayConfigSchema } from '../../gateway/config/schema.ts';
import type { AlertInput } from '../../core/alert.ts';
import type { NewReading, Reading } from '../../core/reading.ts';
import type { DriverContext, FieldDevice, FieldService } from '../../drivers/types.ts';
import { cctvFamily } from '../../drivers/cctv/family.ts';
import { fixturesDir, powerOidBase, startPythonPeer, startSnmpAgent, type Peer, type SnmpAgent } from '../helpers/cctv-peers.ts';
import { waitFor } from '../helpers/wait-for.ts';

// One camera watched by the real probe loop while its peers are killed and restarted one by one:
// the rollup must change, the alert must be raised, and recovery must clear it.

const password = 'cab-7-Pw!';
const community = 'poe-ro-19';
process.env.CITYGW_TEST_CAM_PASSWORD = password;

const readings: NewReading[] = [];
const alerts: AlertInput[] = [];
const logLines: string[] = [];
let contacts: Record<string, boolean> = { di0: true, di1: false, di2: false };

type PeerName = 'rtsp' | 'onvif' | 'snapshot';
let peers: Record<PeerName, Peer>;
/** Every peer process ever started, so afterAll kills them even if beforeAll failed halfway. */
const started: Peer[] = [];
const peerArgs: Record<PeerName, [string, string[]]> = {
  rtsp: ['cctv-rtsp-server.py', ['--auth', 'digest', '--user', 'viewer', '--password', password]],
  onvif: ['cctv-http-camera.py', ['--role', 'onvif']],
  snapshot: ['cctv-http-camera.py', ['--role', 'snapshot', '--images', fixturesDir, '--auth', 'digest', '--user', 'viewer', '--password', password]],
};
let snmp: SnmpAgent;
let loop: FieldService;
let device: FieldDevice;
const controller = new AbortController();

async function restart(name: PeerName): Promise<void> {
  const [script, args] = peerArgs[name];
  peers[name] = await startPythonPeer(script, [...args, '--port', String(peers[name].port)]);
  started.push(peers[name]);
}

const latest = (): NewReading | undefined => readings.at(-1);
/** Waits for the newest reading to show `state` (and the probe verdicts given); on timeout says what it showed instead. */
async function waitState(state: string, verdicts: Record<string, string> = {}): Promise<NewReading> {
  const matches = (r: NewReading | undefined): boolean => r?.values.state === state && Object.entries(verdicts).every(([probe, v]) => r.values[probe] === v);
  try {
    return await waitFor(`state ${state} ${JSON.stringify(verdicts)}`, () => (matches(latest()) ? latest() : undefined), 15_000);
  } catch (error) {
    throw new Error(`${String(error)}; newest reading: ${JSON.stringify({ state: latest()?.values.state, reasons: latest()?.reasons })}`);
  }
}
const alertSeen = (id: string, state: 'raised' | 'cleared', after: number) => (): AlertInput | undefined =>
  alerts.slice(after).find((a) => a.id === id && a.state === state);

beforeAll(async () => {
  const start = async (name: PeerName): Promise<Peer> => {
    const peer = await startPythonPeer(...peerArgs[name]);
    started.push(peer);
    return peer;
  };
  peers = { rtsp: await start('rtsp'), onvif: await start('onvif'), snapshot: await start('snapshot') };
  snmp = await startSnmpAgent(community);
  snmp.setPort(7, 3, 5400);
  const config = gatewayConfigSchema.parse({
    gateway: { id: 'gw-test' },
    buses: [{ type: 'modbus-tcp', id: 'cabinet-bus', host: '127.0.0.1', port: 1502 }],
    devices: [
      { id: 'cabinet-di', driver: 'modbus', bus: 'cabinet-bus', unit: 1, profile: 'di-module' },
      {
        id: 'cam-soi-3',
        driver: 'cctv',
        host: '127.0.0.1',
        interval: '300ms',
        timeout: '8s', // a first DESCRIBE builds GStreamer's pipeline: slow on busy cores; dead peers refuse at once anyway
        credentials: { username: 'viewer', password: { env: 'CITYGW_TEST_CAM_PASSWORD' } },
        probes: {
          tcp: { ports: [peers.rtsp.port, peers.snapshot.port] },
          rtsp: { port: peers.rtsp.port, path: '/stream' },
          onvif: { port: peers.onvif.port },
          snapshot: { port: peers.snapshot.port, path: '/street.jpg' },
          poe: { host: '127.0.0.1', port: snmp.port, community, portIndex: 7, powerOid: `${powerOidBase}.7`, timeout: '2s' },
          contacts: { device: 'cabinet-di', power: 'di0', tamper: 'di1', door: 'di2', maxAge: '5s' },
        },
      },
    ],
  });
  const capture = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(chunk.toString());
      done();
    },
  });
  const ctx: DriverContext = {
    config,
    configDir: '/tmp',
    dataDir: '/tmp',
    log: pino({ level: 'trace' }, capture),
    emit: (reading) => readings.push(reading),
    alert: (alert) => alerts.push(alert),
    latestReading: (id): Reading | undefined =>
      id === 'cabinet-di' ? { device: id, kind: 'digital-io', tsMs: Date.now(), seq: 1, values: { ...contacts }, units: {}, quality: 'good' } : undefined,
  };
  const setup = cctvFamily.create(ctx);
  expect(setup.devices.map((d) => d.id)).toEqual(['cam-soi-3']);
  loop = setup.services[0]!;
  device = setup.devices[0]!;
  await loop.start(controller.signal);
});

afterAll(async () => {
  controller.abort();
  await loop?.stop();
  await Promise.all(started.map((peer) => peer.kill()));
  await snmp?.kill();
  snmp?.cleanup();
});

describe('a camera watched while its peers die and come back', () => {
  it('starts ok, with every probe ok and the codec known', async () => {
    const reading = await waitState('ok');
    expect(reading).toMatchObject({ device: 'cam-soi-3', kind: 'cctv-health', quality: 'good' });
    expect(reading.values).toMatchObject({ tcp: 'ok', rtsp: 'ok', 'rtsp.codec': 'JPEG', 'rtsp.auth': 'accepted', onvif: 'ok', snapshot: 'ok', poe: 'ok', 'poe.power': 5.4, contacts: 'ok' });
    expect(alerts.map((a) => `${a.state} ${a.message.en}`)).toEqual([]);
  });

  it('readOnce (what `citygw read --device` prints) runs every probe once without emitting or alerting', async () => {
    const alerted = alerts.length;
    const reading = await device.readOnce(AbortSignal.timeout(10_000));
    expect(reading.values).toMatchObject({ state: 'ok', tcp: 'ok', rtsp: 'ok', onvif: 'ok', snapshot: 'ok', poe: 'ok', 'poe.status': 'delivering', contacts: 'ok', 'contacts.door': false });
    expect(reading.reasons?.state).toBeUndefined();
    expect(readings).not.toContain(reading);
    expect(alerts.length).toBe(alerted);
    expect(device.stats()).toMatchObject({ device: 'cam-soi-3', state: 'online', camera: 'ok' });
  });

  for (const name of ['rtsp', 'onvif', 'snapshot'] as const) {
    it(`${name} server killed: degraded with the reason and an alert; back: ok and cleared`, async () => {
      const mark = alerts.length;
      await peers[name].kill();
      const degraded = await waitState('degraded', { [name]: 'down' });
      expect(degraded.reasons?.state).toContain(`${name}:`);
      const raised = await waitFor('degraded alert', alertSeen('cctv-degraded:cam-soi-3', 'raised', mark));
      expect(raised.severity).toBe('warning');
      expect(raised.message.th).toContain('cam-soi-3');
      expect(raised.message.en).toContain(name);
      await restart(name);
      await waitState('ok');
      await waitFor('degraded alert cleared', alertSeen('cctv-degraded:cam-soi-3', 'cleared', mark));
    });
  }

  it('snmpd killed: PoE unknown, reading uncertain, camera degraded (not offline); back: ok', async () => {
    const mark = alerts.length;
    await snmp.kill();
    const degraded = await waitState('degraded', { poe: 'unknown' });
    expect(degraded.quality).toBe('uncertain');
    await waitFor('degraded alert', alertSeen('cctv-degraded:cam-soi-3', 'raised', mark));
    await snmp.restart();
    await waitState('ok');
    await waitFor('degraded alert cleared', alertSeen('cctv-degraded:cam-soi-3', 'cleared', mark));
  });

  it('PoE port in fault: offline with a critical alert; delivering again: cleared', async () => {
    const mark = alerts.length;
    snmp.setPort(7, 4, 0);
    const offline = await waitState('offline', { poe: 'down' });
    expect(offline.reasons?.state).toMatch(/^poe: PoE fault/);
    const raised = await waitFor('offline alert', alertSeen('cctv-offline:cam-soi-3', 'raised', mark));
    expect(raised.severity).toBe('critical');
    snmp.setPort(7, 3, 5400);
    await waitState('ok');
    await waitFor('offline alert cleared', alertSeen('cctv-offline:cam-soi-3', 'cleared', mark));
  });

  it('camera power contact off: offline; door open: degraded', async () => {
    const mark = alerts.length;
    contacts = { di0: false, di1: false, di2: false };
    const offline = await waitState('offline', { contacts: 'down' });
    expect(offline.reasons?.contacts).toContain('power is off');
    contacts = { di0: true, di1: false, di2: true };
    const degraded = await waitState('degraded', { contacts: 'degraded' });
    expect(degraded.reasons?.contacts).toContain('door open');
    contacts = { di0: true, di1: false, di2: false };
    await waitState('ok');
    await waitFor('offline alert cleared', alertSeen('cctv-offline:cam-soi-3', 'cleared', mark));
    await waitFor('degraded alert cleared', alertSeen('cctv-degraded:cam-soi-3', 'cleared', mark));
  });

  it('every network peer killed: offline, saying since when; all back: ok', async () => {
    const mark = alerts.length;
    await Promise.all(Object.values(peers).map((peer) => peer.kill()));
    const offline = await waitState('offline', { tcp: 'down', rtsp: 'down', onvif: 'down', snapshot: 'down' });
    expect(Date.parse(String(offline.values.since))).toBeGreaterThan(0);
    await waitFor('offline alert', alertSeen('cctv-offline:cam-soi-3', 'raised', mark));
    await Promise.all((['rtsp', 'onvif', 'snapshot'] as const).map((name) => restart(name)));
    await waitState('ok');
    await waitFor('offline alert cleared', alertSeen('cctv-offline:cam-soi-3', 'cleared', mark));
  });

  it('the password and the community never reach a reading, an alert or a log line', () => {
    const everything = JSON.stringify(readings) + JSON.stringify(alerts) + logLines.join('');
    expect(readings.length).toBeGreaterThan(0);
    expect(logLines.length).toBeGreaterThan(0);
    expect(everything).not.toContain(password);
    expect(everything).not.toContain(community);
  });
});
