/**
 * Runs every profiled device as a simulated Modbus slave until Ctrl-C, for training and trying the
 * technician tools without hardware:
 *   node drivers/sim/serve.ts [--tcp-port 1502]
 * prints the serial port to give `citygw scan --port ...` and the TCP port for `--tcp 127.0.0.1:PORT`.
 */
import { parseArgs } from 'node:util';
import { startSimulatedBus } from './field-bus.ts';

const { values } = parseArgs({ options: { 'tcp-port': { type: 'string' }, baud: { type: 'string' } } });
const bus = await startSimulatedBus({ serial: true, tcp: true, tcpPort: Number(values['tcp-port'] ?? 0), baud: Number(values.baud ?? 9600) });
process.stdout.write(`serial (RTU, ${values.baud ?? 9600} 8N1): ${bus.port}\nModbus TCP: 127.0.0.1:${bus.tcpPort}\n`);
for (const d of bus.devices) process.stdout.write(`  unit ${String(d.unit).padStart(2)}  ${d.id.padEnd(16)} ${d.profile}\n`);
process.stdout.write('Ctrl-C to stop\n');
const stop = (): void => {
  bus.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
