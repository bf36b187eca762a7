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

/** A terminal's input as the prompt needs it. */
type TerminalInput = Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };

/**
 * Asks for a password on a terminal without echoing it: raw mode, Enter ends it, Backspace
 * deletes, Ctrl-C gives up (null).
 */
function promptHidden(input: TerminalInput, output: NodeJS.WritableStream, question: string): Promise<string | null> {
  // Raw mode before the prompt: anything typed from the moment it shows is never echoed.
  input.setRawMode?.(true);
  output.write(question);
  return new Promise((resolve) => {
    let text = '';
    const finish = (answer: string | null): void => {
      input.off('data', onData);
      input.off('end', onEnd);
      input.pause();
      input.setRawMode?.(false);
      output.write('\n');
      resolve(answer);
    };
    const onEnd = (): void => finish(text);
    const onData = (chunk: Buffer | string): void => {
      for (const char of String(chunk)) {
        if (char === '\r' || char === '\n') return finish(text);
        if (char === '\u0003') return finish(null);
        if (char === '\u007f' || char === '\b') text = text.slice(0, -1);
        else if (char >= ' ') text += char;
      }
    };
    input.on('data', onData);
    input.once('end', onEnd);
    input.resume();
  });
}

/** Turns an editor password into the bcrypt hash for `flows.editor.passwordHash`. */
export async function hashEditorPassword(password: string, rounds = 10): Promise<string> {
  return loadBcrypt().hash(password, rounds);
}

/**
 * `citygw flows-password`: reads a password on standard input (so it stays out of the shell
 * history) and prints the hash to put in `flows.editor.passwordHash`.
 */
export function createFlowsPasswordCommand(input: TerminalInput = process.stdin): CliCommand {
  return {
    name: 'flows-password',
    summary: 'hash a password for the flows editor login (flows.editor.passwordHash)',
    usage: 'citygw flows-password   (asks twice, without showing it; or: citygw flows-password < password-file)',
    async run(argv: string[], io: CommandIo): Promise<number> {
      if (argv.length > 0) {
        io.err.write(`flows-password takes no arguments: give the password on standard input\nusage: ${this.usage}\n`);
        return 2;
      }
      let password: string;
      if (input.isTTY === true && typeof input.setRawMode === 'function') {
        // At a terminal: asked twice, never shown, so a typo cannot lock the technician out.
        const first = await promptHidden(input, io.err, 'Password for the flows editor: ');
        const again = first === null ? null : await promptHidden(input, io.err, 'Again: ');
        if (first === null || again === null) return 130;
        if (first !== again) {
          io.err.write('flows-password: the two passwords do not match; nothing was made\n');
          return 2;
        }
        password = first;
      } else {
        password = await readFirstLine(input);
      }
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
