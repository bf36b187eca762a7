import { EventEmitter } from 'node:events';
import type { AlertPayload } from '../core/alert.ts';
import type { Reading } from '../core/reading.ts';

/** Events of the running gateway, each with its typed payload. */
export interface GatewayEventMap {
  /** Readings durably committed to the outbox, in commit order. */
  readings: [readings: Reading[]];
  /** Alerts durably committed to the outbox's alert lane. */
  alerts: [alerts: AlertPayload[]];
}

/**
 * The gateway's typed event bus: the one way parts hear about commits (the uplink wakes on them,
 * the flows API hands readings to Node-RED, the control layer follows alerts). The outbox emits
 * nothing itself; the gateway forwards its commit listener here. Listeners are registered under an
 * owner so one `removeOwner` call removes all of a component's listeners (as zigbee2mqtt does for
 * its extensions).
 */
export class GatewayEvents {
  readonly #emitter = new EventEmitter({ captureRejections: false });
  readonly #owners = new Map<string, Array<{ event: keyof GatewayEventMap; listener: (...args: unknown[]) => void }>>();

  constructor() {
    this.#emitter.setMaxListeners(100);
  }

  on<E extends keyof GatewayEventMap>(owner: string, event: E, listener: (...args: GatewayEventMap[E]) => void): () => void {
    const untyped = listener as unknown as (...args: unknown[]) => void;
    this.#emitter.on(event, untyped);
    const list = this.#owners.get(owner) ?? [];
    list.push({ event, listener: untyped });
    this.#owners.set(owner, list);
    return () => this.#emitter.off(event, untyped);
  }

  emit<E extends keyof GatewayEventMap>(event: E, ...args: GatewayEventMap[E]): void {
    this.#emitter.emit(event, ...args);
  }

  listenerCount(event: keyof GatewayEventMap): number {
    return this.#emitter.listenerCount(event);
  }

  removeOwner(owner: string): void {
    for (const { event, listener } of this.#owners.get(owner) ?? []) this.#emitter.off(event, listener);
    this.#owners.delete(owner);
  }
}
