import type { AlertSink } from '../../core/alert.ts';
import type { GatewayConfig } from '../config/schema.ts';
import { child, type Logger } from '../../core/log.ts';
import type { ReadingProcessor } from '../processing/types.ts';
import { AirQualityProcessor } from './air-processor.ts';
import { familyConfigs } from './family-configs.ts';
import { FloodLevelProcessor } from './flood-processor.ts';
import { PlausibilityProcessor } from './plausibility-processor.ts';
import { StaleSensorWatch } from './stale-watch.ts';
import { WaterQualityProcessor } from './water-processor.ts';

export interface ProcessorContext {
  config: Pick<GatewayConfig, 'devices'>;
  /** The gateway's data folder; air-quality averages and flood stages are kept under `families/`. */
  dataDir: string;
  log: Logger;
  alert: AlertSink;
}

/**
 * The edge computation chain, in order: plausibility first (so nonsense never feeds an index),
 * then the family computations, then the stale-sensor watch (which sees the flood stage).
 * Call once; run every NewReading through `process` of each, in order, before committing it.
 */
export function createProcessors(ctx: ProcessorContext): ReadingProcessor[] {
  const families = familyConfigs(ctx.config);
  const log = child(ctx.log, 'families');
  return [
    new PlausibilityProcessor(families),
    new FloodLevelProcessor(families, ctx.alert, { dataDir: ctx.dataDir, log }),
    new AirQualityProcessor(families, ctx.dataDir, log),
    new WaterQualityProcessor(families),
    new StaleSensorWatch(families, ctx.alert, log, Date.now, ctx.dataDir),
  ];
}

export { thaiAqi, thaiSubIndex, thaiAqiLevels } from './aqi-thai.ts';
export { usAqi, usSubIndex, usAqiLevels } from './aqi-us.ts';
export { surfaceWaterClass } from './water-class.ts';
export { familySchema, type FamilyConfig } from '../../core/family-schema.ts';
