import { describe, expect, it } from 'vitest';
import { DrainBudget } from '../../../gateway/outbox/drain-budget.ts';

const drain = { messagesPerSecond: 100, bytesPerSecond: 10_000, historyBatch: 500, inflight: 10 };

describe('drain budget', () => {
  it('allows a quarter second of messages at once, capped by the in-flight window', () => {
    const budget = new DrainBudget(drain, 0);
    expect(budget.allowance(0, 0)).toEqual({ maxMessages: 10, maxBytes: 2500 });
    expect(budget.allowance(7, 0).maxMessages).toBe(3);
    const wide = new DrainBudget({ ...drain, inflight: 1000 }, 0);
    expect(wide.allowance(0, 0).maxMessages).toBe(25);
  });

  it('refills at the configured rates and never beyond the bucket', () => {
    const budget = new DrainBudget({ ...drain, inflight: 1000 }, 0);
    budget.spend(25, 2500);
    expect(budget.allowance(0, 0)).toEqual({ maxMessages: 0, maxBytes: 0 });
    expect(budget.waitMs(0)).toBe(10);
    expect(budget.allowance(0, 100)).toEqual({ maxMessages: 10, maxBytes: 1000 });
    expect(budget.allowance(0, 60_000)).toEqual({ maxMessages: 25, maxBytes: 2500 });
  });

  it('lets one oversized message through and makes the link pay it back', () => {
    const budget = new DrainBudget({ ...drain, inflight: 1000 }, 0);
    budget.spend(1, 7500); // a 7.5 KB history batch against a 2.5 KB bucket
    expect(budget.allowance(0, 0).maxMessages).toBe(0);
    // 5 KB of debt at 10 KB/s: half a second before anything else goes.
    expect(budget.waitMs(0)).toBe(501);
    expect(budget.allowance(0, 400).maxMessages).toBe(0);
    expect(budget.allowance(0, 600).maxBytes).toBeGreaterThan(0);
  });
});
