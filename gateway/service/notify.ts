import { execFile } from 'node:child_process';
import type { Logger } from '../../core/log.ts';

/**
 * Talks to systemd's notify socket (Type=notify): READY=1, WATCHDOG=1, STOPPING=1.
 *
 * Why `systemd-notify` and not a socket of our own: the protocol is one datagram on a unix
 * socket ($NOTIFY_SOCKET), and Node has no unix datagram sockets (dgram is UDP only); a native
 * addon would need a compiler or one more prebuilt binary per CPU. `systemd-notify` is part of
 * systemd, so it is on every box this runs under systemd. Since systemd 246 it waits until the
 * manager has read the message (unless --no-block), so the message is never dropped because the
 * sender already exited; the unit says NotifyAccess=all because the sender is a child process.
 *
 * Without $NOTIFY_SOCKET (run by hand, in a container) every call is a no-op.
 */
export class ServiceNotifier {
  readonly #log: Logger;
  readonly #socket: string | undefined;
  readonly #command: string;
  #warned = false;

  constructor(options: { log: Logger; env?: NodeJS.ProcessEnv; command?: string }) {
    const env = options.env ?? process.env;
    this.#log = options.log;
    this.#socket = env.NOTIFY_SOCKET || undefined;
    this.#command = options.command ?? 'systemd-notify';
  }

  get enabled(): boolean {
    return this.#socket !== undefined;
  }

  ready(status: string): Promise<boolean> {
    return this.send(['--ready', `--status=${status}`]);
  }

  watchdog(): Promise<boolean> {
    return this.send(['WATCHDOG=1']);
  }

  stopping(): Promise<boolean> {
    return this.send(['STOPPING=1', '--status=stopping']);
  }

  /** Sends one message; resolves whether it was delivered. Never rejects. */
  send(args: string[]): Promise<boolean> {
    if (!this.#socket) return Promise.resolve(false);
    return new Promise((resolve) => {
      execFile(this.#command, args, { timeout: 10_000, env: { ...process.env, NOTIFY_SOCKET: this.#socket } }, (error) => {
        if (error && !this.#warned) {
          this.#warned = true;
          this.#log.error({ err: error.message, command: this.#command }, 'could not notify systemd (is systemd-notify installed?)');
        }
        resolve(!error);
      });
    });
  }
}
