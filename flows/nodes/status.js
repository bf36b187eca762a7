'use strict';
const { gatewayApi, errorInfo, noGatewayStatus } = require('./lib/gateway.js');

/** A short line for the node's status: uplink state, outbox depth, devices online. */
function summary(status) {
  const online = status.devices.filter((d) => d.state === 'online').length;
  return `uplink ${status.uplink.state}, outbox ${status.outbox.depth}, ${online}/${status.devices.length} online`;
}

module.exports = function (RED) {
  /**
   * Sends the gateway's status (uplink, outbox depth, device health) as msg.payload, on every
   * input and, when an interval is set, periodically.
   */
  function StatusNode(config) {
    RED.nodes.createNode(this, config);
    const node = this;
    const api = gatewayApi(RED);
    if (!api) {
      node.status(noGatewayStatus);
      return;
    }
    const emit = (msg, send) => {
      const status = api.status();
      node.status({ fill: status.uplink.state === 'connected' ? 'green' : 'yellow', shape: 'dot', text: summary(status) });
      msg.topic = msg.topic || 'citygw/status';
      msg.payload = status;
      send(msg);
    };

    node.on('input', (msg, send, done) => {
      try {
        emit(msg, send);
        done();
      } catch (error) {
        msg.error = errorInfo(error);
        done(error);
      }
    });

    const intervalS = Number(config.intervalS);
    if (intervalS > 0) {
      const timer = setInterval(() => {
        try {
          emit({}, (m) => node.send(m));
        } catch (error) {
          node.error(error);
        }
      }, intervalS * 1000);
      node.on('close', () => clearInterval(timer));
    }
  }

  RED.nodes.registerType('citygw-status', StatusNode);
};
