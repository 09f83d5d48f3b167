/**
 * Who may drive the daemon: only the dashboard page it served, with the token of this start. Everything else —
 * no token, a wrong one, another local page, a DNS-rebinding page — is refused, and nothing changes.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppState } from '../../shared/types.js';
import {
  addFolderConnector,
  badge,
  card,
  lastRun,
  launchBrowser,
  notesFolder,
  openWorld,
  REBIND_HOST,
  textOf,
  until,
  type World,
} from './support.js';

let browser: Browser;
let world: World;
let attacker: Server;
let attackerOrigin: string;

beforeAll(async () => {
  browser = await launchBrowser();
  world = await openWorld(browser);
  const notesCard = await addFolderConnector(
    world.page,
    notesFolder(world.root, 'notes', { 'a.md': '# Alpha\n\napples\n' }),
    'Notes',
  );
  await until(
    () => lastRun(notesCard),
    (text) => text.includes('1 added'),
  );
  // Another local web page (any site the user visits could be this).
  attacker = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>Totally harmless</title><h1>hello</h1>');
  });
  await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
  attackerOrigin = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await world?.dispose();
  if (attacker) await new Promise((resolve) => attacker.close(resolve));
  await browser?.close();
});

/** What the dashboard shows is still what it showed before the attempts. */
async function expectUnchanged(): Promise<void> {
  const { page } = world;
  const notesCard = card(page, 'Notes');
  expect(await notesCard.count()).toBe(1);
  expect(await badge(notesCard)).toBe('Idle');
  expect(await page.getByRole('button', { name: 'Pause all', exact: true }).count()).toBe(1);
  expect(await textOf(notesCard.getByTestId('indexed'))).toBe('1 document · 1 chunk');
  // And the core agrees (read with the real token).
  const state = await world.daemon.api<AppState>('state:get');
  expect(state.paused).toBe(false);
  expect(state.connectors.map((c) => c.name)).toEqual(['Notes']);
}

function rawPost(path: string, headers: Record<string, string>, body = '[null]'): Promise<number> {
  const { port } = world.daemon;
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, method: 'POST', path, headers: { 'content-type': 'application/json', ...headers } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('the daemon refuses what does not come from its dashboard', () => {
  it('refuses requests from Node without the token, with a foreign Origin or a foreign Host', async () => {
    const { daemon } = world;
    const auth = { authorization: `Bearer ${daemon.token}` };
    expect(await rawPost('/api/sync:pause', {})).toBe(401);
    expect(await rawPost('/api/sync:pause', { authorization: 'Bearer not-the-token' })).toBe(401);
    expect(
      await rawPost(
        '/api/connector:remove',
        { ...auth, origin: 'http://evil.example' },
        '["notes",{"keepIndex":false}]',
      ),
    ).toBe(403);
    expect(await rawPost('/api/sync:pause', { ...auth, origin: attackerOrigin })).toBe(403);
    expect(await rawPost('/api/sync:pause', { ...auth, host: `evil.example:${daemon.port}` })).toBe(403);
    expect(await rawPost('/api/sync:pause', { ...auth, 'content-type': 'text/plain' })).toBe(415);
    await expectUnchanged();
  });

  it('refuses a call from its own page without the token', async () => {
    const status = await world.page.evaluate(async () => {
      const res = await fetch('/api/sync:pause', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '[null]',
      });
      return res.status;
    });
    expect(status).toBe(401);
    await expectUnchanged();
  });

  it('shows a clear message when the dashboard is opened with a wrong token', async () => {
    const page = await world.context.newPage();
    try {
      await page.goto(`${world.daemon.origin}/#token=wrong-token`);
      const alert = page.getByRole('alert').filter({ hasText: 'access token' });
      await alert.waitFor();
      expect(await textOf(alert)).toMatch(/Can’t reach Jarvis Sync: Missing or wrong access token/);
    } finally {
      await page.close();
    }
    await expectUnchanged();
  });

  it('refuses another local page, even one that knows the token', async () => {
    const page = await world.context.newPage();
    try {
      await page.goto(attackerOrigin);
      const results = await page.evaluate(
        async ({ target, token }) => {
          const out: string[] = [];
          // A CORS request with the token: the preflight is refused, so the request never runs.
          try {
            const res = await fetch(`${target}/api/sync:pause`, {
              method: 'POST',
              headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
              body: '[null]',
            });
            out.push(`cors:${res.status}`);
          } catch {
            out.push('cors:blocked');
          }
          // A "simple" request that needs no preflight: it is sent, and refused on its Origin.
          try {
            await fetch(`${target}/api/sync:pause`, { method: 'POST', mode: 'no-cors', body: '[null]' });
            out.push('no-cors:sent');
          } catch {
            out.push('no-cors:blocked');
          }
          // Reading the state: refused too.
          try {
            const res = await fetch(`${target}/api/state:get`, {
              method: 'POST',
              headers: { authorization: `Bearer ${token}` },
            });
            out.push(`read:${res.status}`);
          } catch {
            out.push('read:blocked');
          }
          return out;
        },
        { target: world.daemon.origin, token: world.daemon.token },
      );
      expect(results).toEqual(['cors:blocked', expect.stringMatching(/^no-cors:/), 'read:blocked']);
    } finally {
      await page.close();
    }
    await expectUnchanged();
  });

  it('refuses a DNS-rebinding page (a foreign host name that resolves to 127.0.0.1)', async () => {
    const page = await world.context.newPage();
    try {
      const rebound = `http://${REBIND_HOST}:${world.daemon.port}`;
      const response = await page.goto(`${rebound}/`);
      expect(response?.status()).toBe(403);
      // Now same-origin with the daemon as far as the browser knows; the Host header still gives it away.
      const status = await page.evaluate(async (token) => {
        const res = await fetch('/api/sync:pause', {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: '[null]',
        });
        return res.status;
      }, world.daemon.token);
      expect(status).toBe(403);
    } finally {
      await page.close();
    }
    await expectUnchanged();
  });

  it('serves the dashboard with a strict Content-Security-Policy', async () => {
    const res = await fetch(`${world.daemon.origin}/`);
    expect(res.headers.get('content-security-policy')).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    );
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('cache-control')).toBe('no-store');
    // The dashboard itself ran under that policy without a violation.
    expect(world.problems.filter((p) => /Content Security Policy/i.test(p))).toEqual([]);
  });
});
