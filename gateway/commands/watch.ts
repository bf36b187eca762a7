import { connect } from 'mqtt';
import { parseCommandArgs } from './args.ts';
import type { CliCommand } from './types.ts';

/** A subscriber for people without mosquitto_sub: prints every message under a topic filter. */
export const watchCommand: CliCommand = {
  name: 'watch',
  summary: 'print the messages the gateway publishes (a small MQTT subscriber)',
  usage: "citygw watch [--url mqtt://127.0.0.1:1883] [--topic 'citygw/#'] [--count N]",
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, {
      url: { type: 'string', default: 'mqtt://127.0.0.1:1883' },
      topic: { type: 'string', default: 'citygw/#' },
      count: { type: 'string' },
    });
    const limit = values.count === undefined ? Infinity : Number(values.count);
    const client = connect(values.url, { reconnectPeriod: 2000, clientId: `citygw-watch-${process.pid}` });
    let seen = 0;
    return await new Promise<number>((resolve) => {
      const finish = (code: number) => {
        client.end(true);
        resolve(code);
      };
      client.on('connect', () => {
        io.err.write(`watching ${values.topic} on ${values.url} (Ctrl-C to stop)\n`);
        client.subscribe(values.topic, { qos: 1 });
      });
      client.on('error', (error) => io.err.write(`citygw watch: ${error.message}\n`));
      client.on('message', (topic, payload, packet) => {
        io.out.write(`${topic}${packet.retain ? ' (retained)' : ''} ${payload.toString()}\n`);
        seen += 1;
        if (seen >= limit) finish(0);
      });
      process.once('SIGINT', () => finish(0));
      process.once('SIGTERM', () => finish(0));
    });
  },
};
