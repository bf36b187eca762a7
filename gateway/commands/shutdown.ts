import type { Logger } from '../log.ts';

/**
 * Resolves on the first SIGINT or SIGTERM (Ctrl-C, systemd stop) so the caller can shut down in
 * order. A second signal while shutting down exits at once with code 1.
 */
export function untilShutdownSignal(log: Logger): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let received = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (received) {
        log.warn({ signal }, 'second signal: exiting without a clean shutdown');
        process.exit(1);
      }
      received = true;
      log.info({ signal }, 'shutting down (in-flight writes finish, status goes offline)');
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
