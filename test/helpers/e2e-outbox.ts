import Database from 'better-sqlite3';
import type { AlertPayload } from '../../core/alert.ts';

/**
 * A read-only look into a running gateway's outbox file, to see what it has stored while the
 * uplink is down (nothing is acknowledged then, so nothing is removed). The gateway keeps writing;
 * WAL mode lets this reader run beside it.
 */
export class OutboxPeek {
  readonly #db: Database.Database;

  constructor(path: string) {
    this.#db = new Database(path, { readonly: true, fileMustExist: true });
  }

  /** Alerts waiting in the alert lane (lane 0), oldest first. */
  alerts(): AlertPayload[] {
    const rows = this.#db.prepare<[], { payload: string }>('SELECT payload FROM messages WHERE lane = 0 ORDER BY id').all();
    return rows.map((row) => JSON.parse(row.payload) as AlertPayload);
  }

  /** The last reading sequence number given to each device. */
  lastSeqs(): Map<string, number> {
    const rows = this.#db.prepare<[], { name: string; last_seq: number }>('SELECT name, last_seq FROM devices').all();
    return new Map(rows.map((row) => [row.name, row.last_seq]));
  }

  close(): void {
    this.#db.close();
  }
}
