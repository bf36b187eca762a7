import { Writable } from 'node:stream';
import type { CliCommand } from '../../gateway/commands/types.ts';

/** Runs a command in-process and returns its exit code and what it printed. */
export async function runCli(command: CliCommand, argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk: Buffer, _enc, done) {
        append(chunk.toString());
        done();
      },
    });
  const code = await command.run(argv, { out: sink((s) => (out += s)), err: sink((s) => (err += s)) });
  return { code, out, err };
}
