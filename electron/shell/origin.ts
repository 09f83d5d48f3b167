/**
 * Where our own pages come from: the bundled dashboard on the app://dashboard/ scheme (served by
 * app-protocol.ts) or, in development only, the exact electron-vite dev-server origin. Every check parses with
 * `new URL`; a `startsWith` test would accept `http://localhost:5173.evil.com` or `app://dashboard.evil/`.
 * Pure: no Electron.
 */

export const APP_SCHEME = 'app';
export const APP_HOST = 'dashboard';
export const APP_ENTRY_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

export type AppOrigin =
  { kind: 'app' } | { kind: 'dev'; /** `protocol//host:port` of the dev server. */ origin: string };

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/**
 * The origin to trust. A dev-server URL is honoured only in unpackaged runs and only on a loopback http(s) host,
 * so an environment variable can never point a packaged app at a remote page.
 */
export function appOriginFor(opts: { devServerUrl?: string | undefined; isPackaged: boolean }): AppOrigin {
  const dev = !opts.isPackaged && opts.devServerUrl ? parse(opts.devServerUrl) : null;
  if (dev && (dev.protocol === 'http:' || dev.protocol === 'https:') && LOOPBACK.has(dev.hostname) && !dev.username) {
    return { kind: 'dev', origin: dev.origin };
  }
  return { kind: 'app' };
}

/** True when `url` is our dashboard document (any hash or query on it is fine). */
export function isAppUrl(url: string, origin: AppOrigin): boolean {
  const u = parse(url);
  if (!u || u.username || u.password) return false;
  if (origin.kind === 'dev') return u.origin === origin.origin;
  return (
    u.protocol === `${APP_SCHEME}:` &&
    u.host === APP_HOST &&
    !u.port &&
    (u.pathname === '/index.html' || u.pathname === '/')
  );
}

/** The URL to load the dashboard from. */
export function appEntryUrl(origin: AppOrigin): string {
  return origin.kind === 'dev' ? `${origin.origin}/` : APP_ENTRY_URL;
}

/** Only http(s) links may leave the app, to the default browser; file:, smb:, custom schemes are refused. */
export function externalUrl(url: string): string | null {
  const u = parse(url);
  if (!u || (u.protocol !== 'https:' && u.protocol !== 'http:') || u.username || u.password || !u.hostname) return null;
  return u.href;
}
