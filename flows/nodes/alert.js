'use strict';
const { gatewayApi, errorInfo, noGatewayStatus } = require('./lib/gateway.js');

const severities = new Set(['info', 'warning', 'critical']);

/**
 * Fills `{{name}}` from the alert's values (or `device`), so a message template such as
 * "ระดับน้ำ {{level_m}} ม." carries the observed number.
 */
function fillTemplate(text, alert) {
  return String(text).replace(/\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}/g, (whole, name) => {
    if (name === 'device') return alert.device === null ? '' : String(alert.device);
    const values = alert.values || {};
    return Object.prototype.hasOwnProperty.call(values, name) && values[name] !== null ? String(values[name]) : whole;
  });
}

/** The alert state a message asks for: msg.alert.state, or a truthy/falsy msg.payload. */
function stateOf(msg) {
  const given = msg.alert && msg.alert.state;
  if (given === 'raised' || given === 'cleared') return given;
  if (msg.payload === 'raised' || msg.payload === 'cleared') return msg.payload;
  if (typeof msg.payload === 'boolean') return msg.payload ? 'raised' : 'cleared';
  return null;
}

module.exports = function (RED) {
  /**
   * Raises or clears a gateway alert. The alert goes to the outbox's alert lane and is published
   * on `alerts` ahead of any backlog, so it survives an uplink outage and a reboot.
   */
  function AlertNode(config) {
    RED.nodes.createNode(this, config);
    const node = this;
    const api = gatewayApi(RED);
    if (!api) node.status(noGatewayStatus);

    node.on('input', (msg, send, done) => {
      if (!api) {
        done(new Error('the citygw alert node works only inside the gateway'));
        return;
      }
      try {
        const given = msg.alert && typeof msg.alert === 'object' ? msg.alert : {};
        const state = stateOf(msg);
        if (!state) throw new Error('no alert state: set msg.alert.state or msg.payload to "raised"/"cleared" (or true/false)');
        const device = given.device !== undefined ? given.device : config.device || msg.device || null;
        const rule = given.rule || config.rule || 'flow';
        const severity = given.severity || config.severity || 'warning';
        if (!severities.has(severity)) throw new Error(`unknown severity "${severity}" (info, warning or critical)`);
        const alert = {
          id: given.id || config.alertId || `${rule}:${device === null ? 'gateway' : device}`,
          state,
          severity,
          rule,
          device,
          message: { th: '', en: '' },
          values: given.values && typeof given.values === 'object' ? given.values : {},
        };
        if (typeof given.tsMs === 'number') alert.tsMs = given.tsMs;
        else if (typeof msg.tsMs === 'number') alert.tsMs = msg.tsMs;
        const message = given.message || {};
        const th = message.th || (state === 'raised' ? config.messageTh : config.clearTh || config.messageTh) || '';
        const en = message.en || (state === 'raised' ? config.messageEn : config.clearEn || config.messageEn) || '';
        if (th === '' || en === '') throw new Error('an alert needs both a Thai and an English message');
        alert.message = { th: fillTemplate(th, alert), en: fillTemplate(en, alert) };
        api.raiseAlert(alert);
        node.status({ fill: state === 'raised' ? 'red' : 'green', shape: 'dot', text: `${state}: ${alert.id}` });
        msg.alert = alert;
        send(msg);
        done();
      } catch (error) {
        msg.error = errorInfo(error);
        node.status({ fill: 'red', shape: 'ring', text: msg.error.message.slice(0, 40) });
        done(error);
      }
    });
  }

  RED.nodes.registerType('citygw-alert', AlertNode);
};
