import type { Logger } from '../../../core/log.ts';
import { silentLogger } from '../../../core/log.ts';
import { serialBusSchema } from '../../serial/config-schema.ts';
import { SerialBus } from '../../serial/serial-bus.ts';

/**
 * The simulator's end of a pty pair, as a SerialBus: it reopens by itself after an unplug, so a
 * simulated sensor comes back with its cable like a real one.
 */
export function simulatorPort(path: string, log: Logger = silentLogger(), baud = 9600): SerialBus {
  return new SerialBus(serialBusSchema.parse({ type: 'serial', id: 'sim', port: path, baud, reopen: { min: '100ms', max: '1s' } }), log);
}

/** A smooth, plausible PM2.5 course (ug/m3): a slow wave around `base` with a little noise. */
export function pmCourse(tMs: number, base = 30, amplitude = 15, periodMs = 600_000): number {
  const wave = base + amplitude * Math.sin((2 * Math.PI * tMs) / periodMs);
  return Math.max(0, wave + (Math.random() - 0.5) * 2);
}
