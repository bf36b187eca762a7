'use strict';
/**
 * How the gateway's nodes reach the gateway: the host object the embedding process puts in
 * Node-RED's settings as `citygw`. The nodes never open a port or a connection of their own.
 */

/**
 * What the gateway hands these nodes (checked against the gateway's own declaration).
 * @typedef {import('../../../gateway/flows-host/types.ts').FlowsGatewayApi} FlowsGatewayApi
 */

/**
 * Node-RED's runtime object as these nodes use it: only its settings, where the gateway puts itself.
 * @typedef {{ settings: { citygw?: { api?: FlowsGatewayApi, gatewayId?: unknown } } }} RedRuntime
 */

/**
 * The gateway API, or null when these nodes run in a Node-RED that is not the gateway's.
 * @param {RedRuntime} RED
 */
function gatewayApi(RED) {
  const host = RED.settings.citygw;
  if (!host || typeof host !== 'object' || !host.api) return null;
  return host.api;
}

/**
 * The id of the gateway this runtime is embedded in, or null.
 * @param {RedRuntime} RED
 */
function gatewayId(RED) {
  const host = RED.settings.citygw;
  return host && typeof host.gatewayId === 'string' ? host.gatewayId : null;
}

/**
 * A thrown value as a plain object for `msg.error`, keeping the gateway's error code name.
 * @param {unknown} thrown
 */
function errorInfo(thrown) {
  if (thrown instanceof Error) {
    /** @type {{ message: string, name: string, code?: string }} */
    const info = { message: thrown.message, name: thrown.name };
    // GatewayError carries codeName; system errors carry code (ENOENT ...).
    const coded = /** @type {Error & { codeName?: unknown, code?: unknown }} */ (thrown);
    if (typeof coded.codeName === 'string') info.code = coded.codeName;
    else if (coded.code !== undefined) info.code = String(coded.code);
    return info;
  }
  return { message: String(thrown), name: 'Error' };
}

/**
 * Splits a node setting such as "canal-level, canal-level-2" into a set; empty means "any".
 * @param {unknown} text
 */
function idSet(text) {
  if (typeof text !== 'string') return new Set();
  return new Set(text.split(',').map((s) => s.trim()).filter((s) => s !== ''));
}

/** Status shown under a node whose runtime is not the gateway's. */
const noGatewayStatus = { fill: 'red', shape: 'ring', text: 'not in a citygw gateway' };

module.exports = { gatewayApi, gatewayId, errorInfo, idSet, noGatewayStatus };
