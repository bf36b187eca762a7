import type { NewReading } from '../../core/reading.ts';
import type { DeviceStats } from '../types.ts';
import type { PolledDevice, PollOutcome } from './scheduler.ts';

/**
 * A device's place in its bus's rotation: when it is due, whether it answers, and its counters.
 * A device that stops answering is probed at growing intervals (interval x 2^n, from minBackoffMs
 * up to maxBackoffMs) so that it costs the bus little until it answers again.
 */
export class DeviceSlot {
  readonly device: PolledDevice;
  private readonly minBackoffMs: number;
  private readonly maxBackoffMs: number;
  nextDueMs = 0;
  lastStartMs = 0;
  state: 'online' | 'offline' | 'unknown' = 'unknown';
  private silentPolls = 0;
  private polls = 0;
  private ok = 0;
  private readonly errors: Record<string, number> = {};
  private lastOkTsMs: number | null = null;
  private lastError: string | null = null;
  private lastDurationMs = 0;
  private busMs = 0;

  constructor(device: PolledDevice, backoff: { minBackoffMs: number; maxBackoffMs: number }) {
    this.device = device;
    this.minBackoffMs = backoff.minBackoffMs;
    this.maxBackoffMs = backoff.maxBackoffMs;
  }

  /** Books a poll's outcome and schedules the next one; returns a state change worth reporting. */
  record(outcome: PollOutcome, nowMs: number): 'online' | 'offline' | undefined {
    this.polls++;
    this.lastDurationMs = Math.max(0, nowMs - this.lastStartMs);
    this.busMs += this.lastDurationMs;
    const before = this.state;
    const interval = this.device.intervalMs;
    for (const reason of new Set(Object.values(outcome.reading.reasons ?? {}))) this.errors[reason] = (this.errors[reason] ?? 0) + 1;
    if (outcome.result === 'answered') {
      if (outcome.reading.quality !== 'bad') this.ok++;
      this.lastOkTsMs = outcome.reading.tsMs;
      this.silentPolls = 0;
      this.state = 'online';
      // Keep the cadence (due + interval) but never schedule into the past: no catch-up bursts.
      this.nextDueMs = Math.max(this.nextDueMs + interval, nowMs);
      if (this.nextDueMs === nowMs && interval > 0) this.nextDueMs = nowMs + interval;
    } else if (outcome.result === 'silent') {
      this.silentPolls++;
      this.state = 'offline';
      const backoff = Math.min(this.maxBackoffMs, Math.max(interval, this.minBackoffMs) * 2 ** (this.silentPolls - 1));
      this.nextDueMs = nowMs + backoff;
    } else {
      // The port failed (not the device): it is not reachable either, but is asked again at its interval.
      this.state = 'offline';
      this.nextDueMs = nowMs + Math.max(interval, 1000);
    }
    if (outcome.result !== 'answered') this.lastError = outcome.error ?? Object.values(outcome.reading.reasons ?? {})[0] ?? 'failed';
    if (before !== 'offline' && this.state === 'offline') return 'offline';
    if (before === 'offline' && this.state === 'online') return 'online';
    return undefined;
  }

  /** A reading with every point null: nothing was measured. */
  badReading(reason: string): NewReading {
    return this.device.emptyReading(reason);
  }

  stats(): DeviceStats {
    return {
      device: this.device.id,
      state: this.state,
      polls: this.polls,
      ok: this.ok,
      errors: { ...this.errors },
      lastOkTsMs: this.lastOkTsMs,
      lastError: this.lastError,
      unit: this.device.unit,
      lastPollMs: Math.round(this.lastDurationMs),
      /** Bus time this device's polls and probes have taken in total (what it costs the others). */
      busMs: Math.round(this.busMs),
      silentPolls: this.silentPolls,
      nextPollInMs: Math.max(0, Math.round(this.nextDueMs - performance.now())),
    };
  }
}
