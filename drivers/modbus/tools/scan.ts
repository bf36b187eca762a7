import { ErrorCodes, isGatewayError } from '../../../core/errors.ts';
import type { ModbusChannel } from '../channel.ts';
import { exceptionReason, type ModbusRequest } from '../pdu.ts';

/** What one unit id answered during a scan. */
export interface ScanResult {
  unit: number;
  /** Per question asked: `ok 0x1234`, `exception 2 (...)`, `no answer`, `crc error`. */
  answers: Record<string, string>;
  /** FC17 report-server-id text, when the device supports it. */
  identity: string | null;
}

const questions: { label: string; request: ModbusRequest }[] = [
  { label: 'holding 0', request: { fc: 3, address: 0, count: 1 } },
  { label: 'input 0', request: { fc: 4, address: 0, count: 1 } },
  { label: 'coil 0', request: { fc: 1, address: 0, count: 1 } },
  { label: 'discrete 0', request: { fc: 2, address: 0, count: 1 } },
];

function describeError(error: unknown): string {
  if (isGatewayError(error, ErrorCodes.Timeout)) return 'no answer';
  if (isGatewayError(error, ErrorCodes.CrcMismatch)) return 'crc error';
  if (isGatewayError(error, ErrorCodes.ModbusException)) return exceptionReason(Number(error.context?.exceptionCode));
  return error instanceof Error ? error.message : String(error);
}

/**
 * Asks each unit id one cheap question (read holding register 0). A unit that answers anything,
 * even an exception, is present; present units are then asked what else they serve and who they
 * are (FC17). Port errors are thrown, not reported per unit.
 */
export async function scanBus(channel: ModbusChannel, units: number[], timeoutMs: number, progress?: (unit: number, found: number) => void): Promise<ScanResult[]> {
  const found: ScanResult[] = [];
  for (const unit of units) {
    progress?.(unit, found.length);
    const answers: Record<string, string> = {};
    let present = false;
    for (const [i, q] of questions.entries()) {
      if (i > 0 && !present) break;
      try {
        const reply = await channel.transact(unit, q.request, timeoutMs);
        const v = reply.registers?.[0] ?? reply.bits?.[0];
        answers[q.label] = typeof v === 'number' ? `ok ${v} (0x${v.toString(16).padStart(4, '0')})` : `ok ${String(v)}`;
        present = true;
      } catch (error) {
        if (isGatewayError(error) && (error.code === ErrorCodes.TransportClosed || error.code === ErrorCodes.PortNotFound || error.code === ErrorCodes.PortBusy || error.code === ErrorCodes.PortPermission)) throw error;
        answers[q.label] = describeError(error);
        if (isGatewayError(error, ErrorCodes.ModbusException) || isGatewayError(error, ErrorCodes.CrcMismatch)) present = true;
      }
    }
    if (!present) continue;
    let identity: string | null = null;
    try {
      const reply = await channel.transact(unit, { fc: 17 }, timeoutMs);
      identity = reply.data ? printable(reply.data) : null;
    } catch {
      identity = null;
    }
    found.push({ unit, answers, identity });
  }
  return found;
}

function printable(data: Buffer): string {
  const text = data.toString('latin1').replace(/[^\x20-\x7e]+/g, ' ').trim();
  return text.length >= 3 ? `${text} [${data.toString('hex')}]` : data.toString('hex');
}

/** `1-247`, `1,2,5-8` -> unit ids. */
export function parseUnits(text: string): number[] | undefined {
  const units = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+))?\s*$/.exec(part);
    if (!m) return undefined;
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (from < 1 || to > 247 || from > to) return undefined;
    for (let u = from; u <= to; u++) units.add(u);
  }
  return [...units].sort((a, b) => a - b);
}
