import type { PointValue } from './reading.ts';

export type AlertSeverity = 'info' | 'warning' | 'critical';

/**
 * An alert as raised by a rule (a flow, a family processor, a camera probe). Published on
 * `{prefix}/{gatewayId}/alerts`, from the outbox's alert lane, ahead of any backlog.
 */
export interface AlertInput {
  /** Stable per condition (`flood-stage:canal-level`), so raised and cleared pair up upstream. */
  id: string;
  state: 'raised' | 'cleared';
  severity: AlertSeverity;
  /** The rule that decided (`flood-stage`, `stale-sensor`, `cctv-offline`, a flow's name). */
  rule: string;
  device: string | null;
  /** Thai first: the people who act on alerts read Thai. */
  message: { th: string; en: string };
  values?: Record<string, PointValue>;
  /** When the condition was observed; defaults to now. */
  tsMs?: number;
}

export interface AlertPayload {
  id: string;
  ts: string;
  state: 'raised' | 'cleared';
  severity: AlertSeverity;
  rule: string;
  device: string | null;
  message: { th: string; en: string };
  values: Record<string, PointValue>;
}

/** Where rules send alerts; the gateway commits them to the outbox's alert lane. */
export type AlertSink = (alert: AlertInput) => void;

export function toAlertPayload(alert: AlertInput, nowMs: number = Date.now()): AlertPayload {
  return {
    id: alert.id,
    ts: new Date(alert.tsMs ?? nowMs).toISOString(),
    state: alert.state,
    severity: alert.severity,
    rule: alert.rule,
    device: alert.device,
    message: alert.message,
    values: alert.values ?? {},
  };
}
