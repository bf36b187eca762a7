import { readdir, readlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';

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
  for (const name of await entries(devDir)) {
    if (!/^tty(USB|ACM|AMA|S|XRUSB|CH343USB)\d+$/.test(name)) continue;
    const device = join(devDir, name);
    if (seen.has(device)) continue;
    // Built-in ttyS ports beyond the first few are usually phantoms on x86; list them last.
    out.push({ path: device, device });
  }
  return out;
}
