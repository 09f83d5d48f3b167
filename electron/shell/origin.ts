/**
 * Where our own pages come from: the bundled `index.html` (file://) or, in development only, the exact
 * electron-vite dev-server origin. Every check parses with `new URL`; a `startsWith` test would accept
 * `http://localhost:5173.evil.com` or `file:///other/index.html`. Pure: no Electron.
 */
import { pathToFileURL } from 'node:url';

export type AppOrigin =
  | { kind: 'file'; /** The exact file:// URL of the renderer's index.html. */ url: string; caseInsensitive: boolean }
  | { kind: 'dev'; /** `protocol//host:port` of the dev server. */ origin: string };

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
export function appOriginFor(opts: {
  rendererIndex: string;
  devServerUrl?: string | undefined;
  isPackaged: boolean;
  platform: NodeJS.Platform;
}): AppOrigin {
  const dev = !opts.isPackaged && opts.devServerUrl ? parse(opts.devServerUrl) : null;
  if (dev && (dev.protocol === 'http:' || dev.protocol === 'https:') && LOOPBACK.has(dev.hostname) && !dev.username) {
    return { kind: 'dev', origin: dev.origin };
  }
  return {
    kind: 'file',
    url: pathToFileURL(opts.rendererIndex).href,
    caseInsensitive: opts.platform === 'win32' || opts.platform === 'darwin',
  };
}

function decodedPath(u: URL): string | null {
  try {
    return decodeURIComponent(u.pathname);
  } catch {
    return null;
  }
}

/** True when `url` is one of our pages (any hash or query on the same document is fine). */
export function isAppUrl(url: string, origin: AppOrigin): boolean {
  const u = parse(url);
  if (!u || u.username || u.password) return false;
  if (origin.kind === 'dev') return u.origin === origin.origin;
  const expected = new URL(origin.url);
  if (u.protocol !== 'file:' || u.host !== expected.host) return false;
  const got = decodedPath(u);
  const want = decodedPath(expected);
  if (got === null || want === null) return false;
  return origin.caseInsensitive ? got.toLowerCase() === want.toLowerCase() : got === want;
}

/** The URL to load the dashboard from. */
export function appEntryUrl(origin: AppOrigin): string {
  return origin.kind === 'dev' ? `${origin.origin}/` : origin.url;
}

/** Only http(s) links may leave the app, to the default browser; file:, smb:, custom schemes are refused. */
export function externalUrl(url: string): string | null {
  const u = parse(url);
  if (!u || (u.protocol !== 'https:' && u.protocol !== 'http:') || u.username || u.password || !u.hostname) return null;
  return u.href;
}
