import type { Probe, ProbeOutcome } from '../probe.ts';
import { runProbe } from '../probe-run.ts';
import { authorizationHeader, parseChallenges, type Credentials } from '../auth.ts';
import { RtspConnection, videoCodecOf, type RtspResponse } from '../rtsp-client.ts';

export interface RtspProbeOptions {
  host: string;
  port: number;
  path: string;
  method: 'OPTIONS' | 'DESCRIBE';
  credentials: Credentials | undefined;
  intervalMs: number;
  timeoutMs: number;
}

const units = {};

/**
 * RTSP OPTIONS or DESCRIBE. 200 is alive (and DESCRIBE's SDP gives the codec); 401 is alive but
 * locked: with credentials configured the probe answers the challenge (digest or basic) once.
 */
export function rtspProbe(options: RtspProbeOptions): Probe {
  const hostPart = options.host.includes(':') ? `[${options.host}]` : options.host;
  // The URI never carries the credentials: it ends up in reasons and logs.
  const uri = `rtsp://${hostPart}:${options.port}${options.path}`;
  return {
    name: 'rtsp',
    intervalMs: options.intervalMs,
    timeoutMs: options.timeoutMs,
    run: ({ signal, log }) =>
      runProbe('rtsp', options.timeoutMs, signal, log, async (deadline): Promise<ProbeOutcome> => {
        let connection = await RtspConnection.open(options.host, options.port, deadline);
        try {
          const headers: Record<string, string> = options.method === 'DESCRIBE' ? { Accept: 'application/sdp' } : {};
          let response = await connection.request(options.method, uri, headers);
          let authTried = false;
          if (response.status === 401 && options.credentials) {
            const challenge = parseChallenges(response.headers.get('www-authenticate') ?? [])[0];
            if (challenge) {
              authTried = true;
              const authorization = authorizationHeader(challenge, options.credentials, options.method, uri);
              const authorized = { ...headers, Authorization: authorization };
              try {
                response = await connection.request(options.method, uri, authorized);
              } catch (error) {
                // Some cameras hang up after a 401: answer the challenge once more on a new connection.
                if (!connection.closed || deadline.aborted) throw error;
                connection.close();
                connection = await RtspConnection.open(options.host, options.port, deadline);
                response = await connection.request(options.method, uri, authorized);
              }
            }
          }
          return judge(response, options, authTried);
        } finally {
          connection.close();
        }
      }),
  };
}

function judge(response: RtspResponse, options: RtspProbeOptions, authTried: boolean): ProbeOutcome {
  const values: ProbeOutcome['values'] = { code: response.status, codec: null, auth: null };
  const schemes = parseChallenges(response.headers.get('www-authenticate') ?? []).map((c) => c.scheme);
  if (response.status === 401) {
    values.auth = authTried ? 'rejected' : 'required';
    if (authTried) return { verdict: 'degraded', reason: 'RTSP login rejected (check the camera credentials)', values, units };
    return { verdict: 'ok', reason: `RTSP alive, needs credentials (${schemes.join('/') || 'unknown scheme'})`, values, units };
  }
  if (authTried) values.auth = 'accepted';
  if (response.status !== 200) return { verdict: 'degraded', reason: `RTSP ${options.method} answered ${response.status} ${response.statusText}`.trim(), values, units };
  if (options.method === 'OPTIONS') return { verdict: 'ok', values, units };
  const codec = videoCodecOf(response.body);
  values.codec = codec ?? null;
  if (codec === undefined) return { verdict: 'degraded', reason: 'RTSP stream has no video track', values, units };
  return { verdict: 'ok', values, units };
}
