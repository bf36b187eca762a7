import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { checkConfig, loadConfigText, parseYaml } from '../../gateway/config/load.ts';
import { Secret } from '../../core/secret.ts';
import { parseDurationMs, parseSizeBytes } from '../../core/units.ts';
import { ErrorCodes, GatewayError } from '../../core/errors.ts';

const minimal = `
gateway:
  id: canal-01
buses:
  - id: rs485
    type: modbus-rtu
    port: /dev/ttyUSB0
devices:
  - id: level
    driver: modbus
    bus: rs485
    unit: 1
    profile: radar-level-ld8001h
`;

function problemsOf(yamlText: string) {
  const parsed = parseYaml(yamlText);
  if (parsed.problems.length > 0) return parsed.problems;
  return checkConfig(parsed.raw).problems;
}

describe('durations and sizes', () => {
  it('parses units', () => {
    expect(parseDurationMs('500ms')).toBe(500);
    expect(parseDurationMs('10s')).toBe(10_000);
    expect(parseDurationMs('5m')).toBe(300_000);
    expect(parseDurationMs('2h')).toBe(7_200_000);
    expect(parseDurationMs('1.5s')).toBe(1500);
    expect(parseDurationMs('3d')).toBe(259_200_000);
    expect(parseSizeBytes('512MB')).toBe(536_870_912);
    expect(parseSizeBytes('64KB')).toBe(65_536);
    expect(parseSizeBytes('2gb')).toBe(2_147_483_648);
  });

  it('rejects what is not a duration or size', () => {
    expect(parseDurationMs('10')).toBeUndefined();
    expect(parseDurationMs('ten seconds')).toBeUndefined();
    expect(parseDurationMs('-5s')).toBeUndefined();
    expect(parseSizeBytes('12 parsecs')).toBeUndefined();
  });
});

describe('config schema', () => {
  it('accepts a minimal config and fills defaults', () => {
    const loaded = loadConfigText(minimal, '/etc/citygw/citygw.yaml');
    expect(loaded.config.gateway.id).toBe('canal-01');
    expect(loaded.dataDir).toBe('/etc/citygw/data');
    expect(loaded.config.buffer.maxBytes).toBe(512 * 1024 * 1024);
    expect(loaded.config.buffer.commitInterval).toBe(200);
    expect(loaded.config.buffer.drain.historyBatch).toBe(500);
    const device = loaded.config.devices[0]!;
    expect(device.driver === 'modbus' && device.retries === undefined && device.points).toEqual([]);
    expect(loaded.config.flows.enabled).toBe(true);
    expect(loaded.config.flows.editor.enabled).toBe(false);
  });

  it('reports every problem with its path, all at once', () => {
    const problems = problemsOf(`
gateway:
  id: "canal 01"
  colour: blue
buffer:
  maxBytes: lots
  commitInterval: 5 minutes
buses:
  - id: rs485
    type: modbus-rtu
    port: /dev/ttyUSB0
    parity: sometimes
devices:
  - id: level
    driver: modbus
    bus: rs458
    unit: 300
    profile: radar-level-ld8001h
  - id: level
    driver: modbus
    bus: rs485
    unit: 2
    profile: radar-level-ld8001h
    points:
      - name: x
        address: 1
        type: float16
`);
    const byPath = Object.fromEntries(problems.map((p) => [p.path, p.message]));
    expect(byPath['gateway.id']).toMatch(/letters, digits/);
    expect(byPath['gateway.colour']).toBe('unknown key');
    expect(byPath['buffer.maxBytes']).toMatch(/expected a size/);
    expect(byPath['buffer.commitInterval']).toMatch(/expected a duration/);
    expect(byPath['buses[0].parity']).toMatch(/none|even|odd/);
    expect(byPath['devices[0].unit']).toMatch(/247/);
    expect(byPath['devices[1].points[0].type']).toMatch(/float32/);
    expect(problems.length).toBeGreaterThanOrEqual(7);
  });

  it('checks references across sections once each section is valid', () => {
    const problems = problemsOf(minimal.replace('bus: rs485', 'bus: rs458') + `  - id: level
    driver: modbus
    bus: rs485
    unit: 2
    profile: radar-level-ld8001h
`);
    expect(problems).toContainEqual({ path: 'devices[0].bus', message: 'no bus with id "rs458" (known: rs485)' });
    expect(problems).toContainEqual({ path: 'devices[1].id', message: 'duplicate device id "level" (also devices[0])' });
  });

  it('rejects a device of an unknown driver with the allowed ones', () => {
    const problems = problemsOf(minimal.replace('driver: modbus', 'driver: telepathy'));
    expect(problems[0]!.path).toBe('devices[0].driver');
    expect(problems[0]!.message).toMatch(/modbus/);
  });

  it('gives YAML syntax errors with line and column', () => {
    const problems = problemsOf('gateway:\n  id: a\n  id: b\n');
    expect(problems[0]!.path).toMatch(/^line 3, column \d+$/);
  });

  it('stops at the first YAML syntax error instead of listing the ones it causes', () => {
    const problems = problemsOf('gateway:\n  id: a\n devices:\n   - id: x\n  buses: [\n');
    expect(problems).toHaveLength(1);
    expect(problems[0]!.path).toMatch(/^line \d+, column \d+$/);
  });

  it('names list entries by id and gives the YAML line; a misspelt key gets a suggestion', () => {
    const text = `${minimal}    intervall: 10s\n  - id: canal-level\n    driver: modbus\n    bus: rs485\n    unit: 300\n    profile: radar-level-ld8001h\n`;
    try {
      loadConfigText(text, '/etc/citygw/citygw.yaml');
      expect.unreachable();
    } catch (error) {
      const problems = (error as GatewayError).context?.problems as Array<{ path: string; message: string; line?: number }>;
      expect(problems).toContainEqual({ path: 'devices[0] (level).intervall', message: 'unknown key; did you mean `interval`?', line: 14 });
      expect(problems).toContainEqual({ path: 'devices[1] (canal-level).unit', message: expect.stringMatching(/247/), line: 18 });
    }
  });

  it('throws one GatewayError listing the problems', () => {
    try {
      loadConfigText('gateway: {}\n', '/x.yaml');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(GatewayError);
      expect((error as GatewayError).code).toBe(ErrorCodes.ConfigInvalid);
      expect((error as GatewayError).context?.problems).toEqual([{ path: 'gateway.id', message: expect.any(String), line: 1 }]);
    }
  });
});

describe('secrets', () => {
  const withUplink = (password: string) => `${minimal}uplink:\n  url: mqtts://broker.city.example:8883\n  username: gw\n  password: ${password}\n`;

  it('reads a secret from the environment and never prints it', () => {
    process.env.CITYGW_TEST_SECRET = 's3cr3t-value';
    const { config } = loadConfigText(withUplink('{env: CITYGW_TEST_SECRET}'), '/x.yaml');
    const password = config.uplink!.password!;
    expect(password).toBeInstanceOf(Secret);
    expect(password.reveal()).toBe('s3cr3t-value');
    expect(JSON.stringify(config)).not.toContain('s3cr3t-value');
    expect(inspect(config, { depth: 10 })).not.toContain('s3cr3t-value');
    expect(`${password}`).toBe('[redacted]');
  });

  it('reads a secret from a file (first line)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'citygw-secret-'));
    writeFileSync(join(dir, 'pw'), 'from-file\n');
    const { config } = loadConfigText(withUplink(`{file: ${join(dir, 'pw')}}`), '/x.yaml');
    expect(config.uplink!.password!.reveal()).toBe('from-file');
  });

  it('says which variable or file is missing', () => {
    delete process.env.CITYGW_NOT_SET;
    expect(problemsOf(withUplink('{env: CITYGW_NOT_SET}'))).toContainEqual({ path: 'uplink.password', message: 'environment variable CITYGW_NOT_SET is not set' });
    expect(problemsOf(withUplink('{file: /nonexistent/pw}'))[0]!.message).toMatch(/cannot read secret file \/nonexistent\/pw: ENOENT/);
  });
});

describe('a Modbus device described by its points alone', () => {
  const base = `gateway: { id: canal-01 }\nbuses: [{ id: plc, type: modbus-tcp, host: 127.0.0.1 }]\n`;

  it('needs no profile when it has points, and builds a device with exactly those points', async () => {
    const loaded = loadConfigText(`${base}devices:\n  - id: tank\n    driver: modbus\n    bus: plc\n    unit: 3\n    kind: flood-level\n    points:\n      - { name: level_m, address: 0, type: uint16, scale: 0.01, unit: m }\n`, '/etc/citygw/citygw.yaml');
    const { createFieldSide } = await import('../../drivers/registry.ts');
    const { silentLogger } = await import('../../core/log.ts');
    const side = createFieldSide({ config: loaded.config, configDir: '/etc/citygw', dataDir: '/tmp', log: silentLogger(), emit: () => undefined, alert: () => undefined, latestReading: () => undefined });
    const device = side.devices.get('tank') as unknown as { kind: string; settings: { points: Array<{ name: string }> } };
    expect(device.kind).toBe('flood-level');
    expect(device.settings.points.map((p) => p.name)).toEqual(['level_m']);
  });

  it('says what is missing when there is neither a profile nor points', () => {
    expect(problemsOf(`${base}devices: [{ id: tank, driver: modbus, bus: plc, unit: 3 }]\n`)).toContainEqual({ path: 'devices[0].profile', message: "give a profile (a shipped model or a profile file) or the device's points" });
  });
});
