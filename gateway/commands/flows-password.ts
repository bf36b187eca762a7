import { createRequire } from 'node:module';
import type { Readable } from 'node:stream';
import type { CliCommand, CommandIo } from './types.ts';

interface Bcrypt {
  hash(password: string, rounds: number): Promise<string>;
}

/** bcrypt as Node-RED itself uses it (its own dependency), so the hash is one Node-RED accepts. */
function loadBcrypt(): Bcrypt {
  const require = createRequire(import.meta.url);
  return createRequire(require.resolve('node-red/package.json'))('bcryptjs') as Bcrypt;
}

/** Reads the first line of a stream (the password), without a trailing newline. */
async function readFirstLine(input: Readable): Promise<string> {
  let text = '';
  for await (const chunk of input) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  return (text.split(/\r?\n/)[0] ?? '').trim();
}

/** Turns an editor password into the bcrypt hash for `flows.editor.passwordHash`. */
export async function hashEditorPassword(password: string, rounds = 10): Promise<string> {
  return loadBcrypt().hash(password, rounds);
}

/**
 * `citygw flows-password`: reads a password on standard input (so it stays out of the shell
 * history) and prints the hash to put in `flows.editor.passwordHash`.
 */
export function createFlowsPasswordCommand(input: Readable = process.stdin): CliCommand {
  return {
    name: 'flows-password',
    summary: 'hash a password for the flows editor login (flows.editor.passwordHash)',
    usage: 'citygw flows-password < password-file   (or type it and press Enter)',
    async run(argv: string[], io: CommandIo): Promise<number> {
      if (argv.length > 0) {
        io.err.write(`flows-password takes no arguments: give the password on standard input\nusage: ${this.usage}\n`);
        return 2;
      }
      const password = await readFirstLine(input);
      if (password.length < 8) {
        io.err.write('flows-password: use at least 8 characters\n');
        return 2;
      }
      io.out.write(`${await hashEditorPassword(password)}\n`);
      return 0;
    },
  };
}

export const flowsPasswordCommand: CliCommand = createFlowsPasswordCommand();
