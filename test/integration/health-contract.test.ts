import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/log.ts';
import { loadConfig } from '../../gateway/config/load.ts';
import { Gateway } from '../../gateway/gateway.ts';
import { payloadValidators } from '../helpers/asyncapi.ts';
import { waitFor } from '../helpers/wait-for.ts';

describe('health.buses', () => {
  it('lists each Modbus bus and serial port once, and nothing else, matching the AsyncAPI schema', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'citygw-health-'));
    const file = join(dir, 'citygw.yaml');
    // A serial sensor is both a device and a service; it belongs in `devices`, never in `buses`.
    writeFileSync(
      file,
      `gateway: { id: health-test, healthInterval: 100ms }
flows: { enabled: false }
buffer: { commitInterval: 20ms }
buses:
  - { id: plc, type: modbus-tcp, host: 127.0.0.1, port: 9, timeout: 100ms }
  - { id: air, type: serial, port: ${join(dir, 'tty-missing')}, baud: 9600 }
devices:
  - { id: level, driver: modbus, bus: plc, unit: 1, profile: radar-level-ld8001h, interval: 200ms }
  - { id: pm-sensor, driver: pms5003, bus: air, interval: 200ms }
  - { id: sds-sensor, driver: sds011, bus: air, interval: 200ms }
`,
    );
    const gateway = new Gateway({ loaded: loadConfig(file), log: silentLogger() });
    await gateway.start();
    try {
      const health = await waitFor('a health message in the outbox', () => gateway.outbox.nextBatch({ liveSinceMs: 0, maxMessages: 100, maxBytes: 1_000_000 }).find((m) => m.lane === 'health'), 10_000);
      const payload = JSON.parse(health.payload) as { buses: Array<{ bus: string; type: string }>; devices: Array<{ device: string }> };
      const validate = payloadValidators().HealthPayload;
      expect(validate(payload), JSON.stringify(validate.errors)).toBe(true);
      expect(payload.buses.map((b) => `${b.type}:${b.bus}`).sort()).toEqual(['modbus:plc', 'serial:air']);
      expect(payload.devices.map((d) => d.device).sort()).toEqual(['level', 'pm-sensor', 'sds-sensor']);
    } finally {
      await gateway.stop();
    }
  });
});
