import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { bufferCommand } from '../../../gateway/commands/buffer.ts';
import { silentLogger } from '../../../core/log.ts';
import { bufferSchema } from '../../../gateway/outbox/config-schema.ts';
import { SqliteOutbox } from '../../../gateway/outbox/sqlite-outbox.ts';
import type { OutboxStats } from '../../../gateway/outbox/types.ts';
import { floodAlert, floodReading } from '../../helpers/outbox-fixtures.ts';

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let outText = '';
  let errText = '';
  out.on('data', (c: Buffer) => (outText += c.toString()));
  err.on('data', (c: Buffer) => (errText += c.toString()));
  const code = await bufferCommand.run(argv, { out, err });
  return { code, out: outText, err: errText };
}

describe('citygw buffer', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  function setup(): { dir: string; configFile: string } {
    const dir = mkdtempSync(join(tmpdir(), 'citygw-buffer-cmd-'));
    dirs.push(dir);
    const configFile = join(dir, 'gateway.yaml');
    writeFileSync(configFile, 'gateway:\n  id: canal-gw\n  dataDir: ./data\nbuffer:\n  maxRows: 1000\n');
    return { dir, configFile };
  }

  it('prints depth, oldest row and loss counters per stream and lane, from a live outbox file', async () => {
    const { dir, configFile } = setup();
    const outbox = new SqliteOutbox({ config: bufferSchema.parse({ maxRows: 1000, minFreeDisk: 0 }), dataDir: join(dir, 'data'), log: silentLogger() });
    outbox.open();
    const now = Date.now();
    for (let i = 0; i < 5; i++) outbox.appendReading(floodReading('canal-level', now - 3_600_000 + i));
    outbox.appendReading(floodReading('school-air', now));
    outbox.appendAlert(floodAlert(1));
    outbox.flush();
    const sent = outbox.nextBatch({ liveSinceMs: 0, maxMessages: 3, maxBytes: 1e9 });
    outbox.ack(sent.flatMap((m) => m.ids));
    outbox.flush();
    // The gateway is still running (file open): the command reads the last commit.
    const text = await run(['--config', configFile]);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/canal-level\s+3\s+5\s+5\s+2\s+2\s+0\s+0\s+0\s+60m/);
    expect(text.out).toMatch(/school-air\s+1\s+1\s+1\s+0\s+0/);
    expect(text.out).toMatch(/\[alert\]\s+0\s+1\s+1\s+1\s+1/);
    expect(text.out).toMatch(/nothing removed by the retention policy/);
    const json = await run(['--config', configFile, '--json']);
    const stats = JSON.parse(json.out) as OutboxStats;
    expect(stats.streams['canal-level']).toMatchObject({ depth: 3, produced: 5, acknowledged: 2 });
    expect(stats.lanes.reading).toMatchObject({ depth: 4, stored: 6 });
    outbox.close();
  });

  it('says how many readings the retention policy removed', async () => {
    const { dir, configFile } = setup();
    const outbox = new SqliteOutbox({ config: bufferSchema.parse({ maxRows: 10, minFreeDisk: 0 }), dataDir: join(dir, 'data'), log: silentLogger() });
    outbox.open();
    for (let i = 0; i < 30; i++) outbox.appendReading(floodReading('canal-level', Date.now() + i));
    outbox.close();
    const text = await run(['--config', configFile]);
    const evicted = 30 - Number(/canal-level\s+(\d+)/.exec(text.out)?.[1]);
    expect(evicted).toBeGreaterThanOrEqual(20);
    expect(text.out).toContain(`${evicted} reading(s) or alert(s) removed by the retention policy`);
  });

  it('says so when there is no outbox yet, and reports config problems with exit code 2', async () => {
    const { dir, configFile } = setup();
    const missing = await run(['--config', configFile]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/no outbox at .*outbox\.db/);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'gateway:\n  id: canal-gw\nbuffer:\n  whenFull: drop-newest\n');
    const invalid = await run(['--config', bad]);
    expect(invalid.code).toBe(2);
    expect(invalid.err).toMatch(/buffer\.whenFull/);
  });
});
