import type { Logger } from '../../core/log.ts';
import type { AlertSink } from '../../core/alert.ts';
import type { NewReading } from '../../core/reading.ts';
import type { DeviceStats, FieldDevice } from '../types.ts';
import type { Probe, ProbeName, ProbeResult } from './probe.ts';
import { healthReading, rollUp, type CameraState, type Rollup } from './rollup.ts';

export interface CameraOptions {
  id: string;
  kind: string;
  probes: Probe[];
  log: Logger;
  alert: AlertSink;
  emit(reading: NewReading): void;
  /** Runs in a row a probe must agree on before a worse verdict counts (1 = at once). A good run counts at once. */
  confirm?: number;
  now?: () => number;
}

const stateWords: Record<CameraState, { th: string; en: string }> = {
  ok: { th: 'ปกติ', en: 'ok' },
  degraded: { th: 'ทำงานผิดปกติ', en: 'degraded' },
  offline: { th: 'ออฟไลน์', en: 'offline' },
};

/**
 * One camera: its probes' newest results, its rolled-up state and since when, and the alerts that
 * follow state changes. The probe loop (CameraProbeLoop) feeds it; `citygw read` calls readOnce.
 */
export class Camera implements FieldDevice {
  readonly id: string;
  readonly kind: string;
  readonly probes: Probe[];
  readonly #log: Logger;
  readonly #alert: AlertSink;
  readonly #emit: (reading: NewReading) => void;
  readonly #now: () => number;
  readonly #confirm: number;
  /** Each probe's verdict as the rollup sees it (after confirmation). */
  readonly #latest = new Map<ProbeName, ProbeResult>();
  /** A worse verdict waiting for confirmation: how many runs in a row gave it. */
  readonly #streaks = new Map<ProbeName, { verdict: ProbeResult['verdict']; count: number }>();
  #state: CameraState | undefined;
  #sinceMs = 0;
  #stats: DeviceStats;

  constructor(options: CameraOptions) {
    this.id = options.id;
    this.kind = options.kind;
    this.probes = options.probes;
    this.#log = options.log;
    this.#alert = options.alert;
    this.#emit = options.emit;
    this.#now = options.now ?? Date.now;
    this.#confirm = options.confirm ?? 1;
    this.#stats = { device: options.id, state: 'unknown', polls: 0, ok: 0, errors: {}, lastOkTsMs: null, lastError: null, camera: 'unknown', since: null };
  }

  /** The rolled-up state once every probe has reported at least once. */
  get state(): CameraState | undefined {
    return this.#state;
  }

  /** Runs every probe once, concurrently, and returns the health reading (not emitted, no alerts). */
  async readOnce(signal: AbortSignal = new AbortController().signal): Promise<NewReading> {
    const results = await Promise.all(this.probes.map((probe) => probe.run({ signal, log: this.#log })));
    const rollup = rollUp(results);
    const nowMs = this.#now();
    const sinceMs = rollup.state === this.#state ? this.#sinceMs : nowMs;
    return healthReading(this.id, this.kind, results, rollup, sinceMs, nowMs);
  }

  /**
   * Takes one probe result. Once all probes have reported, a change of state emits a reading at
   * once and raises or clears the camera's alert, so a dark camera is known within one probe interval.
   */
  record(result: ProbeResult): void {
    this.#count(result);
    if (!this.#confirmed(result)) return;
    this.#latest.set(result.probe, result);
    if (this.#latest.size < this.probes.length) return;
    const rollup = rollUp([...this.#latest.values()]);
    if (rollup.state === this.#state) return;
    const previous = this.#state;
    this.#state = rollup.state;
    this.#sinceMs = this.#now();
    this.#stats.camera = rollup.state;
    this.#stats.since = this.#sinceMs;
    this.#stats.state = rollup.state === 'offline' ? 'offline' : 'online';
    this.#log.info({ from: previous ?? 'unknown', to: rollup.state, reasons: rollup.reasons }, 'camera state changed');
    this.#raiseOrClear(previous, rollup);
    this.emitNow();
  }

  /** Emits the current health reading (the loop calls it every camera interval). */
  emitNow(): void {
    if (this.#state === undefined) return;
    const results = this.probes.flatMap((probe) => this.#latest.get(probe.name) ?? []);
    this.#emit(healthReading(this.id, this.kind, results, rollUp(results), this.#sinceMs, this.#now()));
  }

  stats(): DeviceStats {
    return { ...this.#stats, errors: { ...this.#stats.errors } };
  }

  /** Whether a result replaces the probe's current verdict now, or waits for more runs to agree. */
  #confirmed(result: ProbeResult): boolean {
    const current = this.#latest.get(result.probe);
    if (this.#confirm <= 1 || !current || result.verdict === 'ok' || result.verdict === current.verdict) {
      this.#streaks.delete(result.probe);
      return true;
    }
    const streak = this.#streaks.get(result.probe);
    const count = streak?.verdict === result.verdict ? streak.count + 1 : 1;
    if (count >= this.#confirm) {
      this.#streaks.delete(result.probe);
      return true;
    }
    this.#streaks.set(result.probe, { verdict: result.verdict, count });
    return false;
  }

  #count(result: ProbeResult): void {
    this.#stats.polls += 1;
    if (result.verdict === 'ok') {
      this.#stats.ok += 1;
      this.#stats.lastOkTsMs = result.tsMs;
      return;
    }
    const key = `${result.probe}-${result.verdict}`;
    this.#stats.errors[key] = (this.#stats.errors[key] ?? 0) + 1;
    this.#stats.lastError = `${result.probe}: ${result.reason ?? result.verdict}`;
  }

  #raiseOrClear(previous: CameraState | undefined, rollup: Rollup): void {
    const tsMs = this.#sinceMs;
    const reason = rollup.reasons.join('; ');
    const alertFor = (state: 'offline' | 'degraded', raised: boolean): void => {
      const word = stateWords[state];
      const message = raised
        ? { th: `กล้อง ${this.id} ${word.th}: ${reason}`, en: `Camera ${this.id} is ${word.en}: ${reason}` }
        : { th: `กล้อง ${this.id} หายจากสถานะ${word.th}แล้ว (ตอนนี้: ${stateWords[rollup.state].th})`, en: `Camera ${this.id} is no longer ${word.en} (now ${rollup.state})` };
      this.#alert({
        id: `cctv-${state}:${this.id}`,
        state: raised ? 'raised' : 'cleared',
        severity: state === 'offline' ? 'critical' : 'warning',
        rule: `cctv-${state}`,
        device: this.id,
        message,
        values: { state: rollup.state, reason: reason === '' ? null : reason },
        tsMs,
      });
    };
    if (previous === 'offline' || previous === 'degraded') alertFor(previous, false);
    if (rollup.state === 'offline' || rollup.state === 'degraded') alertFor(rollup.state, true);
  }
}
