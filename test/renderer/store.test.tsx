import { describe, expect, it, vi } from 'vitest';
import { createDashboardStore, FALLBACK_CAPABILITIES, scopes } from '../../renderer/store/dashboard-store.js';
import { effectiveProgress } from '../../renderer/store/selectors.js';
import { WebApiError } from '../../renderer/web-api.js';
import type { AppState, SearchHit } from '../../shared/types.js';
import {
  buildConnector,
  buildHit,
  buildProgress,
  buildState,
  createFakeApi,
  headlessCapabilities,
  idleConnector,
  pausedConnector,
  syncingConnector,
} from './fixtures.js';

function setup(state: AppState = buildState({ connectors: [idleConnector({ id: 'notes', name: 'Notes' })] })) {
  const fake = createFakeApi({ state, capabilities: headlessCapabilities });
  const store = createDashboardStore(fake.api);
  return { fake, api: fake.api, store, get: () => store.getState() };
}

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('loading and pushed state', () => {
  it('loads the state and the capabilities', async () => {
    const { store, get, api } = setup();
    expect(get().state).toBeNull();
    await get().load();
    expect(api.getState).toHaveBeenCalledTimes(1);
    expect(get().state?.connectors.map((c) => c.id)).toEqual(['notes']);
    expect(get().capabilities).toEqual(headlessCapabilities);
    expect(get().loadStatus).toBe('done');
    expect(store.getState().byId.notes?.name).toBe('Notes');
  });

  it('a push replaces the mirrored state, connectors removed by the core disappear', async () => {
    const { get } = setup(buildState({ connectors: [idleConnector({ id: 'a' }), idleConnector({ id: 'b' })] }));
    await get().load();
    get().applyState(buildState({ paused: true, connectors: [pausedConnector({ id: 'b', name: 'Bee' })] }));
    expect(get().state?.paused).toBe(true);
    expect(get().state?.connectors.map((c) => c.id)).toEqual(['b']);
    expect(get().byId.a).toBeUndefined();
    expect(get().byId.b?.state).toBe('paused');
  });

  it('keeps the same object for a connector that did not change, so its card does not re-render', () => {
    const { get } = setup();
    const a = idleConnector({ id: 'a' });
    const b = idleConnector({ id: 'b' });
    get().applyState(buildState({ connectors: [a, b] }));
    const before = get().byId;
    // A fresh deep copy, as IPC would deliver it, with only b changed.
    const next = structuredClone(buildState({ connectors: [a, { ...b, documents: 99 }] }));
    get().applyState(next);
    expect(get().byId.a).toBe(before.a);
    expect(get().byId.b).not.toBe(before.b);
    expect(get().byId.b?.documents).toBe(99);
  });

  it('drops a fetched snapshot when a newer push arrived while it was in flight', async () => {
    const { get, api } = setup();
    const slow = deferred<AppState>();
    api.getState.mockReturnValueOnce(slow.promise);
    const loading = get().load();
    get().applyState(buildState({ connectors: [idleConnector({ id: 'pushed' })] }));
    slow.resolve(buildState({ connectors: [idleConnector({ id: 'stale' })] }));
    await loading;
    expect(get().state?.connectors.map((c) => c.id)).toEqual(['pushed']);
  });

  it('a failed load is a readable message; a later push recovers', async () => {
    const { get, api } = setup();
    api.getState.mockRejectedValueOnce(new Error("Error invoking remote method 'state:get': Error: core not ready"));
    await get().load();
    expect(get().loadStatus).toBe('error');
    expect(get().loadError).toBe('core not ready');
    get().applyState(buildState());
    expect(get().loadStatus).toBe('done');
    expect(get().loadError).toBeNull();
  });

  it('falls back to offering nothing host-specific when capabilities cannot be read', async () => {
    const { get, api } = setup();
    api.getCapabilities.mockRejectedValueOnce(new Error('nope'));
    await get().load();
    expect(get().capabilities).toEqual(FALLBACK_CAPABILITIES);
  });
});

describe('intents', () => {
  it('send the right method with the right arguments', async () => {
    const { get, api } = setup();
    await get().load();
    await get().runNow('notes');
    await get().runNow(null);
    await get().pause('notes');
    await get().resume('notes');
    await get().pause(null);
    await get().resume(null);
    await get().updateConnector('notes', { name: 'Work notes', intervalSeconds: 1800, excludes: ['*.tmp'] });
    await get().dismissNotice('n1');
    await get().loadHistory('notes');
    await get().loadErrors(null);
    await get().loadErrors('notes');
    await get().openItem({ kind: 'document', connectorId: 'notes', docId: 'a.md' }, 'A');
    await get().openLogs();
    await get().saveSettings({ intervalSeconds: 600 });
    await get().setStartAtLogin(false);
    expect(api.runNow.mock.calls).toEqual([['notes'], [null]]);
    expect(api.pause.mock.calls).toEqual([['notes'], [null]]);
    expect(api.resume.mock.calls).toEqual([['notes'], [null]]);
    expect(api.updateConnector).toHaveBeenCalledWith('notes', {
      name: 'Work notes',
      intervalSeconds: 1800,
      excludes: ['*.tmp'],
    });
    expect(api.dismissNotice).toHaveBeenCalledWith('n1');
    expect(api.history).toHaveBeenCalledWith('notes', 30);
    expect(api.itemErrors.mock.calls).toEqual([[null], ['notes']]);
    expect(api.openItem).toHaveBeenCalledWith({ kind: 'document', connectorId: 'notes', docId: 'a.md' });
    expect(api.openLogs).toHaveBeenCalledTimes(1);
    expect(api.setSettings).toHaveBeenCalledWith({ intervalSeconds: 600 });
    expect(api.setStartAtLogin).toHaveBeenCalledWith(false);
  });

  it('marks an intent pending while it is in flight', async () => {
    const { get, api } = setup();
    const answer = deferred<{ accepted: boolean }>();
    api.runNow.mockReturnValueOnce(answer.promise);
    const running = get().runNow('notes');
    expect(get().pending['run:notes']).toBe(true);
    answer.resolve({ accepted: true });
    await running;
    expect(get().pending['run:notes']).toBeUndefined();
  });

  it('applies the state a pause answers with (no push needed), but never over a newer push', async () => {
    const { get, api } = setup();
    await get().load();
    api.pause.mockResolvedValueOnce(buildState({ connectors: [pausedConnector({ id: 'notes' })] }));
    await get().pause('notes');
    expect(get().byId.notes?.state).toBe('paused');

    const answer = deferred<AppState>();
    api.resume.mockReturnValueOnce(answer.promise);
    const resuming = get().resume('notes');
    get().applyState(buildState({ connectors: [syncingConnector({ id: 'notes' })] }));
    answer.resolve(buildState({ connectors: [idleConnector({ id: 'notes' })] }));
    await resuming;
    expect(get().byId.notes?.state).toBe('syncing');
  });

  it('turns failures into readable messages where they belong', async () => {
    const { get, api } = setup();
    await get().load();
    api.pause.mockRejectedValueOnce(new Error("Error invoking remote method 'sync:pause': Error: disk is full"));
    await get().pause('notes');
    expect(get().feedback[scopes.connector('notes')]).toEqual({
      tone: 'error',
      message: "Couldn't pause Notes: disk is full",
    });
    expect(get().pending['pause:notes']).toBeUndefined();

    api.runNow.mockRejectedValueOnce('connection lost');
    await get().runNow(null);
    expect(get().feedback[scopes.app]?.message).toBe("Couldn't start a sync of all connectors: connection lost");

    // Sending the same intent again clears the old message first.
    await get().pause('notes');
    expect(get().feedback[scopes.connector('notes')]).toBeUndefined();
  });

  it('says why a run was not started', async () => {
    const { get, api } = setup();
    await get().load();
    api.runNow.mockResolvedValueOnce({ accepted: false, reason: 'already syncing; one follow-up run queued' });
    await get().runNow('notes');
    expect(get().feedback[scopes.connector('notes')]).toEqual({
      tone: 'info',
      message: 'Already syncing; one follow-up run queued',
    });
  });

  it('remove passes keepIndex through and applies the answered state', async () => {
    const { get, api } = setup();
    await get().load();
    api.removeConnector.mockResolvedValueOnce(buildState());
    expect(await get().removeConnector('notes', true)).toBe(true);
    expect(api.removeConnector).toHaveBeenLastCalledWith('notes', { keepIndex: true });
    expect(get().state?.connectors).toEqual([]);
    await get().removeConnector('notes', false);
    expect(api.removeConnector).toHaveBeenLastCalledWith('notes', { keepIndex: false });
  });

  it('reports what the OS kept when start at login was not changed', async () => {
    const { get, api } = setup();
    api.setStartAtLogin.mockResolvedValueOnce({
      settings: {
        intervalSeconds: 3600,
        maxFileSizeMb: 10,
        pauseOnBattery: false,
        notifications: true,
        watchForChanges: true,
      },
      startAtLogin: false,
      dataDir: '/d',
      logsDir: null,
    });
    await get().setStartAtLogin(true);
    expect(get().feedback[scopes.settings]).toEqual({ tone: 'info', message: 'The system kept start at login off.' });
  });
});

describe('adding a connector', () => {
  it('shows the reason from checkPath and does not add', async () => {
    const { get, api } = setup();
    api.checkPath.mockResolvedValueOnce({ ok: false, message: 'This folder does not exist.' });
    expect(await get().addConnector({ kind: 'folder', path: ' /nope ' })).toBe(false);
    expect(api.checkPath).toHaveBeenCalledWith('folder', '/nope');
    expect(api.addConnector).not.toHaveBeenCalled();
    expect(get().feedback[scopes.add]).toEqual({ tone: 'error', message: 'This folder does not exist.' });
  });

  it('asks for a path before asking the core anything', async () => {
    const { get, api } = setup();
    expect(await get().addConnector({ kind: 'ics', path: '   ' })).toBe(false);
    expect(api.checkPath).not.toHaveBeenCalled();
    expect(get().feedback[scopes.add]?.message).toMatch(/Enter the path/);
  });

  it('adds a checked path, closes the form and fetches the state when no push came', async () => {
    const { get, api, fake } = setup(buildState());
    await get().load();
    get().setAddOpen(true);
    fake.setState(buildState({ connectors: [syncingConnector({ id: 'mail', name: 'Mail' })] }));
    expect(await get().addConnector({ kind: 'mbox', path: '/home/ada/mail.mbox', name: 'Mail' })).toBe(true);
    expect(api.addConnector).toHaveBeenCalledWith({ kind: 'mbox', path: '/home/ada/mail.mbox', name: 'Mail' });
    expect(get().addOpen).toBe(false);
    expect(get().byId.mail?.name).toBe('Mail');
  });
});

describe('search', () => {
  it('an empty query clears results without calling the core', async () => {
    const { get, api } = setup();
    get().setSearchQuery('   ');
    await get().runSearch();
    expect(api.search).not.toHaveBeenCalled();
    expect(get().search.status).toBe('idle');
  });

  it('passes filters and a limit, and ignores answers to older queries', async () => {
    const { get, api } = setup();
    const first = deferred<SearchHit[]>();
    api.search.mockReturnValueOnce(first.promise).mockResolvedValueOnce([buildHit({ title: 'new' })]);
    get().setSearchQuery('pla');
    const a = get().runSearch();
    get().setSearchQuery('plan');
    get().setSearchFilters({ source: 'notes', docType: 'note' });
    await get().runSearch();
    first.resolve([buildHit({ title: 'old' })]);
    await a;
    expect(api.search).toHaveBeenLastCalledWith('plan', { source: 'notes', docType: 'note', limit: 51 });
    expect(get().search.results.map((h) => h.title)).toEqual(['new']);
    expect(get().search.resultsFor).toBe('plan');
  });

  it('a next page never repeats a result already shown (the index changed between pages)', async () => {
    const { get, api } = setup();
    const hits = (ids: number[]) => ids.map((i) => buildHit({ docId: `d${i}`, title: `t${i}` }));
    api.search
      .mockResolvedValueOnce(hits(Array.from({ length: 51 }, (_, i) => i)))
      .mockResolvedValueOnce(hits([49, 50, 51]));
    get().setSearchQuery('plan');
    await get().runSearch();
    expect(get().search.hasMore).toBe(true);
    await get().loadMoreResults();
    expect(
      get()
        .search.results.map((h) => h.docId)
        .slice(-3),
    ).toEqual(['d49', 'd50', 'd51']);
    expect(get().search.results).toHaveLength(52);
    expect(get().search.hasMore).toBe(false);
  });

  it('a failed search is a message', async () => {
    const { get, api } = setup();
    api.search.mockRejectedValueOnce(new Error('fts5: syntax error near "AND"'));
    get().setSearchQuery('AND');
    await get().runSearch();
    expect(get().search.status).toBe('error');
    expect(get().search.error).toBe('Search failed: fts5: syntax error near "AND"');
  });
});

describe('progress', () => {
  it('keeps live progress only while the core says the connector is syncing', () => {
    const { get } = setup();
    get().applyState(buildState({ connectors: [syncingConnector({ id: 'a' }), syncingConnector({ id: 'b' })] }));
    get().applyProgress({ a: buildProgress({ done: 500 }), b: buildProgress({ done: 7 }) }, 1000);
    expect(get().progress.a?.done).toBe(500);
    expect(get().progressAt.a).toBe(1000);
    get().applyState(buildState({ connectors: [idleConnector({ id: 'a' }), syncingConnector({ id: 'b' })] }));
    expect(get().progress.a).toBeUndefined();
    expect(get().progress.b?.done).toBe(7);
  });

  it('shows the fresher of pushed and live progress', () => {
    const started = 1_000;
    const c = buildConnector({ state: 'syncing', progress: buildProgress({ startedAt: started, done: 10 }) });
    expect(effectiveProgress(c, buildProgress({ startedAt: started, done: 20 }))?.done).toBe(20);
    expect(effectiveProgress(c, buildProgress({ startedAt: started, done: 5 }))?.done).toBe(10);
    // A live event of an earlier run loses to the pushed progress of the current one.
    expect(effectiveProgress(c, buildProgress({ startedAt: started - 1, done: 900 }))?.done).toBe(10);
    expect(effectiveProgress({ ...c, state: 'idle' }, buildProgress())).toBeNull();
  });

  it('does not call anything on an empty batch', () => {
    const { get, store } = setup();
    const listener = vi.fn();
    store.subscribe(listener);
    get().applyProgress({});
    expect(listener).not.toHaveBeenCalled();
  });
});

describe('connected again', () => {
  it('loads again what failed to load while the link was down: history, problems, capabilities', async () => {
    const { get, api } = setup();
    api.getCapabilities.mockRejectedValueOnce(new WebApiError('unreachable', 0, 'NetworkError'));
    await get().load();
    expect(get().capabilities).toEqual(FALLBACK_CAPABILITIES);
    get().setConnection('reconnecting');
    api.history.mockRejectedValueOnce(new WebApiError('unreachable', 0, 'NetworkError'));
    api.itemErrors.mockRejectedValueOnce(new WebApiError('unreachable', 0, 'NetworkError'));
    await get().loadHistory('notes');
    await get().loadErrors('notes');
    expect(get().history.notes?.status).toBe('error');
    expect(get().problems.status).toBe('error');
    api.getCapabilities.mockResolvedValueOnce({ ...headlessCapabilities, openPath: true });

    get().setConnection('connected');
    await vi.waitFor(() => expect(get().history.notes?.status).toBe('done'));
    await vi.waitFor(() => expect(get().problems.status).toBe('done'));
    expect(api.itemErrors).toHaveBeenLastCalledWith('notes');
    await vi.waitFor(() => expect(get().capabilities?.openPath).toBe(true));
  });

  it('drops the messages of intents that failed on the link, and keeps those the core answered', async () => {
    const { get, api } = setup();
    await get().load();
    api.pause.mockRejectedValueOnce(new WebApiError('Missing or wrong access token', 401, 'Unauthorized'));
    await get().pause('notes');
    api.runNow.mockRejectedValueOnce(new Error('disk is full'));
    await get().runNow(null);
    expect(get().feedback[scopes.connector('notes')]?.connection).toBe(true);
    expect(get().feedback[scopes.app]?.connection).toBeUndefined();
    // Staying connected drops nothing; only a link that comes back does.
    get().setConnection('connected');
    expect(get().feedback[scopes.connector('notes')]).toBeDefined();
    get().setConnection('refused');
    get().setConnection('connected');
    expect(get().feedback[scopes.connector('notes')]).toBeUndefined();
    expect(get().feedback[scopes.app]?.message).toBe("Couldn't start a sync of all connectors: disk is full");
  });
});
