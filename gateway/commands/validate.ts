import { existsSync } from 'node:fs';
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
    // A port that is not there is a warning, not an error: the adapter may be plugged in later, or
    // the config may be prepared on another machine.
    config.buses.forEach((bus, i) => {
      if ((bus.type === 'serial' || bus.type === 'modbus-rtu') && !existsSync(bus.port)) {
        io.err.write(`warning: buses[${i}] (${bus.id}).port: ${bus.port} does not exist on this box (adapter unplugged? \`ls -l /dev/serial/by-id/\` lists the ones plugged in)\n`);
      }
    });
    io.out.write(`${loaded.file}: valid (gateway ${config.gateway.id}, ${config.buses.length} bus(es), ${config.devices.length} device(s), uplink ${config.uplink ? 'configured' : 'none'})\n`);
    return 0;
  },
};
