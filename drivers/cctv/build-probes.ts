import type { CctvDeviceConfig } from './config-schema.ts';
import type { Reading } from '../../core/reading.ts';
import type { Probe } from './probe.ts';
import type { Credentials } from './auth.ts';
import { icmpProbe } from './probes/icmp.ts';
import { tcpProbe } from './probes/tcp.ts';
import { rtspProbe } from './probes/rtsp.ts';
import { onvifProbe } from './probes/onvif.ts';
import { snapshotProbe } from './probes/snapshot.ts';
import { poeProbe } from './probes/poe.ts';
import { contactsProbe } from './probes/contacts.ts';

/** Builds a camera's configured probes, in a fixed order (reachability first, physical last). */
export function buildProbes(camera: CctvDeviceConfig, latestReading: (deviceId: string) => Reading | undefined): Probe[] {
  const { probes, host } = camera;
  const timing = (probe: { interval?: number | undefined; timeout?: number | undefined }): { intervalMs: number; timeoutMs: number } => ({
    intervalMs: probe.interval ?? camera.interval,
    timeoutMs: probe.timeout ?? camera.timeout,
  });
  const credentials: Credentials | undefined = camera.credentials;
  const built: Probe[] = [];
  if (probes.icmp) built.push(icmpProbe({ host, ...timing(probes.icmp) }));
  if (probes.tcp) built.push(tcpProbe({ host, ports: probes.tcp.ports, ...timing(probes.tcp) }));
  if (probes.rtsp) built.push(rtspProbe({ host, port: probes.rtsp.port, path: probes.rtsp.path, method: probes.rtsp.method, credentials, ...timing(probes.rtsp) }));
  if (probes.onvif) built.push(onvifProbe({ host, port: probes.onvif.port, path: probes.onvif.path, maxSkewMs: probes.onvif.maxSkew, ...timing(probes.onvif) }));
  if (probes.snapshot) built.push(snapshotProbe({ host, port: probes.snapshot.port, path: probes.snapshot.path, minSpread: probes.snapshot.minSpread, credentials, ...timing(probes.snapshot) }));
  if (probes.poe) {
    const poe = probes.poe;
    built.push(poeProbe({ host: poe.host, port: poe.port, community: poe.community, group: poe.group, portIndex: poe.portIndex, powerOid: poe.powerOid, ...timing(poe) }));
  }
  if (probes.contacts) {
    const c = probes.contacts;
    built.push(contactsProbe({ device: c.device, power: c.power, tamper: c.tamper, door: c.door, maxAgeMs: c.maxAge, latestReading, ...timing(c) }));
  }
  return built;
}
