import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import type { ReadingProcessor } from '../processing/types.ts';
import type { NewReading, PointValue } from '../../core/reading.ts';
import { thaiAqi, thaiAqiTable, type ThaiPollutant } from './aqi-thai.ts';
import { usAqi } from './aqi-us.ts';
import type { FamilyConfig } from '../../core/family-schema.ts';
import { round, usableNumber, withValues } from './family-configs.ts';
import { RollingMean } from './rolling.ts';
import { wallEdgeClock, type EdgeClock } from './edge-clock.ts';

const hourMs = 3_600_000;
const windowsH = [1, 8, 24] as const;
/** Averages are written at most this often (and on stop): an SD card wears out on per-reading writes. */
const persistEveryMs = 60_000;
const pollutants = Object.keys(thaiAqiTable) as ThaiPollutant[];

interface Station {
  means: Map<ThaiPollutant, RollingMean>;
  savedMs: number;
  dirty: boolean;
}

/**
 * Air quality at the edge: rolling 1/8/24 h means named after their input (`pm25_ug_m3_24h` ...)
 * kept in the data folder so a restart does not reset them, the Thai AQI (`aqi_th`, PCD 2023) and
 * the US AQI (`aqi_us`, 2024), each with level key, Thai and English names and colour.
 */
export class AirQualityProcessor implements ReadingProcessor {
  readonly name = 'air-quality';
  readonly #families: Map<string, FamilyConfig>;
  readonly #dir: string;
  readonly #log: Logger;
  readonly #stations = new Map<string, Station>();
  readonly #edge: EdgeClock;

  /** Means are bucketed on `edge` time, so a clock step neither empties nor skews a window. */
  constructor(families: Map<string, FamilyConfig>, dataDir: string, log: Logger, edge: EdgeClock = wallEdgeClock()) {
    this.#edge = edge;
    this.#families = families;
    this.#dir = join(dataDir, 'families', 'air-quality');
    this.#log = log;
  }

  async stop(): Promise<void> {
    for (const device of this.#stations.keys()) this.#save(device);
  }

  process(reading: NewReading): NewReading {
    const family = this.#families.get(reading.device);
    if (family?.type !== 'air-quality' || reading.quality === 'bad') return reading;
    const station = this.#station(reading.device);
    const atMs = this.#edge.of(reading);
    const values: Record<string, PointValue> = {};
    const units: Record<string, string> = {};
    const averaged: Partial<Record<ThaiPollutant, number | null>> = {};
    for (const pollutant of pollutants) {
      const value = usableNumber(reading, family.points[pollutant]);
      let means = station.means.get(pollutant);
      if (value !== null) {
        if (!means) station.means.set(pollutant, (means = new RollingMean()));
        means.add(atMs, value);
        station.dirty = true;
      }
      if (!means) continue;
      const unit = thaiAqiTable[pollutant].unit;
      for (const hours of windowsH) {
        const window = means.mean(hours * hourMs, atMs);
        // Named after the input so the mean keeps its unit in its name: pm25_ug_m3 -> pm25_ug_m3_24h.
        const name = `${family.points[pollutant]}_${hours}h`;
        values[name] = window.mean === null ? null : round(window.mean, 1);
        units[name] = unit;
        if (hours === thaiAqiTable[pollutant].averagingH && window.coverage >= family.minCoverage) averaged[pollutant] = window.mean;
      }
    }
    Object.assign(values, this.#indices(averaged));
    for (const key of ['aqi_th', 'aqi_us']) if (key in values) units[key] = 'index';
    // Real elapsed time, not reading time: what wears the card is writes per real minute.
    const nowMs = this.#edge.nowMs();
    if (station.dirty && nowMs - station.savedMs >= persistEveryMs) this.#save(reading.device, nowMs);
    return withValues(reading, values, units);
  }

  #indices(averaged: Partial<Record<ThaiPollutant, number | null>>): Record<string, PointValue> {
    const out: Record<string, PointValue> = {};
    const th = thaiAqi(averaged);
    if (th) {
      Object.assign(out, { aqi_th: th.aqi, aqi_th_pollutant: th.pollutant, aqi_th_level: th.level.key, aqi_th_level_en: th.level.en, aqi_th_level_th: th.level.th, aqi_th_colour: th.level.colour.hex });
    }
    const us = usAqi({ pm2_5: averaged.pm2_5 ?? null, pm10: averaged.pm10 ?? null });
    if (us) {
      Object.assign(out, { aqi_us: us.aqi, aqi_us_pollutant: us.pollutant, aqi_us_level: us.level.key, aqi_us_level_en: us.level.en, aqi_us_level_th: us.level.th, aqi_us_colour: us.level.colour.hex });
    }
    return out;
  }

  #file(device: string): string {
    return join(this.#dir, `${device}.json`);
  }

  /** Loads the device's saved means on first use (a missing or damaged file starts empty). */
  #station(device: string): Station {
    let station = this.#stations.get(device);
    if (station) return station;
    station = { means: new Map(), savedMs: 0, dirty: false };
    try {
      const saved: unknown = JSON.parse(readFileSync(this.#file(device), 'utf8'));
      if (typeof saved === 'object' && saved !== null) {
        for (const [pollutant, state] of Object.entries(saved)) {
          if ((pollutants as string[]).includes(pollutant)) station.means.set(pollutant as ThaiPollutant, RollingMean.fromJSON(state));
        }
      }
    } catch (error) {
      const err = toError(error);
      if (!('code' in err) || err.code !== 'ENOENT') this.#log.warn({ device, err: err.message }, 'saved air-quality averages unreadable; starting empty');
    }
    this.#stations.set(device, station);
    return station;
  }

  /** Writes a temporary file and renames it, so a power cut leaves the old file or the new one. */
  #save(device: string, nowMs: number = Date.now()): void {
    const station = this.#stations.get(device);
    if (!station || !station.dirty) return;
    const state: Record<string, unknown> = {};
    for (const [pollutant, means] of station.means) state[pollutant] = means.toJSON();
    try {
      mkdirSync(this.#dir, { recursive: true });
      const file = this.#file(device);
      writeFileSync(`${file}.tmp`, JSON.stringify(state));
      renameSync(`${file}.tmp`, file);
      station.savedMs = nowMs;
      station.dirty = false;
    } catch (error) {
      this.#log.warn({ device, err: toError(error).message }, 'cannot save air-quality averages');
    }
  }
}
