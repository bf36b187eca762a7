import type { Reading } from '../../../core/reading.ts';
import type { Probe, ProbeOutcome } from '../probe.ts';
import { runProbe } from '../probe-run.ts';

export interface ContactPoint {
  point: string;
  invert: boolean;
}

export interface ContactsProbeOptions {
  device: string;
  power: ContactPoint | undefined;
  tamper: ContactPoint | undefined;
  door: ContactPoint | undefined;
  maxAgeMs: number;
  intervalMs: number;
  timeoutMs: number;
  latestReading(deviceId: string): Reading | undefined;
  now?: () => number;
}

function contactState(reading: Reading, contact: ContactPoint): boolean | null {
  const raw = reading.values[contact.point];
  if (raw === null || raw === undefined || typeof raw === 'string') return null;
  const on = typeof raw === 'boolean' ? raw : raw !== 0;
  return contact.invert ? !on : on;
}

/**
 * Cabinet contacts (camera power, tamper, door) from the newest reading of the Modbus DI module.
 * The Modbus engine polls the module; this probe only interprets what it committed, so it never
 * competes for the bus.
 */
export function contactsProbe(options: ContactsProbeOptions): Probe {
  const now = options.now ?? Date.now;
  return {
    name: 'contacts',
    intervalMs: options.intervalMs,
    timeoutMs: options.timeoutMs,
    run: ({ signal, log }) =>
      runProbe('contacts', options.timeoutMs, signal, log, async (): Promise<ProbeOutcome> => {
        const values: ProbeOutcome['values'] = { power: null, tamper: null, door: null, age: null };
        const units = { age: 's' };
        const reading = options.latestReading(options.device);
        if (!reading) return { verdict: 'unknown', reason: `no reading yet from DI module ${options.device} (check it with citygw read --device ${options.device})`, values, units };
        const ageMs = now() - reading.tsMs;
        values.age = Math.round(ageMs / 1000);
        if (ageMs > options.maxAgeMs) return { verdict: 'unknown', reason: `DI module ${options.device} reading is stale (${values.age} s old)`, values, units };
        const problems: string[] = [];
        const missing: string[] = [];
        let verdict: ProbeOutcome['verdict'] = 'ok';
        for (const name of ['power', 'tamper', 'door'] as const) {
          const contact = options[name];
          if (!contact) continue;
          const state = contactState(reading, contact);
          values[name] = state;
          if (state === null) missing.push(`${name} (${contact.point}${reading.reasons?.[contact.point] ? `: ${reading.reasons[contact.point]}` : ''})`);
        }
        if (values.power === false) {
          verdict = 'down';
          problems.push('camera power is off');
        }
        if (values.tamper === true) problems.push('tamper switch tripped');
        if (values.door === true) problems.push('cabinet door open');
        if (verdict === 'ok' && problems.length > 0) verdict = 'degraded';
        if (missing.length > 0) {
          const moduleReason = reading.reasons?._device;
          problems.push(`DI module ${options.device} gave no value for ${missing.join(', ')}${moduleReason ? ` (${moduleReason})` : ''}`);
          if (verdict === 'ok') verdict = 'unknown';
        }
        const outcome: ProbeOutcome = { verdict, values, units };
        if (problems.length > 0) outcome.reason = problems.join('; ');
        return outcome;
      }),
  };
}
