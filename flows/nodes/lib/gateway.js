'use strict';
/**
 * How the gateway's nodes reach the gateway: the host object the embedding process puts in
 * Node-RED's settings as `citygw`. The nodes never open a port or a connection of their own.
 */

/**
 * The gateway API, or null when these nodes run in a Node-RED that is not the gateway's.
 * @param {object} RED
 */
function gatewayApi(RED) {
  const host = RED.settings.citygw;
  if (!host || typeof host !== 'object' || !host.api) return null;
  return host.api;
}

/** The id of the gateway this runtime is embedded in, or null. */
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
    const info = { message: thrown.message, name: thrown.name };
    if (typeof thrown.codeName === 'string') info.code = thrown.codeName;
    else if (thrown.code !== undefined) info.code = String(thrown.code);
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
