import type { Logger } from '../../core/log.ts';
import { writeKeyValues } from './update-state.ts';

export interface ProbationChecks {
  /** READY=1 went to systemd (or there is no systemd to tell). */
  ready: () => boolean;
  /** The outbox is open and takes a commit. */
  outboxCommits: () => boolean;
  /** Devices not yet polled once (an attempt counts: an offline meter is not the release's fault). */
  unpolledDevices: () => string[];
}

/**
 * A release on probation proves it is healthy by writing the launcher's health file once: started,
 * READY sent, outbox taking commits, every device polled at least once. The uplink is not required
 * (the broker may be down during an update; the outbox keeps everything). Checked every
 * `intervalMs` until done; the launcher rolls back if the file is not there by its deadline.
 */
export class ProbationHealth {
  readonly #file: string;
  readonly #release: string;
  readonly #checks: ProbationChecks;
  readonly #log: Logger;
  #timer: NodeJS.Timeout | null = null;

  constructor(options: { file: string; release: string; checks: ProbationChecks; log: Logger }) {
    this.#file = options.file;
    this.#release = options.release;
    this.#checks = options.checks;
    this.#log = options.log;
  }

  start(intervalMs = 500): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => this.#check(), intervalMs);
    this.#check();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  #check(): void {
    try {
      if (!this.#checks.ready() || !this.#checks.outboxCommits()) return;
      const waiting = this.#checks.unpolledDevices();
      if (waiting.length > 0) return;
      writeKeyValues(this.#file, { release: this.#release, at_s: Math.floor(Date.now() / 1000) });
      this.#log.info({ release: this.#release }, 'healthy on probation: health file written');
      this.stop();
    } catch (error) {
      this.#log.error({ err: error instanceof Error ? error.message : String(error) }, 'could not record probation health');
    }
  }
}
