/**
 * The dashboard's Content Security Policy. The same string is the `<meta http-equiv>` tag of
 * renderer/index.html (a test keeps them equal), so the policy holds even where no header is sent; as a header it
 * is sent by the app:// handler (app-protocol.ts) and added below to the dev server's pages, which also brings
 * `frame-ancestors`, which a meta tag cannot set.
 */
import type { Session } from 'electron';

export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

type Headers = Record<string, string[] | string>;

/** Response headers with any CSP the server sent replaced by ours (header names are case-insensitive). */
export function withCsp(headers: Headers | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [key, value] of Object.entries(headers ?? {})) {
    if (key.toLowerCase() === 'content-security-policy') continue;
    out[key] = Array.isArray(value) ? value : [value];
  }
  out['Content-Security-Policy'] = [CONTENT_SECURITY_POLICY];
  return out;
}

/** Adds the CSP header to our own pages' responses; other responses pass unchanged. */
export function installCsp(session: Pick<Session, 'webRequest'>, isOwnUrl: (url: string) => boolean): void {
  session.webRequest.onHeadersReceived((details, callback) => {
    if (details.resourceType === 'mainFrame' && isOwnUrl(details.url)) {
      callback({ responseHeaders: withCsp(details.responseHeaders) });
    } else {
      callback({});
    }
  });
}
