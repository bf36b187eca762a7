import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { decodeReading, encodeReading, ShapeDictionary } from '../../../gateway/outbox/codec.ts';
import { migrate } from '../../../gateway/outbox/schema.ts';
import type { Reading } from '../../../gateway/reading.ts';

function freshDb(): BetterSqlite3.Database {
  const db = new BetterSqlite3(':memory:');
  migrate(db);
  return db;
}

const reading: Reading = { device: 'sonde-1', kind: 'water-quality', tsMs: 1_763_700_000_123, seq: 42, values: { ph: 7.12, do: 5.4, temp: null, ok: true, mode: 'auto' }, units: { ph: 'pH', do: 'mg/L', temp: 'degC' }, quality: 'uncertain', reasons: { temp: 'timeout' } };

describe('compact reading codec', () => {
  it('round-trips values, units, quality and reasons through the shape dictionary', () => {
    const db = freshDb();
    const shapes = new ShapeDictionary();
    shapes.load(db);
    const shape = shapes.shapeOf(reading);
    const row = encodeReading(reading, shape);
    expect(row.v).toBe('[7.12,5.4,null,true,"auto"]');
    expect(decodeReading({ id: 1, shape: shape.id, ...row }, shape)).toEqual(reading);
  });

  it('stores a shape once per device, kind, points and units, and reloads it', () => {
    const db = freshDb();
    const shapes = new ShapeDictionary();
    shapes.load(db);
    const a = shapes.shapeOf(reading);
    expect(shapes.shapeOf({ ...reading, seq: 43, values: { ...reading.values, ph: 7.2 } }).id).toBe(a.id);
    const b = shapes.shapeOf({ ...reading, units: { ...reading.units, temp: 'degF' } });
    expect(b.id).not.toBe(a.id);
    const reloaded = new ShapeDictionary();
    reloaded.load(db);
    expect(reloaded.get(a.id)).toEqual(a);
    expect(reloaded.idsOf('sonde-1').sort()).toEqual([a.id, b.id].sort());
  });

  it('forgets shapes added by a transaction that rolled back', () => {
    const db = freshDb();
    const shapes = new ShapeDictionary();
    shapes.load(db);
    shapes.begin();
    let lost = 0;
    expect(() =>
      db.transaction(() => {
        lost = shapes.shapeOf(reading).id;
        throw new Error('disk full');
      })(),
    ).toThrow('disk full');
    shapes.rollback();
    expect(shapes.get(lost)).toBeUndefined();
    expect(shapes.shapeOf(reading).id).toBe(lost);
    expect(db.prepare('SELECT count(*) AS n FROM shapes').get()).toEqual({ n: 1 });
  });

  it('omits reasons when there are none', () => {
    const db = freshDb();
    const shapes = new ShapeDictionary();
    shapes.load(db);
    const plain: Reading = { ...reading, quality: 'good', reasons: {} };
    const shape = shapes.shapeOf(plain);
    const row = encodeReading(plain, shape);
    expect(row.r).toBeNull();
    expect(decodeReading({ id: 1, shape: shape.id, ...row }, shape).reasons).toBeUndefined();
  });
});
