import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { payloadValidators, schemaForTopic } from '../helpers/asyncapi.ts';
import { spawnCli, waitForExit } from '../helpers/cli.ts';
import { freePort } from '../helpers/free-port.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { subscribe } from '../helpers/subscriber.ts';

describe('citygw demo (what npm start runs)', () => {
  it('serves simulated devices through the real gateway to its embedded broker, tells the user how to watch, and stops cleanly', async () => {
    const port = await freePort();
    const editorPort = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'citygw-demo-'));
    const demo = spawnCli(['demo', '--port', String(port), '--data', dataDir, '--editor', '--editor-port', String(editorPort)]);
    try {
      await waitFor('the demo banner', () => demo.output().includes('city-gateway demo is running.'), 40_000);
      expect(demo.output()).toContain(`mosquitto_sub -h 127.0.0.1 -p ${port} -t 'citygw/#' -v`);
      // --editor: the rules editor needs the login printed for this run, and nothing works without it.
      const password = /user admin, password (\S+)/.exec(demo.output())?.[1];
      expect(password).toBeDefined();
      const editor = `http://127.0.0.1:${editorPort}`;
      expect((await fetch(`${editor}/flows`)).status).toBe(401);
      const login = (pw: string) => fetch(`${editor}/auth/token`, { method: 'POST', body: new URLSearchParams({ client_id: 'node-red-admin', grant_type: 'password', scope: '*', username: 'admin', password: pw }) });
      expect((await login('wrong')).status).toBe(403);
      const token = ((await (await login(password!)).json()) as { access_token: string }).access_token;
      const flows = await fetch(`${editor}/flows`, { headers: { authorization: `Bearer ${token}` } });
      expect(flows.status).toBe(200);
      expect(JSON.stringify(await flows.json())).toContain('FLOOD_ALERT_M');
      const sub = await subscribe(`mqtt://127.0.0.1:${port}`, 'citygw/#');
      try {
        const topic = (device: string) => `citygw/demo-gw/devices/${device}/readings`;
        await waitFor('readings from the radar, the level gauge, the sonde and the air sensor', () =>
          [topic('canal-level'), topic('canal-gauge'), topic('canal-quality'), topic('school-pm25')].every((t) => sub.messages.some((m) => m.topic === t)), 40_000);
        const level = sub.messages.find((m) => m.topic === topic('canal-level'))!.payload as { values: Record<string, unknown> };
        expect(level.values.level_m).toBeTypeOf('number');
        const gauge = sub.messages.find((m) => m.topic === topic('canal-gauge'))!.payload as { values: Record<string, unknown> };
        expect(gauge.values.stage).toMatch(/normal|watch|alert|critical/);
        const air = sub.messages.find((m) => m.topic === topic('school-pm25'))!.payload as { values: Record<string, unknown> };
        expect(air.values).toHaveProperty('aqi_th');
        const validators = payloadValidators();
        for (const message of sub.messages) {
          const validate = validators[schemaForTopic(message.topic)];
          expect(validate(message.payload), `${message.topic}: ${JSON.stringify(validate.errors)}`).toBe(true);
        }
        demo.kill('SIGINT');
        expect(await waitForExit(demo, 20_000)).toBe(0);
        await waitFor('the retained status to say offline', () => {
          const statuses = sub.messages.filter((m) => m.topic === 'citygw/demo-gw/status');
          return (statuses.at(-1)?.payload as { state?: string } | undefined)?.state === 'offline';
        }, 5_000);
      } finally {
        await sub.close();
      }
    } finally {
      if (demo.exitCode === null) demo.kill('SIGKILL');
    }
  });
});
