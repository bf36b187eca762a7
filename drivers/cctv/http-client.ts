import { request } from 'node:http';

/** One HTTP exchange's outcome; `body` is undefined when it passed `maxBytes`. */
export interface HttpResult {
  status: number;
  statusText: string;
  /** `www-authenticate` values, one per header line. */
  challenges: string[];
  body: Buffer | undefined;
}

export interface HttpRequest {
  host: string;
  port: number;
  path: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  maxBytes: number;
  signal: AbortSignal;
}

/**
 * A plain HTTP/1.1 request on its own connection, for health checks. Not fetch: fetch refuses
 * ports it deems unsafe for browsers (554 among them) and pools connections, so a rebooted
 * camera's first answer could land on a dead socket.
 */
export function httpRequest(options: HttpRequest): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'user-agent': 'citygw-cctv-probe', ...options.headers };
    if (options.body !== undefined) headers['content-length'] = String(Buffer.byteLength(options.body));
    const req = request({ host: options.host, port: options.port, path: options.path, method: options.method ?? 'GET', headers, agent: false, signal: options.signal }, (res) => {
      const chunks: Buffer[] = [];
      let total = 0;
      const status = res.statusCode ?? 0;
      const statusText = res.statusMessage ?? '';
      // One challenge per header line, or several on one line ("Basic realm=a, Digest realm=b").
      const challenges = (res.headersDistinct['www-authenticate'] ?? []).flatMap((line) => line.split(/,\s*(?=(?:basic|digest)\s)/i));
      res.on('data', (chunk: Buffer) => {
        total += chunk.length;
        // An MJPEG stream on a snapshot path never ends: stop reading past the cap.
        if (total > options.maxBytes) {
          res.destroy();
          resolve({ status, statusText, challenges, body: undefined });
          return;
        }
        chunks.push(chunk);
      });
      res.once('end', () => resolve({ status, statusText, challenges, body: Buffer.concat(chunks) }));
      res.once('error', reject);
    });
    req.once('error', reject);
    req.end(options.body);
  });
}
