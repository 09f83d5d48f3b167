/**
 * The dashboard is served from `app://dashboard/…`, a privileged custom scheme, instead of file://: a file:// page
 * may read any other file:// URL on the disk, and every file:// page shares one origin. Only files inside the
 * renderer's build folder are served; anything else is a 404. `resolveAppRequest` is the whole policy and is pure
 * Node (tested without Electron); `handleAppProtocol` only wires it to `protocol.handle`.
 */
import { readFile } from 'node:fs/promises';
import { realpathSync, statSync } from 'node:fs';
import { extname, isAbsolute, join, relative, sep } from 'node:path';
import type { Protocol } from 'electron';
import type { Logger } from '../../shared/logger.js';
import { CONTENT_SECURITY_POLICY } from './csp.js';
import { APP_HOST, APP_SCHEME } from './origin.js';

/** Registered before the app is ready (`protocol.registerSchemesAsPrivileged`): a secure, standard origin. */
export const APP_SCHEME_PRIVILEGES = { standard: true, secure: true, supportFetchAPI: true } as const;

const MIME_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

export type AppRequest =
  { ok: true; path: string; mimeType: string } | { ok: false; status: 400 | 404 | 405; reason: string };

interface FsProbe {
  realpath: (path: string) => string;
  isFile: (path: string) => boolean;
}

const realFs: FsProbe = {
  realpath: (path) => realpathSync(path),
  isFile: (path) => statSync(path).isFile(),
};

const inside = (root: string, path: string): boolean => {
  const rel = relative(root, path);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
};

/** Maps an `app://dashboard/<path>` request to a file inside `rootDir`, or says why not. */
export function resolveAppRequest(url: string, method: string, rootDir: string, fs: FsProbe = realFs): AppRequest {
  if (method !== 'GET' && method !== 'HEAD') return { ok: false, status: 405, reason: `method ${method}` };
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { ok: false, status: 400, reason: 'not a URL' };
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST || u.username || u.password) {
    return { ok: false, status: 404, reason: 'not an app://dashboard URL' };
  }
  let path: string;
  try {
    path = decodeURIComponent(u.pathname);
  } catch {
    return { ok: false, status: 400, reason: 'bad percent-encoding' };
  }
  // Dot segments were resolved by the URL parser; what is left after decoding is data, never a path step.
  if (path.includes('\0') || path.includes('\\') || path.split('/').includes('..')) {
    return { ok: false, status: 404, reason: 'path escapes the app folder' };
  }
  if (path === '/' || path === '') path = '/index.html';
  const candidate = join(rootDir, path);
  if (!inside(rootDir, candidate)) return { ok: false, status: 404, reason: 'path escapes the app folder' };
  let real: string;
  try {
    real = fs.realpath(candidate);
    // A symlink inside the folder must not lead out of it.
    if (!inside(fs.realpath(rootDir), real) || !fs.isFile(real)) {
      return { ok: false, status: 404, reason: 'not a file of the app' };
    }
  } catch {
    return { ok: false, status: 404, reason: 'no such file' };
  }
  return { ok: true, path: real, mimeType: MIME_TYPES[extname(real).toLowerCase()] ?? 'application/octet-stream' };
}

/** Serves `rootDir` on app://dashboard/. Call once the app is ready. */
export function handleAppProtocol(protocol: Pick<Protocol, 'handle'>, rootDir: string, log: Logger): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const r = resolveAppRequest(request.url, request.method, rootDir);
    if (!r.ok) {
      log.warn(`app://: refused ${r.status} (${r.reason})`);
      return new Response(null, { status: r.status });
    }
    try {
      const body = await readFile(r.path);
      return new Response(request.method === 'HEAD' ? null : body, {
        headers: {
          'content-type': r.mimeType,
          'content-security-policy': CONTENT_SECURITY_POLICY,
          'x-content-type-options': 'nosniff',
        },
      });
    } catch (err) {
      log.warn('app://: a file of the app could not be read', err);
      return new Response(null, { status: 404 });
    }
  });
}
