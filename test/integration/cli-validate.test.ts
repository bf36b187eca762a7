import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'citygw-cli-'));

function configFile(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe('citygw validate / run with a bad config', () => {
  const bad = configFile(
    'bad.yaml',
    `gateway:
  id: canal-01
  colour: blue
buses:
  - id: rs485
    type: modbus-rtu
    port: /dev/ttyUSB0
devices:
  - id: level
    driver: modbus
    bus: rs485
    unit: 0
    profile: radar-level
    interval: soon
`,
  );

  it('validate prints every problem with its path and exits 2', async () => {
    const result = await runCli(['validate', '--config', bad]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('3 problems; nothing was started');
    expect(result.stderr).toContain('gateway.colour: unknown key');
    expect(result.stderr).toMatch(/devices\[0\] \(level\)\.unit: .*1 \(line 12\)/);
    expect(result.stderr).toMatch(/devices\[0\] \(level\)\.interval: expected a duration.* \(line 14\)/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('run refuses the same config the same way, with nothing started', async () => {
    const result = await runCli(['run', '--config', bad]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('gateway.colour: unknown key');
    expect(result.stderr).not.toContain('starting gateway');
  });

  it('says so when the file does not exist', async () => {
    const result = await runCli(['validate', '--config', join(dir, 'missing.yaml')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/cannot read config file .*missing\.yaml: ENOENT/);
  });

  it('validate accepts a good config and exits 0', async () => {
    const good = configFile('good.yaml', 'gateway:\n  id: canal-01\n');
    const result = await runCli(['validate', '--config', good]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('valid (gateway canal-01');
  });

  it('names a misspelt device profile with the shipped ones', async () => {
    const file = configFile('profile.yaml', 'gateway: { id: canal-01 }\nbuses: [{ id: b, type: modbus-tcp, host: 127.0.0.1 }]\ndevices: [{ id: level, driver: modbus, bus: b, unit: 1, profile: radar-levl }]\n');
    const result = await runCli(['validate', '--config', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/devices\[0\] \(level\)\.profile: unknown profile "radar-levl" \(shipped: .*radar-level-ld8001h/);
  });

  it('warns (and still exits 0) when a serial port in the config does not exist on this box', async () => {
    const file = configFile('missing-port.yaml', 'gateway: { id: canal-01 }\nbuses: [{ id: rs485, type: modbus-rtu, port: /dev/serial/by-id/usb-not-plugged-in }, { id: air, type: serial, port: /dev/ttyUSB-nowhere }]\n');
    const result = await runCli(['validate', '--config', file]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('valid (gateway canal-01');
    expect(result.stderr).toContain('warning: buses[0] (rs485).port: /dev/serial/by-id/usb-not-plugged-in does not exist on this box');
    expect(result.stderr).toContain('warning: buses[1] (air).port: /dev/ttyUSB-nowhere does not exist');
  });

  it('usage errors exit 2 with the usage line', async () => {
    const result = await runCli(['validate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('usage: citygw validate --config FILE');
  });
});
