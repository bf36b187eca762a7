import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { errorCode, toError } from '../../core/errors.ts';

/** What a sync source says about the system clock right now. */
export interface SyncState {
  /** The clock (or the offset below) can be trusted as UTC. */
  synced: boolean;
  /** False when the source cannot be read at all on this box (the reason says why). */
  available: boolean;
  /** Why not available, or a detail for the log (`maxerror 16000000 us`). */
  detail?: string;
  /**
   * Set by sources that know UTC themselves (GNSS): UTC = monotonic + offsetMs. Sources that only
   * judge the system clock leave it out, and the system clock's own offset is used.
   */
  offsetMs?: number;
}

export interface SyncSource {
  /** `kernel`, `flag-file`, `assume-synced`, `gnss` (shown on health as `clock.source`). */
  readonly name: string;
  read(): Promise<SyncState>;
}

/**
 * The kernel's own verdict, read with adjtimex(2) in read-only mode (modes = 0, no privilege
 * needed). Every NTP client on Linux (systemd-timesyncd, chrony, ntpd) reports through it: it
 * clears STA_UNSYNC once it disciplines the clock, and adjtimex returns TIME_ERROR (5) while the
 * flag is set. Node has no binding for the syscall and a box has no compiler, so the call is made
 * through Python's ctypes (python3 is on Raspberry Pi OS and Debian). The return value is read
 * (independent of struct layout, 32 or 64 bit); maxerror is reported when it can be decoded.
 */
const adjtimexScript = [
  'import ctypes, json, struct',
  'buf = ctypes.create_string_buffer(512)',
  'state = ctypes.CDLL(None, use_errno=True).adjtimex(buf)',
  "_m, _o, _f, maxerror, _e, status = struct.unpack_from('@illlli', buf.raw, 0)",
  "print(json.dumps({'state': state, 'status': status, 'maxerror': maxerror, 'errno': ctypes.get_errno() if state < 0 else 0}))",
].join('\n');

/** adjtimex's TIME_ERROR and the STA_UNSYNC status bit. */
const timeError = 5;
const staUnsync = 0x40;

export class KernelSyncSource implements SyncSource {
  readonly name = 'kernel';
  readonly #python: string;
  readonly #timeoutMs: number;

  /** The system's python3 first (a version manager's shim on PATH can take seconds to start). */
  constructor(python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3', timeoutMs = 5_000) {
    this.#python = python;
    this.#timeoutMs = timeoutMs;
  }

  read(): Promise<SyncState> {
    return new Promise((resolve) => {
      // -I -S: isolated, no site packages: starts in tens of ms on a Pi.
      execFile(this.#python, ['-I', '-S', '-c', adjtimexScript], { timeout: this.#timeoutMs, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } }, (error, stdout) => {
        if (error) {
          const code = errorCode(error);
          const detail = code === 'ENOENT' ? `${this.#python} not found (needed to read adjtimex)` : `adjtimex via ${this.#python} failed: ${toError(error).message.split('\n')[0]}`;
          resolve({ synced: false, available: false, detail });
          return;
        }
        try {
          const out = JSON.parse(stdout) as { state: number; status: number; maxerror: number };
          if (out.state < 0) {
            resolve({ synced: false, available: false, detail: 'adjtimex returned an error' });
            return;
          }
          const synced = out.state !== timeError && (out.status & staUnsync) === 0;
          resolve({ synced, available: true, detail: `state ${out.state}, maxerror ${out.maxerror} us` });
        } catch {
          resolve({ synced: false, available: false, detail: `unexpected adjtimex output: ${stdout.slice(0, 80)}` });
        }
      });
    });
  }
}

/**
 * A file whose existence means "synchronised". systemd-timesyncd touches
 * /run/systemd/timesync/synchronized at each successful sync (the file is on a tmpfs, so it is
 * gone after a reboot). Any other sync mechanism can do the same from a hook; tests use it to
 * decide the moment of sync.
 */
export class FlagFileSyncSource implements SyncSource {
  readonly name = 'flag-file';
  readonly path: string;

  constructor(path: string) {
    this.path = path;
  }

  async read(): Promise<SyncState> {
    return { synced: existsSync(this.path), available: true, detail: this.path };
  }
}

/** For a box with a battery-backed RTC that is set at installation: the clock is taken as right. */
export class AssumeSyncedSource implements SyncSource {
  readonly name = 'assume-synced';
  async read(): Promise<SyncState> {
    return { synced: true, available: true };
  }
}

/**
 * `sync: auto`: the kernel's flag when it can be read, else systemd-timesyncd's flag file when
 * timesyncd runs, else nothing can say the clock is right (every reading is then marked).
 */
export class AutoSyncSource implements SyncSource {
  #chosen: SyncSource | null = null;
  readonly #kernel: SyncSource;
  readonly #flagFile: FlagFileSyncSource;

  constructor(kernel: SyncSource, flagFile: FlagFileSyncSource) {
    this.#kernel = kernel;
    this.#flagFile = flagFile;
  }

  get name(): string {
    return this.#chosen?.name ?? 'auto';
  }

  async read(): Promise<SyncState> {
    if (this.#chosen) return this.#chosen.read();
    const kernel = await this.#kernel.read();
    if (kernel.available) {
      this.#chosen = this.#kernel;
      return kernel;
    }
    const timesyncDir = this.#flagFile.path.slice(0, this.#flagFile.path.lastIndexOf('/'));
    if (existsSync(timesyncDir)) {
      this.#chosen = this.#flagFile;
      return this.#flagFile.read();
    }
    return { synced: false, available: false, detail: `${kernel.detail ?? 'kernel state unreadable'}; no ${timesyncDir} either` };
  }
}
