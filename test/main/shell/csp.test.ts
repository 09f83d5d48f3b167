import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { CONTENT_SECURITY_POLICY, installCsp, withCsp } from '../../../electron/shell/csp.js';
import { session } from '../../mocks/electron.js';

const directives = (csp: string) =>
  new Map(
    csp
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...values]) => [name, values]),
  );

describe('CONTENT_SECURITY_POLICY', () => {
  const policy = directives(CONTENT_SECURITY_POLICY);

  it("allows only 'self' scripts and defaults", () => {
    expect(policy.get('default-src')).toEqual(["'self'"]);
    expect(policy.get('script-src')).toEqual(["'self'"]);
    expect(policy.get('object-src')).toEqual(["'none'"]);
    expect(policy.get('base-uri')).toEqual(["'none'"]);
    expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
  });

  it('has no unsafe-*, wildcard or plain-http source', () => {
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-/);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/\*/);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/http:/);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/https:/);
  });

  it("is the same policy as renderer/index.html's meta tag", () => {
    const html = readFileSync(join(import.meta.dirname, '../../../renderer/index.html'), 'utf8');
    const meta = /<meta\s+http-equiv=["']Content-Security-Policy["']\s+content=(["'])(.*?)\1/is.exec(html);
    expect(meta, 'renderer/index.html has a CSP meta tag').not.toBeNull();
    const normalize = (s: string) =>
      s
        .replace(/\s+/g, ' ')
        .replace(/\s*;\s*/g, '; ')
        .trim();
    expect(normalize(meta![2])).toBe(normalize(CONTENT_SECURITY_POLICY));
  });

  it('index.html exists (the renderer is built from it)', () => {
    expect(existsSync(join(import.meta.dirname, '../../../renderer/index.html'))).toBe(true);
  });
});

describe('withCsp / installCsp', () => {
  it('replaces any CSP a server sent, whatever its case, and keeps other headers', () => {
    const out = withCsp({
      'content-security-policy': ['default-src *'],
      'Content-Type': ['text/html'],
      'X-One': 'a' as never,
    });
    expect(out).toEqual({
      'Content-Type': ['text/html'],
      'X-One': ['a'],
      'Content-Security-Policy': [CONTENT_SECURITY_POLICY],
    });
    expect(withCsp(undefined)).toEqual({ 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] });
  });

  it('adds the header to our own documents only', () => {
    installCsp(session.defaultSession as never, (url) => url.startsWith('http://localhost:5173/'));
    const listener = session.defaultSession.webRequest.onHeadersReceived.mock.calls[0][0] as (
      d: object,
      cb: (r: object) => void,
    ) => void;
    const callback = vi.fn();
    listener({ url: 'http://localhost:5173/', resourceType: 'mainFrame', responseHeaders: {} }, callback);
    listener({ url: 'https://example.com/', resourceType: 'mainFrame', responseHeaders: {} }, callback);
    listener({ url: 'http://localhost:5173/main.js', resourceType: 'script', responseHeaders: {} }, callback);
    expect(callback.mock.calls).toEqual([
      [{ responseHeaders: { 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } }],
      [{}],
      [{}],
    ]);
  });
});
