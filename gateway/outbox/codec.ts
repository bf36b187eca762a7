import type { Database, Statement } from 'better-sqlite3';
import type { PointValue, Quality, Reading } from '../../core/reading.ts';

/**
 * The compact stored form of a reading. What repeats from one reading to the next (device, kind,
 * point names, units) is stored once per distinct combination as a "shape"; a reading row keeps
 * the shape id, seq, time, quality as a small integer and the values as a JSON array in point
 * order. A 4-value reading takes about 50 bytes on disk instead of about 250 as full JSON.
 */
export interface Shape {
  id: number;
  device: string;
  kind: string;
  points: string[];
  units: Record<string, string>;
  unitCount: number;
  /** JSON pieces of the wire payload that are the same for every reading of this shape. */
  json?: { head: string; points: string[]; units: string };
}

/** A `readings` row as stored. */
export interface ReadingRow {
  id: number;
  shape: number;
  seq: number;
  ts: number;
  q: number;
  v: string;
  r: string | null;
}

const qualities: Quality[] = ['good', 'uncertain', 'bad'];
const qualityCode: Record<Quality, number> = { good: 0, uncertain: 1, bad: 2 };

/** Holds the shape dictionary in memory and adds shapes to the database as new ones appear. */
export class ShapeDictionary {
  private readonly byKey = new Map<string, Shape>();
  private readonly byId = new Map<number, Shape>();
  private readonly lastByDevice = new Map<string, Shape>();
  private insert: Statement<[number, string, string, string, string]> | undefined;
  private nextId = 1;
  /** Shapes added since `begin`, forgotten again if that transaction rolls back. */
  private added: Shape[] = [];

  /** Loads the existing shapes; must run before encode/decode. */
  load(db: Database): void {
    this.byKey.clear();
    this.byId.clear();
    this.lastByDevice.clear();
    this.insert = db.prepare('INSERT INTO shapes (id, device, kind, points, units) VALUES (?, ?, ?, ?, ?)');
    const rows = db.prepare<[], { id: number; device: string; kind: string; points: string; units: string }>('SELECT id, device, kind, points, units FROM shapes').all();
    for (const row of rows) {
      const units = JSON.parse(row.units) as Record<string, string>;
      const shape: Shape = { id: row.id, device: row.device, kind: row.kind, points: JSON.parse(row.points) as string[], units, unitCount: Object.keys(units).length };
      this.remember(shape);
      this.nextId = Math.max(this.nextId, row.id + 1);
    }
  }

  /** The shape for this reading, creating it (inside the caller's transaction) when new. */
  shapeOf(reading: Reading): Shape {
    // Almost every reading has its device's previous shape: compare before building a key.
    const last = this.lastByDevice.get(reading.device);
    if (last && matches(last, reading)) return last;
    const shape = this.lookup(reading);
    this.lastByDevice.set(reading.device, shape);
    return shape;
  }

  private lookup(reading: Reading): Shape {
    const points = Object.keys(reading.values);
    const key = shapeKey(reading.device, reading.kind, points, reading.units);
    const known = this.byKey.get(key);
    if (known) return known;
    const shape: Shape = { id: this.nextId++, device: reading.device, kind: reading.kind, points, units: { ...reading.units }, unitCount: Object.keys(reading.units).length };
    this.insert!.run(shape.id, shape.device, shape.kind, JSON.stringify(points), JSON.stringify(shape.units));
    this.remember(shape);
    this.added.push(shape);
    return shape;
  }

  /** Marks the start of a transaction. */
  begin(): void {
    this.added = [];
  }

  /** The transaction failed: the shapes it added are not in the file. */
  rollback(): void {
    this.lastByDevice.clear();
    for (const shape of this.added) {
      this.byKey.delete(shapeKey(shape.device, shape.kind, shape.points, shape.units));
      this.byId.delete(shape.id);
    }
    if (this.added.length > 0) this.nextId = this.added[0]!.id;
    this.added = [];
  }

  get(id: number): Shape | undefined {
    return this.byId.get(id);
  }

  /** Every shape id of a device (a device changes shape when its profile changes). */
  idsOf(device: string): number[] {
    const ids: number[] = [];
    for (const shape of this.byId.values()) if (shape.device === device) ids.push(shape.id);
    return ids;
  }

  private remember(shape: Shape): void {
    this.byKey.set(shapeKey(shape.device, shape.kind, shape.points, shape.units), shape);
    this.byId.set(shape.id, shape);
  }
}

function matches(shape: Shape, reading: Reading): boolean {
  if (shape.kind !== reading.kind) return false;
  let i = 0;
  for (const point in reading.values) {
    if (shape.points[i++] !== point) return false;
  }
  if (i !== shape.points.length) return false;
  let units = 0;
  for (const point in reading.units) {
    if (shape.units[point] !== reading.units[point]) return false;
    units++;
  }
  return units === shape.unitCount;
}

function shapeKey(device: string, kind: string, points: string[], units: Record<string, string>): string {
  return `${device}\u0000${kind}\u0000${points.join('\u0000')}\u0000${JSON.stringify(units)}`;
}

/** The stored columns of a reading (without id and shape). */
export function encodeReading(reading: Reading, shape: Shape): { seq: number; ts: number; q: number; v: string; r: string | null } {
  const values: PointValue[] = shape.points.map((point) => reading.values[point] ?? null);
  const reasons = reading.reasons && Object.keys(reading.reasons).length > 0 ? JSON.stringify(reading.reasons) : null;
  return { seq: reading.seq, ts: reading.tsMs, q: qualityCode[reading.quality], v: JSON.stringify(values), r: reasons };
}

/** Rebuilds the reading a row was made from. */
export function decodeReading(row: ReadingRow, shape: Shape): Reading {
  const stored = JSON.parse(row.v) as PointValue[];
  const values: Record<string, PointValue> = {};
  shape.points.forEach((point, i) => {
    values[point] = stored[i] ?? null;
  });
  const reading: Reading = {
    device: shape.device,
    kind: shape.kind,
    tsMs: row.ts,
    seq: row.seq,
    values,
    units: { ...shape.units },
    quality: qualities[row.q] ?? 'bad',
  };
  if (row.r !== null) reading.reasons = JSON.parse(row.r) as Record<string, string>;
  return reading;
}

/**
 * The wire payload of a stored reading, exactly `JSON.stringify(toPayload(decodeReading(row)))`
 * (a repeat upstream must be byte-identical), built from the shape's cached JSON pieces instead
 * of objects: the drain of a large backlog spends most of its time here.
 */
export function payloadJson(row: ReadingRow, shape: Shape): string {
  const json = (shape.json ??= {
    head: `{"device":${JSON.stringify(shape.device)},"kind":${JSON.stringify(shape.kind)},"ts":"`,
    points: shape.points.map((point) => `${JSON.stringify(point)}:`),
    units: JSON.stringify(shape.units),
  });
  const stored = JSON.parse(row.v) as PointValue[];
  let values = '';
  for (let i = 0; i < json.points.length; i++) {
    const value = stored[i] ?? null;
    values += (i > 0 ? ',' : '') + json.points[i] + (typeof value === 'number' ? String(value) : JSON.stringify(value));
  }
  const reasons = row.r === null || row.r === '{}' ? '' : `,"reasons":${row.r}`;
  return `${json.head}${new Date(row.ts).toISOString()}","seq":${row.seq},"values":{${values}},"units":${json.units},"quality":"${qualities[row.q] ?? 'bad'}"${reasons}}`;
}
