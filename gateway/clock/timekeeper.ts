import { toError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import { readClockMemory, writeClockMemory, type ClockMemory } from './anchor-file.ts';
import type { Clock } from './clock.ts';
import type { SyncSource } from './sync-source.ts';

/** How a reading's `ts` was obtained (see reading.ts). */
export type { TimeQuality } from '../../core/reading.ts';

/** A reading's times: wall `tsMs` (as good as known), the monotonic time it was taken at, how good ts is. */
export interface Stamp {
  tsMs: number;
  monoMs: number;
  timeQuality?: 'estimated' | 'unsynced';
}

/** `clock` on health and on `citygw status`. */
export interface ClockStatus {
  synced: boolean;
  /** Which source judged the clock: `kernel`, `flag-file`, `assume-synced`, `gnss`, `none`. */
  source: string;
  /** The size of the last step of the wall clock seen while running (s; + forward), null if none. */
  lastStepS: number | null;
  /** How readings are stamped now. */
  stamping: 'synced' | 'estimated' | 'unsynced';
  bootId: string;
}

/**
 * The clock became trustworthy (`synced`) or, while synced, stepped (`step`): from now on
 * UTC = monoMs + offsetMs in this boot. Readings of this boot still in the outbox are re-stamped
 * with it; readings already sent are named so upstream can fix them.
 */
export interface TimeCorrection {
  reason: 'synced' | 'step';
  bootId: string;
  source: string;
  offsetMs: number;
  /** The offset readings were stamped with before (null: none known). */
  previousOffsetMs: number | null;
  /** `step`: readings stamped since this monotonic time used `previousOffsetMs`. */
  sinceMonoMs: number;
  /** `step`: the seq range per device stamped with `previousOffsetMs` (in this process). */
  devices: Array<{ device: string; fromSeq: number; toSeq: number }>;
  /** Whether readings stamped without a synced clock in this boot may already have been sent. */
  announce: boolean;
}

export interface TimekeeperOptions {
  clock: Clock;
  source: SyncSource;
  bootId: string;
  /** `{dataDir}/clock.json`; undefined keeps everything in memory (tools, tests). */
  memoryFile?: string;
  log: Logger;
  checkIntervalMs: number;
  /** A change of wall minus monotonic larger than this is a step. */
  stepThresholdMs: number;
}

interface Regime {
  offsetMs: number;
  /** The offset came from the source itself (GNSS), not from the system clock: wall steps do not move it. */
  ownOffset: boolean;
  quality: 'synced' | 'estimated' | 'unsynced';
  startMonoMs: number;
  seqs: Map<string, { fromSeq: number; toSeq: number }>;
}

/** How long start() waits for the sync source's first answer. */
const firstCheckWaitMs = 1_000;

/** A driver's own stamp more than this old is not trusted to date the measurement. */
const maxMeasureAgoMs = 60_000;

/**
 * Keeps the gateway's time: whether the clock can be trusted, the offset from the monotonic clock
 * readings are stamped with, and the moments that offset changes. Between two such moments every
 * stamp is monotonic time plus one offset, so readings of a device can never go backwards in time
 * and never be later than now; at each such moment the outbox re-stamps what it still holds.
 */
export class Timekeeper {
  readonly #o: TimekeeperOptions;
  readonly #log: Logger;
  #regime: Regime;
  #wallOffsetMs: number;
  #lastStepS: number | null = null;
  #memory: ClockMemory = { anchor: null, markedBoot: null };
  #sourceName: string;
  #unavailableLogged = false;
  #timer: NodeJS.Timeout | null = null;
  #checking: Promise<void> | null = null;
  readonly #lastTs = new Map<string, number>();
  readonly #listeners = new Set<(correction: TimeCorrection) => void>();

  constructor(options: TimekeeperOptions) {
    this.#o = options;
    this.#log = options.log;
    this.#sourceName = options.source.name;
    this.#wallOffsetMs = options.clock.wallMs() - options.clock.monoMs();
    this.#regime = { offsetMs: this.#wallOffsetMs, quality: 'unsynced', ownOffset: false, startMonoMs: options.clock.monoMs(), seqs: new Map() };
  }

  get bootId(): string {
    return this.#o.bootId;
  }

  /** Loads the last known good time, asks the sync source once, then keeps asking. */
  async start(signal?: AbortSignal): Promise<void> {
    if (this.#o.memoryFile) this.#memory = readClockMemory(this.#o.memoryFile, this.#log);
    const anchor = this.#memory.anchor;
    if (anchor && anchor.bootId === this.#o.bootId) {
      this.#regime = this.#newRegime(anchor.offsetMs, 'estimated', false);
      this.#log.info({ lastGoodAt: new Date(anchor.savedAtMs).toISOString() }, 'same boot as the last known good time: stamping from it until the clock is synced');
    }
    // A slow source (a Pi under load starting python3) must not hold up the field side for long:
    // readings stamped before it answers are corrected like any others.
    let waited: NodeJS.Timeout | undefined;
    await Promise.race([this.check(), new Promise((resolve) => (waited = setTimeout(resolve, firstCheckWaitMs)))]);
    clearTimeout(waited);
    const status = this.status();
    this.#log.info({ synced: status.synced, source: status.source, stamping: status.stamping }, status.synced ? 'clock synchronised' : 'clock not synchronised: readings are marked until it is');
    this.#timer = setInterval(() => void this.check(), this.#o.checkIntervalMs);
    this.#timer.unref();
    signal?.addEventListener('abort', () => this.stop(), { once: true });
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  onCorrection(listener: (correction: TimeCorrection) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  status(): ClockStatus {
    return { synced: this.#regime.quality === 'synced', source: this.#sourceName, lastStepS: this.#lastStepS, stamping: this.#regime.quality, bootId: this.#o.bootId };
  }

  /** UTC now as well as it is known (for alerts and timers' messages). */
  nowMs(): number {
    this.#observeStep();
    return this.#o.clock.monoMs() + this.#regime.offsetMs;
  }

  monoMs(): number {
    return this.#o.clock.monoMs();
  }

  /**
   * The times of a reading of `device`. `measuredWallMs` is the driver's own wall stamp: how long
   * ago the measurement was is kept (a Modbus transaction ends a few ms before it is emitted).
   */
  stamp(device: string, measuredWallMs?: number): Stamp {
    this.#observeStep();
    const monoNow = this.#o.clock.monoMs();
    const agoMs = measuredWallMs === undefined ? 0 : Math.min(maxMeasureAgoMs, Math.max(0, this.#o.clock.wallMs() - measuredWallMs));
    const monoMs = monoNow - agoMs;
    let tsMs = monoMs + this.#regime.offsetMs;
    const quality = this.#regime.quality;
    if (quality === 'unsynced') {
      // Steps of an unsynced clock start new offsets; hold a device's time until the clock passes it.
      tsMs = Math.max(tsMs, this.#lastTs.get(device) ?? Number.NEGATIVE_INFINITY);
      this.#lastTs.set(device, tsMs);
    }
    if (quality !== 'synced' && this.#memory.markedBoot !== this.#o.bootId) {
      this.#memory.markedBoot = this.#o.bootId;
      this.#save();
    }
    return quality === 'synced' ? { tsMs, monoMs } : { tsMs, monoMs, timeQuality: quality };
  }

  /** The outbox gave a stamped reading its seq: remembered per device for a step's correction. */
  noteSeq(device: string, seq: number): void {
    const range = this.#regime.seqs.get(device);
    if (range) range.toSeq = seq;
    else this.#regime.seqs.set(device, { fromSeq: seq, toSeq: seq });
  }

  /** Asks the sync source (serialised: a slow source is never asked twice at once). */
  check(): Promise<void> {
    this.#checking ??= this.#check().finally(() => {
      this.#checking = null;
    });
    return this.#checking;
  }

  async #check(): Promise<void> {
    let state;
    try {
      state = await this.#o.source.read();
    } catch (error) {
      state = { synced: false, available: false, detail: toError(error).message };
    }
    this.#sourceName = state.available ? this.#o.source.name : 'none';
    if (!state.available && !this.#unavailableLogged) {
      this.#unavailableLogged = true;
      this.#log.warn({ detail: state.detail }, 'cannot tell whether the clock is synchronised: readings are marked estimated or unsynced (see clock.sync in the README)');
    }
    this.#observeStep();
    const regime = this.#regime;
    if (state.synced) {
      const own = state.offsetMs !== undefined;
      const offsetMs = state.offsetMs ?? this.#wallOffsetMs;
      if (regime.quality !== 'synced') {
        this.#log.info({ source: this.#sourceName, stepS: round3((offsetMs - regime.offsetMs) / 1000), was: regime.quality }, 'clock synchronised: readings of this boot still in the outbox are re-stamped');
        this.#trust(offsetMs, 'synced', own);
      } else if (Math.abs(offsetMs - regime.offsetMs) > this.#o.stepThresholdMs) {
        // The source's time moved (GNSS against the last offset, or GNSS lost and the system clock differs).
        this.#stepped(offsetMs - regime.offsetMs);
        this.#trust(offsetMs, 'step', own);
      } else if (own !== regime.ownOffset) {
        regime.ownOffset = own;
      }
    } else if (regime.quality === 'synced' && state.available) {
      // Same boot, the offset was right a moment ago: keep it, say so.
      this.#log.warn({ source: this.#sourceName, detail: state.detail }, 'clock no longer synchronised: stamping from the last good time');
      this.#regime = this.#newRegime(regime.offsetMs, 'estimated', false);
    }
  }

  /** Compares wall minus monotonic with the last look; a change beyond the threshold is a step. */
  #observeStep(): void {
    const offsetMs = this.#o.clock.wallMs() - this.#o.clock.monoMs();
    const deltaMs = offsetMs - this.#wallOffsetMs;
    this.#wallOffsetMs = offsetMs;
    if (Math.abs(deltaMs) <= this.#o.stepThresholdMs) return;
    this.#stepped(deltaMs);
    const regime = this.#regime;
    // A GNSS-synced regime does not follow the system clock; an estimate keeps its anchor.
    if (regime.quality === 'synced' && !regime.ownOffset) this.#trust(offsetMs, 'step', false);
    else if (regime.quality === 'unsynced') this.#regime = this.#newRegime(offsetMs, 'unsynced', false);
  }

  #stepped(deltaMs: number): void {
    this.#lastStepS = round3(deltaMs / 1000);
    this.#log.warn({ stepS: this.#lastStepS, stamping: this.#regime.quality }, 'wall clock stepped');
  }

  #trust(offsetMs: number, reason: TimeCorrection['reason'], ownOffset: boolean): void {
    const before = this.#regime;
    this.#regime = this.#newRegime(offsetMs, 'synced', ownOffset);
    this.#lastTs.clear();
    this.#memory.anchor = { bootId: this.#o.bootId, offsetMs, savedAtMs: this.#o.clock.monoMs() + offsetMs };
    const announce = reason === 'step' ? before.seqs.size > 0 : this.#memory.markedBoot === this.#o.bootId;
    if (reason === 'synced') this.#memory.markedBoot = null;
    this.#save();
    const correction: TimeCorrection = {
      reason,
      bootId: this.#o.bootId,
      source: this.#sourceName,
      offsetMs,
      previousOffsetMs: before.offsetMs,
      sinceMonoMs: before.startMonoMs,
      devices: [...before.seqs].map(([device, range]) => ({ device, ...range })),
      announce,
    };
    for (const listener of this.#listeners) {
      try {
        listener(correction);
      } catch (error) {
        this.#log.error({ err: toError(error).message }, 'clock correction listener failed');
      }
    }
  }

  #newRegime(offsetMs: number, quality: Regime['quality'], ownOffset: boolean): Regime {
    return { offsetMs, quality, ownOffset, startMonoMs: this.#o.clock.monoMs(), seqs: new Map() };
  }

  #save(): void {
    if (this.#o.memoryFile) writeClockMemory(this.#o.memoryFile, this.#memory, this.#log);
  }
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
