import { commands } from './commands/index.ts';
import type { CommandIo } from './commands/types.ts';
import { ErrorCodes, isGatewayError, toError } from '../core/errors.ts';
import { gatewayVersion } from './version.ts';

function help(io: CommandIo): void {
  io.out.write(`citygw ${gatewayVersion}: city field gateway\n\nCommands:\n`);
  const width = Math.max(...commands.map((c) => c.name.length));
  for (const command of commands) io.out.write(`  ${command.name.padEnd(width)}  ${command.summary}\n`);
  io.out.write('\n`citygw COMMAND --help` shows a command\'s options. Docs: README.md.\nExit codes: 0 success, 1 failure, 2 bad input (usage or config).\n');
}

/** Runs one command and returns its exit code. Errors print one clear line, never a stack trace. */
export async function main(argv: string[], io: CommandIo = { out: process.stdout, err: process.stderr }): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    help(io);
    return name === undefined ? 2 : 0;
  }
  if (name === 'version' || name === '--version') {
    io.out.write(`${gatewayVersion}\n`);
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.err.write(`citygw: unknown command "${name}" (try: citygw help)\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out.write(`usage: ${command.usage}\n${command.summary}\n`);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (isGatewayError(error, ErrorCodes.UsageError)) {
      io.err.write(`citygw ${name}: ${error.message}\nusage: ${command.usage}\n`);
      return 2;
    }
    const err = toError(error);
    io.err.write(`citygw ${name}: ${err.message}\n`);
    if (process.env.CITYGW_DEBUG === '1' && err.stack) io.err.write(`${err.stack}\n`);
    return 1;
  }
}

/**
 * `citygw probe ... | head`: the reader closing the pipe is not a failure of the command. Stop
 * quietly (exit 0) instead of dying of an EPIPE stack trace.
 */
export function exitQuietlyOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (error: Error) => {
    if ('code' in error && error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}

if (import.meta.main) {
  exitQuietlyOnClosedPipe(process.stdout);
  exitQuietlyOnClosedPipe(process.stderr);
  const code = await main(process.argv.slice(2));
  process.exitCode = code;
  // Open handles (timers of stopped services) must not keep a finished command alive.
  setTimeout(() => process.exit(code), 200).unref();
}
