import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { decodeReading, encodeReading, payloadJson, ShapeDictionary } from '../../../gateway/outbox/codec.ts';
import { migrate } from '../../../gateway/outbox/schema.ts';
import { toPayload, type Reading } from '../../../core/reading.ts';

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

  it('builds the wire payload byte-identical to JSON.stringify(toPayload(reading))', () => {
    const db = freshDb();
    const shapes = new ShapeDictionary();
    shapes.load(db);
    const cases: Reading[] = [
      reading,
      { ...reading, reasons: undefined, quality: 'good' },
      { device: 'relay.1', kind: 'digital-io', tsMs: 0, seq: 1, values: { '40001': 3, '2': false, door: 'open "now"', 'ไฟ': 'เปิด', neg: -0, big: 1e21, small: 5e-7 }, units: { '40001': 'raw' }, quality: 'bad', reasons: { _device: 'timeout', '2': 'crc' } },
      { device: 'x', kind: 'generic', tsMs: 1_763_700_000_999, seq: 9_007_199_254_740_991, values: {}, units: {}, quality: 'good' },
    ];
    for (const r of cases) {
      const shape = shapes.shapeOf(r);
      const row = { id: 1, shape: shape.id, ...encodeReading(r, shape) };
      expect(payloadJson(row, shape)).toBe(JSON.stringify(toPayload(decodeReading(row, shape))));
      expect(JSON.parse(payloadJson(row, shape))).toEqual(JSON.parse(JSON.stringify(toPayload(r))));
    }
  });
});
