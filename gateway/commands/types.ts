import type { Writable } from 'node:stream';

/** What a command writes to: stdout for results, stderr for diagnostics. */
export interface CommandIo {
  out: Writable;
  err: Writable;
}

/**
 * One `citygw` command. Each lives in its own file in gateway/commands/ and is listed in
 * gateway/commands/index.ts. `run` returns the exit code: 0 ok, 1 failure, 2 bad input (usage or config).
 */
export interface CliCommand {
  name: string;
  summary: string;
  usage: string;
  run(argv: string[], io: CommandIo): Promise<number>;
}
