import type { EventEmitter } from 'node:events';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GatewayConfig } from '../config/schema.ts';
import { ErrorCodes, GatewayError, toError } from '../../core/errors.ts';
import { child, type Logger } from '../../core/log.ts';
import { closeServer, createEditorServer, listen, type EditorAddress } from './editor-server.ts';
import { buildNodeRedSettings } from './settings.ts';
import { editorGate } from './editor-gate.ts';
import type { FlowsGatewayApi } from './types.ts';
import { prepareUserDir } from './user-dir.ts';

/** The repository's `flows/` folder: shipped flows and the gateway's node package. */
export const defaultFlowsDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'flows');

/** The part of Node-RED's embedding API the host uses. */
interface NodeRedRuntime {
  init(server: Server | null, settings: Record<string, unknown>): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  version(): string;
  readonly events: EventEmitter;
  readonly httpAdmin: (req: unknown, res: unknown) => void;
}

/** How long `start` waits for the flows to run before it reports them as not started. */
const flowsStartTimeoutMs = 60_000;

interface RuntimeEvent {
  id?: string;
  payload?: { state?: string; error?: string; types?: string[] };
}

/**
 * Resolves once Node-RED has started the flows, or with the reason they stay stopped (missing
 * node types, safe mode), so `start()` returns when the rules actually run.
 */
function flowsStarted(events: EventEmitter, signal: AbortSignal): Promise<string | null> {
  return new Promise((resolvePromise) => {
    const finish = (reason: string | null): void => {
      clearTimeout(timer);
      events.off('flows:started', onStarted);
      events.off('runtime-event', onRuntimeEvent);
      signal.removeEventListener('abort', onAbort);
      resolvePromise(reason);
    };
    const onStarted = (): void => finish(null);
    const onRuntimeEvent = (event: RuntimeEvent): void => {
      const payload = event.payload;
      if (event.id === 'runtime-state' && payload?.error) {
        finish(payload.types ? `${payload.error}: ${payload.types.join(', ')}` : payload.error);
      }
    };
    const onAbort = (): void => finish('aborted');
    const timer = setTimeout(() => finish(`not started after ${flowsStartTimeoutMs} ms`), flowsStartTimeoutMs);
    events.on('flows:started', onStarted);
    events.on('runtime-event', onRuntimeEvent);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

// Node-RED is a process-wide singleton that cannot be initialised again after RED.stop().
let nodeRedClaimed = false;

export interface FlowsHostOptions {
  config: GatewayConfig;
  /** The gateway's data folder; Node-RED's user directory lives under it. */
  dataDir: string;
  log: Logger;
  api: FlowsGatewayApi;
  /** Where the shipped flows and `nodes/` are; defaults to the repository's `flows/`. */
  flowsDir?: string;
}

/**
 * Runs Node-RED inside the gateway process: the local rules (flood alert, clean-water release,
 * school air advisory) keep running with the uplink down, and the editor, when enabled, sits behind
 * a login. Start it after the outbox and the drivers; only one per process.
 */
export class FlowsHost {
  readonly name = 'flows';
  readonly #options: FlowsHostOptions;
  readonly #log: Logger;
  #red: NodeRedRuntime | null = null;
  #server: Server | null = null;
  #editor: EditorAddress | null = null;

  constructor(options: FlowsHostOptions) {
    this.#options = options;
    this.#log = child(options.log, 'flows');
  }

  /** Where the editor listens, once started with the editor on; null otherwise. */
  get editor(): EditorAddress | null {
    return this.#editor;
  }

  /** Node-RED's user directory (flows.json, credentials, context). */
  get userDir(): string {
    const setting = this.#options.config.flows.userDir;
    return isAbsolute(setting) ? setting : resolve(this.#options.dataDir, setting);
  }

  async start(signal: AbortSignal): Promise<void> {
    const { config, api } = this.#options;
    const flows = config.flows;
    if (!flows.enabled) {
      this.#log.info('flows disabled (flows.enabled: false)');
      return;
    }
    signal.throwIfAborted();
    if (nodeRedClaimed) throw new GatewayError(ErrorCodes.FlowsFailed, 'Node-RED can run only once per process');
    nodeRedClaimed = true;
    const flowsDir = this.#options.flowsDir ?? defaultFlowsDir;
    prepareUserDir({ userDir: this.userDir, sourceDir: flowsDir, install: flows.install, env: flows.env, log: this.#log });

    const red = createRequire(import.meta.url)('node-red') as NodeRedRuntime;
    const settings = buildNodeRedSettings({
      flows,
      gatewayId: config.gateway.id,
      userDir: this.userDir,
      nodesDir: join(flowsDir, 'nodes'),
      api,
      log: this.#log,
      passwordHash: flows.editor.passwordHash?.reveal(),
    });
    // The whole editor sits behind the login (editor-gate.ts); Node-RED's admin app only behind it.
    const server = flows.editor.enabled
      ? createEditorServer(flows.editor, editorGate({ admin: (req, res) => red.httpAdmin(req, res), title: `citygw ${config.gateway.id}`, secure: flows.editor.tls !== undefined, log: this.#log }))
      : null;
    try {
      red.init(server, settings);
      this.#red = red;
      const started = flowsStarted(red.events, signal);
      await red.start();
      const notRunning = await started;
      // A broken flow must not take the gateway down: readings are still stored and sent.
      if (notRunning && !signal.aborted) this.#log.error({ reason: notRunning }, 'flows are not running; fix them in the editor or the flows file');
    } catch (error) {
      throw new GatewayError(ErrorCodes.FlowsFailed, `Node-RED did not start: ${toError(error).message}`, { cause: error });
    }
    if (server) {
      try {
        this.#editor = await listen(server, flows.editor);
        this.#server = server;
        this.#log.info({ url: this.#editor.url, user: flows.editor.username }, 'flows editor listening (login required)');
      } catch (error) {
        // The rules matter more than the editor: they keep running without it.
        this.#log.error({ err: toError(error) }, 'flows editor not available; the rules run without it');
      }
    }
    this.#log.info({ version: red.version(), userDir: this.userDir, editor: flows.editor.enabled }, 'flows running');
  }

  async stop(): Promise<void> {
    if (this.#server) {
      await closeServer(this.#server);
      this.#server = null;
      this.#editor = null;
    }
    const red = this.#red;
    this.#red = null;
    if (!red) return;
    try {
      await red.stop();
    } catch (error) {
      this.#log.error({ err: toError(error) }, 'Node-RED did not stop cleanly');
    }
  }
}
