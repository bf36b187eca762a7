import { bufferCommand } from './buffer.ts';
import { demoCommand } from './demo.ts';
import { flowsPasswordCommand } from './flows-password.ts';
import { installCommand } from './install.ts';
import { keygenCommand } from './keygen.ts';
import { probeCommand } from './probe.ts';
import { readCommand } from './read.ts';
import { runCommand } from './run.ts';
import { scanCommand } from './scan.ts';
import type { CliCommand } from './types.ts';
import { updateCommand } from './update.ts';
import { validateCommand } from './validate.ts';
import { verifyCommand } from './verify.ts';
import { watchCommand } from './watch.ts';

/** Every `citygw` command, in the order `citygw help` lists them. */
export const commands: CliCommand[] = [runCommand, demoCommand, validateCommand, readCommand, scanCommand, probeCommand, bufferCommand, watchCommand, flowsPasswordCommand, keygenCommand, verifyCommand, installCommand, updateCommand];
