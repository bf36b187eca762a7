import type { Probe, ProbeOutcome } from '../probe.ts';
import { runProbe } from '../probe-run.ts';
import { authorizationHeader, parseChallenges, type Credentials } from '../auth.ts';
import { checkJpegYielding } from '../jpeg.ts';
import { httpRequest, type HttpResult } from '../http-client.ts';

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
async function getWithAuth(options: SnapshotProbeOptions, signal: AbortSignal): Promise<HttpResult> {
  const get = (headers: Record<string, string> = {}): Promise<HttpResult> =>
    httpRequest({ host: options.host, port: options.port, path: options.path, headers, maxBytes: maxImageBytes, signal });
  const first = await get();
  if (first.status !== 401 || !options.credentials) return first;
  const challenge = parseChallenges(first.challenges)[0];
  if (!challenge) return first;
  return get({ authorization: authorizationHeader(challenge, options.credentials, 'GET', options.path) });
}

/**
 * HTTP snapshot: proves the image pipeline works. The picture must be a complete JPEG and not one
 * flat colour (a covered lens, a dead sensor or a "no video" frame still answers HTTP 200).
 */
export function snapshotProbe(options: SnapshotProbeOptions): Probe {
  return {
    name: 'snapshot',
    intervalMs: options.intervalMs,
    timeoutMs: options.timeoutMs,
    run: ({ signal, log }) =>
      runProbe('snapshot', options.timeoutMs, signal, log, async (deadline): Promise<ProbeOutcome> => {
        const response = await getWithAuth(options, deadline);
        const values: ProbeOutcome['values'] = { code: response.status, bytes: null, width: null, height: null, spread: null };
        if (response.status !== 200) {
          const why = response.status === 401 ? (options.credentials ? 'login rejected' : 'needs credentials') : response.statusText;
          return { verdict: 'degraded', reason: `HTTP ${response.status} ${why}`.trim(), values, units };
        }
        const image = response.body;
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
