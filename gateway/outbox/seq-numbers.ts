import { readFileSync } from 'node:fs';
import type { Database } from 'better-sqlite3';
import type { Logger } from '../../core/log.ts';

/** Seq numbers reserved on the card ahead of use, per device (see SeqNumbers). */
const reserveBlock = 1000;

function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return 'unknown';
  }
}

/** Runs `work` in a transaction that is fsynced at commit, whatever the connection's sync mode. */
export function durably(db: Database, work: () => void): void {
  const mode = db.pragma('synchronous', { simple: true }) as number;
  db.pragma('synchronous = FULL');
  try {
    db.transaction(work)();
  } finally {
    db.pragma(`synchronous = ${mode}`);
  }
}

/**
 * Per-device `seq`: strictly increasing, persisted in the same transaction as the readings.
 *
 * With `sync: normal` a power cut can roll back commits whose readings were already sent; handing
 * their seq numbers out again would give upstream two different readings with the same
 * `(device, seq)`. So numbers are reserved in blocks, and a commit that passes a device's
 * reservation is fsynced. When the outbox was not closed and the machine has rebooted since (power
 * cut, kernel crash), numbering resumes above the reservation: upstream sees a gap, never a
 * reuse. After a plain process crash the operating system kept every commit, so it resumes exactly.
 */
export class SeqNumbers {
  private readonly last = new Map<string, number>();
  private readonly reserved = new Map<string, number>();
  private floor = 0;

  /** Loads the numbers and marks the file as in use by this boot. */
  load(db: Database, floor: number, log: Logger): void {
    this.last.clear();
    this.reserved.clear();
    this.floor = floor;
    const meta = (key: string): unknown => db.prepare<[string], { value: unknown }>('SELECT value FROM meta WHERE key = ?').get(key)?.value;
    const rebootedWhileOpen = meta('open') === 1 && meta('boot_id') !== bootId();
    for (const row of db.prepare<[], { name: string; last_seq: number; reserved: number }>('SELECT name, last_seq, reserved FROM devices').all()) {
      this.last.set(row.name, rebootedWhileOpen ? Math.max(row.last_seq, row.reserved) : row.last_seq);
      this.reserved.set(row.name, row.reserved);
    }
    if (rebootedWhileOpen) log.warn({ devices: this.last.size }, 'the machine restarted while the outbox was open: seq continues above the reserved numbers, upstream sees a gap for readings lost with the power');
    const set = db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)');
    // On the card before any reading is sent: a power cut must find the flag.
    durably(db, () => {
      set.run('open', 1);
      set.run('boot_id', bootId());
    });
  }

  /** The next seq of a device (not yet committed). */
  next(device: string): number {
    const seq = Math.max(this.last.get(device) ?? 0, this.floor) + 1;
    this.last.set(device, seq);
    return seq;
  }

  /** Whether committing up to these seqs passes a reservation (the commit must then be fsynced). */
  passesReservation(lastSeqs: Map<string, number>): boolean {
    for (const [device, seq] of lastSeqs) if (seq > (this.reserved.get(device) ?? 0)) return true;
    return false;
  }

  /** Writes each device's last seq (and a new reservation where passed); inside the commit. */
  persist(db: Database, lastSeqs: Map<string, number>): void {
    const upsert = db.prepare('INSERT INTO devices (name, last_seq, reserved) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET last_seq = excluded.last_seq, reserved = excluded.reserved');
    for (const [device, seq] of lastSeqs) {
      let reserved = this.reserved.get(device) ?? 0;
      if (seq > reserved) reserved = seq + reserveBlock;
      upsert.run(device, seq, reserved);
      this.reserved.set(device, reserved);
    }
  }

  /** The commit that carried `persist` failed: the reservations in memory are not on the card. */
  forget(db: Database): void {
    this.reserved.clear();
    for (const row of db.prepare<[], { name: string; reserved: number }>('SELECT name, reserved FROM devices').all()) this.reserved.set(row.name, row.reserved);
  }

  /** A clean close: the next start resumes exactly where this one stopped. */
  markClosed(db: Database): void {
    db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('open', 0)").run();
  }
}
