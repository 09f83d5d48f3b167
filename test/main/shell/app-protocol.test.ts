import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../shared/logger.js';
import { handleAppProtocol, resolveAppRequest } from '../../../electron/shell/app-protocol.js';
import { CONTENT_SECURITY_POLICY } from '../../../electron/shell/csp.js';

// A real renderer build folder on disk, with a secret beside it and links that try to lead out.
let base: string;
let root: string;
beforeAll(() => {
  base = realpathSync(mkdtempSync(join(tmpdir(), 'app-protocol-')));
  root = join(base, 'renderer');
  mkdirSync(join(root, 'assets'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>Jarvis Sync</title>');
  writeFileSync(join(root, 'assets', 'index-abc.js'), 'console.log(1)');
  writeFileSync(join(root, 'assets', 'index-abc.css'), 'body{}');
  writeFileSync(join(root, 'assets', 'font file.woff2'), 'w');
  writeFileSync(join(base, 'secret.txt'), 'do not serve');
  mkdirSync(join(base, 'renderer-evil'));
  writeFileSync(join(base, 'renderer-evil', 'x.js'), 'evil');
  symlinkSync(join(base, 'secret.txt'), join(root, 'assets', 'link-out.txt'));
  symlinkSync(base, join(root, 'dir-out'));
  symlinkSync(join(root, 'assets', 'index-abc.js'), join(root, 'assets', 'link-in.js'));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('resolveAppRequest', () => {
  const served: [string, string, string][] = [
    ['app://dashboard/index.html', 'index.html', 'text/html; charset=utf-8'],
    ['app://dashboard/', 'index.html', 'text/html; charset=utf-8'],
    ['app://dashboard/index.html?x=1#/search', 'index.html', 'text/html; charset=utf-8'],
    ['app://dashboard/assets/index-abc.js', 'assets/index-abc.js', 'text/javascript; charset=utf-8'],
    ['app://dashboard/assets/index-abc.css', 'assets/index-abc.css', 'text/css; charset=utf-8'],
    ['app://dashboard/assets/font%20file.woff2', 'assets/font file.woff2', 'font/woff2'],
    ['app://dashboard/assets/../index.html', 'index.html', 'text/html; charset=utf-8'],
    ['app://dashboard/assets/link-in.js', 'assets/index-abc.js', 'text/javascript; charset=utf-8'],
  ];
  it.each(served)('serves %s', (url, file, mimeType) => {
    expect(resolveAppRequest(url, 'GET', root)).toEqual({ ok: true, path: join(root, file), mimeType });
  });

  const refused: [string, number][] = [
    ['app://dashboard/../secret.txt', 404],
    ['app://dashboard/%2e%2e/secret.txt', 404],
    ['app://dashboard/%2E%2E/secret.txt', 404],
    ['app://dashboard/assets/%2e%2e/%2e%2e/secret.txt', 404],
    ['app://dashboard/..%2fsecret.txt', 404],
    ['app://dashboard/%2e%2e%2fsecret.txt', 404],
    ['app://dashboard/..%5csecret.txt', 404],
    ['app://dashboard/assets%5c..%5c..%5csecret.txt', 404],
    ['app://dashboard/%00index.html', 404],
    ['app://dashboard/../renderer-evil/x.js', 404],
    ['app://dashboard/assets/link-out.txt', 404],
    ['app://dashboard/dir-out/secret.txt', 404],
    ['app://dashboard/assets', 404],
    ['app://dashboard/missing.js', 404],
    ['app://dashboard/%2Fetc%2Fpasswd', 404],
    ['app://dashboard//etc/passwd', 404],
    ['app://evil/index.html', 404],
    ['app://dashboard.evil.com/index.html', 404],
    ['app://user@dashboard/index.html', 404],
    ['file:///etc/passwd', 404],
    ['https://dashboard/index.html', 404],
    ['app://dashboard/%E0%A4%A', 400],
    ['not a url', 400],
  ];
  it.each(refused)('refuses %s with %i', (url, status) => {
    const r = resolveAppRequest(url, 'GET', root);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.status).toBe(status);
  });

  it('answers GET and HEAD only', () => {
    expect(resolveAppRequest('app://dashboard/index.html', 'HEAD', root).ok).toBe(true);
    for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
      expect(resolveAppRequest('app://dashboard/index.html', method, root)).toMatchObject({ ok: false, status: 405 });
    }
  });
});

describe('handleAppProtocol', () => {
  function serve() {
    let handler: ((request: Request) => Promise<Response> | Response) | null = null;
    handleAppProtocol(
      {
        handle: (scheme, fn) => {
          expect(scheme).toBe('app');
          handler = fn;
        },
      },
      root,
      silentLogger,
    );
    return (url: string, init?: RequestInit) => Promise.resolve(handler!(new Request(url, init)));
  }

  it('answers with the file, its type, our CSP and nosniff', async () => {
    const res = await serve()('app://dashboard/assets/index-abc.js');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('console.log(1)');
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('answers a refused request with its status and no body', async () => {
    const fetchApp = serve();
    const escape = await fetchApp('app://dashboard/assets/link-out.txt');
    expect(escape.status).toBe(404);
    expect(await escape.text()).toBe('');
    expect((await fetchApp('app://dashboard/index.html', { method: 'POST', body: 'x' })).status).toBe(405);
    const head = await fetchApp('app://dashboard/index.html', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });
});
