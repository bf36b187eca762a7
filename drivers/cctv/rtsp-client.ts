import type { Socket } from 'node:net';
import { connectTcp } from './probes/tcp.ts';

/** One RTSP response: status, headers (lower-case names, repeated headers kept) and body. */
export interface RtspResponse {
  status: number;
  statusText: string;
  headers: Map<string, string[]>;
  body: string;
}

const maxResponseBytes = 64 * 1024;

/**
 * A minimal RTSP/1.0 client for health checks: one TCP connection, requests in sequence, no media.
 * Enough for OPTIONS and DESCRIBE with an auth retry on the same connection.
 */
export class RtspConnection {
  readonly #socket: Socket;
  #buffer = Buffer.alloc(0);
  #cseq = 0;
  #waiter: (() => void) | undefined;
  #closed: Error | undefined;

  private constructor(socket: Socket) {
    this.#socket = socket;
  }

  static async open(host: string, port: number, signal: AbortSignal): Promise<RtspConnection> {
    const connection = new RtspConnection(await connectTcp(host, port, signal));
    connection.#listen(signal);
    return connection;
  }

  #listen(signal: AbortSignal): void {
    const wake = (): void => {
      const waiter = this.#waiter;
      this.#waiter = undefined;
      waiter?.();
    };
    this.#socket.on('data', (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      wake();
    });
    this.#socket.on('error', (error) => {
      this.#closed = error;
      wake();
    });
    this.#socket.on('close', () => {
      this.#closed ??= new Error('connection closed by the camera');
      wake();
    });
    signal.addEventListener('abort', () => this.close(), { once: true });
  }

  /** Sends one request and waits for its response. */
  async request(method: string, uri: string, headers: Record<string, string> = {}): Promise<RtspResponse> {
    this.#cseq += 1;
    const lines = [`${method} ${uri} RTSP/1.0`, `CSeq: ${this.#cseq}`, 'User-Agent: citygw-cctv-probe'];
    for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
    this.#socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    for (;;) {
      const response = this.#take();
      if (response) return response;
      if (this.#closed) throw this.#closed;
      if (this.#buffer.length > maxResponseBytes) throw new Error('RTSP response too large');
      await new Promise<void>((resolve) => (this.#waiter = resolve));
    }
  }

  /** Takes one complete response off the buffer, if there is one. */
  #take(): RtspResponse | undefined {
    const headerEnd = this.#buffer.indexOf('\r\n\r\n');
    if (headerEnd < 0) return undefined;
    const head = this.#buffer.subarray(0, headerEnd).toString('latin1').split('\r\n');
    const statusLine = /^RTSP\/1\.\d\s+(\d{3})\s*(.*)$/.exec(head[0] ?? '');
    if (!statusLine) throw new Error(`not an RTSP reply: ${JSON.stringify((head[0] ?? '').slice(0, 60))}`);
    const headers = new Map<string, string[]>();
    for (const line of head.slice(1)) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      headers.set(name, [...(headers.get(name) ?? []), line.slice(colon + 1).trim()]);
    }
    const length = Number(headers.get('content-length')?.[0] ?? '0');
    const bodyStart = headerEnd + 4;
    if (this.#buffer.length < bodyStart + length) return undefined;
    const body = this.#buffer.subarray(bodyStart, bodyStart + length).toString('utf8');
    this.#buffer = this.#buffer.subarray(bodyStart + length);
    return { status: Number(statusLine[1]), statusText: statusLine[2]!, headers, body };
  }

  /** Whether the camera closed the connection (or it failed). */
  get closed(): boolean {
    return this.#closed !== undefined;
  }

  close(): void {
    this.#socket.destroy();
  }
}

const staticPayloadCodecs: Record<number, string> = { 0: 'PCMU', 8: 'PCMA', 14: 'MPA', 26: 'JPEG', 32: 'MPV', 33: 'MP2T' };

/** The first video stream's codec in an SDP (`H264`, `H265`, `JPEG`), or undefined if it has no video. */
export function videoCodecOf(sdp: string): string | undefined {
  const lines = sdp.split(/\r?\n/);
  let inVideo = false;
  let payloadTypes: string[] = [];
  for (const line of lines) {
    if (line.startsWith('m=')) {
      if (inVideo) break;
      const media = /^m=(\w+)\s+\S+\s+\S+\s+(.*)$/.exec(line);
      inVideo = media?.[1] === 'video';
      payloadTypes = media?.[2]?.trim().split(/\s+/) ?? [];
      continue;
    }
    if (!inVideo) continue;
    const rtpmap = /^a=rtpmap:(\d+)\s+([^/\s]+)/.exec(line);
    if (rtpmap && payloadTypes.includes(rtpmap[1]!)) return rtpmap[2]!.toUpperCase();
  }
  if (!inVideo || payloadTypes.length === 0) return undefined;
  return staticPayloadCodecs[Number(payloadTypes[0])] ?? `payload ${payloadTypes[0]}`;
}
