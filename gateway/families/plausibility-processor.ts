import type { ReadingProcessor } from '../processing/types.ts';
import { worseQuality, type NewReading } from '../../core/reading.ts';
import type { FamilyConfig } from '../../core/family-schema.ts';
import { PlausibilityChecker } from './plausibility.ts';
import { wallEdgeClock, type EdgeClock } from './edge-clock.ts';

/**
 * Runs first: marks implausible points (range, spike, flat-line, stuck) with a reason and the
 * reading `uncertain`, so the family processors after it leave those points out of their numbers.
 */
export class PlausibilityProcessor implements ReadingProcessor {
  readonly name = 'plausibility';
  readonly #families: Map<string, FamilyConfig>;
  readonly #checkers = new Map<string, PlausibilityChecker>();
  readonly #edge: EdgeClock;

  constructor(families: Map<string, FamilyConfig>, edge: EdgeClock = wallEdgeClock()) {
    this.#families = families;
    this.#edge = edge;
  }

  process(reading: NewReading): NewReading {
    const family = this.#families.get(reading.device);
    if (!family || Object.keys(family.plausibility).length === 0 || reading.quality === 'bad') return reading;
    let checker = this.#checkers.get(reading.device);
    if (!checker) {
      checker = new PlausibilityChecker(family.plausibility);
      this.#checkers.set(reading.device, checker);
    }
    const reasons = checker.check(reading.values, this.#edge.of(reading));
    if (Object.keys(reasons).length === 0) return reading;
    return { ...reading, quality: worseQuality(reading.quality, 'uncertain'), reasons: { ...reading.reasons, ...reasons } };
  }
}
