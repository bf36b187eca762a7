import { join } from 'node:path';
import type { AlertSeverity, AlertSink } from '../../core/alert.ts';
import type { Logger } from '../../core/log.ts';
import type { ReadingProcessor } from '../processing/types.ts';
import type { NewReading } from '../../core/reading.ts';
import type { FamilyConfig, FloodLevelFamilyConfig } from '../../core/family-schema.ts';
import { round, usableNumber, withValues } from './family-configs.ts';
import { floodStages, levelAgainstDatumM, RiseRate, StageTracker, type FloodStage, type FloodStages } from './flood.ts';
import { readStateFile, writeStateFile } from './state-file.ts';
import { wallEdgeClock, type EdgeClock } from './edge-clock.ts';

const stageSeverity: Record<FloodStage, AlertSeverity> = { normal: 'info', watch: 'info', alert: 'warning', critical: 'critical' };
const stageThai: Record<FloodStage, string> = { normal: 'ปกติ', watch: 'เฝ้าระวัง', alert: 'เตือนภัย', critical: 'วิกฤต' };

interface Station {
  config: FloodLevelFamilyConfig;
  /** Null when the config has no stages: the flood flow decides the stage then. */
  stage: StageTracker | null;
  rise: RiseRate;
  riseAlertRaised: boolean;
}

/** What a station remembers across a restart: the raised stage and rise alert must be cleared one day. */
interface SavedStation {
  stage: FloodStage;
  sinceMs: number;
  riseAlertRaised: boolean;
}

function parseSaved(value: unknown): SavedStation | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { stage, sinceMs, riseAlertRaised } = value as Record<string, unknown>;
  if (!floodStages.includes(stage as FloodStage)) return undefined;
  return { stage: stage as FloodStage, sinceMs: typeof sinceMs === 'number' ? sinceMs : Number.NEGATIVE_INFINITY, riseAlertRaised: riseAlertRaised === true };
}

/**
 * Flood level at the edge: `level_m` against the datum, `stage` with hysteresis and a minimum hold,
 * `rise_cm_h` over the configured window, `below_bank_m`; raises `flood-stage` and `flood-rise` alerts.
 * With a data folder, the stage (and since when) and the rise alert's state are kept in
 * `families/flood-level/{device}.json`, written at each change: after a reboot during a flood the
 * hold still applies and an alert raised before it is cleared when the water goes down.
 */
export class FloodLevelProcessor implements ReadingProcessor {
  readonly name = 'flood-level';
  readonly #families: Map<string, FamilyConfig>;
  readonly #alert: AlertSink;
  readonly #stations = new Map<string, Station>();
  readonly #store: { dir: string; log: Logger } | undefined;
  readonly #edge: EdgeClock;

  /**
   * Without `store` the state lives in memory only (tests, tools). Rise, hold and saved times run
   * on `edge` time (monotonic in the gateway), so a clock step changes none of them.
   */
  constructor(families: Map<string, FamilyConfig>, alert: AlertSink, store?: { dataDir: string; log: Logger }, edge: EdgeClock = wallEdgeClock()) {
    this.#edge = edge;
    this.#families = families;
    this.#alert = alert;
    this.#store = store && { dir: join(store.dataDir, 'families', 'flood-level'), log: store.log };
  }

  #station(device: string, config: FloodLevelFamilyConfig, atMs: number): Station {
    let station = this.#stations.get(device);
    if (!station) {
      const saved = this.#store && parseSaved(readStateFile(join(this.#store.dir, `${device}.json`), this.#store.log));
      // Saved by a run whose clock was ahead (or from before a clock correction): the hold starts again now.
      if (saved && saved.sinceMs > atMs) saved.sinceMs = atMs;
      station = { config, stage: config.stages ? new StageTracker(config.stages, saved) : null, rise: new RiseRate(config.rise.window, config.rise.minSpan), riseAlertRaised: saved?.riseAlertRaised ?? false };
      this.#stations.set(device, station);
    }
    return station;
  }

  #save(device: string, station: Station): void {
    if (!this.#store || !station.stage) return;
    const state: SavedStation = { stage: station.stage.stage, sinceMs: station.stage.sinceMs, riseAlertRaised: station.riseAlertRaised };
    writeStateFile(join(this.#store.dir, `${device}.json`), state, this.#store.log);
  }

  process(reading: NewReading): NewReading {
    const family = this.#families.get(reading.device);
    if (family?.type !== 'flood-level' || reading.quality === 'bad') return reading;
    const raw = usableNumber(reading, family.point);
    const levelM = raw === null ? null : levelAgainstDatumM(raw, family);
    if (levelM === null) return reading;
    const atMs = this.#edge.of(reading);
    const station = this.#station(reading.device, family, atMs);
    const rise = station.rise.add(atMs, levelM);
    const values: Record<string, number | string | null> = { level_m: round(levelM, 3), rise_cm_h: rise };
    const units: Record<string, string> = { level_m: 'm', rise_cm_h: 'cm/h' };
    if (station.stage && family.stages) {
      const before = station.stage.stage;
      const riseBefore = station.riseAlertRaised;
      const stage = station.stage.update(levelM, atMs);
      if (stage !== before) this.#stageAlert(reading, family.stages, stage, levelM);
      if (rise !== null) this.#riseAlert(reading, station, rise, levelM);
      if (stage !== before || station.riseAlertRaised !== riseBefore) this.#save(reading.device, station);
      values.stage = stage;
      values.stage_index = floodStages.indexOf(stage);
      units.stage_index = '0-3';
    }
    if (family.bankM !== undefined) {
      values.below_bank_m = round(family.bankM - levelM, 3);
      units.below_bank_m = 'm';
    }
    const out = withValues(reading, values, units);
    if (rise === null) out.reasons = { ...out.reasons, rise_cm_h: 'window not yet covered' };
    return out;
  }

  #stageAlert(reading: NewReading, stages: FloodStages, stage: FloodStage, levelM: number): void {
    const level = round(levelM, 2);
    this.#alert({
      id: `flood-stage:${reading.device}`,
      state: stage === 'normal' ? 'cleared' : 'raised',
      severity: stageSeverity[stage],
      rule: 'flood-stage',
      device: reading.device,
      message: {
        th: `ระดับน้ำที่ ${reading.device} ${level} ม. อยู่ในระดับ${stageThai[stage]} (เฝ้าระวัง ${stages.watchM} ม., เตือนภัย ${stages.alertM} ม., วิกฤต ${stages.criticalM} ม.)`,
        en: `Water level at ${reading.device} is ${level} m: stage ${stage} (watch ${stages.watchM} m, alert ${stages.alertM} m, critical ${stages.criticalM} m)`,
      },
      values: { level_m: level, stage },
      tsMs: reading.tsMs,
    });
  }

  #riseAlert(reading: NewReading, station: Station, riseCmH: number, levelM: number): void {
    const threshold = station.config.rise.alertCmH;
    if (threshold === undefined) return;
    const raise = !station.riseAlertRaised && riseCmH >= threshold;
    const clear = station.riseAlertRaised && riseCmH < threshold - station.config.rise.hysteresisCmH;
    if (!raise && !clear) return;
    station.riseAlertRaised = raise;
    const windowMin = Math.round(station.config.rise.window / 60_000);
    this.#alert({
      id: `flood-rise:${reading.device}`,
      state: raise ? 'raised' : 'cleared',
      severity: 'warning',
      rule: 'flood-rise',
      device: reading.device,
      message: raise
        ? { th: `น้ำที่ ${reading.device} ขึ้นเร็ว ${riseCmH} ซม./ชม. (เกณฑ์ ${threshold} ซม./ชม., ช่วง ${windowMin} นาที)`, en: `Water at ${reading.device} is rising ${riseCmH} cm/h (limit ${threshold} cm/h over ${windowMin} min)` }
        : { th: `น้ำที่ ${reading.device} ขึ้นช้าลงแล้ว ${riseCmH} ซม./ชม.`, en: `Water at ${reading.device} no longer rising fast: ${riseCmH} cm/h` },
      values: { rise_cm_h: riseCmH, level_m: round(levelM, 3) },
      tsMs: reading.tsMs,
    });
  }
}
