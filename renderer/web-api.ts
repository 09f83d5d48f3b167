/**
 * The renderer's API when the dashboard is served by the headless daemon (`jarvis-sync serve`): the same
 * JarvisApi as the Electron preload, derived from the same contract (API_METHODS / PUSH_METHODS), over HTTP.
 *
 * - Calls: `POST /api/<channel>` with the JSON array of arguments and `Authorization: Bearer <token>`. The server
 *   answers `{ ok: true, result }` or `{ ok: false, error: { name, message } }`; errors reject with its message.
 * - Pushes: ONE Server-Sent Events stream (`GET /api/events`), read with fetch because EventSource cannot send
 *   the Authorization header. Opened with the first subscription, closed with the last unsubscribe, reopened
 *   with backoff when it drops or goes silent (no heartbeat). The server's first event on every connection is
 *   the current state, so a reconnect re-fetches the state in order with the pushes that follow it (a separate
 *   `getState` could answer after a newer push and roll the dashboard back).
 * - The token comes in the URL fragment (`#token=…`, never sent to the server or written to its logs). It is
 *   removed from the address bar at once so it is not bookmarked or shared, and kept in sessionStorage (this tab
 *   only) so a reload still works.
 * - A restarted daemon has a new token. Pasting its new address into the same tab changes only the fragment, which
 *   does not reload the page: on `hashchange` the new token is taken the same way (and removed from the address
 *   bar), and the event stream is reopened with it, so the page recovers (its first event is the current state).
 */
import {
  API_METHODS,
  PUSH_METHODS,
  type ConnectionStatus,
  type InvokeArgs,
  type InvokeChannel,
  type InvokeResult,
  type JarvisApi,
  type PushChannel,
  type Pushes,
} from '../shared/contract.js';

type LocationLike = Pick<Location, 'hash' | 'origin' | 'pathname' | 'search'>;
type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface WebApiOptions {
  /** Where the fragment is cleared; default `window.history` (null: leave the address bar alone). */
  history?: Pick<History, 'replaceState' | 'state'> | null;
  /** Where the token survives a reload; default `window.sessionStorage`. */
  storage?: Pick<Storage, 'getItem' | 'setItem'> | null;
  /** Where `hashchange` is listened for (a new `#token=…` pasted into the tab); default `window` (null: not at all). */
  hashEvents?: Pick<EventTarget, 'addEventListener'> | null;
  /** Reconnect backoff of the event stream: min·2^n, capped at max, with jitter. Default 500 ms … 30 s. */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** The stream is reopened when nothing (not even a heartbeat) arrived for this long. Default 45 s. */
  idleTimeoutMs?: number;
}

/** A failed call: `message` is the server's (or a plain explanation of a network failure); `status` is HTTP's (0 = none). */
export class WebApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    name = 'WebApiError',
  ) {
    super(message);
    this.name = name;
  }
}

export const TOKEN_STORAGE_KEY = 'jarvis-sync.token';

const NO_TOKEN =
  'This page has no access token. Open the dashboard with the full URL that `jarvis-sync serve` printed (it ends in #token=…).';
const UNREACHABLE = 'The Jarvis Sync daemon cannot be reached. Is `jarvis-sync serve` still running?';

type Invokers<T extends Record<string, InvokeChannel>> = {
  [M in keyof T]: (...args: InvokeArgs<T[M]>) => Promise<InvokeResult<T[M]>>;
};
type Subscribers<T extends Record<string, PushChannel>> = {
  [M in keyof T]: (listener: (...args: Parameters<Pushes[T[M]]>) => void) => () => void;
};

export function createWebApi(
  location: LocationLike,
  fetchImpl: FetchLike = (input, init) => fetch(input, init),
  options: WebApiOptions = {},
): JarvisApi {
  const history = options.history === undefined ? globalHistory() : options.history;
  const storage = options.storage === undefined ? globalSessionStorage() : options.storage;
  const hashEvents = options.hashEvents === undefined ? globalWindow() : options.hashEvents;
  let token = takeToken(location, history, storage);
  const base = location.origin;
  const auth = (): Record<string, string> => (token ? { Authorization: `Bearer ${token}` } : {});

  async function invoke(channel: InvokeChannel, args: unknown[]): Promise<unknown> {
    if (!token) throw new WebApiError(NO_TOKEN, 401, 'Unauthorized');
    let res: Response;
    try {
      res = await fetchImpl(`${base}/api/${channel}`, {
        method: 'POST',
        headers: { ...auth(), 'Content-Type': 'application/json' },
        body: JSON.stringify(args),
        cache: 'no-store',
        credentials: 'omit',
        redirect: 'error',
      });
    } catch {
      throw new WebApiError(UNREACHABLE, 0, 'NetworkError');
    }
    let body: unknown;
    try {
      body = await res.json();
    } catch {
      throw new WebApiError(`The daemon sent an unexpected answer (HTTP ${res.status}).`, res.status);
    }
    if (isRecord(body) && body.ok === true && res.ok) return body.result;
    const error = isRecord(body) && isRecord(body.error) ? body.error : {};
    const message =
      typeof error.message === 'string' && error.message
        ? error.message
        : `The daemon refused the request (HTTP ${res.status}).`;
    throw new WebApiError(
      message,
      res.status,
      typeof error.name === 'string' && error.name ? error.name : 'WebApiError',
    );
  }

  // ── pushes ──────────────────────────────────────────────────────────────────────────────────────────────
  const listeners = new Map<PushChannel, Set<(payload: unknown) => void>>();
  for (const channel of Object.values(PUSH_METHODS)) listeners.set(channel, new Set());
  const minMs = options.reconnectMinMs ?? 500;
  const maxMs = options.reconnectMaxMs ?? 30_000;
  const idleMs = options.idleTimeoutMs ?? 45_000;
  let stream: AbortController | null = null;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  let failures = 0;
  // Connected until a stream says otherwise: the page was just served, and a first failure reports itself.
  let connection: ConnectionStatus = 'connected';
  const connectionListeners = new Set<(status: ConnectionStatus) => void>();

  function setConnection(status: ConnectionStatus): void {
    if (status === connection) return;
    connection = status;
    for (const listener of [...connectionListeners]) {
      try {
        listener(status);
      } catch (err) {
        console.error('a connection listener failed', err);
      }
    }
  }

  const subscribed = (): boolean => [...listeners.values()].some((set) => set.size > 0);

  function dispatch(channel: string, data: string): void {
    const set = listeners.get(channel as PushChannel);
    if (!set) return;
    let payload: unknown;
    try {
      payload = JSON.parse(data);
    } catch {
      return;
    }
    for (const listener of [...set]) {
      try {
        listener(payload);
      } catch (err) {
        console.error(`a ${channel} listener failed`, err);
      }
    }
  }

  function openStream(): void {
    if (stream || retryTimer !== null || !token || !subscribed()) return;
    const controller = new AbortController();
    stream = controller;
    void readStream(controller).then((permanent) => {
      if (stream !== controller) return; // closed on purpose, or replaced
      stream = null;
      setConnection(permanent ? 'refused' : 'reconnecting');
      if (permanent || !subscribed()) return;
      const delay = Math.min(maxMs, minMs * 2 ** Math.min(failures, 16)) * (0.5 + Math.random() / 2);
      failures += 1;
      retryTimer = setTimeout(() => {
        retryTimer = null;
        openStream();
      }, delay);
    });
  }

  function closeStream(): void {
    if (retryTimer !== null) clearTimeout(retryTimer);
    retryTimer = null;
    const controller = stream;
    stream = null;
    controller?.abort();
  }

  /** Reads one connection until it ends; resolves true when retrying cannot help (token refused). */
  async function readStream(controller: AbortController): Promise<boolean> {
    let idle: ReturnType<typeof setTimeout> | null = null;
    const kick = (): void => {
      if (idle !== null) clearTimeout(idle);
      idle = setTimeout(() => controller.abort(), idleMs);
    };
    try {
      kick();
      const res = await fetchImpl(`${base}/api/events`, {
        headers: { ...auth(), Accept: 'text/event-stream' },
        cache: 'no-store',
        credentials: 'omit',
        signal: controller.signal,
      });
      if (!res.ok || !res.body) {
        void res.body?.cancel().catch(() => undefined);
        return res.status === 401 || res.status === 403 || res.status === 404;
      }
      const reader = res.body.getReader();
      const parser = sseParser((event, data) => {
        failures = 0; // a real event came through: the connection is good
        setConnection('connected');
        dispatch(event, data);
      });
      const decoder = new TextDecoder();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        kick();
        parser(decoder.decode(value, { stream: true }));
      }
    } catch {
      // Dropped, aborted (closed, or silent for too long), or unreachable: the caller decides.
    } finally {
      if (idle !== null) clearTimeout(idle);
    }
    return false;
  }

  function subscribe(channel: PushChannel, listener: (payload: unknown) => void): () => void {
    const set = listeners.get(channel)!;
    // Each subscription gets its own entry, so subscribing the same function twice needs two unsubscribes.
    const entry = (payload: unknown): void => listener(payload);
    set.add(entry);
    openStream();
    return () => {
      set.delete(entry);
      if (!subscribed()) closeStream();
    };
  }

  // A new address pasted into this tab (the daemon restarted with a new token): only the fragment changed, so the
  // page was not reloaded. Take the token, and reopen the stream with it; its first event is the current state,
  // which replaces the stale one (and the banner asking for the new address goes with the first event).
  hashEvents?.addEventListener('hashchange', () => {
    const fresh = tokenFromHash(location, history, storage);
    if (!fresh) return;
    token = fresh;
    failures = 0;
    closeStream();
    openStream();
  });

  const invokers = {} as Record<string, unknown>;
  for (const [method, channel] of Object.entries(API_METHODS))
    invokers[method] = (...args: unknown[]) => invoke(channel, args);
  const subscribers = {} as Record<string, unknown>;
  for (const [method, channel] of Object.entries(PUSH_METHODS)) {
    subscribers[method] = (listener: (...args: unknown[]) => void) =>
      subscribe(channel, (payload) => listener(payload));
  }
  const api = {
    ...(invokers as Invokers<typeof API_METHODS>),
    ...(subscribers as Subscribers<typeof PUSH_METHODS>),
    onConnectionChanged(listener: (status: ConnectionStatus) => void): () => void {
      connectionListeners.add(listener);
      listener(connection);
      return () => void connectionListeners.delete(listener);
    },
  } satisfies JarvisApi;
  return api;
}

/**
 * A Server-Sent Events parser (the WHATWG event-stream format): feed it text as it arrives; it calls `onEvent`
 * with each complete event's name (default "message") and data. Comments (heartbeats) and `id`/`retry` are skipped.
 */
export function sseParser(onEvent: (event: string, data: string) => void): (chunk: string) => void {
  let buffer = '';
  let event = '';
  let data: string[] = [];
  return (chunk) => {
    buffer += chunk;
    for (;;) {
      const match = /\r\n|\r|\n/.exec(buffer);
      // A lone \r at the end may be the first half of \r\n: wait for more.
      if (!match || (match[0] === '\r' && match.index === buffer.length - 1)) return;
      const line = buffer.slice(0, match.index);
      buffer = buffer.slice(match.index + match[0].length);
      if (line === '') {
        if (data.length > 0) onEvent(event || 'message', data.join('\n'));
        event = '';
        data = [];
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      let value = colon === -1 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
  };
}

function takeToken(
  location: LocationLike,
  history: Pick<History, 'replaceState' | 'state'> | null,
  storage: Pick<Storage, 'getItem' | 'setItem'> | null,
): string | null {
  const fromHash = tokenFromHash(location, history, storage);
  if (fromHash) return fromHash;
  try {
    return storage?.getItem(TOKEN_STORAGE_KEY) ?? null;
  } catch {
    return null;
  }
}

/** The token in the fragment, if any: kept in `storage` and removed from the address bar. */
function tokenFromHash(
  location: LocationLike,
  history: Pick<History, 'replaceState' | 'state'> | null,
  storage: Pick<Storage, 'getItem' | 'setItem'> | null,
): string | null {
  const params = new URLSearchParams(location.hash.replace(/^#/, ''));
  const fromHash = params.get('token');
  if (fromHash) {
    try {
      storage?.setItem(TOKEN_STORAGE_KEY, fromHash);
    } catch {
      // Storage disabled: the token lives until the page is reloaded.
    }
    params.delete('token');
    const rest = params.toString();
    try {
      history?.replaceState(history.state, '', `${location.pathname}${location.search}${rest ? `#${rest}` : ''}`);
    } catch {
      // Not fatal: the token only stays visible in the address bar.
    }
    return fromHash;
  }
  return null;
}

function globalHistory(): Pick<History, 'replaceState' | 'state'> | null {
  return typeof history === 'undefined' ? null : history;
}

function globalWindow(): Pick<EventTarget, 'addEventListener'> | null {
  return typeof window === 'undefined' ? null : window;
}

function globalSessionStorage(): Pick<Storage, 'getItem' | 'setItem'> | null {
  try {
    return typeof sessionStorage === 'undefined' ? null : sessionStorage;
  } catch {
    return null;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
