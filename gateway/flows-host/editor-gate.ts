import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { ErrorCodes, GatewayError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';

/** The session cookie of the editor shell; it holds the same token Node-RED's admin API checks. */
export const editorCookie = 'citygw_editor';

/** Paths served without a session: our login page, and Node-RED's own token endpoints (credential-checked themselves). */
const publicPaths = new Set(['/login', '/auth/token', '/auth/revoke', '/auth/login']);

/** Node-RED's token store and user list (its own modules: the same instances its admin API uses). */
interface NodeRedAuth {
  tokens: { get(token: string): Promise<{ user: string; scope: string | string[] } | null | undefined>; create(user: string, client: string, scope: string | string[]): Promise<{ accessToken: string; expires_in: number }> };
  users: { authenticate(username: string, password: string): Promise<{ username: string; permissions: string | string[] } | null> };
}

function loadNodeRedAuth(): NodeRedAuth {
  const require = createRequire(import.meta.url);
  const tokens = require('@node-red/editor-api/lib/auth/tokens.js') as NodeRedAuth['tokens'];
  const users = require('@node-red/editor-api/lib/auth/users.js') as NodeRedAuth['users'];
  if (typeof tokens?.get !== 'function' || typeof tokens.create !== 'function' || typeof users?.authenticate !== 'function') {
    throw new GatewayError(ErrorCodes.FlowsFailed, 'this Node-RED version has no token store the editor login can use; the editor stays off');
  }
  return { tokens, users };
}

function cookieToken(req: IncomingMessage): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === editorCookie) return decodeURIComponent(value.join('='));
  }
  return undefined;
}

function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice('Bearer '.length) : undefined;
}

function readForm(req: IncomingMessage, limitBytes = 4096): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > limitBytes) req.destroy(new Error('login form too large'));
    });
    req.on('end', () => resolve(new URLSearchParams(body)));
    req.on('error', reject);
  });
}

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginPage(title: string, problem?: string): string {
  return `<!doctype html><html lang="th"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title>
<style>body{font-family:sans-serif;max-width:22rem;margin:3rem auto;padding:0 1rem}label{display:block;margin:.8rem 0 .2rem}input{width:100%;padding:.5rem;box-sizing:border-box}button{margin-top:1rem;padding:.6rem 1.2rem}.problem{color:#b00}</style></head>
<body><h1>${escapeHtml(title)}</h1><p>เข้าสู่ระบบเพื่อแก้ไขกฎ / Log in to edit the rules</p>${problem ? `<p class="problem">${escapeHtml(problem)}</p>` : ''}
<form method="post" action="login"><label for="u">ชื่อผู้ใช้ / User</label><input id="u" name="username" autocomplete="username" required>
<label for="p">รหัสผ่าน / Password</label><input id="p" name="password" type="password" autocomplete="current-password" required>
<button type="submit">เข้าสู่ระบบ / Log in</button></form></body></html>`;
}

/** After the login: hand the editor the same token (it keeps it in localStorage) and open it. */
function enterPage(token: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>citygw</title></head><body><script>
localStorage.setItem('auth-tokens', JSON.stringify({ access_token: ${JSON.stringify(token)} }));
location.replace('./');
</script></body></html>`;
}

export interface EditorGateOptions {
  /** Node-RED's admin app (editor shell and admin API). */
  admin: RequestListener;
  /** Page title, e.g. `citygw canal-01`. */
  title: string;
  /** HTTPS: the cookie is then sent over TLS only. */
  secure: boolean;
  log: Logger;
}

/**
 * Puts the whole editor behind the login: without a valid session (the cookie set by the login
 * page, or a bearer token for API clients) nothing of the editor is served — not its shell, its
 * scripts or its icons — except the login page itself and Node-RED's own token endpoints. A page
 * request is sent to the login page; anything else gets 401. The session is Node-RED's own token,
 * so logging out in the editor (which revokes it) closes the shell too.
 */
export function editorGate(options: EditorGateOptions): RequestListener {
  const auth = loadNodeRedAuth();
  const cookieFlags = `HttpOnly; SameSite=Strict; Path=/${options.secure ? '; Secure' : ''}`;
  const valid = async (token: string | undefined): Promise<boolean> => (token ? Boolean(await auth.tokens.get(token)) : false);

  const login = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'POST') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(loginPage(options.title));
      return;
    }
    const form = await readForm(req);
    const username = form.get('username') ?? '';
    const user = await auth.users.authenticate(username, form.get('password') ?? '');
    if (!user) {
      options.log.warn({ user: username, ip: req.socket.remoteAddress }, 'editor login refused');
      // A refused login costs the caller time: guessing passwords over the LAN stays slow.
      await new Promise((resolve) => setTimeout(resolve, 500));
      res.writeHead(403, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(loginPage(options.title, 'ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง / Wrong user or password'));
      return;
    }
    const session = await auth.tokens.create(user.username, 'node-red-editor', user.permissions);
    options.log.info({ user: user.username, ip: req.socket.remoteAddress }, 'editor login');
    res
      .writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'set-cookie': `${editorCookie}=${encodeURIComponent(session.accessToken)}; Max-Age=${session.expires_in}; ${cookieFlags}` })
      .end(enterPage(session.accessToken));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://editor').pathname;
    if (path === '/login') return login(req, res);
    if (publicPaths.has(path)) {
      if (path === '/auth/revoke') res.setHeader('set-cookie', `${editorCookie}=; Max-Age=0; ${cookieFlags}`);
      options.admin(req, res);
      return;
    }
    if ((await valid(cookieToken(req))) || (await valid(bearerToken(req)))) {
      options.admin(req, res);
      return;
    }
    const wantsPage = req.method === 'GET' && (req.headers.accept ?? '').includes('text/html');
    if (wantsPage) {
      res.writeHead(302, { location: 'login', 'cache-control': 'no-store' }).end();
      return;
    }
    res.writeHead(401, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify({ error: 'login required', login: '/login' }));
  };

  return (req, res) => {
    handle(req, res).catch((error: unknown) => {
      options.log.error({ err: error }, 'editor request failed');
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  };
}
