/**
 * Crash soak: SIGKILLs a process that commits readings to the outbox and drains them to a real
 * Mosquitto, at random moments, many times (default 60), then checks that every committed reading
 * arrived at least once, repeats are identical, and order per device and lane held.
 *
 *   node --disable-warning=ExperimentalWarning test/bench/outbox-crash-soak.ts [kills]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMosquitto } from '../helpers/mosquitto.ts';
import { checkDelivery, crashRuns, recordAll } from '../helpers/outbox-crash.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { seededRandom } from '../helpers/seeded-random.ts';

const kills = Number(process.argv[2] ?? 60);
const broker = await startMosquitto();
const recorder = await recordAll(broker.url, 'soak-gw');
const dataDir = mkdtempSync(join(tmpdir(), 'citygw-outbox-soak-'));
const startedAt = Date.now();
let exitCode = 1;
try {
  const committed = await crashRuns({
    url: broker.url,
    dataDir,
    gatewayId: 'soak-gw',
    kills,
    random: seededRandom('outbox crash soak'),
    minRunMs: 100,
    maxRunMs: 1500,
    readingsPerSecond: 5000,
    devices: 10,
    buffer: { commitInterval: '50ms', drain: { historyBatch: 500, inflight: 100, messagesPerSecond: 400, bytesPerSecond: 1e9 } },
    onKill: (n, mode) => process.stdout.write(`kill ${n}/${kills} while ${mode}, ${recorder.received.length} messages so far\n`),
  });
  await waitFor('every committed reading upstream', () => checkDelivery(recorder.received, committed).missing === 0, 30_000);
  const report = checkDelivery(recorder.received, committed);
  const total = [...committed.values()].reduce((a, b) => a + b, 0);
  process.stdout.write(`kills: ${kills}\ncommitted readings: ${total} over ${committed.size} devices\nreadings received: ${report.readings} (duplicates ${report.duplicates}, ${((report.duplicates / Math.max(1, total)) * 100).toFixed(2)}%)\nmissing: ${report.missing}\ntime: ${((Date.now() - startedAt) / 1000).toFixed(1)} s\n`);
  if (report.problems.length > 0) process.stdout.write(`PROBLEMS:\n  ${report.problems.slice(0, 30).join('\n  ')}\n`);
  else process.stdout.write('OK: every committed reading arrived, repeats identical, order per device and lane held\n');
  exitCode = report.problems.length === 0 ? 0 : 1;
} finally {
  await recorder.client.endAsync();
  await broker.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
process.exit(exitCode);
