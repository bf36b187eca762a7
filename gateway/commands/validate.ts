import { parseCommandArgs, requireOption } from './args.ts';
import { loadConfigOrReport } from './config-problems.ts';
import type { CliCommand } from './types.ts';

export const validateCommand: CliCommand = {
  name: 'validate',
  summary: 'check a config file and print every problem with its path',
  usage: 'citygw validate --config FILE',
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, { config: { type: 'string', short: 'c' } });
    const file = requireOption(values.config, '--config FILE');
    const loaded = loadConfigOrReport(file, io);
    if (typeof loaded === 'number') return loaded;
    const { config } = loaded;
    io.out.write(`${loaded.file}: valid (gateway ${config.gateway.id}, ${config.buses.length} bus(es), ${config.devices.length} device(s), uplink ${config.uplink ? 'configured' : 'none'})\n`);
    return 0;
  },
};
