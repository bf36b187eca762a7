import { ErrorCodes, isGatewayError } from '../../core/errors.ts';
import { createRootLogger } from '../../core/log.ts';
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
    // Loaded on demand: `validate` and `help` must stay fast on a Pi.
    const { Gateway } = await import('../gateway.ts');
    const gateway = new Gateway({ loaded, log });
    // Listen for SIGTERM/SIGINT before starting: a stop during start-up then still shuts down in order.
    const shutdown = untilShutdownSignal(log);
    try {
      await gateway.start();
    } catch (error) {
      // Start rolled back what it had started; say what failed and which config, no stack trace.
      if (!isGatewayError(error, ErrorCodes.ServiceFailed)) throw error;
      log.flush();
      io.err.write(`citygw run: ${error.message}\nnothing is left running; fix it, check with: citygw validate --config ${loaded.file}\n`);
      return 2;
    }
    await shutdown;
    await gateway.stop();
    log.flush();
    return 0;
  },
};
