import { describe, expect, it, vi } from 'vitest';
import { createNotifier, notificationsFor } from '../../../electron/shell/notifications.js';
import { NOW, appState, connector, mail, settings } from '../fixtures.js';

const failing = (n: number) =>
  mail({
    state: 'error',
    consecutiveFailures: n,
    lastError: { code: 'ENOENT', message: 'The mailbox file is gone', at: NOW },
  });

describe('notificationsFor', () => {
  it('tells when a connector starts failing (3 consecutive failures)', () => {
    const on = settings();
    expect(notificationsFor(appState([failing(1)]), appState([failing(2)]), on)).toEqual([]);
    expect(notificationsFor(appState([failing(2)]), appState([failing(3)]), on)).toEqual([
      { title: "Mail can't sync", body: 'The mailbox file is gone Jarvis Sync will keep retrying.' },
    ]);
  });

  it('does not repeat while it keeps failing', () => {
    expect(notificationsFor(appState([failing(3)]), appState([failing(4)]), settings())).toEqual([]);
    expect(notificationsFor(appState([failing(3)]), appState([failing(3)]), settings())).toEqual([]);
  });

  it('tells when a failing connector recovers, and not after a small hiccup', () => {
    expect(notificationsFor(appState([failing(5)]), appState([mail()]), settings())).toEqual([
      { title: 'Mail is syncing again', body: 'The last sync succeeded.' },
    ]);
    expect(notificationsFor(appState([failing(2)]), appState([mail()]), settings())).toEqual([]);
  });

  it('says nothing when notifications are off, for the first snapshot or for unrelated changes', () => {
    expect(
      notificationsFor(appState([failing(2)]), appState([failing(3)]), settings({ notifications: false })),
    ).toEqual([]);
    expect(notificationsFor(null, appState([failing(3)]), settings())).toEqual([]);
    expect(notificationsFor(appState([connector()]), appState([connector({ state: 'syncing' })]), settings())).toEqual(
      [],
    );
  });

  it('handles several connectors independently, and a new connector', () => {
    const prev = appState([connector({ consecutiveFailures: 4, state: 'error' }), failing(2)]);
    const next = appState([connector(), failing(3), connector({ id: 'new', name: 'New' })]);
    expect(notificationsFor(prev, next, settings()).map((n) => n.title)).toEqual([
      'Notes is syncing again',
      "Mail can't sync",
    ]);
  });

  it('tells once when a large first sync is done, and says nothing of a small one or of later syncs', () => {
    const never = (documents: number) => mail({ lastSuccessAt: null, lastResult: null, documents });
    expect(notificationsFor(appState([never(0)]), appState([mail({ documents: 76_522 })]), settings())).toEqual([
      { title: 'Mail is indexed', body: 'Its first sync is done: 76,522 documents are now searchable.' },
    ]);
    expect(notificationsFor(appState([never(0)]), appState([mail({ documents: 999 })]), settings())).toEqual([]);
    // Still running, or the next sync of one already indexed.
    expect(notificationsFor(appState([never(0)]), appState([never(5000)]), settings())).toEqual([]);
    expect(
      notificationsFor(appState([mail({ documents: 5000 })]), appState([mail({ documents: 5001 })]), settings()),
    ).toEqual([]);
    // A connector first seen already synced (the first snapshot, or added while its sync had run) is no news.
    expect(notificationsFor(appState([]), appState([mail({ documents: 5000 })]), settings())).toEqual([]);
  });

  it('clips a long error message', () => {
    const long = mail({ consecutiveFailures: 3, lastError: { code: 'E', message: 'x'.repeat(1000), at: 0 } });
    const [n] = notificationsFor(appState([mail()]), appState([long]), settings());
    expect(n.body.length).toBeLessThanOrEqual(200);
  });
});

describe('createNotifier', () => {
  it('remembers the previous state and shows what the rules return, when supported', () => {
    const show = vi.fn();
    const supported = { value: true };
    const notify = createNotifier({ isSupported: () => supported.value, show, getSettings: () => settings() });
    notify(appState([failing(2)]));
    notify(appState([failing(3)]));
    notify(appState([failing(4)]));
    expect(show).toHaveBeenCalledTimes(1);
    supported.value = false;
    notify(appState([mail()]));
    expect(show).toHaveBeenCalledTimes(1);
  });
});
