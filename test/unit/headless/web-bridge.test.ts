import { request as httpRequest, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_METHODS } from '../../../shared/contract.js';
import type { AppState } from '../../../shared/types.js';
import { CONTENT_SECURITY_POLICY } from '../../../electron/headless/web-bridge.js';
import { sseParser } from '../../../renderer/web-api.js';
import { call, raw, startHarness, TOKEN, type Harness } from './bridge-harness.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ maxBodyBytes: 64 * 1024 });
});

afterAll(async () => {
  await h?.close();
});

const connectorIds = async (): Promise<string[]> => {
  const res = await call(h, 'state:get', []);
  return res.json<{ result: AppState }>().result.connectors.map((c) => c.id);
};

describe('web bridge: who may call the API', () => {
  it('answers an authorised call from the bound address', async () => {
    const res = await call(h, 'state:get', []);
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ ok: true, result: { paused: false, connectors: [] } });
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('refuses a call without a token (401), for calls and for the event stream', async () => {
    const res = await raw(h.port, {
      method: 'POST',
      path: '/api/state:get',
      headers: { 'content-type': 'application/json' },
      body: '[]',
    });
    expect(res.status).toBe(401);
    expect(res.json()).toMatchObject({ ok: false, error: { message: expect.stringContaining('token') } });
    const events = await raw(h.port, { path: '/api/events' });
    expect(events.status).toBe(401);
  });

  it.each([
    ['a wrong token of the same length', `Bearer ${TOKEN.replace(/.$/, 'X')}`],
    ['a shorter token', `Bearer ${TOKEN.slice(0, 10)}`],
    ['a longer token', `Bearer ${TOKEN}x`],
    ['the token without the Bearer scheme', TOKEN],
    ['the token as Basic credentials', `Basic ${TOKEN}`],
    ['an empty Bearer', 'Bearer '],
  ])('refuses %s (401)', async (_what, authorization) => {
    const res = await call(h, 'state:get', [], { authorization });
    expect(res.status).toBe(401);
  });

  it.each([
    ['a foreign host (DNS rebinding)', (port: number) => `evil.com:${port}`],
    ['a foreign host without a port', () => 'evil.com'],
    ['our address with another port', (port: number) => `127.0.0.1:${port + 1}`],
    ['a lookalike host', (port: number) => `127.0.0.1.evil.com:${port}`],
  ])('refuses %s (403) even with the right token', async (_what, host) => {
    const before = (await connectorIds()).length;
    const res = await call(h, 'sync:pause', [null], { host: host(h.port) });
    expect(res.status).toBe(403);
    expect((await call(h, 'state:get', [])).json<{ result: AppState }>().result.paused).toBe(false);
    expect((await connectorIds()).length).toBe(before);
    // Static files too: a rebinding page gets nothing from this server.
    expect((await raw(h.port, { path: '/', headers: { host: host(h.port) } })).status).toBe(403);
  });

  it('accepts localhost:<port> as well as 127.0.0.1:<port>', async () => {
    expect((await call(h, 'state:get', [], { host: `localhost:${h.port}` })).status).toBe(200);
    expect(
      (await call(h, 'state:get', [], { host: `LOCALHOST:${h.port}`, origin: `http://localhost:${h.port}` })).status,
    ).toBe(200);
  });

  it.each([
    ['another site', () => 'https://evil.com'],
    ['another local page', () => 'http://127.0.0.1:1'],
    ['a lookalike origin', (port: number) => `http://127.0.0.1.evil.com:${port}`],
    ['an opaque origin', () => 'null'],
    ['https on our host', (port: number) => `https://127.0.0.1:${port}`],
  ])('refuses a request from %s (403) even with the right token, with no side effect', async (_what, origin) => {
    const res = await call(h, 'sync:pause', [null], { origin: origin(h.port) });
    expect(res.status).toBe(403);
    expect((await call(h, 'state:get', [])).json<{ result: AppState }>().result.paused).toBe(false);
  });

  it('accepts a request from its own origin', async () => {
    const res = await call(h, 'state:get', [], { origin: h.origin, 'sec-fetch-site': 'same-origin' });
    expect(res.status).toBe(200);
  });

  it('refuses API calls a browser marks as cross-site or user-typed', async () => {
    expect((await call(h, 'state:get', [], { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await call(h, 'state:get', [], { 'sec-fetch-site': 'same-site' })).status).toBe(403);
    expect((await call(h, 'state:get', [], { 'sec-fetch-site': 'none' })).status).toBe(403);
  });
});

describe('web bridge: channels and payloads', () => {
  it('serves exactly the channels of API_METHODS; anything else is 404', async () => {
    for (const channel of [
      'secret:thing',
      '__proto__',
      'constructor',
      'hasOwnProperty',
      'state%3Aget',
      'state:get/',
      'STATE:GET',
      '',
    ]) {
      const res = await call(h, channel, []);
      expect(res.status, channel).toBe(404);
    }
    expect((await raw(h.port, { path: '/api', headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(404);
    for (const channel of Object.values(API_METHODS)) {
      const res = await raw(h.port, { path: `/api/${channel}`, headers: { authorization: `Bearer ${TOKEN}` } });
      expect(res.status, `GET ${channel}`).toBe(405);
    }
  });

  it('refuses a bad payload with 400 and leaves everything unchanged', async () => {
    const before = await connectorIds();
    for (const args of [
      [{ kind: 'folder', path: 42 }],
      [{ kind: 'nope', path: h.notes }],
      [{ kind: 'folder', path: h.notes, extra: 1 }],
      [],
      'not a list',
    ]) {
      const res = await call(h, 'connector:add', args as unknown[]);
      expect(res.status, JSON.stringify(args)).toBe(400);
      const body = res.json();
      expect(body.ok).toBe(false);
      expect(body.error?.message).toMatch(/payload|array/i);
      expect(res.text).not.toMatch(/\n\s+at /);
    }
    expect(await connectorIds()).toEqual(before);
  });

  it('refuses a body that is not JSON (400), not declared JSON (415) or too large (413)', async () => {
    const headers = { authorization: `Bearer ${TOKEN}` };
    const notJson = await raw(h.port, {
      method: 'POST',
      path: '/api/sync:pause',
      headers: { ...headers, 'content-type': 'application/json' },
      body: '[nul',
    });
    expect(notJson.status).toBe(400);
    const form = await raw(h.port, {
      method: 'POST',
      path: '/api/sync:pause',
      headers: { ...headers, 'content-type': 'text/plain' },
      body: '[null]',
    });
    expect(form.status).toBe(415);
    const none = await raw(h.port, { method: 'POST', path: '/api/sync:pause', headers, body: '[null]' });
    expect(none.status).toBe(415);
    const big = await call(h, 'search:query', ['x'.repeat(70 * 1024), {}]);
    expect(big.status).toBe(413);
    expect((await call(h, 'state:get', [])).json<{ result: AppState }>().result.paused).toBe(false);
  });

  it('answers a refused user input with 400 and the core’s message', async () => {
    const res = await call(h, 'connector:add', [{ kind: 'folder', path: `${h.root}/does-not-exist` }]);
    expect(res.status).toBe(400);
    expect(res.json().error).toMatchObject({
      name: 'UserInputError',
      message: expect.stringContaining('does not exist'),
    });
  });

  it('answers a failing handler with 500 and a message, never a stack trace', async () => {
    const res = await call(h, 'shell:open-item', [{ kind: 'problem', connectorId: 'notes', path: h.notes }]);
    expect(res.status).toBe(500);
    expect(res.json().error?.message).toContain('not available in headless mode');
    expect(res.text).not.toMatch(/\bat .*\.(ts|js):\d+/);
    expect(res.text).not.toContain('stack');
  });

  it('runs a valid call through the core', async () => {
    const added = await call(h, 'connector:add', [{ kind: 'folder', path: h.notes, name: 'Notes' }]);
    expect(added.status).toBe(200);
    expect(added.json().result).toMatchObject({ id: 'notes', name: 'Notes', path: h.notes });
    const check = await call(h, 'connector:check-path', ['folder', `${h.root}/missing`]);
    expect(check.json().result).toMatchObject({ ok: false });
    const caps = await call(h, 'app:capabilities', []);
    expect(caps.json().result).toMatchObject({ host: 'headless', nativePicker: false });
    await call(h, 'connector:remove', ['notes', { keepIndex: false }]);
  });
});

describe('web bridge: static files', () => {
  it('serves the dashboard with its security headers', async () => {
    const index = await raw(h.port, { path: '/' });
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(index.headers['x-content-type-options']).toBe('nosniff');
    expect(index.headers['referrer-policy']).toBe('no-referrer');
    expect(index.headers['cache-control']).toBe('no-store');
    expect(index.text).toContain('<title>Jarvis Sync</title>');
    const js = await raw(h.port, { path: '/assets/app.js' });
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await raw(h.port, { path: '/assets/app.css' })).headers['content-type']).toBe('text/css; charset=utf-8');
    const head = await raw(h.port, { method: 'HEAD', path: '/index.html' });
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
  });

  it.each([
    '/../secret.txt',
    '/assets/../../secret.txt',
    '/%2e%2e/secret.txt',
    '/%2E%2E%2Fsecret.txt',
    '/assets/..%2f..%2fsecret.txt',
    '/..%5csecret.txt',
    '/assets%00/app.js',
    '/link-out.txt',
    '/%252e%252e/secret.txt',
    '/assets/',
    '/nope.html',
  ])('refuses %s (no file outside the dashboard, no listing)', async (path) => {
    const res = await raw(h.port, { path });
    expect([400, 404]).toContain(res.status);
    expect(res.text).not.toContain('TOP SECRET');
  });

  it('does not serve other methods on static paths', async () => {
    expect((await raw(h.port, { method: 'POST', path: '/', body: 'x' })).status).toBe(405);
  });
});

describe('web bridge: event stream', () => {
  /** Opens the stream and collects events; `next(pred)` waits for a matching one. */
  function openStream(): Promise<{
    res: IncomingMessage;
    next: (pred: (e: { event: string; data: unknown }) => boolean) => Promise<{ event: string; data: unknown }>;
    close: () => void;
  }> {
    return new Promise((resolve, reject) => {
      const seen: { event: string; data: unknown }[] = [];
      const waiters: {
        pred: (e: { event: string; data: unknown }) => boolean;
        resolve: (e: { event: string; data: unknown }) => void;
      }[] = [];
      const parse = sseParser((event, data) => {
        const e = { event, data: JSON.parse(data) as unknown };
        seen.push(e);
        for (const w of [...waiters]) {
          if (w.pred(e)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(e);
          }
        }
      });
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port: h.port,
          path: '/api/events',
          headers: { host: h.host, authorization: `Bearer ${TOKEN}` },
        },
        (res) => {
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => parse(chunk));
          resolve({
            res,
            next: (pred) =>
              new Promise((done) => {
                const found = seen.find(pred);
                if (found) {
                  seen.splice(seen.indexOf(found), 1);
                  done(found);
                } else waiters.push({ pred, resolve: done });
              }),
            close: () => req.destroy(),
          });
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  it('starts with the current state, then pushes each change, and cleans up on disconnect', async () => {
    const listenersBefore = h.service.events.listenerCount('state');
    const stream = await openStream();
    expect(stream.res.statusCode).toBe(200);
    expect(stream.res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    const first = await stream.next(() => true);
    expect(first.event).toBe('state:changed');
    expect((first.data as AppState).paused).toBe(false);
    expect(h.service.events.listenerCount('state')).toBe(listenersBefore + 1);

    await call(h, 'sync:pause', [null]);
    const pushed = await stream.next((e) => e.event === 'state:changed' && (e.data as AppState).paused);
    expect((pushed.data as AppState).paused).toBe(true);
    await call(h, 'sync:resume', [null]);
    await stream.next((e) => e.event === 'state:changed' && !(e.data as AppState).paused);

    stream.close();
    await expect.poll(() => h.service.events.listenerCount('state')).toBe(listenersBefore);
    expect(h.service.events.listenerCount('progress')).toBe(0);
  });

  it('sends heartbeats', async () => {
    const hb = await startHarness({ heartbeatMs: 50 });
    try {
      const text = await new Promise<string>((resolve, reject) => {
        let got = '';
        const req = httpRequest(
          {
            host: '127.0.0.1',
            port: hb.port,
            path: '/api/events',
            headers: { host: hb.host, authorization: `Bearer ${TOKEN}` },
          },
          (res) => {
            res.setEncoding('utf8');
            res.on('data', (c: string) => {
              got += c;
              if (got.includes(': ping')) {
                req.destroy();
                resolve(got);
              }
            });
          },
        );
        req.on('error', reject);
        req.end();
      });
      expect(text).toContain(': ping\n\n');
    } finally {
      await hb.close();
    }
  });
});

describe('web bridge: a client that stops reading its event stream', () => {
  it('is cut off once a bounded backlog of events waits for it, instead of the daemon buffering them all', async () => {
    const hb = await startHarness({ maxEventBacklogBytes: 256 * 1024 });
    try {
      const listenersBefore = hb.service.events.listenerCount('state');
      const socket = connect(hb.port, '127.0.0.1');
      await new Promise<void>((resolve) => socket.once('connect', resolve));
      socket.write(`GET /api/events HTTP/1.1\r\nHost: ${hb.host}\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`);
      // The response starts, then the client reads nothing more.
      await new Promise<void>((resolve) => socket.once('data', () => resolve()));
      socket.pause();
      await expect.poll(() => hb.service.events.listenerCount('state')).toBe(listenersBefore + 1);
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      // ~50 MB of states: far more than the socket buffers of both ends hold.
      const big = { ...hb.service.getState(), dataDir: 'x'.repeat(512 * 1024) };
      for (let i = 0; i < 100 && hb.service.events.listenerCount('state') > listenersBefore; i++) {
        hb.service.events.emit('state', big);
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect(hb.service.events.listenerCount('state')).toBe(listenersBefore);
      socket.resume();
      await closed;
    } finally {
      await hb.close();
    }
  });
});

describe('web bridge: dashboard not built', () => {
  it('answers / with a page that says how to build it', async () => {
    const nb = await startHarness({ staticDir: 'none' });
    try {
      const res = await raw(nb.port, { path: '/' });
      expect(res.status).toBe(200);
      expect(res.text).toContain('npm run build:web');
      expect(res.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
      expect((await raw(nb.port, { path: '/assets/app.js' })).status).toBe(404);
      expect((await call(nb, 'state:get', [])).status).toBe(200);
    } finally {
      await nb.close();
    }
  });
});
