import { ErrorCodes, isGatewayError } from '../../core/errors.ts';
import { child, createRootLogger } from '../../core/log.ts';
import { ProbationHealth } from '../release/probation-health.ts';
import { reportFailedUpdate } from '../release/update-alert.ts';
import { ServiceNotifier } from '../service/notify.ts';
import { ServiceWatchdog } from '../service/watchdog.ts';
import { gatewayVersion } from '../version.ts';
import { parseCommandArgs, requireOption } from './args.ts';
import { loadConfigOrReport } from './config-problems.ts';
import { installLastResort } from './last-resort.ts';
import { untilShutdownSignal } from './shutdown.ts';
import type { CliCommand } from './types.ts';

export const runCommand: CliCommand = {
  name: 'run',
  summary: 'run the gateway with a config file',
  usage: 'citygw run --config FILE',
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, { config: { type: 'string', short: 'c' } });
    const file = requireOption(values.config, '--config FILE');
    const loaded = loadConfigOrReport(file, io);
    if (typeof loaded === 'number') return loaded;
    const log = createRootLogger({ level: loaded.config.gateway.logLevel });
    installLastResort(log);
    const serviceLog = child(log, 'gateway', { part: 'service' });
    // Loaded on demand: `validate` and `help` must stay fast on a Pi.
    const { Gateway } = await import('../gateway.ts');
    const gateway = new Gateway({ loaded, log });
    // Listen for SIGTERM/SIGINT before starting: a stop during start-up then still shuts down in order.
    const shutdown = untilShutdownSignal(log);
    const notifier = new ServiceNotifier({ log: serviceLog });
    try {
      await gateway.start();
    } catch (error) {
      // Start rolled back what it had started; say what failed and which config, no stack trace.
      if (!isGatewayError(error, ErrorCodes.ServiceFailed)) throw error;
      log.flush();
      io.err.write(`citygw run: ${error.message}\nnothing is left running; fix it, check with: citygw validate --config ${loaded.file}\n`);
      return 2;
    }
    reportFailedUpdate({ updateDir: process.env.CITYGW_UPDATE_DIR, alert: (alert) => gateway.alert(alert), log: serviceLog });
    // systemd (Type=notify): ready once the outbox is open and the drivers run; watchdog pings
    // only while the loop runs and the outbox commits.
    const ready = await notifier.ready(`gateway ${loaded.config.gateway.id} running`);
    const watchdog = new ServiceWatchdog({ notifier, healthy: () => gateway.outbox.canCommit(), log: serviceLog });
    watchdog.start();
    const healthFile = process.env.CITYGW_HEALTH_FILE;
    const probation = healthFile
      ? new ProbationHealth({
          file: healthFile,
          release: gatewayVersion,
          log: serviceLog,
          checks: {
            ready: () => ready || !notifier.enabled,
            outboxCommits: () => gateway.outbox.canCommit(),
            unpolledDevices: () => [...gateway.field.devices.values()].filter((d) => d.stats().polls === 0).map((d) => d.id),
          },
        })
      : null;
    probation?.start();
    await shutdown;
    probation?.stop();
    watchdog.stop();
    await notifier.stopping();
    await gateway.stop();
    log.flush();
    return 0;
  },
};
