import type { OutgoingMessage } from './types.ts';

/** What one nextBatch call may still hand out; `out` counts messages already handed out. */
export interface Budget {
  messages: number;
  bytes: number;
  out: number;
}

/** A stored reading ready to send: its row id, device and wire payload (JSON). */
export interface IdReading {
  id: number;
  device: string;
  json: string;
}

/** Takes one message of `bytes` from the budget; the first message of a call always fits. */
export function take(budget: Budget, bytes: number): boolean {
  if (budget.messages <= 0) return false;
  if (bytes > budget.bytes && budget.out > 0) return false;
  budget.messages -= 1;
  budget.bytes -= bytes;
  budget.out += 1;
  return true;
}

/**
 * Builds one live message per reading, in id order, until the budget is spent. Returns the
 * messages and how many of `rows` they used (a prefix), so the caller advances its cursor only
 * past rows that actually went out.
 */
export function buildLive(rows: IdReading[], budget: Budget): { messages: OutgoingMessage[]; used: number } {
  const messages: OutgoingMessage[] = [];
  for (const { id, device, json } of rows) {
    if (!take(budget, json.length)) break;
    messages.push({ ids: [id], lane: 'live', device, payload: json, readingCount: 1 });
  }
  return { messages, used: messages.length };
}

interface OpenBatch {
  device: string;
  ids: number[];
  parts: string[];
}

const envelopeBytes = '{"readings":[]}'.length;

/**
 * Builds `{readings: [...]}` messages per device from backlog rows in id order: each device's
 * readings stay in order inside and across its messages, and messages come out oldest first.
 * A batch closes at `batchSize` readings; the call stops when the budget is spent. Returns how
 * many of `rows` went out (always a prefix).
 */
export function buildHistory(rows: IdReading[], budget: Budget, batchSize: number): { messages: OutgoingMessage[]; used: number } {
  const closed: OutgoingMessage[] = [];
  const open = new Map<string, OpenBatch>();
  let used = 0;
  for (const { id, device, json: part } of rows) {
    let batch = open.get(device);
    if (!batch) {
      if (!take(budget, envelopeBytes + part.length)) break;
      batch = { device, ids: [], parts: [] };
      open.set(device, batch);
    } else {
      if (part.length + 1 > budget.bytes) break;
      budget.bytes -= part.length + 1;
    }
    batch.ids.push(id);
    batch.parts.push(part);
    used += 1;
    if (batch.ids.length >= batchSize) {
      closed.push(closeBatch(batch));
      open.delete(device);
    }
  }
  for (const batch of open.values()) closed.push(closeBatch(batch));
  closed.sort((a, b) => a.ids[0]! - b.ids[0]!);
  return { messages: closed, used };
}

function closeBatch(batch: OpenBatch): OutgoingMessage {
  return {
    ids: batch.ids,
    lane: 'history',
    device: batch.device,
    payload: `{"readings":[${batch.parts.join(',')}]}`,
    readingCount: batch.ids.length,
  };
}

/** A stored alert or health message as a ready message. */
export function storedMessage(id: number, lane: 'alert' | 'health' | 'event', payload: string): OutgoingMessage {
  return { ids: [id], lane, payload, readingCount: 0 };
}
