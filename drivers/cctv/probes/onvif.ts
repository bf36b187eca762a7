import type { Probe, ProbeOutcome } from '../probe.ts';
import { runProbe } from '../probe-run.ts';
import { httpRequest } from '../http-client.ts';

export interface OnvifProbeOptions {
  host: string;
  port: number;
  path: string;
  maxSkewMs: number;
  intervalMs: number;
  timeoutMs: number;
}

const envelope =
  '<?xml version="1.0" encoding="UTF-8"?>' +
  '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope">' +
  '<s:Body><GetSystemDateAndTime xmlns="http://www.onvif.org/ver10/device/wsdl"/></s:Body></s:Envelope>';

const action = 'http://www.onvif.org/ver10/device/wsdl/GetSystemDateAndTime';

const maxReplyBytes = 64 * 1024;

/** The text of the first element with this local name inside `xml` (namespace prefixes ignored). */
function element(xml: string, localName: string): string | undefined {
  const m = new RegExp(`<(?:[\\w.-]+:)?${localName}(?:\\s[^>]*)?>([\\s\\S]*?)</(?:[\\w.-]+:)?${localName}>`).exec(xml);
  return m?.[1];
}

/** The camera's UTC clock from a GetSystemDateAndTimeResponse, in ms since the epoch. */
export function cameraUtcMs(xml: string): number | undefined {
  const utc = element(xml, 'UTCDateTime');
  if (utc === undefined) return undefined;
  const part = (name: string): number => Number(element(utc, name)?.trim());
  const ms = Date.UTC(part('Year'), part('Month') - 1, part('Day'), part('Hour'), part('Minute'), part('Second'));
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * ONVIF GetSystemDateAndTime: needs no login on any conformant camera, so it proves the ONVIF
 * service is alive; the returned clock gives the skew that breaks ONVIF's WS-Security login.
 */
export function onvifProbe(options: OnvifProbeOptions): Probe {
  const units = { skew: 's' };
  return {
    name: 'onvif',
    intervalMs: options.intervalMs,
    timeoutMs: options.timeoutMs,
    run: ({ signal, log }) =>
      runProbe('onvif', options.timeoutMs, signal, log, async (deadline): Promise<ProbeOutcome> => {
        const sentMs = Date.now();
        const response = await httpRequest({
          host: options.host,
          port: options.port,
          path: options.path,
          method: 'POST',
          headers: { 'content-type': `application/soap+xml; charset=utf-8; action="${action}"` },
          body: envelope,
          maxBytes: maxReplyBytes,
          signal: deadline,
        });
        const receivedMs = Date.now();
        const xml = response.body?.toString('utf8') ?? '';
        const values: ProbeOutcome['values'] = { code: response.status, skew: null };
        if (element(xml, 'Fault') !== undefined || response.status !== 200) {
          const reason = element(xml, 'Text')?.trim() ?? response.statusText;
          return { verdict: 'degraded', reason: `ONVIF answered ${response.status} ${reason}`.trim(), values, units };
        }
        const cameraMs = cameraUtcMs(xml);
        if (cameraMs === undefined) return { verdict: 'degraded', reason: 'ONVIF reply has no UTC date and time', values, units };
        // The camera's clock has 1 s resolution; compare it with the middle of the exchange.
        const skewMs = cameraMs - Math.round((sentMs + receivedMs) / 2);
        values.skew = Math.round(skewMs / 1000);
        if (Math.abs(skewMs) > options.maxSkewMs + 1000) {
          const direction = skewMs > 0 ? 'ahead' : 'behind';
          return { verdict: 'degraded', reason: `camera clock ${Math.abs(values.skew)} s ${direction} (ONVIF login fails past ${options.maxSkewMs / 1000} s; set NTP)`, values, units };
        }
        return { verdict: 'ok', values, units };
      }),
  };
}
