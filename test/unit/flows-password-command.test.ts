import { createRequire } from 'node:module';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createFlowsPasswordCommand } from '../../gateway/commands/flows-password.ts';
import { bcryptHashPattern } from '../../gateway/flows-host/config-schema.ts';

function collect(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  return { stream, text: () => chunks.join('') };
}

describe('citygw flows-password', () => {
  it('prints a bcrypt hash that Node-RED verifies against the password', async () => {
    const out = collect();
    const err = collect();
    const code = await createFlowsPasswordCommand(Readable.from(['canal-night-shift\n'])).run([], { out: out.stream, err: err.stream });
    expect(code).toBe(0);
    const hash = out.text().trim();
    expect(hash).toMatch(bcryptHashPattern);
    const require = createRequire(import.meta.url);
    const bcrypt = createRequire(require.resolve('node-red/package.json'))('bcryptjs') as { compareSync(a: string, b: string): boolean };
    expect(bcrypt.compareSync('canal-night-shift', hash)).toBe(true);
    expect(bcrypt.compareSync('canal-night-shif', hash)).toBe(false);
  });

  it('refuses a short password and a password on the command line', async () => {
    const err = collect();
    expect(await createFlowsPasswordCommand(Readable.from(['short\n'])).run([], { out: collect().stream, err: err.stream })).toBe(2);
    expect(await createFlowsPasswordCommand(Readable.from([''])).run(['secret-on-argv'], { out: collect().stream, err: err.stream })).toBe(2);
    expect(err.text()).toMatch(/at least 8/);
  });
});
