import type { Logger } from '../../core/log.ts';
import type { ServiceNotifier } from './notify.ts';

/**
 * The systemd watchdog (WatchdogSec=): pings WATCHDOG=1 every half interval, but only while
 * the gateway really works: the ping runs on the event loop (a wedged loop sends nothing, so
 * systemd restarts the service) and only after `healthy()` says so (the outbox took a commit).
 *
 * The interval comes from $WATCHDOG_USEC, which systemd sets for the main process; $WATCHDOG_PID
 * names that process. The service launcher is the main process and the gateway its child, so
 * the launcher passes both on and the gateway accepts its parent's pid too.
 */
export class ServiceWatchdog {
  readonly #notifier: ServiceNotifier;
  readonly #healthy: () => boolean;
  readonly #log: Logger;
  readonly #intervalMs: number | null;
  #timer: NodeJS.Timeout | null = null;
  #lastTickMs = 0;
  #missed = false;

  constructor(options: { notifier: ServiceNotifier; healthy: () => boolean; log: Logger; env?: NodeJS.ProcessEnv }) {
    const env = options.env ?? process.env;
    this.#notifier = options.notifier;
    this.#healthy = options.healthy;
    this.#log = options.log;
    const usec = Number(env.WATCHDOG_USEC);
    const pid = env.WATCHDOG_PID ? Number(env.WATCHDOG_PID) : null;
    const forUs = pid === null || pid === process.pid || pid === process.ppid;
    this.#intervalMs = options.notifier.enabled && forUs && Number.isFinite(usec) && usec > 0 ? Math.max(100, Math.floor(usec / 2000)) : null;
  }

  /** Milliseconds between pings, or null when systemd asked for no watchdog. */
  get intervalMs(): number | null {
    return this.#intervalMs;
  }

  start(): void {
    if (this.#intervalMs === null || this.#timer) return;
    this.#lastTickMs = Date.now();
    this.#timer = setInterval(() => this.#tick(), this.#intervalMs);
    this.#tick();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  #tick(): void {
    const nowMs = Date.now();
    // A tick a whole interval late means the loop was blocked that long: say so, the ping still
    // goes out now that it runs again (systemd decides whether it was too late).
    const lagMs = nowMs - this.#lastTickMs - (this.#intervalMs ?? 0);
    this.#lastTickMs = nowMs;
    if (lagMs > (this.#intervalMs ?? 0)) this.#log.warn({ lagMs }, 'event loop was blocked');
    if (!this.#healthy()) {
      if (!this.#missed) this.#log.error('not pinging the service watchdog: the outbox does not take commits');
      this.#missed = true;
      return;
    }
    if (this.#missed) this.#log.info('outbox takes commits again: watchdog pings resume');
    this.#missed = false;
    void this.#notifier.watchdog();
  }
}
