import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync, openSync, writeSync, closeSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../core/log.ts';
import { bufferSchema } from '../../../gateway/outbox/config-schema.ts';
import { SqliteOutbox } from '../../../gateway/outbox/sqlite-outbox.ts';
import { floodReading } from '../../helpers/outbox-fixtures.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function make(dir: string): SqliteOutbox {
  return new SqliteOutbox({ config: bufferSchema.parse({ commitInterval: '10s', minFreeDisk: 0 }), dataDir: dir, log: silentLogger() });
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'citygw-outbox-recovery-'));
  dirs.push(dir);
  return dir;
}

describe('outbox file recovery at open', () => {
  it('moves a file that is not a database aside, starts fresh, and says so', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'outbox.db'), 'this is not an SQLite file, it is what a bad SD card left behind'.repeat(100));
    const outbox = make(dir);
    outbox.open();
    const state = outbox.stats().openState;
    expect(state.state).toBe('recovered');
    expect(state.movedTo).toMatch(/outbox\.db\.corrupt-/);
    expect(existsSync(state.movedTo!)).toBe(true);
    // It works, and seqs continue above anything the lost file can have used.
    const reading = outbox.appendReading(floodReading('canal', Date.now()));
    expect(reading.seq).toBeGreaterThan(Date.UTC(2020, 0, 1));
    outbox.close();
    const again = make(dir);
    again.open();
    expect(again.stats().openState.state).toBe('ok');
    expect(again.depth()).toBe(1);
    expect(again.appendReading(floodReading('canal', Date.now())).seq).toBe(reading.seq + 1);
    again.close();
  });

  it('detects damaged pages in a real database, keeping seqs it can still read', () => {
    const dir = tempDir();
    const first = make(dir);
    first.open();
    for (let i = 0; i < 20_000; i++) first.appendReading(floodReading(`dev-${i % 3}`, Date.now()));
    first.close();
    const path = join(dir, 'outbox.db');
    // Overwrite pages in the middle of the file (readings), leaving the first pages (schema, seqs) readable.
    const size = statSync(path).size;
    const fd = openSync(path, 'r+');
    const junk = Buffer.alloc(4096 * 8, 0xa5);
    writeSync(fd, junk, 0, junk.length, Math.floor(size / 2 / 4096) * 4096);
    closeSync(fd);
    const outbox = make(dir);
    outbox.open();
    expect(outbox.stats().openState).toMatchObject({ state: 'recovered' });
    expect(outbox.depth()).toBe(0);
    const seq = outbox.appendReading(floodReading('dev-0', Date.now())).seq;
    // The seq table is still readable: dev-0 had 6667 readings; it goes on above them and above
    // the numbers reserved ahead (the damaged file may have lost its last commits), not from the clock.
    expect(seq).toBeGreaterThan(6667);
    expect(seq).toBeLessThanOrEqual(6667 + 1001);
    expect(readdirSync(dir).some((f) => f.startsWith('outbox.db.corrupt-'))).toBe(true);
    outbox.close();
  });
});
