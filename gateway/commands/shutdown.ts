import type { Logger } from '../../core/log.ts';

/**
 * Resolves on the first SIGINT or SIGTERM (Ctrl-C, systemd stop) so the caller can shut down in
 * order. A second signal while shutting down exits at once with code 1.
 */
export function untilShutdownSignal(log: Logger): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
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
  });
}
