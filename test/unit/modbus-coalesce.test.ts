import { describe, expect, it } from 'vitest';
import { coalesce } from '../../drivers/modbus/coalesce.ts';
import { modbusPointSchema } from '../../drivers/modbus/config-schema.ts';

const p = (name: string, address: number, type = 'uint16', table = 'holding') => modbusPointSchema.parse({ name, address, type, table });
const shape = (blocks: ReturnType<typeof coalesce>) => blocks.map((b) => [b.fc, b.address, b.count, b.points.map((x) => x.name).join(',')]);

describe('coalescing reads', () => {
  it('reads adjacent points in one request', () => {
    expect(shape(coalesce([p('a', 0), p('b', 1), p('c', 2, 'float32')], { maxRegistersPerRead: 125, maxGap: 0 }))).toEqual([[3, 0, 4, 'a,b,c']]);
  });

  it('does not span unmapped registers unless the gap policy allows it', () => {
    const points = [p('a', 1), p('b', 3), p('c', 5)];
    expect(shape(coalesce(points, { maxRegistersPerRead: 125, maxGap: 0 }))).toEqual([[3, 1, 1, 'a'], [3, 3, 1, 'b'], [3, 5, 1, 'c']]);
    expect(shape(coalesce(points, { maxRegistersPerRead: 125, maxGap: 1 }))).toEqual([[3, 1, 5, 'a,b,c']]);
  });

  it("respects the device's own maximum register count", () => {
    const points = Array.from({ length: 30 }, (_, i) => p(`r${i}`, i));
    const blocks = coalesce(points, { maxRegistersPerRead: 20, maxGap: 0 });
    expect(blocks.map((b) => [b.address, b.count])).toEqual([[0, 20], [20, 10]]);
  });

  it('never splits a float across reads and shares a register between two views', () => {
    const blocks = coalesce([p('x', 0, 'float32'), p('y', 0, 'float32'), p('z', 2, 'float32')], { maxRegistersPerRead: 3, maxGap: 0 });
    expect(shape(blocks)).toEqual([[3, 0, 2, 'x,y'], [3, 2, 2, 'z']]);
  });

  it('keeps tables apart and reads bits in bulk', () => {
    const blocks = coalesce([p('h', 0), p('i', 0, 'uint16', 'input'), p('c0', 0, 'bool', 'coil'), p('c1', 1, 'bool', 'coil'), p('d', 6, 'bool', 'discrete')], { maxRegistersPerRead: 125, maxGap: 0 });
    expect(shape(blocks)).toEqual([[3, 0, 1, 'h'], [4, 0, 1, 'i'], [1, 0, 2, 'c0,c1'], [2, 6, 1, 'd']]);
  });
});
