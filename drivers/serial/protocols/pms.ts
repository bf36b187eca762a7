import type { PmsDeviceConfig } from '../config-schema.ts';
import { transact } from '../bus-io.ts';
import { decodePmsData, pmsCommands, PmsParser, type PmsFrame } from '../pms5003.ts';
import type { SerialBus } from '../serial-bus.ts';
import type { Sample, SerialProtocol } from '../serial-device.ts';

/**
 * PMS5003/7003 as a device. Active mode: the sensor streams; on every (re)open the gateway sends
 * the active-mode command, in case someone left the sensor passive. Passive mode: switch to
 * passive on open, then one read command per interval.
 */
export function pmsProtocol(config: PmsDeviceConfig): SerialProtocol {
  const parser = new PmsParser();
  // The model's value names and units, as a data frame of zeros decodes.
  const points = decodePmsData([], config.model).units;
  const decode = (frame: unknown): Sample | null => {
    const f = frame as PmsFrame;
    return f.type === 'data' ? decodePmsData(f.words, config.model) : null;
  };
  const setMode = async (bus: SerialBus, command: Buffer): Promise<void> => {
    await bus.write(command);
  };
  if (config.mode === 'active') {
    return { mode: 'stream', parser, decode, points, onOpen: (bus) => setMode(bus, pmsCommands.activeMode) };
  }
  return {
    points,
    mode: 'poll',
    parser,
    onOpen: (bus) => setMode(bus, pmsCommands.passiveMode),
    poll: (bus, signal) => transact(bus, pmsCommands.read, parser, (frame: PmsFrame) => decode(frame) ?? undefined, config.timeout, signal),
  };
}
