import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProfile, profilesDir } from '../../drivers/modbus/profile.ts';
import { coalesce } from '../../drivers/modbus/coalesce.ts';

const files = readdirSync(profilesDir).filter((f) => f.endsWith('.yaml'));

describe('shipped device profiles', () => {
  it('cover the device families of the field notes', () => {
    const kinds = files.map((f) => loadProfile(join(profilesDir, f)));
    const byKind = (kind: string) => kinds.filter((k) => k.kind === kind).length;
    expect(files.length).toBeGreaterThanOrEqual(9);
    expect(byKind('flood-level')).toBeGreaterThanOrEqual(3);
    expect(byKind('water-quality')).toBeGreaterThanOrEqual(2);
    expect(byKind('air-quality')).toBeGreaterThanOrEqual(2);
    expect(byKind('digital-io')).toBeGreaterThanOrEqual(2);
  });

  for (const file of files) {
    it(`${file} validates, names its source and plans its reads`, () => {
      const profile = loadProfile(join(profilesDir, file));
      expect(`${profile.model}.yaml`).toBe(file);
      expect(profile.source.length).toBeGreaterThan(20);
      expect(typeof profile.verified).toBe('boolean');
      const blocks = coalesce(profile.points, { maxRegistersPerRead: profile.defaults.maxRegistersPerRead ?? 125, maxGap: profile.defaults.maxGap ?? 0 });
      expect(blocks.flatMap((b) => b.points).length).toBe(profile.points.length);
    });
  }

  it('rejects a profile with a bool holding register, naming the point', async () => {
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const file = join(mkdtempSync(join(tmpdir(), 'citygw-profile-')), 'bad.yaml');
    writeFileSync(file, 'model: bad\nname: Bad\nkind: generic\nsource: made up for this test only\nverified: false\npoints:\n  - { name: x, table: holding, address: 0, type: bool }\n');
    expect(() => loadProfile(file)).toThrow(/points\[0\]\.type: type bool is only for coil and discrete points/);
  });
});
