'use strict';
const { gatewayApi, idSet, noGatewayStatus } = require('./lib/gateway.js');

/** Which qualities pass the `quality` setting. */
const qualityFilters = {
  any: new Set(['good', 'uncertain', 'bad']),
  usable: new Set(['good', 'uncertain']),
  good: new Set(['good']),
};

module.exports = function (RED) {
  /**
   * Sends every committed reading that matches the device, kind, point and quality filters.
   * Readings arrive after the outbox committed them, so what a flow sees is what goes upstream.
   */
  function ReadingsInNode(config) {
    RED.nodes.createNode(this, config);
    const node = this;
    const devices = idSet(config.device);
    const kinds = idSet(config.kind);
    const point = typeof config.point === 'string' ? config.point.trim() : '';
    const qualities = qualityFilters[config.quality] || qualityFilters.any;
    const api = gatewayApi(RED);
    if (!api) {
      node.status(noGatewayStatus);
      return;
    }
    node.status({ fill: 'grey', shape: 'ring', text: 'waiting for readings' });

    const unsubscribe = api.onReading((reading) => {
      if (devices.size > 0 && !devices.has(reading.device)) return;
      if (kinds.size > 0 && !kinds.has(reading.kind)) return;
      if (!qualities.has(reading.quality)) return;
      if (point !== '' && !Object.prototype.hasOwnProperty.call(reading.values, point)) return;
      const msg = {
        topic: point === '' ? reading.device : `${reading.device}/${point}`,
        payload: point === '' ? reading.values : reading.values[point],
        device: reading.device,
        kind: reading.kind,
        tsMs: reading.tsMs,
        quality: reading.quality,
        reading,
      };
      const shown = point === '' ? reading.kind : `${point} ${msg.payload}`;
      // The listener runs inside the gateway's commit notification: a flow problem must stay here.
      try {
        node.status({ fill: reading.quality === 'good' ? 'green' : 'yellow', shape: 'dot', text: `${reading.device}: ${shown}` });
        node.send(msg);
      } catch (error) {
        node.error(error, msg);
      }
    });

    node.on('close', (done) => {
      unsubscribe();
      done();
    });
  }

  RED.nodes.registerType('citygw-readings-in', ReadingsInNode);

  // The editor's device pickers; behind the admin login like every other admin route.
  RED.httpAdmin.get('/citygw/devices', RED.auth.needsPermission('citygw.read'), (_req, res) => {
    const api = gatewayApi(RED);
    res.json(api ? api.devices() : []);
  });
};
