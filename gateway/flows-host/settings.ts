import type { Logger } from '../../core/log.ts';
import type { FlowsConfig } from './config-schema.ts';
import type { FlowsGatewayApi, FlowsNodeSettings } from './types.ts';

/** Node-RED's numeric log levels (from @node-red/util's log module). */
const nodeRedLevels: Record<number, 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace'> = {
  10: 'fatal',
  20: 'error',
  30: 'warn',
  40: 'info',
  50: 'debug',
  60: 'trace',
};

/**
 * Core node files that open connections or run programs; left out unless `flows.allowNetworkNodes`.
 * TLS and proxy configuration nodes stay: they only hold settings.
 */
export const networkNodeFiles = ['10-mqtt.js', '21-httpin.js', '21-httprequest.js', '22-websocket.js', '31-tcpin.js', '32-udp.js', '90-exec.js'];

/** One log event as Node-RED hands it to a logging handler. */
interface NodeRedLogEvent {
  level: number;
  msg?: unknown;
  type?: string;
  id?: string;
  name?: string;
  event?: string;
  user?: { username?: string } | null;
  path?: string;
  ip?: string;
}

/** Forwards Node-RED's log events (runtime, nodes, audit) to the gateway's pino logger. */
export function nodeRedLogHandler(log: Logger): (event: NodeRedLogEvent) => void {
  return (event) => {
    const bindings: Record<string, unknown> = {};
    if (event.type) bindings.nodeType = event.type;
    if (event.id) bindings.nodeId = event.id;
    if (event.name) bindings.nodeName = event.name;
    if (event.level === 98) {
      // Audit events say who changed what in the editor: worth keeping at info.
      log.info({ ...bindings, audit: event.event, user: event.user?.username ?? null, path: event.path, ip: event.ip }, 'editor audit');
      return;
    }
    const level = nodeRedLevels[event.level];
    if (!level) return;
    const text = event.msg instanceof Error ? event.msg.message : typeof event.msg === 'string' ? event.msg : JSON.stringify(event.msg);
    log[level](bindings, text);
  };
}

export interface NodeRedSettingsInput {
  flows: FlowsConfig;
  gatewayId: string;
  userDir: string;
  /** The gateway's node package (flows/nodes). */
  nodesDir: string;
  api: FlowsGatewayApi;
  log: Logger;
  /** The editor's bcrypt password hash, when the editor is on. */
  passwordHash: string | undefined;
}

/** Node-RED's settings object as the host passes it to `RED.init`; `citygw` is read by the gateway's nodes. */
export type NodeRedSettings = Record<string, unknown> & { citygw: FlowsNodeSettings };

/**
 * Derives Node-RED's settings from the gateway's `flows` config. Everything that could reach the
 * network on its own is off (palette installs, function-node npm modules, telemetry, HTTP-in
 * endpoints); the admin API exists only with the editor, and then only behind a login.
 */
export function buildNodeRedSettings(input: NodeRedSettingsInput): NodeRedSettings {
  const { flows, log } = input;
  const editor = flows.editor;
  const settings: NodeRedSettings = {
    userDir: input.userDir,
    nodesDir: [input.nodesDir],
    flowFile: 'flows.json',
    flowFilePretty: true,
    nodesExcludes: flows.allowNetworkNodes ? [] : networkNodeFiles,
    // Flows must not serve HTTP: there is no HTTP server when the editor is off, and the
    // HTTP-in endpoints would not share the editor's login.
    httpNodeRoot: false,
    httpAdminRoot: editor.enabled ? '/' : false,
    disableEditor: !editor.enabled,
    // State the rules keep (alert raised, hold timers) survives a reboot.
    contextStorage: { default: { module: 'localfilesystem', config: { flushInterval: 30 } } },
    logging: {
      citygw: {
        level: 'info',
        audit: editor.enabled,
        metrics: false,
        handler: () => nodeRedLogHandler(log),
      },
    },
    externalModules: {
      autoInstall: false,
      palette: { allowInstall: false, allowUpdate: false, allowUpload: false },
      modules: { allowInstall: false },
    },
    functionExternalModules: false,
    diagnostics: { enabled: false, ui: false },
    runtimeState: { enabled: false, ui: false },
    telemetry: { enabled: false, updateNotification: false },
    exportGlobalContextKeys: false,
    editorTheme: {
      projects: { enabled: false },
      tours: false,
      multiplayer: { enabled: false },
      page: { title: `citygw ${input.gatewayId}` },
      header: { title: `citygw ${input.gatewayId}` },
    },
    citygw: { api: input.api, gatewayId: input.gatewayId },
  };
  // Without a configured key Node-RED generates one and keeps it in the user directory.
  if (flows.credentialSecret) settings.credentialSecret = flows.credentialSecret.reveal();
  if (editor.enabled) {
    settings.adminAuth = {
      type: 'credentials',
      sessionExpiryTime: Math.max(60, Math.round(editor.sessionExpiry / 1000)),
      users: [{ username: editor.username, password: input.passwordHash, permissions: '*' }],
    };
  }
  return settings;
}
