import { Socket } from 'node:net';
import type { Probe, ProbeOutcome } from '../probe.ts';
import { runProbe } from '../probe-run.ts';

/** Opens a TCP connection and resolves with the socket once connected; honours the signal. */
export function connectTcp(host: string, port: number, signal: AbortSignal): Promise<Socket> {
  return new Promise<Socket>((resolve, reject) => {
    const socket = new Socket();
    const onAbort = (): void => {
      socket.destroy();
      reject(new Error('aborted'));
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('error', (error) => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      reject(error);
    });
    socket.connect({ host, port }, () => {
      signal.removeEventListener('abort', onAbort);
      socket.removeAllListeners('error');
      resolve(socket);
    });
  });
}

/** Time to open and close one TCP connection, in milliseconds. */
async function connectTimeMs(host: string, port: number, signal: AbortSignal): Promise<number> {
  const startNs = process.hrtime.bigint();
  const socket = await connectTcp(host, port, signal);
  const elapsedMs = Number(process.hrtime.bigint() - startNs) / 1e6;
  socket.destroy();
  return Math.round(elapsedMs * 100) / 100;
}

export interface TcpProbeOptions {
  host: string;
  ports: number[];
  intervalMs: number;
  timeoutMs: number;
}

/** Reachability by TCP connect: works without privileges, and proves a service listens. */
export function tcpProbe(options: TcpProbeOptions): Probe {
  return {
    name: 'tcp',
    intervalMs: options.intervalMs,
    timeoutMs: options.timeoutMs,
    run: ({ signal, log }) =>
      runProbe('tcp', options.timeoutMs, signal, log, async (deadline): Promise<ProbeOutcome> => {
        const attempts = await Promise.allSettled(options.ports.map((port) => connectTimeMs(options.host, port, deadline)));
        const open = options.ports.filter((_, i) => attempts[i]!.status === 'fulfilled');
        const rtts = attempts.flatMap((a) => (a.status === 'fulfilled' ? [a.value] : []));
        const values = { open: open.join(',') || null, rtt: rtts.length > 0 ? Math.min(...rtts) : null };
        if (open.length === 0) {
          const first = attempts[0];
          const why = first?.status === 'rejected' ? describe(first.reason, deadline) : 'no port answered';
          return { verdict: 'down', reason: `no port answers (${options.ports.join(', ')}): ${why}`, values, units: { rtt: 'ms' } };
        }
        const closed = options.ports.filter((p) => !open.includes(p));
        const outcome: ProbeOutcome = { verdict: 'ok', values, units: { rtt: 'ms' } };
        if (closed.length > 0) outcome.reason = `port ${closed.join(', ')} closed`;
        return outcome;
      }),
  };
}

function describe(reason: unknown, signal: AbortSignal): string {
  if (signal.aborted) return 'timeout';
  if (reason instanceof Error && 'code' in reason && reason.code === 'ECONNREFUSED') return 'connection refused';
  return reason instanceof Error ? reason.message : String(reason);
}
