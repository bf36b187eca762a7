import type { ModbusPointConfig } from '../modbus/config-schema.ts';
import { decodePoint, encodePoint, registerCount } from '../modbus/codecs.ts';
import { loadProfile, profilePath } from '../modbus/profile.ts';
import type { ModbusProfile } from '../profiles/schema.ts';
import { SimSlave } from './slave.ts';
import type { PointValue } from '../../core/reading.ts';

/**
 * A simulated device built from a shipped profile: its points are mapped in a SimSlave and can be
 * set by name in engineering units (encoded exactly as the profile says the device does).
 */
export class SimDevice {
  readonly slave: SimSlave;
  readonly profile: ModbusProfile;
  private readonly points: Map<string, ModbusPointConfig>;

  constructor(unit: number, model: string, configDir = process.cwd()) {
    this.profile = loadProfile(profilePath(model, configDir));
    this.slave = new SimSlave(unit);
    this.points = new Map(this.profile.points.map((p) => [p.name, p]));
  }

  /** Maps every point's registers (zero) and fills short holes between them, as real devices do. */
  map(): this {
    const wake = this.profile.wake;
    if (wake) for (let i = 0; i < wake.count; i++) this.slave.setRegisters(wake.table, wake.address + i, [0]);
    for (const point of this.profile.points) {
      if (point.table === 'coil' || point.table === 'discrete') {
        if (!this.slave.bits[point.table].has(point.address)) this.slave.setBit(point.table, point.address, false);
        continue;
      }
      for (let i = 0; i < registerCount(point.type); i++) if (!this.slave.registers[point.table].has(point.address + i)) this.slave.setRegisters(point.table, point.address + i, [0]);
    }
    for (const table of ['holding', 'input'] as const) {
      const addresses = [...this.slave.registers[table].keys()].sort((a, b) => a - b);
      for (let i = 1; i < addresses.length; i++) {
        const gap = addresses[i]! - addresses[i - 1]! - 1;
        if (gap > 0 && gap <= 2) for (let a = addresses[i - 1]! + 1; a < addresses[i]!; a++) this.slave.setRegisters(table, a, [0]);
      }
    }
    return this;
  }

  /** Sets a point in engineering units (metres, mg/L, true/false). */
  set(name: string, value: number | boolean): void {
    const point = this.point(name);
    const encoded = encodePoint({ ...point, min: undefined, max: undefined }, value);
    if ('bit' in encoded) this.slave.setBit(point.table as 'coil' | 'discrete', point.address, encoded.bit);
    else this.slave.setRegisters(point.table as 'holding' | 'input', point.address, encoded.registers);
  }

  /** Sets a point's raw registers (a sentinel, a fault current). */
  setRaw(name: string, registers: number[]): void {
    const point = this.point(name);
    this.slave.setRegisters(point.table as 'holding' | 'input', point.address, registers);
  }

  get(name: string): PointValue {
    const point = this.point(name);
    if (point.table === 'coil' || point.table === 'discrete') return decodePoint(point, { bits: [this.slave.bits[point.table].get(point.address) ?? false] }).value;
    const registers: number[] = [];
    for (let i = 0; i < registerCount(point.type); i++) registers.push(this.slave.registers[point.table].get(point.address + i) ?? 0);
    return decodePoint(point, { registers }).value;
  }

  private point(name: string): ModbusPointConfig {
    const point = this.points.get(name);
    if (!point) throw new Error(`profile ${this.profile.model} has no point ${name}`);
    return point;
  }
}
