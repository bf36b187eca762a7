import type { Database, Statement } from 'better-sqlite3';
import { ErrorCodes, GatewayError } from '../../core/errors.ts';
import { payloadJson, type ReadingRow, type ShapeDictionary } from './codec.ts';
import { storedMessage, take, type Budget, type IdReading } from './lanes.ts';
import { messageLanes } from './schema.ts';
import type { OutgoingMessage } from './types.ts';

/** Turns decoded rows into messages; returns how many rows (a prefix) went out. */
export type MessageBuilder = (rows: IdReading[]) => { messages: OutgoingMessage[]; used: number };

/**
 * Reads rows to send, oldest first, skipping those that are busy (in flight, or acknowledged and
 * waiting for the delete to be committed).
 */
export class RowReader {
  private readonly shapes: ShapeDictionary;
  private readonly isBusy: (id: number) => boolean;
  private readings: Statement<[number, number, number], ReadingRow> | undefined;
  private messages: Statement<[number], { id: number; lane: number; payload: string }> | undefined;

  constructor(shapes: ShapeDictionary, isBusy: (id: number) => boolean) {
    this.shapes = shapes;
    this.isBusy = isBusy;
  }

  prepare(db: Database): void {
    this.readings = db.prepare('SELECT id, shape, seq, ts, q, v, r FROM readings WHERE id > ? AND id < ? ORDER BY id LIMIT ?');
    this.messages = db.prepare('SELECT id, lane, payload FROM messages ORDER BY lane, id LIMIT ?');
  }

  /** Alerts, then health snapshots, within the budget; `busy` is how many rows may be skipped. */
  takeStoredMessages(budget: Budget, busy: number, out: OutgoingMessage[]): void {
    for (const row of this.messages!.all(budget.messages + busy)) {
      if (this.isBusy(row.id)) continue;
      if (!take(budget, row.payload.length)) return;
      out.push(storedMessage(row.id, row.lane === messageLanes.alert ? 'alert' : 'health', row.payload));
    }
  }

  /**
   * Hands out readings with `cursor < id < endId` through `build` (`perMessage` readings per
   * message). Returns the new cursor: the last row that went out (or was skipped before it).
   */
  takeReadings(cursor: number, endId: number, perMessage: number, budget: Budget, out: OutgoingMessage[], build: MessageBuilder): number {
    while (budget.messages > 0 && cursor < endId - 1) {
      // Read about what the budget can carry: decoding rows that will not go out is wasted work.
      const chunk = Math.min(4_000, Math.max(16, budget.messages * perMessage));
      const rows = this.readings!.all(cursor, endId, chunk);
      if (rows.length === 0) return cursor;
      const usable: IdReading[] = [];
      for (const row of rows) {
        if (this.isBusy(row.id)) continue;
        const shape = this.shapes.get(row.shape);
        if (!shape) throw new GatewayError(ErrorCodes.StorageCorrupt, `reading ${row.id} refers to unknown shape ${row.shape}`);
        usable.push({ id: row.id, device: shape.device, json: payloadJson(row, shape) });
      }
      const { messages, used } = build(usable);
      out.push(...messages);
      if (used < usable.length) return usable[used]!.id - 1;
      cursor = rows[rows.length - 1]!.id;
      if (rows.length < chunk) return cursor;
    }
    return cursor;
  }
}
