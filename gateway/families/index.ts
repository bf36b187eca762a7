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
import { wallEdgeClock, type EdgeClock } from './edge-clock.ts';

export interface ProcessorContext {
  config: Pick<GatewayConfig, 'devices'>;
  /** The gateway's data folder; air-quality averages and flood stages are kept under `families/`. */
  dataDir: string;
  log: Logger;
  alert: AlertSink;
  /** The time axis of edge computations; the gateway passes its monotonic edge clock. */
  edge?: EdgeClock;
}

/**
 * The edge computation chain, in order: plausibility first (so nonsense never feeds an index),
 * then the family computations, then the stale-sensor watch (which sees the flood stage).
 * Call once; run every NewReading through `process` of each, in order, before committing it.
 */
export function createProcessors(ctx: ProcessorContext): ReadingProcessor[] {
  const families = familyConfigs(ctx.config);
  const log = child(ctx.log, 'families');
  const edge = ctx.edge ?? wallEdgeClock();
  return [
    new PlausibilityProcessor(families, edge),
    new FloodLevelProcessor(families, ctx.alert, { dataDir: ctx.dataDir, log }, edge),
    new AirQualityProcessor(families, ctx.dataDir, log, edge),
    new WaterQualityProcessor(families),
    new StaleSensorWatch(families, ctx.alert, log, edge, ctx.dataDir),
  ];
}

export { thaiAqi, thaiSubIndex, thaiAqiLevels } from './aqi-thai.ts';
export { usAqi, usSubIndex, usAqiLevels } from './aqi-us.ts';
export { surfaceWaterClass } from './water-class.ts';
export { familySchema, type FamilyConfig } from '../../core/family-schema.ts';
export { monotonicEdgeClock, wallEdgeClock, type EdgeClock } from './edge-clock.ts';
