import type { Probe, ProbeOutcome } from '../probe.ts';
import type { Secret } from '../../../core/secret.ts';
import { runProbe } from '../probe-run.ts';
import { snmpGet } from '../snmp.ts';

/** POWER-ETHERNET-MIB pethPsePortDetectionStatus (RFC 3621), indexed by group.port. */
export const pethPsePortDetectionStatus = '1.3.6.1.2.1.105.1.1.1.6';

const detection: Record<number, { word: string; verdict: ProbeOutcome['verdict']; why?: string }> = {
  1: { word: 'disabled', verdict: 'down', why: 'PoE is disabled on the switch port' },
  2: { word: 'searching', verdict: 'down', why: 'no powered device on the port (cable or camera)' },
  3: { word: 'delivering', verdict: 'ok' },
  4: { word: 'fault', verdict: 'down', why: 'PoE fault on the switch port' },
  5: { word: 'test', verdict: 'degraded', why: 'PoE port in test mode' },
  6: { word: 'other-fault', verdict: 'down', why: 'PoE fault (other) on the switch port' },
};

export interface PoeProbeOptions {
  host: string;
  port: number;
  community: Secret;
  group: number;
  portIndex: number;
  powerOid: string | undefined;
  intervalMs: number;
  timeoutMs: number;
}

/**
 * The camera's PoE switch port over SNMPv2c. A port that is not delivering power means the camera
 * is dark whatever else answers; a switch that does not answer says nothing about the camera.
 */
export function poeProbe(options: PoeProbeOptions): Probe {
  const statusOid = `${pethPsePortDetectionStatus}.${options.group}.${options.portIndex}`;
  const units = { power: 'W' };
  return {
    name: 'poe',
    intervalMs: options.intervalMs,
    timeoutMs: options.timeoutMs,
    run: ({ signal, log }) =>
      runProbe(
        'poe',
        options.timeoutMs,
        signal,
        log,
        async (deadline): Promise<ProbeOutcome> => {
          const oids = options.powerOid ? [statusOid, options.powerOid.replace(/^\./, '')] : [statusOid];
          const [status, power] = await snmpGet(options.host, options.port, options.community.reveal(), oids, deadline);
          const values: ProbeOutcome['values'] = { status: null, power: null };
          if (power && typeof power.value === 'number') values.power = Math.round(power.value) / 1000;
          if (!status || typeof status.value !== 'number') return { verdict: 'unknown', reason: `switch has no PoE status for port ${options.group}.${options.portIndex}`, values, units };
          const meaning = detection[status.value];
          values.status = meaning?.word ?? `code ${status.value}`;
          if (!meaning) return { verdict: 'unknown', reason: `unknown PoE status ${status.value}`, values, units };
          const outcome: ProbeOutcome = { verdict: meaning.verdict, values, units };
          if (meaning.why) outcome.reason = meaning.why;
          return outcome;
        },
        (reason) => ({ verdict: 'unknown', reason: `PoE switch ${options.host}: ${reason}`, values: { status: null, power: null }, units }),
      ),
  };
}
