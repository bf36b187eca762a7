import { rng } from './serial-fuzz.ts';

/** Random numbers from a seed that is printed, so a run that failed can be replayed with the same delays. */
export interface SeededRandom {
  readonly seed: number;
  /** The next number in [0, 1). */
  next(): number;
  /** A whole number of milliseconds between `minMs` and `maxMs`. */
  ms(minMs: number, maxMs: number): number;
}

/**
 * A seeded source for a test's random delays. The seed is `CITYGW_TEST_SEED` when set, else a fresh
 * one; either way it is printed with `name`, e.g.
 * `CITYGW_TEST_SEED=12345 npx vitest run test/integration/gateway-crash.test.ts` replays it.
 */
export function seededRandom(name: string): SeededRandom {
  const given = process.env.CITYGW_TEST_SEED;
  const seed = given !== undefined && given !== '' ? Number(given) >>> 0 : Math.floor(Math.random() * 2 ** 31);
  process.stdout.write(`${name}: random delays from seed ${seed} (replay with CITYGW_TEST_SEED=${seed})\n`);
  const next = rng(seed);
  return { seed, next, ms: (minMs, maxMs) => Math.round(minMs + next() * (maxMs - minMs)) };
}
