'use strict';
const { gatewayApi, errorInfo, noGatewayStatus } = require('./lib/gateway.js');

/** msg.payload as a coil or register value: booleans, numbers, and the words a technician types. */
function writeValue(payload) {
  if (typeof payload === 'boolean') return payload;
  if (typeof payload === 'number' && Number.isFinite(payload)) return payload;
  if (typeof payload === 'string') {
    const word = payload.trim().toLowerCase();
    if (word === 'on' || word === 'true') return true;
    if (word === 'off' || word === 'false') return false;
    if (word !== '' && Number.isFinite(Number(word))) return Number(word);
  }
  return undefined;
}

module.exports = function (RED) {
  /**
   * Writes msg.payload to a coil or register through the device's bus scheduler (never its own
   * connection). Output 1 gets the result (msg.payload = {device, point, value, verified,
   * durationMs}); output 2 gets failures with msg.error, which Catch nodes also see.
   */
  function DeviceWriteNode(config) {
    RED.nodes.createNode(this, config);
    const node = this;
    const api = gatewayApi(RED);
    const timeoutMs = Number(config.timeoutS) > 0 ? Number(config.timeoutS) * 1000 : 10_000;
    const pending = new Set();
    if (!api) node.status(noGatewayStatus);

    node.on('input', (msg, send, done) => {
      const device = (config.device || '').trim() || (typeof msg.device === 'string' ? msg.device : '');
      const point = (config.point || '').trim() || (typeof msg.point === 'string' ? msg.point : '');
      const value = writeValue(msg.payload);
      const fail = (error) => {
        msg.error = errorInfo(error);
        node.status({ fill: 'red', shape: 'ring', text: `${point || '?'}: ${msg.error.code || msg.error.message}`.slice(0, 48) });
        send([null, msg]);
        done(error);
      };
      if (!api) return fail(new Error('the citygw device-write node works only inside the gateway'));
      if (device === '' || point === '') return fail(new Error('no target: set the device and point in the node, or msg.device and msg.point'));
      if (value === undefined) return fail(new Error(`cannot write ${JSON.stringify(msg.payload)}: expected a boolean or a number`));

      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(new Error(`write timed out after ${timeoutMs} ms`)), timeoutMs);
      pending.add(controller);
      node.status({ fill: 'blue', shape: 'ring', text: `${point} <- ${value}` });
      api
        .write(device, { point, value }, controller.signal)
        .then(
          (result) => {
            node.status({ fill: 'green', shape: 'dot', text: `${point} = ${result.value}` });
            msg.payload = result;
            msg.device = device;
            msg.point = point;
            send([msg, null]);
            done();
          },
          (error) => fail(error),
        )
        .finally(() => {
          clearTimeout(timer);
          pending.delete(controller);
        });
    });

    node.on('close', (done) => {
      // A redeploy or shutdown must not leave a write waiting on a bus that is stopping.
      for (const controller of pending) controller.abort(new Error('flow stopped'));
      done();
    });
  }

  RED.nodes.registerType('citygw-device-write', DeviceWriteNode);
};
