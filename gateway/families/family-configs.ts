import type { GatewayConfig } from '../config/schema.ts';
import type { NewReading, PointValue } from '../../core/reading.ts';
import type { FamilyConfig } from '../../core/family-schema.ts';

/** Device id -> its `family` settings, for every configured device that has them. */
export function familyConfigs(config: Pick<GatewayConfig, 'devices'>): Map<string, FamilyConfig> {
  const out = new Map<string, FamilyConfig>();
  for (const device of config.devices) {
    if ('family' in device && device.family) out.set(device.id, device.family);
  }
  return out;
}

/** A numeric value that no earlier check flagged (bad or uncertain readings don't feed derived numbers). */
export function usableNumber(reading: NewReading, point: string): number | null {
  const value: PointValue | undefined = reading.values[point];
  if (typeof value !== 'number' || !Number.isFinite(value)) return null;
  if (reading.reasons?.[point] !== undefined) return null;
  return value;
}

/** Rounds for publication: derived numbers carry no more digits than they mean. */
export function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

/** A copy of the reading with extra values and units (readings are never mutated in place). */
export function withValues(reading: NewReading, values: Record<string, PointValue>, units: Record<string, string>): NewReading {
  return { ...reading, values: { ...reading.values, ...values }, units: { ...reading.units, ...units } };
}
