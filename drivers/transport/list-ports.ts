import { readdir, readlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/** One serial port found on this machine. */
export interface PortListing {
  /** The path to put in a config: the stable /dev/serial/by-id/ name when there is one. */
  path: string;
  /** The kernel device it points to (`/dev/ttyUSB0`). */
  device: string;
}

async function entries(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch {
    return [];
  }
}

/**
 * Serial ports on this machine, /dev/serial/by-id/ names first: they survive re-plugging and
 * reboots, where /dev/ttyUSB0 may become /dev/ttyUSB1. Reads /dev directly (no udevadm needed).
 */
export async function listSerialPorts(devDir = '/dev'): Promise<PortListing[]> {
  const out: PortListing[] = [];
  const seen = new Set<string>();
  const byId = join(devDir, 'serial', 'by-id');
  for (const name of await entries(byId)) {
    const path = join(byId, name);
    let device = path;
    try {
      device = resolve(byId, await readlink(path));
    } catch {
      /* not a link: keep the name */
    }
    seen.add(device);
    out.push({ path, device });
  }
  // USB adapters first, then board UARTs; built-in ttyS ports are often phantoms on x86, so last.
  const rank = (name: string): number => (/^ttyS\d/.test(name) ? 2 : /^ttyAMA\d/.test(name) ? 1 : 0);
  const names = (await entries(devDir)).filter((name) => /^tty(USB|ACM|AMA|S|XRUSB|CH343USB)\d+$/.test(name)).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  for (const name of names) {
    const device = join(devDir, name);
    if (!seen.has(device)) out.push({ path: device, device });
  }
  return out;
}
