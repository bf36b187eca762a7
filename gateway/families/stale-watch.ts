import { join } from 'node:path';
import type { AlertSink } from '../../core/alert.ts';
import { guarded, type Logger } from '../../core/log.ts';
import type { ReadingProcessor } from '../processing/types.ts';
import type { NewReading } from '../../core/reading.ts';
import type { FamilyConfig } from '../../core/family-schema.ts';
import { readStateFile, writeStateFile } from './state-file.ts';
import { wallEdgeClock, type EdgeClock } from './edge-clock.ts';

interface Watched {
  staleAfterMs: number;
  lastSeenMs: number;
  raised: boolean;
  /** The flood stage last seen, so a sensor going quiet in a flood is raised as critical. */
  stage: string | null;
}

/**
 * Stale-sensor alarm: a device with `staleAfter` that has not produced a usable value for that
 * long raises `stale-sensor:{device}`; its next usable value clears it. A sensor that stops
 * reporting during a flood is itself an alert. Runs last in the chain (it sees the stage).
 * With a data folder, the devices whose alarm is raised are kept in `families/stale-sensor.json`,
 * so an alarm raised before a restart is still cleared by the device's next value.
 */
export class StaleSensorWatch implements ReadingProcessor {
  readonly name = 'stale-sensor';
  readonly #alert: AlertSink;
  readonly #log: Logger;
  readonly #watched = new Map<string, Watched>();
  readonly #families: Map<string, FamilyConfig>;
  readonly #edge: EdgeClock;
  readonly #stateFile: string | undefined;
  #timer: NodeJS.Timeout | null = null;

  /**
   * Silence is measured on `edge` time (monotonic in the gateway): a clock step forward by a day
   * does not make every sensor look silent. A function stands for a wall clock (tests, tools).
   */
  constructor(families: Map<string, FamilyConfig>, alert: AlertSink, log: Logger, edge: EdgeClock | (() => number) = wallEdgeClock(), dataDir?: string) {
    this.#families = families;
    this.#alert = alert;
    this.#log = log;
    this.#edge = typeof edge === 'function' ? wallEdgeClock(edge) : edge;
    this.#stateFile = dataDir === undefined ? undefined : join(dataDir, 'families', 'stale-sensor.json');
  }

  /** Devices whose alarm was raised (and not cleared) before a restart. */
  #raisedBefore(): Set<string> {
    const saved = this.#stateFile === undefined ? undefined : readStateFile(this.#stateFile, this.#log);
    return new Set(Array.isArray(saved) ? saved.filter((d): d is string => typeof d === 'string') : []);
  }

  #saveRaised(): void {
    if (this.#stateFile === undefined) return;
    const raised = [...this.#watched].flatMap(([device, watched]) => (watched.raised ? [device] : []));
    writeStateFile(this.#stateFile, raised, this.#log);
  }

  async start(signal: AbortSignal): Promise<void> {
    const now = this.#edge.nowMs();
    const raisedBefore = this.#raisedBefore();
    let smallestMs = Number.POSITIVE_INFINITY;
    for (const [device, family] of this.#families) {
      if (family.staleAfter === undefined) continue;
      // A flood-level sensor without stages is watched by the flood flow (see config-schema.ts).
      if (family.type === 'flood-level' && family.stages === undefined) continue;
      this.#watched.set(device, { staleAfterMs: family.staleAfter, lastSeenMs: now, raised: raisedBefore.has(device), stage: null });
      smallestMs = Math.min(smallestMs, family.staleAfter);
    }
    if (this.#watched.size === 0) return;
    const everyMs = Math.max(1000, Math.min(30_000, Math.floor(smallestMs / 4)));
    this.#timer = setInterval(guarded(this.#log, 'stale check', () => this.check()), everyMs);
    this.#timer.unref();
    signal.addEventListener('abort', () => void this.stop(), { once: true });
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  process(reading: NewReading): NewReading {
    const watched = this.#watched.get(reading.device);
    if (!watched) return reading;
    if (typeof reading.values.stage === 'string') watched.stage = reading.values.stage;
    const usable = reading.quality !== 'bad' && Object.entries(reading.values).some(([k, v]) => typeof v === 'number' && reading.reasons?.[k] === undefined);
    if (!usable) return reading;
    watched.lastSeenMs = Math.max(watched.lastSeenMs, this.#edge.of(reading));
    if (watched.raised) {
      watched.raised = false;
      this.#saveRaised();
      this.#alert({
        id: `stale-sensor:${reading.device}`,
        state: 'cleared',
        severity: 'info',
        rule: 'stale-sensor',
        device: reading.device,
        message: { th: `${reading.device} กลับมารายงานค่าแล้ว`, en: `${reading.device} is reporting again` },
        tsMs: reading.tsMs,
      });
    }
    return reading;
  }

  /** Raises the alarm for every watched device silent for longer than its limit. */
  check(): void {
    const now = this.#edge.nowMs();
    for (const [device, watched] of this.#watched) {
      if (watched.raised || now - watched.lastSeenMs < watched.staleAfterMs) continue;
      watched.raised = true;
      this.#saveRaised();
      const silentMin = Math.round((now - watched.lastSeenMs) / 60_000);
      const inFlood = watched.stage === 'alert' || watched.stage === 'critical';
      this.#log.warn({ device, silentMin }, 'sensor stale');
      this.#alert({
        id: `stale-sensor:${device}`,
        state: 'raised',
        severity: inFlood ? 'critical' : 'warning',
        rule: 'stale-sensor',
        device,
        message: {
          th: `${device} ไม่ได้รายงานค่ามา ${silentMin} นาที${inFlood ? ' ระหว่างน้ำอยู่ในระดับเตือนภัย' : ''}`,
          en: `${device} has not reported a value for ${silentMin} min${inFlood ? ' during a flood alert' : ''}`,
        },
        values: { last_seen: new Date(this.#edge.wallOf(watched.lastSeenMs)).toISOString() },
        tsMs: this.#edge.wallOf(now),
      });
    }
  }
}
