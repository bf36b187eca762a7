import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AssumeSyncedSource, FlagFileSyncSource } from '../../gateway/clock/sync-source.ts';
import { GnssFirstSource, GnssTimeSource } from '../../gateway/clock/gnss-source.ts';
import { systemClock, Timekeeper } from '../../gateway/clock/index.ts';
import { nmeaChecksum } from '../../drivers/serial/line-protocol.ts';
import { startSocatPair, type SocatPair } from '../../drivers/sim/socat-pair.ts';
import { createLink, type ByteLink } from '../../drivers/transport/index.ts';
import { silentLogger } from '../../core/log.ts';
import { serialTempDir } from '../helpers/serial-harness.ts';

// A simulated GNSS receiver on one end of a real pty pair (socat), the gateway's GNSS time source
// on the other. The receiver's UTC is two hours behind this machine's clock, so the test can tell
// which clock the gateway believes.
const tmp = serialTempDir();
const gnssBehindMs = 2 * 3_600_000;
let pair: SocatPair | undefined;
let receiver: ByteLink | undefined;
let timer: NodeJS.Timeout | undefined;

async function until<T>(check: () => Promise<T | undefined>, deadlineMs: number, what: string): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function sentence(body: string): string {
  return `$${body}*${nmeaChecksum(body).toString(16).toUpperCase().padStart(2, '0')}\r\n`;
}

/** RMC + GGA for `utcMs`, as a u-blox receiver sends them each second. */
function epoch(utcMs: number, fix: boolean): string {
  const d = new Date(utcMs);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const time = `${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}.${p(Math.floor(d.getUTCMilliseconds() / 10))}`;
  const date = `${p(d.getUTCDate())}${p(d.getUTCMonth() + 1)}${p(d.getUTCFullYear() % 100)}`;
  return fix
    ? sentence(`GNRMC,${time},A,1845.82207,N,09859.94984,E,0.027,,${date},,,A,V`) + sentence(`GNGGA,${time},1845.82207,N,09859.94984,E,1,09,1.04,310.2,M,-28.9,M,,`)
    : sentence(`GNRMC,${time},V,,,,,,,${date},,,N,V`) + sentence(`GNGGA,${time},,,,,0,00,99.99,,,,,,`);
}

afterAll(async () => {
  if (timer) clearInterval(timer);
  await receiver?.close().catch(() => undefined);
  await pair?.stop().catch(() => undefined);
  tmp.cleanup();
});

describe('GNSS receiver as the time source, over a pty', () => {
  it('keeps time from valid RMC fixes (not from the system clock), reports fix quality, and lets go when the fix is lost', async () => {
    pair = await startSocatPair(join(tmp.dir, 'gnss'));
    receiver = createLink({ kind: 'serial', path: pair.devicePath, baud: 9600, dataBits: 8, parity: 'none', stopBits: 1 });
    await receiver.open();
    receiver.setHandlers({ data: () => undefined, closed: () => undefined });
    let fix = true;
    timer = setInterval(() => void receiver!.write(Buffer.from(epoch(Date.now() - gnssBehindMs, fix), 'latin1')).catch(() => undefined), 200);

    const link = createLink({ kind: 'serial', path: pair.gatewayPath, baud: 9600, dataBits: 8, parity: 'none', stopBits: 1 });
    const gnss = new GnssTimeSource({ link, clock: systemClock, log: silentLogger(), deviceId: 'gnss-time' });
    gnss.start();
    try {
      const state = await until(async () => {
        const s = await gnss.read();
        return s.synced ? s : undefined;
      }, 10_000, 'a GNSS fix');
      // UTC by GNSS = monotonic + offset: two hours behind this machine's clock, to within the sentence delay.
      const gnssNow = systemClock.monoMs() + state.offsetMs!;
      expect(Date.now() - gnssBehindMs - gnssNow).toBeGreaterThanOrEqual(-50);
      expect(Date.now() - gnssBehindMs - gnssNow).toBeLessThan(1_000);

      // The timekeeper follows GNSS first, even though the system's own source would say synced.
      const tk = new Timekeeper({ clock: systemClock, source: new GnssFirstSource(gnss, new AssumeSyncedSource()), bootId: 'b', log: silentLogger(), checkIntervalMs: 60_000, stepThresholdMs: 1_000 });
      await tk.start();
      expect(tk.status()).toMatchObject({ synced: true, source: 'gnss' });
      expect(Math.abs(tk.stamp('d').tsMs - (Date.now() - gnssBehindMs))).toBeLessThan(1_000);
      tk.stop();

      const reading = gnss.reading(Date.now());
      expect(reading).toMatchObject({ device: 'gnss-time', kind: 'gnss-time', quality: 'good', values: { fix: 1, mode: 'A', gga_quality: 1, satellites: 9, hdop: 1.04 } });
      expect(reading.values.system_clock_offset_s as number).toBeCloseTo(gnssBehindMs / 1000, -1);

      // The receiver loses its fix: within a few seconds the source no longer vouches for the time.
      fix = false;
      await until(async () => ((await gnss.read()).synced ? undefined : true), 10_000, 'the fix to be let go');
      expect(gnss.reading(Date.now())).toMatchObject({ quality: 'uncertain', values: { fix: 0, gga_quality: 0 }, reasons: { fix: 'no valid fix' } });
      // ... and the gateway falls back to the system's own judgement.
      expect((await new GnssFirstSource(gnss, new FlagFileSyncSource(join(tmp.dir, 'absent'))).read()).synced).toBe(false);
    } finally {
      await gnss.stop();
    }
  }, 30_000);
});
