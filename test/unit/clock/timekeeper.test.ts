import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Timekeeper, type TimeCorrection } from '../../../gateway/clock/index.ts';
import { silentLogger } from '../../../core/log.ts';
import { DrivenClock, SwitchedSource } from '../../helpers/driven-clock.ts';

const trueNow = Date.UTC(2026, 10, 30, 6, 0, 0);
const dayMs = 86_400_000;

function keeper(clock: DrivenClock, source: SwitchedSource, opts: { bootId?: string; memoryFile?: string } = {}): { tk: Timekeeper; corrections: TimeCorrection[] } {
  const tk = new Timekeeper({ clock, source, bootId: opts.bootId ?? 'boot-a', memoryFile: opts.memoryFile, log: silentLogger(), checkIntervalMs: 60_000, stepThresholdMs: 1_000 });
  const corrections: TimeCorrection[] = [];
  tk.onCorrection((c) => corrections.push(c));
  return { tk, corrections };
}

describe('timekeeper', () => {
  it('stamps unsynced with the clock value, then on sync corrects with one offset and says so', async () => {
    const clock = new DrivenClock(trueNow - 3 * dayMs);
    const source = new SwitchedSource(false);
    const { tk, corrections } = keeper(clock, source);
    await tk.start();
    expect(tk.status()).toMatchObject({ synced: false, stamping: 'unsynced', lastStepS: null, source: 'flag-file' });
    const first = tk.stamp('level');
    expect(first.timeQuality).toBe('unsynced');
    expect(first.tsMs).toBe(trueNow - 3 * dayMs);
    clock.advance(60_000);
    // NTP steps the clock 3 days forward, then the source says synced.
    clock.stepWall(3 * dayMs);
    const during = tk.stamp('level');
    expect(tk.status().lastStepS).toBe(3 * 86_400);
    expect(during.timeQuality).toBe('unsynced');
    source.state = { synced: true, available: true };
    await tk.check();
    expect(tk.status()).toMatchObject({ synced: true, stamping: 'synced' });
    expect(corrections).toHaveLength(1);
    const c = corrections[0]!;
    expect(c.reason).toBe('synced');
    expect(c.announce).toBe(true);
    // The true time of the first reading follows from its monotonic time.
    expect(first.monoMs + c.offsetMs).toBe(trueNow);
    const after = tk.stamp('level');
    expect(after.timeQuality).toBeUndefined();
    expect(after.tsMs).toBe(trueNow + 60_000);
  });

  it('never stamps a device backwards while unsynced, even when the clock steps back', async () => {
    const clock = new DrivenClock(trueNow);
    const { tk } = keeper(clock, new SwitchedSource(false));
    await tk.start();
    const a = tk.stamp('d');
    clock.advance(1_000);
    clock.stepWall(-3_600_000);
    const b = tk.stamp('d');
    expect(b.tsMs).toBeGreaterThanOrEqual(a.tsMs);
    expect(b.monoMs).toBe(a.monoMs + 1_000);
    expect(tk.status().lastStepS).toBe(-3_600);
  });

  it('a step while synced starts a new offset and names the readings stamped with the old one', async () => {
    const clock = new DrivenClock(trueNow);
    const { tk, corrections } = keeper(clock, new SwitchedSource(true));
    await tk.start();
    expect(corrections).toHaveLength(1);
    expect(corrections[0]!.announce).toBe(false);
    tk.stamp('d');
    tk.noteSeq('d', 7);
    clock.advance(1_000);
    tk.stamp('d');
    tk.noteSeq('d', 8);
    clock.stepWall(-5_000);
    const s = tk.stamp('d');
    expect(corrections).toHaveLength(2);
    expect(corrections[1]).toMatchObject({ reason: 'step', announce: true, devices: [{ device: 'd', fromSeq: 7, toSeq: 8 }] });
    expect(corrections[1]!.offsetMs - corrections[1]!.previousOffsetMs!).toBe(-5_000);
    // Never a ts in the future of the (new) clock.
    expect(s.tsMs).toBeLessThanOrEqual(clock.wallMs());
  });

  it('after a restart in the same boot, stamps from the last known good time; after a reboot, does not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'citygw-clock-'));
    const memoryFile = join(dir, 'clock.json');
    const clock = new DrivenClock(trueNow);
    const synced = keeper(clock, new SwitchedSource(true), { memoryFile });
    await synced.tk.start();
    synced.tk.stop();
    expect(JSON.parse(readFileSync(memoryFile, 'utf8')).anchor.bootId).toBe('boot-a');
    clock.advance(10 * 60_000);
    clock.stepWall(-dayMs); // the clock went wrong while the gateway was down
    const again = keeper(clock, new SwitchedSource(false), { memoryFile });
    await again.tk.start();
    const s = again.tk.stamp('d');
    expect(s).toMatchObject({ timeQuality: 'estimated', tsMs: trueNow + 10 * 60_000 });
    expect(again.tk.status().stamping).toBe('estimated');
    again.tk.stop();
    const rebooted = keeper(clock, new SwitchedSource(false), { memoryFile, bootId: 'boot-b' });
    await rebooted.tk.start();
    expect(rebooted.tk.stamp('d')).toMatchObject({ timeQuality: 'unsynced', tsMs: clock.wallMs() });
    rebooted.tk.stop();
  });

  it('losing sync keeps the offset and marks readings estimated; a source that cannot be read is named none', async () => {
    const clock = new DrivenClock(trueNow);
    const source = new SwitchedSource(true);
    const { tk } = keeper(clock, source);
    await tk.start();
    source.state = { synced: false, available: true };
    await tk.check();
    clock.advance(5_000);
    expect(tk.stamp('d')).toMatchObject({ timeQuality: 'estimated', tsMs: trueNow + 5_000 });
    source.state = { synced: false, available: false, detail: 'python3 not found' };
    await tk.check();
    expect(tk.status().source).toBe('none');
  });

  it('keeps how long ago a driver measured (a few ms), and ignores a driver stamp from another era', async () => {
    const clock = new DrivenClock(trueNow);
    const { tk } = keeper(clock, new SwitchedSource(true));
    await tk.start();
    expect(tk.stamp('d', trueNow - 30).tsMs).toBe(trueNow - 30);
    expect(tk.stamp('d', trueNow - 10 * dayMs).tsMs).toBe(trueNow - 60_000);
  });
});
