import type { Clock, SyncSource, SyncState } from '../../gateway/clock/index.ts';

/**
 * A clock the test drives: `advance` moves both clocks (time passing), `stepWall` moves only the
 * wall clock (NTP or a person setting the date).
 */
export class DrivenClock implements Clock {
  #wallMs: number;
  #monoMs: number;

  constructor(wallMs: number, monoMs = 1_000_000) {
    this.#wallMs = wallMs;
    this.#monoMs = monoMs;
  }

  wallMs(): number {
    return this.#wallMs;
  }

  monoMs(): number {
    return this.#monoMs;
  }

  advance(ms: number): void {
    this.#wallMs += ms;
    this.#monoMs += ms;
  }

  stepWall(ms: number): void {
    this.#wallMs += ms;
  }
}

/** A sync source the test switches. */
export class SwitchedSource implements SyncSource {
  readonly name: string;
  state: SyncState;

  constructor(synced = false, name = 'flag-file') {
    this.name = name;
    this.state = { synced, available: true };
  }

  async read(): Promise<SyncState> {
    return this.state;
  }
}
