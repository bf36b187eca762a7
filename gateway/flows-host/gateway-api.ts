import type { FieldDevice } from '../../drivers/types.ts';
import { ErrorCodes, GatewayError, toError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import type { Outbox } from '../outbox/types.ts';
import type { GatewayEvents } from '../events.ts';
import type { Reading } from '../../core/reading.ts';
import type { FlowsGatewayApi, FlowsUplinkStatus } from './types.ts';

export interface FlowsGatewayApiSources {
  gatewayId: string;
  /** Committed readings arrive on the gateway's event bus. */
  events: Pick<GatewayEvents, 'on'>;
  outbox: Pick<Outbox, 'appendAlert' | 'depth'>;
  devices: ReadonlyMap<string, FieldDevice>;
  /** The uplink's state now; `disabled` when the config has no uplink. */
  uplinkStatus: () => FlowsUplinkStatus;
  log: Logger;
}

/**
 * Builds the flows' view of the gateway from its parts: readings as the outbox commits them (from the event bus),
 * alerts into the outbox's alert lane, writes through each device's bus scheduler. One listener's
 * failure never reaches the outbox or the other listeners.
 */
export function createFlowsGatewayApi(sources: FlowsGatewayApiSources): FlowsGatewayApi {
  const { events, outbox, devices, log } = sources;
  return {
    onReading(listener: (reading: Reading) => void): () => void {
      return events.on('flows', 'readings', (readings) => {
        for (const reading of readings) {
          try {
            listener(reading);
          } catch (error) {
            log.error({ err: toError(error), device: reading.device }, 'a flow failed on a reading');
          }
        }
      });
    },
    raiseAlert(alert) {
      outbox.appendAlert(alert);
    },
    async write(deviceId, request, signal) {
      const device = devices.get(deviceId);
      if (!device) {
        throw new GatewayError(ErrorCodes.UsageError, `no device "${deviceId}" (known: ${[...devices.keys()].join(', ') || 'none'})`, { context: { device: deviceId } });
      }
      if (!device.write) throw new GatewayError(ErrorCodes.UsageError, `device "${deviceId}" does not accept writes`, { context: { device: deviceId } });
      return device.write(request, signal);
    },
    status() {
      return {
        gatewayId: sources.gatewayId,
        uplink: sources.uplinkStatus(),
        outbox: { depth: outbox.depth() },
        devices: [...devices.values()].map((device) => device.stats()),
      };
    },
    devices() {
      return [...devices.values()].map((device) => ({ id: device.id, kind: device.kind, writable: typeof device.write === 'function' }));
    },
  };
}
