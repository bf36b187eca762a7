import { describe, expect, it } from 'vitest';
import { BrokerFailover, shuffled } from '../../gateway/uplink/failover.ts';

const nodes = ['mqtt://a:1883', 'mqtt://b:1883', 'mqtt://c:1883'];

/** A fixed sequence of "random" numbers, repeated. */
function sequence(...values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length]!;
}

function clock(): { now: () => number; advance(ms: number): void } {
  let t = 0;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('broker failover', () => {
  it('starts at once with a shuffled order that depends on the gateway, not on the list', () => {
    const firsts = new Set<string>();
    for (const r of [0, 0.34, 0.67, 0.99]) firsts.add(new BrokerFailover(nodes, { reconnectMinMs: 1000, reconnectMaxMs: 10_000, random: () => r }).start().url);
    expect(firsts.size).toBeGreaterThan(1);
    const start = new BrokerFailover(nodes, { reconnectMinMs: 1000, reconnectMaxMs: 10_000, random: sequence(0.5) }).start();
    expect(start.delayMs).toBe(0);
  });

  it('after a stable connection is lost, tries every other node at once, never the lost one first', () => {
    const c = clock();
    const f = new BrokerFailover(nodes, { reconnectMinMs: 1000, reconnectMaxMs: 10_000, random: sequence(0.1, 0.9, 0.5), now: c.now });
    const first = f.start();
    f.connected();
    c.advance(60_000);
    const second = f.failed();
    expect(second.delayMs).toBe(0);
    expect(second.url).not.toBe(first.url);
    const third = f.failed();
    expect(third.delayMs).toBe(0);
    expect(new Set([first.url, second.url, third.url]).size).toBe(3);
    // Every node refused: now a wait, drawn from [min/2, min].
    const fourth = f.failed();
    expect(fourth.delayMs).toBeGreaterThanOrEqual(500);
    expect(fourth.delayMs).toBeLessThanOrEqual(1000);
  });

  it('spreads a lost node\'s gateways over the survivors', () => {
    const counts: Record<string, number> = {};
    let seed = 7;
    // A small deterministic generator standing in for each gateway's own randomness.
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const c = clock();
    for (let gateway = 0; gateway < 300; gateway++) {
      const f = new BrokerFailover(nodes, { reconnectMinMs: 1000, reconnectMaxMs: 10_000, random, now: c.now });
      // Move every gateway onto node a, as if a were where they all sat.
      let attempt = f.start();
      while (attempt.url !== nodes[0]) attempt = f.failed();
      f.connected();
      c.advance(20_000);
      const next = f.failed().url;
      counts[next] = (counts[next] ?? 0) + 1;
    }
    expect(counts[nodes[0]!]).toBeUndefined();
    expect(counts[nodes[1]!]).toBeGreaterThan(100);
    expect(counts[nodes[2]!]).toBeGreaterThan(100);
  });

  it('backs off exponentially with jitter, capped at reconnectMax, while every node refuses', () => {
    const f = new BrokerFailover(nodes, { reconnectMinMs: 1000, reconnectMaxMs: 10_000, random: () => 1 - 1e-9 });
    f.start();
    const waits: number[] = [];
    for (let i = 0; i < 3 * 8; i++) {
      const next = f.failed();
      if (next.delayMs > 0) waits.push(next.delayMs);
    }
    // One wait per round of three nodes; the upper end of each jitter window.
    expect(waits).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000, 10_000, 10_000]);
    const low = new BrokerFailover(nodes, { reconnectMinMs: 1000, reconnectMaxMs: 10_000, random: () => 0 });
    low.start();
    const lowWaits: number[] = [];
    for (let i = 0; i < 3 * 6; i++) {
      const next = low.failed();
      if (next.delayMs > 0) lowWaits.push(next.delayMs);
    }
    expect(lowWaits).toEqual([500, 1000, 2000, 4000, 5000, 5000]);
  });

  it('a stable connection resets the backoff; one that drops at once does not', () => {
    const c = clock();
    const f = new BrokerFailover(['mqtt://only:1883'], { reconnectMinMs: 1000, reconnectMaxMs: 8000, random: () => 1 - 1e-9, now: c.now });
    f.start();
    expect([f.failed().delayMs, f.failed().delayMs, f.failed().delayMs]).toEqual([1000, 2000, 4000]);
    // Accepted, then kicked out at once: keep backing off.
    f.connected();
    c.advance(50);
    expect(f.failed().delayMs).toBe(8000);
    // Up for a while (1 s by default): the next loss starts again from reconnectMin.
    f.connected();
    c.advance(1000);
    expect(f.failed().delayMs).toBe(1000);
  });

  it('after an unstable connection, waits before trying the others', () => {
    const c = clock();
    const f = new BrokerFailover(nodes, { reconnectMinMs: 1000, reconnectMaxMs: 10_000, random: () => 0.5, now: c.now });
    const first = f.start();
    f.connected();
    c.advance(100);
    const next = f.failed();
    expect(next.delayMs).toBeGreaterThan(0);
    expect(next.url).not.toBe(first.url);
  });

  it('shuffles every permutation', () => {
    const seen = new Set<string>();
    for (let a = 0; a < 1; a += 0.1) for (let b = 0; b < 1; b += 0.1) seen.add(shuffled(nodes, sequence(a, b)).join(','));
    expect(seen.size).toBe(6);
  });
});
