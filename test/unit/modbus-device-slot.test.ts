import { describe, expect, it } from 'vitest';
import { DeviceSlot } from '../../drivers/modbus/device-slot.ts';
import type { PolledDevice, PollOutcome } from '../../drivers/modbus/scheduler.ts';
import type { NewReading } from '../../core/reading.ts';

const device: PolledDevice = {
  id: 'd',
  unit: 1,
  intervalMs: 1000,
  poll: () => Promise.reject(new Error('not used')),
  emptyReading: (reason) => ({ device: 'd', kind: 'generic', tsMs: 0, values: { x: null }, units: {}, quality: 'bad', reasons: { _device: reason } }),
};
const good: NewReading = { device: 'd', kind: 'generic', tsMs: 1, values: { x: 1 }, units: {}, quality: 'good' };
const answered: PollOutcome = { result: 'answered', reading: good };
const silent: PollOutcome = { result: 'silent', reading: { ...good, values: { x: null }, quality: 'bad', reasons: { x: 'timeout' } }, error: 'timeout' };

describe('device backoff', () => {
  it('keeps the poll cadence while the device answers', () => {
    const slot = new DeviceSlot(device, { minBackoffMs: 2000, maxBackoffMs: 60_000 });
    slot.nextDueMs = 0;
    slot.record(answered, 30);
    expect(slot.nextDueMs).toBe(1000);
    slot.record(answered, 1040);
    expect(slot.nextDueMs).toBe(2000);
  });

  it('probes a silent device at doubling intervals up to the cap, and reports the changes once', () => {
    const slot = new DeviceSlot(device, { minBackoffMs: 2000, maxBackoffMs: 10_000 });
    expect(slot.record(answered, 0)).toBeUndefined();
    const waits: number[] = [];
    const changes: (string | undefined)[] = [];
    let now = 1000;
    for (let i = 0; i < 5; i++) {
      changes.push(slot.record(silent, now));
      waits.push(slot.nextDueMs - now);
      now = slot.nextDueMs;
    }
    expect(waits).toEqual([2000, 4000, 8000, 10_000, 10_000]);
    expect(changes).toEqual(['offline', undefined, undefined, undefined, undefined]);
    expect(slot.record(answered, now)).toBe('online');
    expect(slot.stats()).toMatchObject({ state: 'online', polls: 7, ok: 2, errors: { timeout: 5 }, lastError: 'timeout' });
  });
});
