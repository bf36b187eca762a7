import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listSerialPorts } from '../../drivers/transport/list-ports.ts';

describe('listing serial ports', () => {
  it('puts /dev/serial/by-id names first and does not list their devices twice', async () => {
    const dev = mkdtempSync(join(tmpdir(), 'citygw-dev-'));
    for (const name of ['ttyS0', 'ttyUSB0', 'ttyUSB1', 'ttyACM0', 'tty1', 'null']) writeFileSync(join(dev, name), '');
    mkdirSync(join(dev, 'serial', 'by-id'), { recursive: true });
    symlinkSync('../../ttyUSB1', join(dev, 'serial', 'by-id', 'usb-FTDI_FT232R_A10K1234-if00-port0'));
    const ports = await listSerialPorts(dev);
    expect(ports.map((p) => p.path)).toEqual([join(dev, 'serial', 'by-id', 'usb-FTDI_FT232R_A10K1234-if00-port0'), join(dev, 'ttyACM0'), join(dev, 'ttyUSB0'), join(dev, 'ttyS0')]);
    expect(ports[0]!.device).toBe(join(dev, 'ttyUSB1'));
  });

  it('returns nothing (no throw) when /dev has no serial ports', async () => {
    expect(await listSerialPorts(mkdtempSync(join(tmpdir(), 'citygw-dev-')))).toEqual([]);
  });
});
