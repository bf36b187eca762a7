import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { stringify } from 'yaml';
import { loadConfigText } from '../config/load.ts';
import { startDemoField } from '../demo/devices.ts';
import { portInUse, startEmbeddedBroker, type EmbeddedBroker } from '../demo/embedded-broker.ts';
import { child, createRootLogger } from '../../core/log.ts';
import { parseCommandArgs } from './args.ts';
import { hashEditorPassword } from './flows-password.ts';
import { untilShutdownSignal } from './shutdown.ts';
import type { CliCommand } from './types.ts';

export const demoCommand: CliCommand = {
  name: 'demo',
  summary: 'run the gateway on simulated devices and an embedded MQTT broker',
  usage: 'citygw demo [--broker mqtt://HOST:PORT] [--port 1883] [--data DIR] [--editor] [--editor-port 1880]',
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, {
      broker: { type: 'string' },
      port: { type: 'string', default: '1883' },
      data: { type: 'string', default: 'data/demo' },
      editor: { type: 'boolean', default: false },
      'editor-port': { type: 'string', default: '1880' },
    });
    const log = createRootLogger();
    const demoLog = child(log, 'demo');
    const dataDir = resolve(values.data);
    mkdirSync(dataDir, { recursive: true });

    let broker: EmbeddedBroker | null = null;
    let brokerUrl = values.broker;
    if (brokerUrl === undefined) {
      const port = Number(values.port);
      if (await portInUse(port)) {
        brokerUrl = `mqtt://127.0.0.1:${port}`;
        demoLog.warn({ port }, 'port already in use: using the MQTT broker that is already running there');
      } else {
        broker = await startEmbeddedBroker(port);
        brokerUrl = broker.url;
      }
    }

    // --editor: the Node-RED editor with a login made for this run (password shown once, hash on disk).
    const editorPassword = values.editor ? randomBytes(9).toString('base64url') : null;
    let editor: Record<string, unknown> = { enabled: false };
    if (editorPassword) {
      const hashFile = resolve(dataDir, 'flows-editor.hash');
      writeFileSync(hashFile, `${await hashEditorPassword(editorPassword)}\n`, { mode: 0o600 });
      editor = { enabled: true, host: '127.0.0.1', port: Number(values['editor-port']), username: 'admin', passwordHash: { file: hashFile } };
    }

    const field = await startDemoField({ dataDir, log: demoLog });
    const raw = {
      gateway: { id: 'demo-gw', site: { city: 'Chiang Mai', name: 'Mae Kha canal (simulated)', lat: 18.7883, lon: 98.9853 }, dataDir, healthInterval: '30s' },
      uplink: { url: brokerUrl, topicPrefix: 'citygw' },
      buffer: { path: 'outbox.db' },
      buses: field.buses,
      devices: field.devices,
      flows: { env: field.flowsEnv, editor },
    };
    const configFile = resolve(dataDir, 'citygw-demo.yaml');
    const yamlText = `# Written by \`citygw demo\`: the config the demo runs with (device ports change each run).\n${stringify(raw)}`;
    writeFileSync(configFile, yamlText);
    const loaded = loadConfigText(yamlText, configFile);

    // Loaded on demand: `validate` and `help` must stay fast on a Pi.
    const { Gateway } = await import('../gateway.ts');
    const gateway = new Gateway({ loaded, log });
    const shutdown = untilShutdownSignal(log);
    await gateway.start();
    const lines = [
      '',
      'city-gateway demo is running.',
      `  MQTT broker:   ${brokerUrl}${broker ? ' (embedded, loopback only)' : ''}`,
      ...field.describe.map((line) => `  device:        ${line}`),
      `  config used:   ${configFile}`,
      `  outbox:        ${resolve(dataDir, 'outbox.db')}`,
      editorPassword
        ? `  rules editor:  http://127.0.0.1:${values['editor-port']}/  user admin, password ${editorPassword} (this run only)`
        : '  rules editor:  off (start with --editor to open it on 127.0.0.1 with a login)',
      '',
      'Watch what it publishes, in another terminal:',
      `  mosquitto_sub -h 127.0.0.1 -p ${new URL(brokerUrl).port || 1883} -t 'citygw/#' -v`,
      `  or, in this project folder: npx citygw watch --url ${brokerUrl}`,
      'Stop with Ctrl-C.',
      '',
    ];
    io.err.write(`${lines.join('\n')}\n`);
    await shutdown;
    await gateway.stop();
    await field.stop();
    await broker?.close();
    log.flush();
    return 0;
  },
};
