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

describe('citygw flows-password at a terminal', () => {
  const drive = async (answers: Array<[string, string]>): Promise<{ output: string; code: number }> => {
    const { execFile } = await import('node:child_process');
    const { fileURLToPath } = await import('node:url');
    const cli = fileURLToPath(new URL('../../gateway/cli.ts', import.meta.url));
    const helper = fileURLToPath(new URL('../helpers/pty-drive.py', import.meta.url));
    const spec = JSON.stringify({ argv: [process.execPath, '--disable-warning=ExperimentalWarning', cli, 'flows-password'], answers });
    return new Promise((resolve, reject) => {
      execFile('python3', [helper, spec], { timeout: 90_000 }, (error, stdout) => (error ? reject(error) : resolve(JSON.parse(stdout) as { output: string; code: number })));
    });
  };

  it('asks twice without showing the password, then prints the hash', async () => {
    const result = await drive([
      ['Password for the flows editor: ', 'canal-night-shift'],
      ['Again: ', 'canal-night-shift'],
    ]);
    expect(result.output).not.toContain('canal-night-shift');
    expect(result.output).toMatch(/\$2[aby]\$10\$[./A-Za-z0-9]{53}/);
    expect(result.code).toBe(0);
  });

  it('makes nothing when the two differ', async () => {
    const result = await drive([
      ['Password for the flows editor: ', 'canal-night-shift'],
      ['Again: ', 'canal-night-shfit'],
    ]);
    expect(result.output).toContain('do not match');
    expect(result.output).not.toMatch(/\$2[aby]\$/);
    expect(result.code).toBe(2);
  });
});
