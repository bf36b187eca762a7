import { afterAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createProcessors } from '../../gateway/families/index.ts';
import { gatewayConfigSchema } from '../../gateway/config/schema.ts';
import { silentLogger } from '../../core/log.ts';
import type { NewReading } from '../../core/reading.ts';
import type { AlertInput } from '../../core/alert.ts';
import { serialTempDir } from '../helpers/serial-harness.ts';

const tmp = serialTempDir();
afterAll(() => tmp.cleanup());

const config = gatewayConfigSchema.parse({
  gateway: { id: 'gw', dataDir: tmp.dir },
  buses: [{ type: 'serial', id: 'air', port: '/dev/null' }],
  devices: [
    { id: 'school', driver: 'pms5003', bus: 'air', family: { type: 'air-quality', plausibility: { pm25_ug_m3: { max: 1000, maxStep: 200 } } } },
  ],
});

function run(processors: ReturnType<typeof createProcessors>, reading: NewReading): NewReading {
  return processors.reduce((r, p) => p.process(r), reading);
}

const hour = 3_600_000;
const pm = (tsMs: number, pm25: number, pm10 = pm25 * 1.3): NewReading => ({ device: 'school', kind: 'air-quality', tsMs, values: { pm25_ug_m3: pm25, pm10_ug_m3: pm10 }, units: { pm25_ug_m3: 'ug/m3', pm10_ug_m3: 'ug/m3' }, quality: 'good' });

describe('air-quality processor', () => {
  it('computes 1/8/24 h means and both AQIs, keeps the means across a restart', async () => {
    const alerts: AlertInput[] = [];
    const t0 = Date.UTC(2026, 0, 15, 0, 0);
    let chain = createProcessors({ config, dataDir: tmp.dir, log: silentLogger(), alert: (a) => alerts.push(a) });
    // 16 h at 20 ug/m3, then 8 h at 50 ug/m3, one reading every 10 min.
    let out: NewReading | null = null;
    for (let m = 0; m < 24 * 60; m += 10) out = run(chain, pm(t0 + m * 60_000, m < 16 * 60 ? 20 : 50));
    expect(out!.values).toMatchObject({ pm25_ug_m3_1h: 50, pm25_ug_m3_8h: 50, pm25_ug_m3_24h: 30 });
    // 24 h mean 30.0: Thai (100-51)/(37.5-25.1) x (30-25.1) + 51 = 70; US (100-51)/(35.4-9.1) x (30-9.1) + 51 = 89.9 -> 90
    expect(out!.values).toMatchObject({ aqi_th: 70, aqi_th_level: 'moderate', aqi_th_colour: '#FFFF00', aqi_us: 90, aqi_us_level: 'moderate' });
    expect(out!.values.aqi_th_level_th).toBe('ปานกลาง');
    expect(out!.units).toMatchObject({ pm25_ug_m3_24h: 'ug/m3', aqi_th: 'index' });
    for (const p of chain) await p.stop?.();
    expect(existsSync(join(tmp.dir, 'families', 'air-quality', 'school.json'))).toBe(true);

    chain = createProcessors({ config, dataDir: tmp.dir, log: silentLogger(), alert: (a) => alerts.push(a) });
    const after = run(chain, pm(t0 + 24 * hour, 50));
    // Restarted: the 24 h window still holds the saved history (not just the new reading).
    expect(after.values.pm25_ug_m3_24h).toBeCloseTo(30.2, 1);
    expect(alerts).toEqual([]);
  });

  it('leaves an implausible value out of the means', () => {
    const chain = createProcessors({ config, dataDir: join(tmp.dir, 'other'), log: silentLogger(), alert: () => undefined });
    const t0 = Date.UTC(2026, 0, 16);
    run(chain, pm(t0, 10));
    const spiked = run(chain, pm(t0 + 60_000, 900));
    expect(spiked.quality).toBe('uncertain');
    expect(spiked.reasons?.pm25_ug_m3).toMatch(/^spike/);
    expect(spiked.values.pm25_ug_m3_1h).toBe(10);
  });
});
