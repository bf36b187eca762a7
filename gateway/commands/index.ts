import { demoCommand } from './demo.ts';
import { runCommand } from './run.ts';
import type { CliCommand } from './types.ts';
import { validateCommand } from './validate.ts';
import { watchCommand } from './watch.ts';

/** Every `citygw` command, in the order `citygw help` lists them. */
export const commands: CliCommand[] = [runCommand, demoCommand, validateCommand, watchCommand];
