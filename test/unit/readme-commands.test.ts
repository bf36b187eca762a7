import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The README's sections, by heading. */
function section(heading: string): string {
  const start = readme.indexOf(`## ${heading}`);
  if (start < 0) throw new Error(`README has no section "${heading}"`);
  const end = readme.indexOf('\n## ', start + 3);
  return readme.slice(start, end < 0 ? undefined : end);
}

describe('the README never sends a technician to the public registry', () => {
  it('the box-side sections (install, Thai guide, logs) use the installed `citygw` command, never npx', () => {
    for (const heading of ['Install on a box', 'คู่มือย่อสำหรับช่างเทคนิค (Thai quick guide)', 'Logs and diagnosis']) {
      const text = section(heading);
      // The one mention allowed is the warning against it.
      const uses = text.split('\n').filter((line) => /`[^`]*\bnpx [^`]*`|\| *npx /.test(line) && !/never `npx|ห้ามใช้ `npx/.test(line));
      expect(uses, heading).toEqual([]);
    }
    expect(section('คู่มือย่อสำหรับช่างเทคนิค (Thai quick guide)')).toMatch(/`sudo citygw validate --config/);
  });

  it('every other npx citygw is said to be for the project folder', () => {
    const lines = readme.split('\n');
    lines.forEach((line, i) => {
      if (!line.includes('npx citygw')) return;
      const around = lines.slice(Math.max(0, i - 2), i + 2).join(' ');
      expect(around, `README line ${i + 1}: ${line}`).toMatch(/project folder|never `npx|ห้ามใช้/);
    });
  });

  it('the installed command runs the installed copy, never npx', () => {
    const wrapper = readFileSync(new URL('../../deploy/install/citygw', import.meta.url), 'utf8');
    const install = readFileSync(new URL('../../deploy/install/install.sh', import.meta.url), 'utf8');
    const code = wrapper.split('\n').filter((line) => !line.startsWith('#')).join('\n');
    expect(code).not.toMatch(/\bnpx\b|\bnpm\b/);
    expect(wrapper).toMatch(/exec (runuser -u citygw -- )?node "\$launcher"/);
    expect(install).toMatch(/> \/usr\/local\/bin\/citygw/);
  });
});
