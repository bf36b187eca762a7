import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCodes, GatewayError, toError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';

/** The id of the global environment node the host keeps in the flows file (shown under the editor's global settings). */
export const globalEnvNodeId = 'citygw-global-env';

type FlowNode = Record<string, unknown> & { id: string; type: string };

interface EnvEntry {
  name: string;
  value: string;
  type: 'str' | 'num' | 'bool';
}

export interface PrepareUserDirInput {
  userDir: string;
  /** The folder with the shipped flow files (`flows/`). */
  sourceDir: string;
  /** Shipped flows to install at first start, by file name without `.json`. */
  install: readonly string[];
  /** Global flow environment from the config, applied on every start. */
  env: Record<string, string | number | boolean>;
  log: Logger;
}

export interface PreparedUserDir {
  flowFile: string;
  /** True when this start copied the shipped flows (first start, or the flows file was removed). */
  installed: boolean;
}

function readFlowArray(file: string): FlowNode[] {
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!Array.isArray(parsed)) throw new Error(`${file} is not a flow (expected a JSON array of nodes)`);
  return parsed as FlowNode[];
}

function writeAtomically(file: string, nodes: FlowNode[]): void {
  const temporary = `${file}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(nodes, null, 4)}\n`);
  renameSync(temporary, file);
}

function toEnvEntry(name: string, value: string | number | boolean): EnvEntry {
  if (typeof value === 'number') return { name, value: String(value), type: 'num' };
  if (typeof value === 'boolean') return { name, value: String(value), type: 'bool' };
  return { name, value, type: 'str' };
}

/**
 * Sets the config's `flows.env` on the flows file's global environment node, keeping any other
 * entries a technician added in the editor. Returns whether anything changed.
 */
export function applyGlobalEnv(nodes: FlowNode[], env: Record<string, string | number | boolean>): boolean {
  const names = Object.keys(env);
  let holder = nodes.find((n) => n.type === 'global-config');
  if (!holder) {
    if (names.length === 0) return false;
    holder = { id: globalEnvNodeId, type: 'global-config', env: [], modules: {} };
    nodes.push(holder);
  }
  const current = Array.isArray(holder.env) ? (holder.env as EnvEntry[]) : [];
  let changed = !Array.isArray(holder.env);
  for (const name of names) {
    const wanted = toEnvEntry(name, env[name]!);
    const index = current.findIndex((e) => e.name === name);
    if (index < 0) {
      current.push(wanted);
      changed = true;
    } else if (current[index]!.value !== wanted.value || current[index]!.type !== wanted.type) {
      current[index] = wanted;
      changed = true;
    }
  }
  holder.env = current;
  return changed;
}

/**
 * Makes Node-RED's user directory ready: at first start the shipped flows are combined into its
 * flows file; after that the file belongs to the editor (deploys persist there) and only the
 * config's global environment is refreshed.
 */
export function prepareUserDir(input: PrepareUserDirInput): PreparedUserDir {
  const { userDir, log } = input;
  mkdirSync(userDir, { recursive: true });
  const flowFile = join(userDir, 'flows.json');
  let installed = false;
  let nodes: FlowNode[];
  if (!existsSync(flowFile)) {
    nodes = [];
    for (const name of input.install) {
      const file = join(input.sourceDir, `${name}.json`);
      try {
        nodes.push(...readFlowArray(file));
      } catch (error) {
        throw new GatewayError(ErrorCodes.FlowsFailed, `cannot install shipped flow ${name}: ${toError(error).message}`, { context: { file }, cause: error });
      }
    }
    installed = true;
    log.info({ flows: input.install, flowFile }, 'installed the shipped flows (first start)');
  } else {
    try {
      nodes = readFlowArray(flowFile);
    } catch (error) {
      // Node-RED reports an unreadable flows file itself; the config's environment waits for a good one.
      log.error({ flowFile, err: toError(error) }, 'flows file is not valid JSON; global environment not applied');
      return { flowFile, installed };
    }
  }
  const envChanged = applyGlobalEnv(nodes, input.env);
  if (installed || envChanged) writeAtomically(flowFile, nodes);
  return { flowFile, installed };
}
