import { describe, expect, it } from 'vitest';
import { bufferSchema } from '../../../gateway/outbox/config-schema.ts';

describe('buffer config section', () => {
  it('has defaults that need no configuration', () => {
    expect(bufferSchema.parse(undefined)).toMatchObject({ path: 'outbox.db', maxBytes: 512 * 1024 ** 2, whenFull: 'drop-oldest', sync: 'normal', commitInterval: 200, syncInterval: 5000, drain: { historyBatch: 500, inflight: 100 } });
  });

  it('reads sizes and durations as a technician writes them', () => {
    expect(bufferSchema.parse({ maxBytes: '2GB', maxAge: '3d', commitInterval: '1s', minFreeDisk: '128MB' })).toMatchObject({ maxBytes: 2 * 1024 ** 3, maxAge: 3 * 86_400_000, commitInterval: 1000, minFreeDisk: 128 * 1024 ** 2 });
  });

  it('refuses settings that would wear out the card or lose the point of a buffer, saying why', () => {
    const problems = (input: unknown) => bufferSchema.safeParse(input).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];
    expect(problems({ commitInterval: '1ms' })).toEqual(['commitInterval: at least 10ms']);
    expect(problems({ maxBytes: '100KB' })).toEqual(['maxBytes: at least 1MB']);
    expect(problems({ whenFull: 'drop-newest' })[0]).toMatch(/^whenFull: /);
    expect(problems({ drain: { historyBatch: 0 } })[0]).toMatch(/^drain\.historyBatch: /);
    expect(problems({ keepForever: true })[0]).toMatch(/keepForever/);
  });
});
