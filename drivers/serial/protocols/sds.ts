import { setTimeout as sleep } from 'node:timers/promises';
import type { SdsDeviceConfig } from '../config-schema.ts';
import { transact } from '../bus-io.ts';
import { sdsCommandIds, sdsCommands, SdsParser, type SdsFrame } from '../sds011.ts';
import type { SerialBus } from '../serial-bus.ts';
import type { Sample, SerialProtocol } from '../serial-device.ts';

const units = { pm25_ug_m3: 'ug/m3', pm10_ug_m3: 'ug/m3' };

function sample(frame: SdsFrame): Sample | undefined {
  return frame.type === 'data' ? { values: { pm25_ug_m3: frame.pm25_ug_m3, pm10_ug_m3: frame.pm10_ug_m3 }, units } : undefined;
}

/**
 * SDS011 as a device. Query mode (the default) asks for each value; with `sleepBetween` the
 * sensor sleeps between readings (fan and laser off) and is woken `warmup` before the query,
 * when the interval leaves room for it: at 1 reading per 5 min that is ~10 % laser time.
 */
export function sdsProtocol(config: SdsDeviceConfig): SerialProtocol {
  const parser = new SdsParser();
  const reply = (command: number) => (frame: SdsFrame): true | undefined => (frame.type === 'reply' && frame.command === command ? true : undefined);
  const cycle = config.sleepBetween && config.interval > config.warmup + config.timeout * 3;
  const command = (bus: SerialBus, bytes: Buffer, id: number, signal?: AbortSignal): Promise<true> => transact(bus, bytes, parser, reply(id), config.timeout, signal);
  if (config.mode === 'active') {
    return {
      points: units,
      mode: 'stream',
      parser,
      decode: (frame) => sample(frame as SdsFrame) ?? null,
      onOpen: async (bus) => {
        await bus.write(sdsCommands.work);
        await bus.write(sdsCommands.activeMode);
      },
    };
  }
  return {
    points: units,
    mode: 'poll',
    parser,
    onOpen: async (bus) => {
      await command(bus, sdsCommands.work, sdsCommandIds.sleepWork);
      await command(bus, sdsCommands.queryMode, sdsCommandIds.reportingMode);
    },
    poll: async (bus, signal) => {
      if (cycle) {
        await command(bus, sdsCommands.work, sdsCommandIds.sleepWork, signal);
        if (config.warmup > 0) await sleep(config.warmup, undefined, { signal });
      }
      const result = await transact(bus, sdsCommands.query, parser, sample, config.timeout, signal);
      if (cycle) await command(bus, sdsCommands.sleep, sdsCommandIds.sleepWork, signal);
      return result;
    },
  };
}
