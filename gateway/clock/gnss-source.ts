import { decodeNmea, type GgaFix } from '../../drivers/serial/nmea.ts';
import { LineSplitter } from '../../drivers/serial/line-splitter.ts';
import type { ByteLink } from '../../drivers/transport/index.ts';
import { toError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import type { NewReading } from '../../core/reading.ts';
import type { Clock } from './clock.ts';
import type { SyncSource, SyncState } from './sync-source.ts';

/**
 * Dates before this are not believed: receivers with an old firmware fall back 1024 weeks at a GPS
 * week-number rollover (on 2019-04-06 some sent dates in 1999), and a receiver without a fix may
 * send its firmware's default date.
 */
export const earliestBelievableMs = Date.UTC(2024, 0, 1);

/** RMC fixes older than this do not keep the clock synced (a receiver sends one a second). */
const fixFreshMs = 5_000;
/** Offsets kept to pick from (the least delayed of the last few seconds). */
const offsetsKept = 8;
const reopenMs = 5_000;

export interface GnssTimeSourceOptions {
  link: ByteLink;
  clock: Clock;
  log: Logger;
  /** Device id of the fix-quality readings (`clock.gnss.id`). */
  deviceId: string;
}

/**
 * A GNSS receiver on a serial port as the gateway's time reference, for a site with no network for
 * days. Each valid RMC sentence gives UTC at the second it names; the sentence arrives some tens to
 * hundreds of ms later, so UTC = monotonic + offset is taken from the least delayed of the last
 * few seconds (good to about 0.1 to 0.5 s without a PPS line: enough for readings, not for
 * timing). The system clock is not set (that needs privileges the gateway does not have); the
 * offset goes straight to the timekeeper.
 */
export class GnssTimeSource implements SyncSource {
  readonly name = 'gnss';
  readonly #o: GnssTimeSourceOptions;
  readonly #lines = new LineSplitter({ delimiter: '\n', maxLength: 1024, dropFirstLine: true });
  #offsets: number[] = [];
  #lastFixMono = Number.NEGATIVE_INFINITY;
  #lastRmc: { valid: boolean; mode: string; utcMs: number } | null = null;
  #lastGga: GgaFix | null = null;
  #sentences = { rmc: 0, gga: 0, rejected: 0, implausibleDate: 0 };
  #open = false;
  #stopped = false;
  #reopenTimer: NodeJS.Timeout | null = null;
  #lastError: string | null = null;

  constructor(options: GnssTimeSourceOptions) {
    this.#o = options;
  }

  start(): void {
    this.#o.link.setHandlers({
      data: (chunk) => this.#data(chunk),
      closed: (error) => {
        this.#open = false;
        this.#o.log.warn({ port: this.#o.link.description, err: error?.message }, 'GNSS port closed; reopening');
        this.#scheduleOpen();
      },
    });
    void this.#openLink();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#reopenTimer) clearTimeout(this.#reopenTimer);
    try {
      await this.#o.link.close();
    } catch {
      // closing a port that is gone
    }
  }

  async read(): Promise<SyncState> {
    const fresh = this.#o.clock.monoMs() - this.#lastFixMono <= fixFreshMs;
    if (fresh && this.#offsets.length > 0) return { synced: true, available: true, offsetMs: Math.max(...this.#offsets), detail: `${this.#o.link.description} fix` };
    const detail = !this.#open ? `${this.#o.link.description} not open${this.#lastError ? `: ${this.#lastError}` : ''}` : this.#lastRmc ? 'no valid fix' : 'no RMC sentence received';
    return { synced: false, available: this.#open, detail };
  }

  /** The fix-quality reading (kind `gnss-time`). */
  reading(wallNowMs: number): NewReading {
    const monoNow = this.#o.clock.monoMs();
    const fresh = monoNow - this.#lastFixMono <= fixFreshMs && this.#offsets.length > 0;
    const gga = this.#lastGga;
    const values = {
      fix: fresh ? 1 : 0,
      mode: this.#lastRmc?.mode || null,
      gga_quality: gga?.quality ?? null,
      satellites: gga?.satellites ?? null,
      hdop: gga?.hdop ?? null,
      // How far the system clock is from GNSS time: what a technician checks against NTP.
      system_clock_offset_s: fresh ? Math.round((this.#o.clock.wallMs() - (monoNow + Math.max(...this.#offsets))) / 10) / 100 : null,
      rmc_sentences: this.#sentences.rmc,
      rejected_sentences: this.#sentences.rejected,
    };
    const reasons: Record<string, string> = {};
    if (!this.#open) reasons._device = `port not open${this.#lastError ? `: ${this.#lastError}` : ''}`;
    else if (!fresh) reasons.fix = this.#lastRmc ? 'no valid fix' : 'no RMC sentence received';
    return {
      device: this.#o.deviceId,
      kind: 'gnss-time',
      tsMs: wallNowMs,
      values,
      units: { fix: '0-1', gga_quality: 'code', satellites: 'count', hdop: 'ratio', system_clock_offset_s: 's', rmc_sentences: 'count', rejected_sentences: 'count' },
      quality: !this.#open ? 'bad' : fresh ? 'good' : 'uncertain',
      ...(Object.keys(reasons).length > 0 ? { reasons } : {}),
    };
  }

  #data(chunk: Buffer): void {
    // The monotonic time the bytes arrived: the end of the sentence is at most a chunk later.
    const monoMs = this.#o.clock.monoMs();
    for (const line of this.#lines.push(chunk)) {
      try {
        this.#line(line, monoMs);
      } catch (error) {
        this.#o.log.error({ err: toError(error).message }, 'GNSS sentence handling failed');
      }
    }
  }

  #line(line: string, monoMs: number): void {
    const decoded = decodeNmea(line);
    if (!decoded.ok) {
      if (decoded.reason !== 'not an NMEA sentence' && !decoded.reason.endsWith('not used')) this.#sentences.rejected++;
      return;
    }
    const s = decoded.sentence;
    if (s.type === 'gga') {
      this.#sentences.gga++;
      this.#lastGga = s;
      return;
    }
    this.#sentences.rmc++;
    this.#lastRmc = { valid: s.valid, mode: s.mode, utcMs: s.utcMs };
    if (!s.valid) return;
    if (s.utcMs < earliestBelievableMs) {
      if (this.#sentences.implausibleDate++ === 0) this.#o.log.warn({ utc: new Date(s.utcMs).toISOString() }, 'GNSS receiver sends a date before 2024 (week-number rollover?): not used as time');
      return;
    }
    const offsetMs = s.utcMs - monoMs;
    // A jump (receiver reset, a first fix after a wrong one) starts the window again.
    if (this.#offsets.length > 0 && Math.abs(offsetMs - Math.max(...this.#offsets)) > 2_000) this.#offsets = [];
    this.#offsets.push(offsetMs);
    if (this.#offsets.length > offsetsKept) this.#offsets.shift();
    this.#lastFixMono = monoMs;
  }

  async #openLink(): Promise<void> {
    if (this.#stopped) return;
    try {
      await this.#o.link.open();
      this.#open = true;
      this.#lastError = null;
      this.#lines.reset();
      this.#o.log.info({ port: this.#o.link.description }, 'GNSS time source open');
    } catch (error) {
      const message = toError(error).message;
      if (message !== this.#lastError) this.#o.log.warn({ port: this.#o.link.description, err: message }, 'GNSS port cannot be opened; retrying');
      this.#lastError = message;
      this.#scheduleOpen();
    }
  }

  #scheduleOpen(): void {
    if (this.#stopped || this.#reopenTimer) return;
    this.#reopenTimer = setTimeout(() => {
      this.#reopenTimer = null;
      void this.#openLink();
    }, reopenMs);
    this.#reopenTimer.unref();
  }
}

/**
 * GNSS first, the system's own judgement when GNSS has no fix: a site with both a receiver and an
 * occasional network uses whichever can vouch for the time.
 */
export class GnssFirstSource implements SyncSource {
  readonly #gnss: GnssTimeSource;
  readonly #system: SyncSource;
  #last = 'gnss';

  constructor(gnss: GnssTimeSource, system: SyncSource) {
    this.#gnss = gnss;
    this.#system = system;
  }

  get name(): string {
    return this.#last;
  }

  async read(): Promise<SyncState> {
    const gnss = await this.#gnss.read();
    if (gnss.synced) {
      this.#last = this.#gnss.name;
      return gnss;
    }
    const system = await this.#system.read();
    this.#last = this.#system.name;
    if (system.available || !gnss.available) return { ...system, detail: `${system.detail ?? ''}; gnss: ${gnss.detail ?? ''}` };
    this.#last = this.#gnss.name;
    return gnss;
  }
}
