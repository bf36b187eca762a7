import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AlertPayload } from '../../core/alert.ts';
import type { Reading } from '../../core/reading.ts';
import { silentLogger } from '../../core/log.ts';
import { openPtyPair } from '../../drivers/sim/socat-pair.ts';
import { loadConfig } from '../../gateway/config/load.ts';
import { Gateway } from '../../gateway/gateway.ts';
import { waitFor } from '../helpers/wait-for.ts';

/**
 * Both driver families with their USB adapters unplugged (the port paths do not exist): each raises
 * the same alerts for the same conditions, and every bad reading has the same shape.
 */
describe('an unplugged serial adapter, in every driver family', () => {
  it('raises bus-offline for the port and device-offline for its devices, sends every point null with reasons, and clears when the port returns', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'citygw-unplugged-'));
    const airPort = join(dir, 'tty-air');
    const file = join(dir, 'citygw.yaml');
    writeFileSync(
      file,
      `gateway: { id: unplugged }
flows: { enabled: false }
buffer: { commitInterval: 20ms }
buses:
  - { id: rs485, type: modbus-rtu, port: ${join(dir, 'tty-modbus')}, timeout: 100ms }
  - { id: air, type: serial, port: ${airPort}, baud: 9600, reopen: { min: 100ms, max: 200ms } }
devices:
  - { id: level, driver: modbus, bus: rs485, unit: 1, profile: radar-level-ld8001h, interval: 200ms }
  - { id: pm-sensor, driver: pms5003, bus: air, interval: 200ms, offlineAfter: 400ms }
`,
    );
    const gateway = new Gateway({ loaded: loadConfig(file), log: silentLogger() });
    const alerts: AlertPayload[] = [];
    const readings: Reading[] = [];
    gateway.events.on('test', 'alerts', (batch) => alerts.push(...batch));
    gateway.events.on('test', 'readings', (batch) => readings.push(...batch));
    const raised = (id: string) => alerts.some((a) => a.id === id && a.state === 'raised');
    await gateway.start();
    const pty = await openPtyPair();
    try {
      await waitFor('bus-offline for both ports and device-offline for both devices', () => ['bus-offline:rs485', 'bus-offline:air', 'device-offline:level', 'device-offline:pm-sensor'].every(raised), 10_000).catch((error: unknown) => {
        throw new Error(`${String(error)}; alerts: ${alerts.map((a) => `${a.id} ${a.state}`).join(', ')}`);
      });
      const busAlert = alerts.find((a) => a.id === 'bus-offline:air')!;
      expect(busAlert).toMatchObject({ rule: 'bus-offline', severity: 'warning', device: null, values: { bus: 'air', port: airPort } });
      expect(alerts.find((a) => a.id === 'device-offline:pm-sensor')).toMatchObject({ rule: 'device-offline', device: 'pm-sensor' });
      expect(alerts.find((a) => a.id === 'device-offline:level')).toMatchObject({ rule: 'device-offline', device: 'level' });
      // Raised once per outage, however often the port is retried.
      expect(alerts.filter((a) => a.id === 'bus-offline:air')).toHaveLength(1);

      // One shape of bad reading: every point null, each with its reason, and _device.
      for (const device of ['level', 'pm-sensor']) {
        const bad = readings.find((r) => r.device === device && r.quality === 'bad')!;
        expect(bad, device).toBeDefined();
        expect(Object.keys(bad.values).length, device).toBeGreaterThan(0);
        for (const [point, value] of Object.entries(bad.values)) {
          expect(value, `${device}.${point}`).toBeNull();
          expect(bad.reasons?.[point], `${device}.${point}`).toBeTruthy();
        }
        expect(bad.reasons?._device).toBeTruthy();
      }
      expect(readings.find((r) => r.device === 'pm-sensor' && r.quality === 'bad')!.values).toHaveProperty('pm25_ug_m3', null);

      // The adapter is plugged in again: the port opens and its alert clears.
      symlinkSync(pty.a, airPort);
      await waitFor('bus-offline:air cleared', () => alerts.some((a) => a.id === 'bus-offline:air' && a.state === 'cleared'), 10_000);
    } finally {
      await gateway.stop();
      await pty.stop();
    }
  });
});
