import { errorCode, isGatewayError, toError } from '../../core/errors.ts';
import { reportContainedFailure, type Logger } from '../../core/log.ts';

/**
 * The process-wide net under `citygw run`. Every timer and event handler of the gateway is
 * guarded where it is registered; this only catches what a library does on its own. A rejected
 * promise nobody waited for is logged and counted (the gateway keeps running). An exception
 * thrown outside any handler leaves the process in an unknown state: it is logged as one line with
 * its code and the process exits 1, so systemd starts it again cleanly (the outbox loses nothing).
 */
export function installLastResort(log: Logger): void {
  process.on('unhandledRejection', (reason) => reportContainedFailure(log, 'unhandled promise', reason));
  process.on('uncaughtException', (thrown) => {
    const err = toError(thrown);
    try {
      log.fatal({ code: isGatewayError(err) ? err.codeName : errorCode(err), err: err.message }, 'unexpected error outside any handler; exiting so the service restarts cleanly');
      log.flush();
    } finally {
      process.exit(1);
    }
  });
}
