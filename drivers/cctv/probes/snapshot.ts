import type { Probe, ProbeOutcome } from '../probe.ts';
import { runProbe } from '../probe-run.ts';
import { authorizationHeader, parseChallenges, type Credentials } from '../auth.ts';
import { checkJpegYielding } from '../jpeg.ts';

export interface SnapshotProbeOptions {
  host: string;
  port: number;
  path: string;
  minSpread: number;
  credentials: Credentials | undefined;
  intervalMs: number;
  timeoutMs: number;
}

const maxImageBytes = 8 * 1024 * 1024;
const units = { bytes: 'B', spread: '' };

/** GET with one auth retry (digest or basic, as the camera's 401 asks). */
async function getWithAuth(url: string, path: string, credentials: Credentials | undefined, signal: AbortSignal): Promise<Response> {
  const first = await fetch(url, { signal });
  if (first.status !== 401 || !credentials) return first;
  const challenge = parseChallenges(first.headers.get('www-authenticate')?.split(/,\s*(?=(?:basic|digest)\s)/i) ?? [])[0];
  await first.body?.cancel();
  if (!challenge) return first;
  return fetch(url, { signal, headers: { authorization: authorizationHeader(challenge, credentials, 'GET', path) } });
}

/** The body, or undefined once it passes `maxBytes` (an MJPEG stream on the snapshot path never ends). */
async function readCapped(response: Response, maxBytes: number): Promise<Uint8Array | undefined> {
  if (!response.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of response.body) {
    total += chunk.length;
    // Leaving the loop cancels the stream (and closes the connection).
    if (total > maxBytes) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * HTTP snapshot: proves the image pipeline works. The picture must be a complete JPEG and not one
 * flat colour (a covered lens, a dead sensor or a "no video" frame still answers HTTP 200).
 */
export function snapshotProbe(options: SnapshotProbeOptions): Probe {
  const hostPart = options.host.includes(':') ? `[${options.host}]` : options.host;
  const url = `http://${hostPart}:${options.port}${options.path}`;
  return {
    name: 'snapshot',
    intervalMs: options.intervalMs,
    timeoutMs: options.timeoutMs,
    run: ({ signal, log }) =>
      runProbe('snapshot', options.timeoutMs, signal, log, async (deadline): Promise<ProbeOutcome> => {
        const response = await getWithAuth(url, options.path, options.credentials, deadline);
        const values: ProbeOutcome['values'] = { code: response.status, bytes: null, width: null, height: null, spread: null };
        if (!response.ok) {
          await response.body?.cancel();
          const why = response.status === 401 ? (options.credentials ? 'login rejected' : 'needs credentials') : response.statusText;
          return { verdict: 'degraded', reason: `HTTP ${response.status} ${why}`.trim(), values, units };
        }
        const image = await readCapped(response, maxImageBytes);
        if (image === undefined) return { verdict: 'degraded', reason: `picture larger than ${maxImageBytes} bytes (is the path a video stream?)`, values, units };
        values.bytes = image.length;
        const check = await checkJpegYielding(image);
        values.width = check.width ?? null;
        values.height = check.height ?? null;
        values.spread = check.spread ?? null;
        if (!check.valid) return { verdict: 'degraded', reason: `not a valid JPEG: ${check.problem ?? 'unknown problem'}`, values, units };
        if (check.spread !== undefined && check.spread < options.minSpread) {
          return { verdict: 'degraded', reason: `picture is one flat colour (spread ${check.spread} < ${options.minSpread}): lens covered, sensor dead or no video`, values, units };
        }
        const outcome: ProbeOutcome = { verdict: 'ok', values, units };
        if (check.spread === undefined) outcome.reason = 'progressive JPEG: flat-colour check skipped';
        return outcome;
      }),
  };
}
