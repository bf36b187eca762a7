import { describe, expect, it } from 'vitest';
import { topicSet } from '../../gateway/uplink/topics.ts';
import { safeUrl } from '../../gateway/uplink/connect-options.ts';
import { toPayload } from '../../core/reading.ts';

describe('topics', () => {
  it('follows the contract', () => {
    const t = topicSet('citygw', 'canal-01');
    expect(t.status).toBe('citygw/canal-01/status');
    expect(t.readings('level')).toBe('citygw/canal-01/devices/level/readings');
    expect(t.history('level')).toBe('citygw/canal-01/devices/level/history');
    expect(t.alerts).toBe('citygw/canal-01/alerts');
    expect(t.health).toBe('citygw/canal-01/health');
    expect(t.forMessage({ ids: [1], lane: 'live', device: 'x', payload: '{}', readingCount: 1 })).toBe('citygw/canal-01/devices/x/readings');
    expect(t.forMessage({ ids: [1, 2], lane: 'history', device: 'x', payload: '{}', readingCount: 2 })).toBe('citygw/canal-01/devices/x/history');
    expect(t.forMessage({ ids: [3], lane: 'alert', payload: '{}', readingCount: 0 })).toBe('citygw/canal-01/alerts');
    expect(t.forMessage({ ids: [4], lane: 'health', payload: '{}', readingCount: 0 })).toBe('citygw/canal-01/health');
  });
});

describe('reading payload', () => {
  it('uses ISO 8601 UTC with milliseconds and omits empty reasons', () => {
    const payload = toPayload({ device: 'd', kind: 'flood-level', tsMs: Date.UTC(2026, 10, 21, 3, 4, 5, 6), seq: 7, values: { level: 1.5 }, units: { level: 'm' }, quality: 'good', reasons: {} });
    expect(payload.ts).toBe('2026-11-21T03:04:05.006Z');
    expect(payload).not.toHaveProperty('reasons');
  });
});

describe('logging hygiene', () => {
  it('strips credentials from broker URLs', () => {
    expect(safeUrl('mqtts://user:pw@broker:8883')).toBe('mqtts://broker:8883');
  });
});
