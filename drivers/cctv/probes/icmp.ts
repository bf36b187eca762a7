import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import type { Probe, ProbeOutcome } from '../probe.ts';
import { runProbe } from '../probe-run.ts';

const pingPaths = ['/usr/bin/ping', '/bin/ping'];

/** The system's ping, if any. Node has no raw sockets; ping carries its own capability (cap_net_raw). */
export function findPing(): string | undefined {
  for (const path of pingPaths) {
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // try the next place
    }
  }
  return undefined;
}

export interface IcmpProbeOptions {
  host: string;
  intervalMs: number;
  timeoutMs: number;
  /** For tests: the ping binary to use (undefined = look for one). */
  pingPath?: string | undefined;
}

/**
 * Echo request through the system's `ping`. Where ping is missing or not permitted the probe says
 * `unknown` (never `down`), so the rollup relies on the TCP probe instead.
 */
export function icmpProbe(options: IcmpProbeOptions): Probe {
  return {
    name: 'icmp',
    intervalMs: options.intervalMs,
    timeoutMs: options.timeoutMs,
    run: ({ signal, log }) =>
      runProbe('icmp', options.timeoutMs, signal, log, async (deadline): Promise<ProbeOutcome> => {
        const ping = options.pingPath ?? findPing();
        if (ping === undefined) return { verdict: 'unknown', reason: 'icmp not available (no ping program); use the tcp probe', values: { rtt: null }, units: { rtt: 'ms' } };
        const waitS = Math.max(1, Math.floor(options.timeoutMs / 1000));
        const { code, output } = await runPing(ping, ['-n', '-c', '1', '-W', String(waitS), options.host], deadline);
        const rtt = /time[=<]([\d.]+)\s*ms/.exec(output);
        if (code === 0 && rtt) return { verdict: 'ok', values: { rtt: Number(rtt[1]) }, units: { rtt: 'ms' } };
        if (code === 1) return { verdict: 'down', reason: 'no echo reply', values: { rtt: null }, units: { rtt: 'ms' } };
        const firstLine = output.split('\n').find((line) => line.trim() !== '') ?? `ping exited with ${code}`;
        return { verdict: 'unknown', reason: `icmp not usable: ${firstLine.trim()}`, values: { rtt: null }, units: { rtt: 'ms' } };
      }),
  };
}

function runPing(path: string, args: string[], signal: AbortSignal): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(path, args, { signal, stdio: ['ignore', 'pipe', 'pipe'], env: { LC_ALL: 'C' } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    // A missing or forbidden ping says nothing about the camera; only the deadline is a real failure.
    child.once('error', (error) => (signal.aborted ? reject(error) : resolve({ code: -1, output: error.message })));
    child.once('close', (code) => resolve({ code: code ?? -1, output }));
  });
}
