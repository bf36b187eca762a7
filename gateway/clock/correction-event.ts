import type { TimeCorrection } from './timekeeper.ts';

/**
 * The payload of `{prefix}/{gatewayId}/events` announcing a clock correction (schema:
 * ClockCorrectionEvent in asyncapi.yaml). It tells a platform how to fix readings it has already
 * stored with a wrong time:
 * - `reason: synced`: every reading of this gateway with `boot` equal to `boot` and `timeQuality`
 *   `estimated` or `unsynced` has the true time `monoMs + offsetMs`.
 * - `reason: step`: the readings of each listed device with seq in `fromSeq..toSeq` that are not
 *   marked `corrected` are off by `shiftMs` (add it).
 * Readings still in the outbox at that moment are sent already corrected (`timeQuality: corrected`).
 */
export interface ClockCorrectionEvent {
  type: 'clock-correction';
  ts: string;
  gateway: string;
  reason: TimeCorrection['reason'];
  source: string;
  boot: string;
  offsetMs: number;
  shiftMs: number | null;
  restamped: number;
  devices: TimeCorrection['devices'];
}

export function correctionEvent(gatewayId: string, correction: TimeCorrection, restamped: number, nowMs: number): ClockCorrectionEvent {
  return {
    type: 'clock-correction',
    ts: new Date(nowMs).toISOString(),
    gateway: gatewayId,
    reason: correction.reason,
    source: correction.source,
    boot: correction.bootId,
    offsetMs: correction.offsetMs,
    shiftMs: correction.previousOffsetMs === null ? null : correction.offsetMs - correction.previousOffsetMs,
    restamped,
    devices: correction.reason === 'step' ? correction.devices : [],
  };
}
