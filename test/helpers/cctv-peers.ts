import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { snmpGet } from '../../drivers/cctv/snmp.ts';

/** Real peers for the CCTV tests, all on 127.0.0.1, each killable on its own and restartable on its port. */

export const python = '/usr/bin/python3';
export const helpersDir = import.meta.dirname;
export const fixturesDir = join(import.meta.dirname, '..', 'fixtures', 'cctv');

export interface Peer {
  port: number;
  process: ChildProcess;
  /** Kills the peer and waits until it has exited. */
  kill(): Promise<void>;
}

function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** Starts a Python peer script and waits (bounded) for its `READY <port>` line. */
export async function startPythonPeer(script: string, args: string[], deadlineMs = 15_000): Promise<Peer> {
  const child = spawn(python, [join(helpersDir, script), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} not ready within ${deadlineMs} ms: ${stderr}`));
    }, deadlineMs);
    let stdout = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const m = /READY (\d+)/.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited (${code}) before ready: ${stderr}`));
    });
  });
  return { port, process: child, kill: () => killAndWait(child) };
}

/** A UDP port that was free a moment ago (snmpd cannot bind port 0 and report it). */
export function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

export interface SnmpAgent extends Peer {
  community: string;
  /** Sets what the PoE switch says about a port: 3 delivering, 4 fault; power in milliwatts. */
  setPort(portIndex: number, status: number, milliwatts: number): void;
  /** Starts snmpd again on the same port after kill(). */
  restart(): Promise<void>;
  cleanup(): void;
}

export const powerOidBase = '1.3.6.1.4.1.99999.1';

/**
 * Debian's snmpd in the foreground with its own config in a temp folder, serving
 * pethPsePortDetectionStatus.1.N and a power OID through `pass` (test/helpers/cctv-poe-pass.py).
 */
export async function startSnmpAgent(community = 'citycam'): Promise<SnmpAgent> {
  const dir = mkdtempSync(join(tmpdir(), 'citygw-snmpd-'));
  const stateFile = join(dir, 'poe-state');
  const ports = new Map<number, [number, number]>();
  const writeState = (): void => writeFileSync(stateFile, [...ports].map(([p, [s, mw]]) => `${p} ${s} ${mw}\n`).join(''));
  writeState();
  const port = await freeUdpPort();
  const pass = `${python} ${join(helpersDir, 'cctv-poe-pass.py')} ${stateFile}`;
  writeFileSync(
    join(dir, 'agent.conf'),
    [`agentAddress udp:127.0.0.1:${port}`, `rocommunity ${community} 127.0.0.1`, `pass .1.3.6.1.2.1.105.1.1.1.6 ${pass}`, `pass .${powerOidBase} ${pass}`, ''].join('\n'),
  );
  const launch = async (): Promise<ChildProcess> => {
    const child = spawn('/usr/sbin/snmpd', ['-f', '-C', '-c', join(dir, 'agent.conf'), '-Lf', join(dir, 'snmpd.log'), '-p', join(dir, 'snmpd.pid')], {
      stdio: 'ignore',
      // snmpd keeps its own state as snmpd.conf in the persistent folder: keep it apart from our config.
      env: { ...process.env, SNMP_PERSISTENT_DIR: join(dir, 'state'), MIBS: '', MIBDIRS: dir },
    });
    const deadlineMs = Date.now() + 15_000;
    for (;;) {
      try {
        await snmpGet('127.0.0.1', port, community, ['1.3.6.1.2.1.1.3.0'], AbortSignal.timeout(300));
        return child;
      } catch (error) {
        if (child.exitCode !== null) throw new Error(`snmpd exited with ${child.exitCode}`);
        if (Date.now() > deadlineMs) {
          await killAndWait(child);
          throw new Error(`snmpd not answering on ${port}: ${String(error)}`);
        }
        await sleep(100);
      }
    }
  };
  const agent: SnmpAgent = {
    port,
    community,
    process: await launch(),
    kill: () => killAndWait(agent.process),
    setPort(portIndex, status, milliwatts) {
      ports.set(portIndex, [status, milliwatts]);
      writeState();
    },
    async restart() {
      agent.process = await launch();
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return agent;
}


