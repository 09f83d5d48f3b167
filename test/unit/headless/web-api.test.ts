/** The dashboard's web client (renderer/web-api.ts) against a real bridge over a real service. */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AppState } from '../../../shared/types.js';
import { createWebApi, sseParser, TOKEN_STORAGE_KEY, WebApiError } from '../../../renderer/web-api.js';
import { startHarness, TOKEN, type Harness } from './bridge-harness.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.close();
});

function memoryStorage(): Storage {
  const data = new Map<string, string>();
  return {
    get length() {
      return data.size;
    },
    clear: () => data.clear(),
    getItem: (k) => data.get(k) ?? null,
    key: (i) => [...data.keys()][i] ?? null,
    removeItem: (k) => void data.delete(k),
    setItem: (k, v) => void data.set(k, v),
  };
}

function location(hash: string) {
  return { hash, origin: h.origin, pathname: '/', search: '' };
}

describe('createWebApi', () => {
  it('reads the token from the fragment, clears it from the address bar, and keeps it for a reload', async () => {
    const history = { state: null, replaceState: vi.fn() };
    const storage = memoryStorage();
    const api = createWebApi(location(`#token=${TOKEN}`), undefined, { history, storage });
    expect(history.replaceState).toHaveBeenCalledWith(null, '', '/');
    expect(storage.getItem(TOKEN_STORAGE_KEY)).toBe(TOKEN);
    expect((await api.getState()).connectors).toEqual([]);

    // A reload: no fragment any more, the tab's storage still has the token.
    const reloaded = createWebApi(location(''), undefined, { history, storage });
    expect((await reloaded.getCapabilities()).host).toBe('headless');
  });

  it('has every method of the contract and sends its arguments', async () => {
    const api = createWebApi(location(`#token=${TOKEN}`), undefined, { history: null, storage: null });
    const added = await api.addConnector({ kind: 'folder', path: h.notes, name: 'Notes' });
    expect(added).toMatchObject({ id: 'notes', name: 'Notes' });
    expect((await api.checkPath('folder', h.notes)).ok).toBe(true);
    expect(await api.pickPath('folder')).toBeNull();
    const state = await api.pause('notes');
    expect(state.connectors[0].paused).toBe(true);
    await api.removeConnector('notes', { keepIndex: false });
    expect((await api.getState()).connectors).toEqual([]);
  });

  it("rejects with the server's message", async () => {
    const api = createWebApi(location(`#token=${TOKEN}`), undefined, { history: null, storage: null });
    const err = await api.addConnector({ kind: 'folder', path: `${h.root}/missing` }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WebApiError);
    expect((err as WebApiError).status).toBe(400);
    expect((err as Error).message).toContain('does not exist');
    const payload = await api.addConnector({ kind: 'folder', path: 42 as unknown as string }).catch((e: unknown) => e);
    expect((payload as Error).message).toMatch(/^Invalid payload for connector:add/);
  });

  it('says what to do without a token, or with a wrong one', async () => {
    const none = createWebApi(location(''), undefined, { history: null, storage: memoryStorage() });
    await expect(none.getState()).rejects.toThrow(/no access token/);
    const wrong = createWebApi(location('#token=nope'), undefined, { history: null, storage: null });
    await expect(wrong.getState()).rejects.toThrow(/token/);
  });

  it('says when the daemon cannot be reached', async () => {
    const api = createWebApi(
      { hash: `#token=${TOKEN}`, origin: 'http://127.0.0.1:1', pathname: '/', search: '' },
      undefined,
      { history: null, storage: null },
    );
    await expect(api.getState()).rejects.toThrow(/cannot be reached/);
  });

  it('delivers pushes over one stream, and stops it with the last unsubscribe', async () => {
    const calls: string[] = [];
    const counting = (input: string, init?: RequestInit) => {
      calls.push(input);
      return fetch(input, init);
    };
    const api = createWebApi(location(`#token=${TOKEN}`), counting, { history: null, storage: null });
    const states: AppState[] = [];
    const offA = api.onStateChanged((s) => states.push(s));
    const offB = api.onProgress(() => undefined);
    await expect.poll(() => states.length).toBeGreaterThan(0); // the current state, first
    await api.pause(null);
    await expect.poll(() => states.some((s) => s.paused)).toBe(true);
    await api.resume(null);
    await expect.poll(() => states.at(-1)?.paused).toBe(false);
    expect(calls.filter((u) => u.endsWith('/api/events'))).toHaveLength(1);
    const listeners = h.service.events.listenerCount('state');
    offA();
    offB();
    await expect.poll(() => h.service.events.listenerCount('state')).toBe(listeners - 1);
  });

  it('reconnects after the stream drops and resynchronises with the state sent first', async () => {
    let streams = 0;
    let current: AbortController | null = null;
    const flaky = (input: string, init?: RequestInit) => {
      if (!input.endsWith('/api/events')) return fetch(input, init);
      streams += 1;
      // Lets the test cut the connection as a network drop would.
      current = new AbortController();
      const signal = init?.signal ? AbortSignal.any([init.signal, current.signal]) : current.signal;
      return fetch(input, { ...init, signal });
    };
    const api = createWebApi(location(`#token=${TOKEN}`), flaky, {
      history: null,
      storage: null,
      reconnectMinMs: 20,
      reconnectMaxMs: 50,
    });
    const states: AppState[] = [];
    const connection: string[] = [];
    const offConnection = api.onConnectionChanged?.((status) => connection.push(status));
    const off = api.onStateChanged((s) => states.push(s));
    await expect.poll(() => states.length).toBe(1);
    (current as AbortController | null)?.abort();
    // Changed while disconnected: the reconnect's first event brings it.
    h.service.pause(null);
    await expect.poll(() => streams).toBeGreaterThanOrEqual(2);
    await expect.poll(() => states.at(-1)?.paused).toBe(true);
    // The page was told of the drop, and of the link being back.
    expect(connection).toEqual(['connected', 'reconnecting', 'connected']);
    h.service.resume(null);
    await expect.poll(() => states.at(-1)?.paused).toBe(false);
    off();
    offConnection?.();
  });

  it('reopens a stream that went silent (no heartbeat)', async () => {
    let streams = 0;
    const silent = (input: string, init?: RequestInit) => {
      if (!input.endsWith('/api/events')) return fetch(input, init);
      streams += 1;
      // A body that never sends anything and only ends when aborted.
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          init?.signal?.addEventListener('abort', () => controller.error(new DOMException('aborted', 'AbortError')));
        },
      });
      return Promise.resolve(new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } }));
    };
    const api = createWebApi(location(`#token=${TOKEN}`), silent, {
      history: null,
      storage: null,
      idleTimeoutMs: 50,
      reconnectMinMs: 10,
      reconnectMaxMs: 20,
    });
    const off = api.onStateChanged(() => undefined);
    await expect.poll(() => streams).toBeGreaterThanOrEqual(3);
    off();
  });

  it('does not retry forever when the token is refused', async () => {
    let streams = 0;
    const counting = (input: string, init?: RequestInit) => {
      if (input.endsWith('/api/events')) streams += 1;
      return fetch(input, init);
    };
    const api = createWebApi(location('#token=wrong'), counting, {
      history: null,
      storage: null,
      reconnectMinMs: 5,
      reconnectMaxMs: 10,
    });
    const connection: string[] = [];
    api.onConnectionChanged?.((status) => connection.push(status));
    const off = api.onStateChanged(() => undefined);
    await new Promise((r) => setTimeout(r, 200));
    expect(streams).toBe(1);
    // Said, so the page can ask for the daemon's new address instead of showing a stale state as current.
    expect(connection).toEqual(['connected', 'refused']);
    off();
  });

  it("recovers when the daemon's new address is pasted into the tab (only the fragment changes, no reload)", async () => {
    // The page still holds the token of the daemon's previous start: refused.
    const loc = location('#token=of-the-previous-start');
    const history = { state: null, replaceState: vi.fn() };
    const storage = memoryStorage();
    const hashEvents = new EventTarget();
    let streams = 0;
    const counting = (input: string, init?: RequestInit) => {
      if (input.endsWith('/api/events')) streams += 1;
      return fetch(input, init);
    };
    const api = createWebApi(loc, counting, { history, storage, hashEvents, reconnectMinMs: 5, reconnectMaxMs: 10 });
    const connection: string[] = [];
    const offConnection = api.onConnectionChanged?.((status) => connection.push(status));
    const states: AppState[] = [];
    const off = api.onStateChanged((s) => states.push(s));
    await expect.poll(() => connection.at(-1)).toBe('refused');
    await expect(api.getState()).rejects.toThrow(/token/);
    history.replaceState.mockClear();

    // Another fragment without a token changes nothing.
    loc.hash = '#view=search';
    hashEvents.dispatchEvent(new Event('hashchange'));
    expect(history.replaceState).not.toHaveBeenCalled();
    expect(streams).toBe(1);

    // The new address, pasted into the same tab.
    loc.hash = `#token=${TOKEN}`;
    hashEvents.dispatchEvent(new Event('hashchange'));
    // Taken as at the first load: out of the address bar, kept for a reload.
    expect(history.replaceState).toHaveBeenCalledWith(null, '', '/');
    expect(storage.getItem(TOKEN_STORAGE_KEY)).toBe(TOKEN);
    // The stream is reopened with it, and its first event (the current state) ends the "refused".
    await expect.poll(() => connection.at(-1)).toBe('connected');
    await expect.poll(() => states.length).toBeGreaterThan(0);
    expect(streams).toBe(2);
    expect((await api.getCapabilities()).host).toBe('headless');
    // Pushes flow on the new stream.
    h.service.pause(null);
    await expect.poll(() => states.at(-1)?.paused).toBe(true);
    h.service.resume(null);
    await expect.poll(() => states.at(-1)?.paused).toBe(false);
    off();
    offConnection?.();
  });
});

describe('sseParser', () => {
  it('parses events split anywhere, with any line ending, and skips comments', () => {
    const got: [string, string][] = [];
    const feed = sseParser((e, d) => got.push([e, d]));
    const text =
      'retry: 10\n\n: ping\n\nevent: state:changed\r\ndata: {"a":1}\r\n\r\nevent:x\ndata:1\ndata: 2\n\ndata: plain\r\r\n';
    for (const ch of text) feed(ch);
    expect(got).toEqual([
      ['state:changed', '{"a":1}'],
      ['x', '1\n2'],
      ['message', 'plain'],
    ]);
  });
});
