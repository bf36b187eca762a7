import BetterSqlite3 from 'better-sqlite3';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCodes, isGatewayError } from '../../../core/errors.ts';
import { silentLogger } from '../../../core/log.ts';
import { bufferSchema } from '../../../gateway/outbox/config-schema.ts';
import { schemaVersion } from '../../../gateway/outbox/schema.ts';
import { SqliteOutbox } from '../../../gateway/outbox/sqlite-outbox.ts';
import { floodReading } from '../../helpers/outbox-fixtures.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function make(dir: string): SqliteOutbox {
  return new SqliteOutbox({ config: bufferSchema.parse({ commitInterval: '10s', minFreeDisk: 0 }), dataDir: dir, log: silentLogger() });
}

describe('outbox schema version (a rolled-back release meets a newer file)', () => {
  it('refuses a file of a newer schema and leaves it, and its readings, exactly where they are', () => {
    const dir = mkdtempSync(join(tmpdir(), 'citygw-outbox-schema-'));
    dirs.push(dir);
    const first = make(dir);
    first.open();
    first.appendReading(floodReading('canal', Date.now()));
    first.flush();
    first.close();
    const db = new BetterSqlite3(join(dir, 'outbox.db'));
    db.prepare("UPDATE meta SET value = ? WHERE key = 'schema'").run(schemaVersion + 1);
    db.close();

    const older = make(dir);
    let thrown: unknown;
    try {
      older.open();
    } catch (error) {
      thrown = error;
    }
    expect(isGatewayError(thrown, ErrorCodes.StorageTooNew)).toBe(true);
    expect((thrown as Error).message).toContain(`outbox file has schema ${schemaVersion + 1}, this gateway knows up to ${schemaVersion}`);
    // Not treated as corrupt: nothing moved aside, the reading still in the file.
    expect(readdirSync(dir).filter((f) => f.includes('corrupt'))).toEqual([]);
    const check = new BetterSqlite3(join(dir, 'outbox.db'), { readonly: true });
    expect(check.prepare<[], { n: number }>('SELECT count(*) AS n FROM readings').get()!.n).toBe(1);
    check.close();
  });
});
