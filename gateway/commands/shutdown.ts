import type { Logger } from '../../core/log.ts';

/** How often a process started by the launcher checks that the launcher is still there. */
const parentCheckMs = 1000;

/**
 * Resolves on the first SIGINT, SIGTERM or SIGHUP (Ctrl-C, systemd stop, a closed terminal) so the
 * caller can shut down in order. A second signal while shutting down exits at once with code 1.
 * Started by the launcher (deploy/runtime/launch.cjs), the process also shuts down in order when
 * the launcher is gone (killed with SIGKILL), instead of running on as an orphan.
 */
export function untilShutdownSignal(log: Logger): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const launcherPid = Number(process.env.CITYGW_LAUNCHER_PID);
    if (Number.isInteger(launcherPid) && launcherPid > 1 && process.ppid === launcherPid) {
      const watch = setInterval(() => {
        if (process.ppid === launcherPid) return;
        clearInterval(watch);
        log.warn({ launcherPid }, 'the launcher is gone; shutting down');
        resolve('SIGTERM');
      }, parentCheckMs);
      watch.unref();
    }
    let receivedAtMs = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      // The same signal can arrive twice at once (sent to the process and to its group, as
      // `timeout` and some supervisors do); only a second one a moment later means "force".
      if (receivedAtMs !== 0 && Date.now() - receivedAtMs < 1000) return;
      if (receivedAtMs !== 0) {
        log.warn({ signal }, 'second signal: exiting without a clean shutdown');
        process.exit(1);
      }
      receivedAtMs = Date.now();
      log.info({ signal }, 'shutting down (in-flight writes finish, status goes offline)');
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    process.on('SIGHUP', onSignal);
  });
}
