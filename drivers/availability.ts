import type { AlertInput, AlertSink } from '../core/alert.ts';
import type { NewReading, PointValue, ReadingKind } from '../core/reading.ts';

/**
 * What every driver family says the same way about a device or a port that stops working, so an
 * upstream dashboard and the flows see one shape whichever family the device belongs to:
 * - `device-offline:{device}` (rule `device-offline`) while a device does not answer or send;
 * - `bus-offline:{bus}` (rule `bus-offline`) while a bus's port cannot be opened or went away;
 * - a bad reading has every point null, each with its reason, and `_device` saying why.
 */

/** A reading that measured nothing: every known point null with `reason`. */
export function badReading(device: string, kind: ReadingKind, points: Readonly<Record<string, string | undefined>>, reason: string, tsMs: number = Date.now()): NewReading {
  const values: Record<string, PointValue> = {};
  const units: Record<string, string> = {};
  const reasons: Record<string, string> = {};
  for (const [name, unit] of Object.entries(points)) {
    values[name] = null;
    reasons[name] = reason;
    if (unit) units[name] = unit;
  }
  reasons._device = reason;
  return { device, kind, tsMs, values, units, quality: 'bad', reasons };
}

export function deviceOfflineAlert(device: string, state: 'raised' | 'cleared', detail: { reason?: string; where?: string } = {}): AlertInput {
  const where = detail.where ? ` (${detail.where})` : '';
  const message =
    state === 'raised'
      ? { th: `อุปกรณ์ ${device}${where} ไม่ตอบสนอง`, en: `Device ${device}${where} is not answering${detail.reason ? `: ${detail.reason}` : ''}` }
      : { th: `อุปกรณ์ ${device} กลับมาตอบสนองแล้ว`, en: `Device ${device} answers again` };
  return { id: `device-offline:${device}`, state, severity: 'warning', rule: 'device-offline', device, message, ...(detail.reason ? { values: { reason: detail.reason } } : {}) };
}

export function busOfflineAlert(bus: string, port: string, state: 'raised' | 'cleared', reason?: string): AlertInput {
  const message =
    state === 'raised'
      ? { th: `พอร์ต ${port} ของบัส ${bus} ใช้งานไม่ได้ (ตรวจสอบสาย USB/อะแดปเตอร์)`, en: `Port ${port} of bus ${bus} is unavailable${reason ? `: ${reason}` : ''} (check the USB adapter and cable)` }
      : { th: `พอร์ต ${port} ของบัส ${bus} กลับมาใช้งานได้แล้ว`, en: `Port ${port} of bus ${bus} is open again` };
  return { id: `bus-offline:${bus}`, state, severity: 'warning', rule: 'bus-offline', device: null, message, values: { bus, port, ...(reason ? { reason } : {}) } };
}

/**
 * Raises an alert once when a condition starts and clears it once when it ends, however often the
 * owner reports the same state (a port retried every few seconds while unplugged).
 */
export class AlertLatch {
  readonly #alert: AlertSink;
  #raised = false;

  constructor(alert: AlertSink) {
    this.#alert = alert;
  }

  get raised(): boolean {
    return this.#raised;
  }

  raise(make: () => AlertInput): void {
    if (this.#raised) return;
    this.#raised = true;
    this.#alert(make());
  }

  clear(make: () => AlertInput): void {
    if (!this.#raised) return;
    this.#raised = false;
    this.#alert(make());
  }
}
