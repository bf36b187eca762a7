/**
 * A gateway-shaped process for flow tests: the real FlowsHost and Node-RED runtime, with the
 * gateway's side of FlowsGatewayApi played over IPC by the test (readings in; alerts, writes and
 * status requests out). Node-RED cannot be started twice in one process, so each instance is a
 * child process. argv[2]: JSON of {config, dataDir, flowsDir?}.
 */
import { createRequire } from 'node:module';
import { gatewayConfigSchema } from '../../gateway/config/schema.ts';
import { FlowsHost } from '../../gateway/flows-host/host.ts';
import type { FlowsGatewayApi, FlowsGatewayStatus } from '../../gateway/flows-host/types.ts';
import { ErrorCodes, GatewayError, toError } from '../../core/errors.ts';
import { createRootLogger } from '../../core/log.ts';
import type { Reading } from '../../core/reading.ts';
import type { WriteRequest, WriteResult } from '../../drivers/types.ts';
import type { FlowsChildEvent, FlowsChildCommand, FlowsChildOptions } from './flows-host-protocol.ts';

const options = JSON.parse(process.argv[2] ?? '{}') as FlowsChildOptions;
const config = gatewayConfigSchema.parse(options.config);
const log = createRootLogger({ level: process.env.FLOWS_TEST_LOG ?? 'warn', pretty: false });

function send(event: FlowsChildEvent): void {
  process.send?.(event);
}

const listeners = new Set<(reading: Reading) => void>();
/** The simulated field side: point values per device, and devices whose writes fail. */
const points = new Map<string, Record<string, number | boolean>>();
const failing = new Map<string, string>();
let status: FlowsGatewayStatus = { gatewayId: config.gateway.id, uplink: { state: 'disconnected', sinceMs: null }, outbox: { depth: 0 }, devices: [] };

const api: FlowsGatewayApi = {
  onReading(listener) {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
  raiseAlert(alert) {
    send({ type: 'alert', alert });
  },
  async write(deviceId: string, request: WriteRequest): Promise<WriteResult> {
    const reason = failing.get(deviceId);
    if (reason !== undefined) {
      send({ type: 'write', device: deviceId, request, ok: false });
      throw new GatewayError(ErrorCodes.DeviceOffline, `${deviceId}: ${reason}`, { context: { device: deviceId } });
    }
    const device = points.get(deviceId) ?? {};
    device[request.point] = request.value;
    points.set(deviceId, device);
    send({ type: 'write', device: deviceId, request, ok: true });
    return { device: deviceId, point: request.point, value: request.value, verified: false, durationMs: 1 };
  },
  status() {
    return status;
  },
  devices() {
    return options.devices ?? [];
  },
};

// Every message a node sends, reported by source node id: how the tests see node outputs
// without adding test-only nodes to the runtime.
interface SendEvent {
  msg: Record<string, unknown>;
  source: { id: string; port: number };
}
const red = createRequire(import.meta.url)('node-red') as {
  hooks: { add(name: string, hook: (events: SendEvent[]) => void): void };
  events: { on(event: string, listener: () => void): void };
};
// Deploys restart the flows; tests wait for this before sending readings to the new flows.
red.events.on('flows:started', () => send({ type: 'flows-started' }));
red.hooks.add('onSend.citygwTest', (events) => {
  for (const event of events) {
    const { req: _req, res: _res, ...rest } = event.msg;
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(JSON.stringify(rest)) as Record<string, unknown>;
    } catch {
      msg = { unserialisable: true };
    }
    send({ type: 'flow-output', node: event.source.id, port: event.source.port, msg });
  }
});

const host = new FlowsHost({ config, dataDir: options.dataDir, log, api, ...(options.flowsDir ? { flowsDir: options.flowsDir } : {}) });
const controller = new AbortController();

process.on('message', (raw) => {
  const command = raw as FlowsChildCommand;
  switch (command.type) {
    case 'reading':
      for (const listener of listeners) listener(command.reading);
      break;
    case 'status':
      status = command.status;
      break;
    case 'fail-writes':
      if (command.reason === null) failing.delete(command.device);
      else failing.set(command.device, command.reason);
      break;
    case 'points':
      send({ type: 'points', device: command.device, points: points.get(command.device) ?? {} });
      break;
    case 'stop':
      controller.abort();
      host.stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
      break;
  }
});

host.start(controller.signal).then(
  () => send({ type: 'ready', editorUrl: host.editor?.url ?? null, userDir: host.userDir }),
  (error: unknown) => {
    send({ type: 'failed', message: toError(error).message });
    process.exit(1);
  },
);
