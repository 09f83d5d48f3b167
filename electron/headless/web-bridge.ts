/**
 * The headless daemon's transport: the contract of shared/contract.ts over loopback HTTP, generated from the
 * contract exactly like the Electron IPC transport, plus the built dashboard as static files.
 *
 *   POST /api/<channel>   body: JSON array of arguments → invokeParsers[channel] → handler
 *                         → 200 { ok: true, result } | 400/500 { ok: false, error: { name, message } }
 *   GET  /api/events      Server-Sent Events: `state:changed` (the current state first), `sync:progress`, heartbeats
 *   GET  /…               files of staticDir (the dashboard); no token needed, they hold nothing
 *
 * Who may talk to it (../shared/reference/electron-security.md, the web equivalent of "validate the sender"):
 * - Host must name the bound address (a DNS-rebinding page has its own host name in it) → else 403;
 * - Origin, when present, must be our own origin (another local page, a browser extension…) → else 403;
 * - every /api request must carry `Authorization: Bearer <token>`, compared in constant time → else 401.
 * The token is never logged; neither are request bodies.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { extname, resolve, sep } from 'node:path';
import {
  API_METHODS,
  type InvokeArgs,
  type InvokeChannel,
  type InvokeResult,
  type PushChannel,
  type ProgressEvent,
} from '../../shared/contract.js';
import type { ContractHandlers } from '../../shared/contract.js';
import { invokeParsers, PayloadError } from '../../shared/contract-parsers.js';
import type { Emitter } from '../../shared/emitter.js';
import type { Logger } from '../../shared/logger.js';
import { SettingsError } from '../../shared/settings.js';
import type { AppState } from '../../shared/types.js';
import { UserInputError } from '../core/connector-config.js';

/** The service's event emitter (SyncService.events): already throttled. */
export type BridgeEvents = Emitter<{ state: (state: AppState) => void; progress: (event: ProgressEvent) => void }>;

export interface WebBridgeOptions {
  handlers: ContractHandlers;
  events: BridgeEvents;
  /** The built dashboard (out/web). Null or missing: `/` explains how to build it. */
  staticDir: string | null;
  /** The per-start secret the dashboard sends as `Authorization: Bearer <token>`. */
  token: string;
  /**
   * Accepted `Host` header values (`host:port`, lower case). Default: derived from the bound address when
   * `listen` resolves (`127.0.0.1:<port>`, `localhost:<port>`, or the explicit host).
   */
  allowedHosts?: readonly string[];
  log: Logger;
  /** Largest accepted request body. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Interval of SSE heartbeat comments. Default 15 s. */
  heartbeatMs?: number;
  /**
   * Most bytes of events an event stream may have waiting for a client that does not read them (a stalled tab, a
   * client that keeps the connection open and never reads); past it the stream is closed, and a client that is alive
   * reconnects and starts from the current state. Default 1 MiB.
   */
  maxEventBacklogBytes?: number;
}

export interface WebBridge {
  readonly server: Server;
  /** Binds and resolves with the actual port (port 0 picks a free one). */
  listen(port: number, host: string): Promise<{ host: string; port: number }>;
  /** Replaces the accepted `Host` values (e.g. every local address after a wildcard bind). */
  setAllowedHosts(hosts: readonly string[]): void;
  /** Ends event streams, stops accepting connections and closes the open ones. Idempotent. */
  close(): Promise<void>;
}

export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

const DEFAULT_MAX_BODY = 1024 * 1024;
const DEFAULT_HEARTBEAT_MS = 15_000;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** Channels that exist over HTTP: exactly the renderer API's (API_METHODS), nothing else. */
const CHANNELS: ReadonlySet<string> = new Set<InvokeChannel>(Object.values(API_METHODS));

/** Which service event feeds which push channel. A push channel added to the contract must be added here. */
const PUSH_SOURCES = {
  'state:changed': 'state',
  'sync:progress': 'progress',
} as const satisfies Record<PushChannel, 'state' | 'progress'>;

/** The `Host` values a server bound to `host:port` answers to. Wildcard binds add every local address. */
export function allowedHostsFor(host: string, port: number, extraNames: readonly string[] = []): string[] {
  const names = new Set<string>(['127.0.0.1', 'localhost', ...extraNames]);
  names.add(host);
  const hosts = new Set<string>();
  for (const name of names) {
    const n = name.toLowerCase();
    hosts.add(n.includes(':') && !n.startsWith('[') ? `[${n}]:${port}` : `${n}:${port}`);
  }
  return [...hosts];
}

export function createWebBridge(options: WebBridgeOptions): WebBridge {
  const { handlers, events, log, token } = options;
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  const maxEventBacklog = options.maxEventBacklogBytes ?? 1024 * 1024;
  const staticRoot = options.staticDir ? resolve(options.staticDir) : null;
  const tokenDigest = digest(token);
  let allowedHosts = new Set<string>();
  let allowedOrigins = new Set<string>();
  const setAllowedHosts = (hosts: readonly string[]): void => {
    allowedHosts = new Set(hosts.map((h) => h.toLowerCase()));
    allowedOrigins = new Set([...allowedHosts].map((h) => `http://${h}`));
  };
  setAllowedHosts(options.allowedHosts ?? []);
  const streams = new Set<ServerResponse>();
  const sockets = new Set<Socket>();
  let closing: Promise<void> | null = null;

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log.error('web bridge: request failed', (err as Error)?.message ?? String(err));
      if (!res.headersSent)
        sendJson(res, 500, { ok: false, error: { name: 'InternalError', message: 'Internal error.' } });
      else res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  // Slow or idle clients must not hold sockets forever; event streams set their own (no) timeout.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = parseUrl(req.url);
    const status = refuse(req, url);
    if (status !== null) {
      log.debug(`web bridge: ${req.method} ${url?.pathname ?? '?'} → ${status}`);
      req.resume();
      if (url?.pathname.startsWith('/api/')) sendJson(res, status, errorBody(status));
      else sendText(res, status, `${status} ${REASONS[status] ?? ''}\n`);
      return;
    }
    const pathname = url!.pathname;
    if (pathname === '/api/events') return serveEvents(req, res);
    if (pathname.startsWith('/api/')) return serveInvoke(req, res, pathname.slice('/api/'.length));
    return serveStatic(req, res, pathname);
  }

  /** The checks every request passes before routing; null = go on. */
  function refuse(req: IncomingMessage, url: URL | null): number | null {
    if (!url) return 400;
    const host = req.headers.host?.toLowerCase();
    if (!host || !allowedHosts.has(host)) return 403;
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedOrigins.has(origin.toLowerCase())) return 403;
    // A browser says where a request comes from; only our own page may call the API.
    const site = req.headers['sec-fetch-site'];
    const isApi = url.pathname === '/api' || url.pathname.startsWith('/api/');
    if (isApi && site !== undefined && site !== 'same-origin') return 403;
    if (isApi && !hasToken(req)) return 401;
    return null;
  }

  function hasToken(req: IncomingMessage): boolean {
    const header = req.headers.authorization;
    if (typeof header !== 'string') return false;
    const match = /^Bearer ([A-Za-z0-9_-]{1,512})$/.exec(header.trim());
    if (!match) return false;
    // Digests have equal lengths, so timingSafeEqual never throws and the length of the token does not leak.
    return timingSafeEqual(digest(match[1]), tokenDigest);
  }

  async function serveInvoke(req: IncomingMessage, res: ServerResponse, channel: string): Promise<void> {
    if (!CHANNELS.has(channel)) {
      req.resume();
      return sendJson(res, 404, {
        ok: false,
        error: { name: 'NotFound', message: `No such channel "${channel.slice(0, 60)}".` },
      });
    }
    if (req.method !== 'POST') {
      req.resume();
      res.setHeader('Allow', 'POST');
      return sendJson(res, 405, errorBody(405));
    }
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/json') {
      req.resume();
      return sendJson(res, 415, {
        ok: false,
        error: { name: 'UnsupportedMediaType', message: 'The body must be JSON (content-type: application/json).' },
      });
    }
    const body = await readBody(req, maxBody);
    if (body === null) {
      return sendJson(res, 413, {
        ok: false,
        error: { name: 'PayloadTooLarge', message: `The body is larger than ${maxBody} bytes.` },
      });
    }
    let args: unknown;
    try {
      args = JSON.parse(body.length === 0 ? '[]' : body.toString('utf8'));
    } catch {
      return sendJson(res, 400, { ok: false, error: { name: 'PayloadError', message: 'The body is not valid JSON.' } });
    }
    if (!Array.isArray(args)) {
      return sendJson(res, 400, {
        ok: false,
        error: { name: 'PayloadError', message: 'The body must be a JSON array of arguments.' },
      });
    }
    try {
      const result = await invoke(channel as InvokeChannel, args);
      sendJson(res, 200, { ok: true, result: result ?? null });
    } catch (err) {
      const clientError = err instanceof PayloadError || err instanceof UserInputError || err instanceof SettingsError;
      const e = err instanceof Error ? err : new Error(String(err));
      if (!clientError) log.warn(`web bridge: ${channel} failed:`, e.message);
      // The message is what the dashboard shows; the stack stays here.
      sendJson(res, clientError ? 400 : 500, {
        ok: false,
        error: { name: clientError ? e.name : 'Error', message: e.message || 'Something went wrong.' },
      });
    }
  }

  async function invoke<K extends InvokeChannel>(channel: K, raw: unknown[]): Promise<unknown> {
    const args = invokeParsers[channel](raw) as InvokeArgs<K>;
    const handler = handlers[channel] as (...a: InvokeArgs<K>) => InvokeResult<K> | Promise<InvokeResult<K>>;
    return await handler(...args);
  }

  async function serveEvents(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET') {
      req.resume();
      res.setHeader('Allow', 'GET');
      return sendJson(res, 405, errorBody(405));
    }
    if (closing) return sendJson(res, 503, errorBody(503));
    // Subscribe before reading the first state, so nothing pushed in between is lost.
    const pending: string[] = [];
    let ready = false;
    const write = (chunk: string): void => {
      if (!ready) pending.push(chunk);
      else if (!res.writableEnded && !res.destroyed) {
        res.write(chunk);
        if (res.writableLength > maxEventBacklog) {
          log.warn('web bridge: an event stream whose client stopped reading was closed');
          res.destroy();
        }
      }
    };
    const offs = (Object.keys(PUSH_SOURCES) as PushChannel[]).map((channel) =>
      events.on(PUSH_SOURCES[channel], (payload: AppState | ProgressEvent) => write(sseEvent(channel, payload))),
    );
    const heartbeat = setInterval(() => write(': ping\n\n'), heartbeatMs);
    const cleanup = (): void => {
      clearInterval(heartbeat);
      for (const off of offs) off();
      streams.delete(res);
    };
    streams.add(res);
    req.socket.setTimeout(0);
    req.on('close', cleanup);
    res.on('close', cleanup);

    let initial: AppState;
    try {
      initial = await handlers['state:get']();
    } catch (err) {
      cleanup();
      log.error('web bridge: state for a new event stream failed', (err as Error).message);
      return sendJson(res, 500, {
        ok: false,
        error: { name: 'Error', message: 'The current state could not be read.' },
      });
    }
    if (res.destroyed) return cleanup();
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    // `retry` is for EventSource clients; the dashboard's own reader has its own backoff.
    res.write(`retry: 2000\n\n${sseEvent('state:changed', initial)}`);
    ready = true;
    for (const chunk of pending.splice(0)) res.write(chunk);
  }

  async function serveStatic(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      req.resume();
      res.setHeader('Allow', 'GET, HEAD');
      return sendText(res, 405, '405 Method Not Allowed\n');
    }
    const file = await resolveStatic(staticRoot, pathname);
    if (file === NO_ROOT) {
      if (pathname === '/' || pathname === '/index.html')
        return sendHtml(res, 200, NOT_BUILT_PAGE, req.method === 'HEAD');
      return sendText(res, 404, '404 Not Found\n');
    }
    if (file === null) return sendText(res, 404, '404 Not Found\n');
    let data: Buffer;
    try {
      data = await fsp.readFile(file);
    } catch {
      return sendText(res, 404, '404 Not Found\n');
    }
    const isIndex = file === resolve(staticRoot!, 'index.html');
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': data.length,
      // Vite fingerprints everything under assets/; the page itself must always be fresh.
      'Cache-Control': isIndex
        ? 'no-store'
        : pathname.startsWith('/assets/')
          ? 'public, max-age=31536000, immutable'
          : 'no-cache',
    });
    res.end(req.method === 'HEAD' ? undefined : data);
  }

  return {
    server,
    listen(port, host) {
      return new Promise((resolvePromise, reject) => {
        const onError = (err: Error): void => reject(err);
        server.once('error', onError);
        server.listen(port, host, () => {
          server.off('error', onError);
          const address = server.address() as AddressInfo;
          if (!options.allowedHosts) setAllowedHosts(allowedHostsFor(host, address.port));
          resolvePromise({ host, port: address.port });
        });
      });
    },
    setAllowedHosts,
    close() {
      closing ??= new Promise<void>((resolvePromise) => {
        for (const res of streams) res.end();
        streams.clear();
        if (!server.listening) return resolvePromise();
        server.close(() => resolvePromise());
        server.closeIdleConnections();
        // Anything still open after a short grace (a slow upload, a half-read answer) is cut.
        const force = setTimeout(() => {
          for (const socket of sockets) socket.destroy();
        }, 1000);
        force.unref();
      });
      return closing;
    },
  };
}

// ── helpers ────────────────────────────────────────────────────────────────────────────────────────────────

const SECURITY_HEADERS = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cross-Origin-Opener-Policy': 'same-origin',
} as const;

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  503: 'Service Unavailable',
};

const ERROR_MESSAGES: Record<number, string> = {
  400: 'Bad request.',
  401: 'Missing or wrong access token. Open the dashboard with the URL that `jarvis-sync serve` printed.',
  403: 'This request does not come from the dashboard’s own address, so it was refused.',
  405: 'Method not allowed.',
  503: 'The daemon is stopping.',
};

function errorBody(status: number) {
  return {
    ok: false,
    error: {
      name: REASONS[status]?.replace(/ /g, '') ?? 'Error',
      message: ERROR_MESSAGES[status] ?? `Error ${status}.`,
    },
  };
}

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Jarvis Sync</title></head>
<body><h1>Jarvis Sync</h1>
<p>The daemon is running, but the web dashboard has not been built.</p>
<p>Run <code>npm run build:web</code>, then reload this page (or start the daemon with <code>npm run headless</code>, which builds it first).</p>
</body></html>
`;

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

function parseUrl(raw: string | undefined): URL | null {
  // Only origin-form targets ("/path?query"); absolute-form and "*" are for proxies.
  if (!raw || !raw.startsWith('/') || raw.startsWith('//')) return null;
  try {
    return new URL(raw, 'http://bridge.invalid');
  } catch {
    return null;
  }
}

/** resolveStatic's answer when the dashboard has not been built. */
export const NO_ROOT: unique symbol = Symbol('no static root');

/**
 * Maps a URL path to a file inside root, or null (404). Decodes once, refuses NUL and anything that resolves
 * outside root (`..`, encoded `%2e%2e`, backslashes), and follows symlinks only when they stay inside root.
 */
export async function resolveStatic(root: string | null, pathname: string): Promise<string | null | typeof NO_ROOT> {
  if (root === null) return NO_ROOT;
  let realRoot: string;
  try {
    realRoot = await fsp.realpath(root);
  } catch {
    return NO_ROOT;
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const relative = decoded === '/' ? 'index.html' : decoded.replace(/^\/+/, '');
  const candidate = resolve(realRoot, relative);
  if (!candidate.startsWith(realRoot + sep)) return null;
  let real: string;
  try {
    real = await fsp.realpath(candidate);
    if (!(await fsp.stat(real)).isFile()) return null;
  } catch {
    return null;
  }
  return real.startsWith(realRoot + sep) ? real : null;
}

/** Reads the body up to `max` bytes; null (and the rest discarded) when larger. */
function readBody(req: IncomingMessage, max: number): Promise<Buffer | null> {
  return new Promise((resolvePromise, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > max) {
      req.resume();
      resolvePromise(null);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size > max) {
        tooLarge = true;
        chunks.length = 0;
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolvePromise(tooLarge ? null : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sseEvent(channel: PushChannel, payload: unknown): string {
  // JSON never holds a raw newline, so one `data:` line carries the whole payload.
  return `event: ${channel}\ndata: ${JSON.stringify(payload)}\n\n`;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const data = Buffer.from(JSON.stringify(body), 'utf8');
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': data.length,
    'Cache-Control': 'no-store',
  });
  res.end(data);
}

function sendText(res: ServerResponse, status: number, text: string): void {
  const data = Buffer.from(text, 'utf8');
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': data.length,
    'Cache-Control': 'no-store',
  });
  res.end(data);
}

function sendHtml(res: ServerResponse, status: number, html: string, headOnly: boolean): void {
  const data = Buffer.from(html, 'utf8');
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': data.length,
    'Cache-Control': 'no-store',
  });
  res.end(headOnly ? undefined : data);
}
