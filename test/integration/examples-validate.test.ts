import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, runCli } from '../helpers/cli.ts';

const examplesDir = join(repoRoot, 'deploy', 'examples');
const examples = readdirSync(examplesDir).filter((f) => f.endsWith('.yaml'));

describe('the example configs a technician starts from', () => {
  it('there are examples', () => {
    expect(examples.length).toBeGreaterThanOrEqual(2);
  });

  it.each(examples)('%s passes citygw validate', async (name) => {
    // Secret files the example points at (/etc/citygw/...) are made in a temp folder.
    const dir = mkdtempSync(join(tmpdir(), 'citygw-example-'));
    const text = readFileSync(join(examplesDir, name), 'utf8').replaceAll('/etc/citygw/', `${dir}/`);
    for (const match of text.matchAll(new RegExp(`${dir}/([\\w.-]+)`, 'g'))) writeFileSync(join(dir, match[1]!), 'secret-from-file\n');
    const file = join(dir, name);
    writeFileSync(file, text);
    const result = await runCli(['validate', '--config', file], { env: { CITYGW_MQTT_PASSWORD: 'pw', CAM_BRIDGE_01_PASSWORD: 'pw' } });
    // The example's adapters are not plugged into this machine: validate only warns about their ports.
    const otherLines = result.stderr.split('\n').filter((line) => line !== '' && !/^warning: buses\[\d+\] \([\w.-]+\)\.port: .* does not exist on this box/.test(line));
    expect(otherLines).toEqual([]);
    expect(result.code).toBe(0);
  });
});
