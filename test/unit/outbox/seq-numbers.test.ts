import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { floodReading, tempOutbox } from '../../helpers/outbox-fixtures.ts';

const thisBoot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();

describe('seq numbers across restarts', () => {
  let cleanup: (() => void) | undefined;
  afterEach(() => cleanup?.());

  /** Five readings committed, the outbox closed, then the file's "open by boot X" flag set as a crash would leave it. */
  function leftBy(bootId: string | null): { next: () => number } {
    const handle = tempOutbox();
    cleanup = handle.cleanup;
    for (let i = 0; i < 5; i++) handle.outbox.appendReading(floodReading('canal', Date.now()));
    handle.outbox.close();
    if (bootId !== null) {
      const db = new BetterSqlite3(join(handle.dir, 'outbox.db'));
      db.prepare("UPDATE meta SET value = 1 WHERE key = 'open'").run();
      db.prepare("UPDATE meta SET value = ? WHERE key = 'boot_id'").run(bootId);
      db.close();
    }
    return {
      next: () => {
        handle.outbox = handle.reopen();
        return handle.outbox.appendReading(floodReading('canal', Date.now())).seq;
      },
    };
  }

  it('continues exactly after a clean close', () => {
    expect(leftBy(null).next()).toBe(6);
  });

  it('continues exactly after a process crash (same boot: the operating system kept every commit)', () => {
    expect(leftBy(thisBoot).next()).toBe(6);
  });

  it('jumps above the reserved numbers after the machine restarted with the outbox open (power cut)', () => {
    // Commits since the last fsync may be gone, and their readings may have been sent: never reuse.
    expect(leftBy('a-previous-boot').next()).toBe(5 + 1000 + 1);
  });
});
