import { join } from 'node:path';
import type { Logger } from '../../core/log.ts';
import { readBootId } from './boot-id.ts';
import { systemClock, type Clock } from './clock.ts';
import type { ClockConfig } from './config-schema.ts';
import { AssumeSyncedSource, AutoSyncSource, FlagFileSyncSource, KernelSyncSource, type SyncSource } from './sync-source.ts';
import { Timekeeper } from './timekeeper.ts';
import { GnssFirstSource, GnssTimeSource } from './gnss-source.ts';
import { createLink } from '../../drivers/transport/index.ts';

export { systemClock, type Clock } from './clock.ts';
export { readBootId } from './boot-id.ts';
export { clockSchema, type ClockConfig } from './config-schema.ts';
export { Timekeeper, type ClockStatus, type Stamp, type TimeCorrection, type TimeQuality } from './timekeeper.ts';
export type { SyncSource, SyncState } from './sync-source.ts';
export { GnssTimeSource } from './gnss-source.ts';

/** The sync source a config asks for. */
export function syncSourceFor(config: ClockConfig): SyncSource {
  switch (config.sync) {
    case 'kernel':
      return new KernelSyncSource();
    case 'flag-file':
      return new FlagFileSyncSource(config.flagFile);
    case 'assume-synced':
      return new AssumeSyncedSource();
    case 'auto':
      return new AutoSyncSource(new KernelSyncSource(), new FlagFileSyncSource(config.flagFile));
  }
}

/**
 * The gateway's timekeeper from its config, and the GNSS receiver when one is configured (started
 * here; the caller stops it). `source` and `clock` replace the real ones in tests.
 */
export function createTimekeeper(config: ClockConfig, dataDir: string, log: Logger, overrides: { clock?: Clock; source?: SyncSource; bootId?: string } = {}): { timekeeper: Timekeeper; gnss: GnssTimeSource | null } {
  const clock = overrides.clock ?? systemClock;
  let source = overrides.source ?? syncSourceFor(config);
  let gnss: GnssTimeSource | null = null;
  if (config.gnss) {
    const link = createLink({ kind: 'serial', path: config.gnss.port, baud: config.gnss.baud, dataBits: 8, parity: 'none', stopBits: 1 });
    gnss = new GnssTimeSource({ link, clock, log, deviceId: config.gnss.id });
    gnss.start();
    source = new GnssFirstSource(gnss, source);
  }
  const timekeeper = new Timekeeper({
    clock,
    source,
    bootId: overrides.bootId ?? readBootId(),
    memoryFile: join(dataDir, 'clock.json'),
    log,
    checkIntervalMs: config.checkInterval,
    stepThresholdMs: config.stepThreshold,
  });
  return { timekeeper, gnss };
}
