/**
 * The reading model: what every driver produces and what leaves the gateway on
 * `{prefix}/{gatewayId}/devices/{deviceId}/readings`. See docs/asyncapi.yaml for the contract.
 */

/** good: measured and plausible. uncertain: measured but suspect (see reasons). bad: not measured. */
export type Quality = 'good' | 'uncertain' | 'bad';

export type PointValue = number | boolean | string | null;

/** Families of devices; drivers may add more (e.g. `cctv-health`). */
export type ReadingKind = 'flood-level' | 'water-quality' | 'air-quality' | 'cctv-health' | 'digital-io' | 'generic' | (string & {});

/** A reading as a driver produces it, before the outbox gives it a sequence number. */
export interface NewReading {
  device: string;
  kind: ReadingKind;
  /** Measurement time, milliseconds since the epoch (UTC). */
  tsMs: number;
  values: Record<string, PointValue>;
  units: Record<string, string>;
  quality: Quality;
  /** Why a point (or `_device`) is not good: `timeout`, `exception 2 (illegal address)`, `crc`, `spike` ... */
  reasons?: Record<string, string>;
}

/** A committed reading: `seq` is per device, persisted, strictly increasing across restarts. */
export interface Reading extends NewReading {
  seq: number;
}

/** The JSON form on the wire (`ts` ISO 8601 UTC with milliseconds). */
export interface ReadingPayload {
  device: string;
  kind: string;
  ts: string;
  seq: number;
  values: Record<string, PointValue>;
  units: Record<string, string>;
  quality: Quality;
  reasons?: Record<string, string>;
}

const qualityRank: Record<Quality, number> = { good: 0, uncertain: 1, bad: 2 };

/** The worse of two qualities. */
export function worseQuality(a: Quality, b: Quality): Quality {
  return qualityRank[a] >= qualityRank[b] ? a : b;
}

export function toPayload(reading: Reading): ReadingPayload {
  const payload: ReadingPayload = {
    device: reading.device,
    kind: reading.kind,
    ts: new Date(reading.tsMs).toISOString(),
    seq: reading.seq,
    values: reading.values,
    units: reading.units,
    quality: reading.quality,
  };
  if (reading.reasons && Object.keys(reading.reasons).length > 0) payload.reasons = reading.reasons;
  return payload;
}
