import { z } from 'zod';
import type { DeviceEntry } from '../types.ts';
import { durationMs, identifier } from '../../core/units.ts';
import { secret } from '../../core/secret.ts';

/**
 * The config of one camera (`driver: cctv`). Every probe is optional; a camera with no probes is a
 * config error. Each probe may override the camera's `interval` and `timeout`.
 */

const probeTiming = {
  /** How often this probe runs; defaults to the camera's `interval`. */
  interval: durationMs.optional(),
  /** How long one run may take before it counts as a timeout; defaults to the camera's `timeout`. */
  timeout: durationMs.optional(),
};

const port = z.number().int().min(1).max(65535);

/** A host name or an IPv4/IPv6 address; it reaches `ping`'s command line, so no leading "-" and no spaces. */
const host = z.string().regex(/^[A-Za-z0-9_:][A-Za-z0-9._:%-]*$/, 'expected a host name or an IP address');

export const icmpProbeSchema = z.strictObject({ ...probeTiming });

export const tcpProbeSchema = z.strictObject({
  ...probeTiming,
  /** Ports to connect to; the camera is reachable when any of them accepts. */
  ports: z.array(port).min(1).default([554, 80]),
});

export const rtspProbeSchema = z.strictObject({
  ...probeTiming,
  port: port.default(554),
  /** The stream path, e.g. `/Streaming/Channels/101`; `/` asks the server itself. */
  path: z.string().startsWith('/').default('/'),
  /** OPTIONS only proves the server answers; DESCRIBE also proves the stream exists and gives its codec. */
  method: z.enum(['OPTIONS', 'DESCRIBE']).default('DESCRIBE'),
});

export const onvifProbeSchema = z.strictObject({
  ...probeTiming,
  port: port.default(80),
  path: z.string().startsWith('/').default('/onvif/device_service'),
  /** Clock skew beyond this is reported (ONVIF WS-Security auth fails past a few seconds). */
  maxSkew: durationMs.default(5000),
});

export const snapshotProbeSchema = z.strictObject({
  ...probeTiming,
  port: port.default(80),
  /** The snapshot path, e.g. `/ISAPI/Streaming/channels/101/picture` or `/cgi-bin/snapshot.cgi`. */
  path: z.string().startsWith('/'),
  /** Spread (standard deviation, 0-255 scale) of 8x8 block brightness below which the image counts as one flat colour. */
  minSpread: z.number().min(0).max(128).default(2),
});

export const poeProbeSchema = z.strictObject({
  ...probeTiming,
  /** The PoE switch (SNMPv2c agent), not the camera. */
  host,
  port: port.default(161),
  community: secret,
  /** pethPsePortGroupIndex (the switch's unit; 1 on a single switch). */
  group: z.number().int().min(1).default(1),
  /** pethPsePortIndex of the camera's port. */
  portIndex: z.number().int().min(1),
  /** An OID (dotted) that gives the port's power draw in milliwatts, if the switch has one. */
  powerOid: z.string().regex(/^\.?\d+(\.\d+)+$/).optional(),
});

/** A contact point of the DI module: a point name, or `{point, invert}` for normally-closed wiring. */
const contactPoint = z.union([
  identifier.transform((point) => ({ point, invert: false })),
  z.strictObject({ point: identifier, invert: z.boolean().default(false) }),
]);

export const contactsProbeSchema = z.strictObject({
  ...probeTiming,
  /** The Modbus digital-input device (configured as a normal Modbus device). */
  device: identifier,
  /** true = the camera has power. */
  power: contactPoint.optional(),
  /** true = the tamper switch tripped. */
  tamper: contactPoint.optional(),
  /** true = the cabinet door is open. */
  door: contactPoint.optional(),
  /** A DI reading older than this is stale: the contacts are unknown. */
  maxAge: durationMs.default(60_000),
});

export const cctvDeviceSchema = z
  .strictObject({
    id: identifier,
    driver: z.literal('cctv'),
    /** The camera's address (IP or host name) for icmp, tcp, rtsp, onvif and snapshot. */
    host,
    kind: z.string().min(1).default('cctv-health'),
    /** Default probe interval, and how often a health reading is emitted. */
    interval: durationMs.default(30_000),
    /** Default probe timeout. */
    timeout: durationMs.default(5000),
    /**
     * Runs in a row a probe must fail before it counts (1 = at once, the fastest alert; 2-3 ride
     * out a single lost reply on a busy link). One good run always counts at once.
     */
    confirm: z.number().int().min(1).max(10).default(1),
    /** Camera login for RTSP and the snapshot (basic or digest, as the camera asks). */
    credentials: z.strictObject({ username: z.string().min(1), password: secret }).optional(),
    probes: z.strictObject({
      icmp: icmpProbeSchema.optional(),
      tcp: tcpProbeSchema.optional(),
      rtsp: rtspProbeSchema.optional(),
      onvif: onvifProbeSchema.optional(),
      snapshot: snapshotProbeSchema.optional(),
      poe: poeProbeSchema.optional(),
      contacts: contactsProbeSchema.optional(),
    }),
  })
  .refine((camera) => Object.values(camera.probes).some((probe) => probe !== undefined), {
    message: 'a camera needs at least one probe (icmp, tcp, rtsp, onvif, snapshot, poe or contacts)',
    path: ['probes'],
  });

export type CctvDeviceConfig = z.output<typeof cctvDeviceSchema>;

export function isCctvDevice(device: DeviceEntry): device is CctvDeviceConfig {
  return device.driver === 'cctv';
}
