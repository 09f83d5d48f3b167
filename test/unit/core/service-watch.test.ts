// A real SyncService on a temp data folder with a real folder connector: with `watchForChanges` on, a note written
// to disk becomes searchable without anyone calling sync; with it off, it does not. Waits poll with generous
// timeouts; nothing asserts how long anything took.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SyncService } from '../../../electron/core/service.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs('jarvis-service-watch-');
const POLL = { timeout: 20_000, interval: 50 };
const services: SyncService[] = [];

afterEach(async () => {
  for (const s of services.splice(0)) await s.stop();
});

/** A started daemon-like service on `dataDir` whose change watcher reacts within 50 ms of quiet. */
async function startWatchingService(dataDir: string): Promise<SyncService> {
  const service = await SyncService.open({ dataDir, owner: 'daemon', pushIntervalMs: 20, watch: { debounceMs: 50 } });
  services.push(service);
  service.start();
  return service;
}

async function world(opts: { watchForChanges?: boolean } = {}) {
  const root = tempDir();
  const notes = join(root, 'notes');
  mkdirSync(join(notes, 'projects'), { recursive: true });
  writeFileSync(join(notes, 'projects', 'alpha.md'), '# Alpha\n\napples and pears\n');
  const dataDir = join(root, 'data');
  if (opts.watchForChanges !== undefined) {
    mkdirSync(dataDir);
    writeFileSync(join(dataDir, 'settings.json'), JSON.stringify({ watchForChanges: opts.watchForChanges }));
  }
  const service = await startWatchingService(dataDir);
  const added = await service.addConnector({ kind: 'folder', path: notes, name: 'Notes' });
  const id = added.id;
  // The first sync (started by addConnector).
  await vi.waitFor(() => expect(service.search('apples').map((h) => h.title)).toEqual(['Alpha']), POLL);
  await vi.waitFor(() => expect(service.getConnector(id).state).toBe('idle'), POLL);
  const titles = (q: string) => service.search(q).map((h) => h.title);
  const triggers = () => service.history(id).map((r) => r.trigger);
  return { service, notes, id, titles, triggers };
}

describe('SyncService change watching', () => {
  it('a new note, an edit and a deletion become searchable without a sync being asked for', async () => {
    const { notes, titles, triggers } = await world();
    expect(triggers()).toEqual(['manual']);

    writeFileSync(join(notes, 'projects', 'beta.md'), '# Beta\n\nthe flamingo waded\n');
    await vi.waitFor(() => expect(titles('flamingo')).toEqual(['Beta']), POLL);

    writeFileSync(join(notes, 'projects', 'alpha.md'), '# Alpha\n\nplums now\n');
    await vi.waitFor(() => expect(titles('plums')).toEqual(['Alpha']), POLL);
    expect(titles('apples')).toEqual([]);

    rmSync(join(notes, 'projects', 'beta.md'));
    await vi.waitFor(() => expect(titles('flamingo')).toEqual([]), POLL);
    expect(triggers()).toContain('change');
  });

  it('turning the setting off stops watching; on again resumes it', async () => {
    const { service, notes, titles, triggers } = await world();
    service.setSettings({ watchForChanges: false });
    writeFileSync(join(notes, 'gamma.md'), '# Gamma\n\nwalrus\n');
    // Give a watcher, had there been one, many debounce periods to act.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(titles('walrus')).toEqual([]);
    expect(triggers()).toEqual(['manual']);

    service.setSettings({ watchForChanges: true });
    writeFileSync(join(notes, 'delta.md'), '# Delta\n\nnarwhal\n');
    await vi.waitFor(() => expect(titles('narwhal')).toEqual(['Delta']), POLL);
    // The run that followed is a full reconcile: the note written while watching was off is in too.
    expect(titles('walrus')).toEqual(['Gamma']);
  });

  it('with watchForChanges false in the settings file, a new note is not indexed until a sync', async () => {
    const { service, id, notes, titles, triggers } = await world({ watchForChanges: false });
    expect(service.getSettings().watchForChanges).toBe(false);
    writeFileSync(join(notes, 'gamma.md'), '# Gamma\n\nwalrus\n');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(titles('walrus')).toEqual([]);
    expect(triggers()).toEqual(['manual']);
    service.runNow(id);
    await vi.waitFor(() => expect(titles('walrus')).toEqual(['Gamma']), POLL);
  });

  it('a paused connector is not synced by changes', async () => {
    const { service, id, notes, titles, triggers } = await world();
    service.pause(id);
    writeFileSync(join(notes, 'gamma.md'), '# Gamma\n\nwalrus\n');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(titles('walrus')).toEqual([]);
    expect(triggers()).toEqual(['manual']);
  });

  it('a removed connector is no longer watched', async () => {
    const { service, id, notes } = await world();
    await service.removeConnector(id, { keepIndex: false });
    writeFileSync(join(notes, 'gamma.md'), '# Gamma\n\nwalrus\n');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(service.getState().connectors).toEqual([]);
    expect(service.search('walrus')).toEqual([]);
  });

  it('a read-only service (CLI status/search) never watches', async () => {
    const { service, notes } = await world();
    const ro = await SyncService.open({ dataDir: service.paths.dataDir, readonly: true, watch: { debounceMs: 10 } });
    services.push(ro);
    expect(() => ro.start()).toThrow(/read-only/);
    writeFileSync(join(notes, 'gamma.md'), '# Gamma\n\nwalrus\n');
    // The writable service indexes it; the read-only one just sees the index.
    await vi.waitFor(() => expect(ro.search('walrus').map((h) => h.title)).toEqual(['Gamma']), POLL);
  });
});

describe('SyncService change watching: an Obsidian vault', () => {
  async function vaultWorld() {
    const root = tempDir();
    const vault = join(root, 'vault');
    mkdirSync(join(vault, '.obsidian'), { recursive: true });
    mkdirSync(join(vault, 'Archive'));
    writeFileSync(join(vault, '.obsidian', 'app.json'), JSON.stringify({ alwaysUpdateLinks: true }));
    writeFileSync(join(vault, 'Plans.md'), '# Plans\n\nthe orchard\n');
    writeFileSync(join(vault, 'Archive', 'Old plans.md'), '# Old plans\n\nthe orchard, as it was\n');
    const service = await startWatchingService(join(root, 'data'));
    const { id } = await service.addConnector({ kind: 'obsidian', path: vault, name: 'Vault' });
    const titles = (q: string) =>
      service
        .search(q)
        .map((h) => h.title)
        .sort();
    await vi.waitFor(() => expect(titles('orchard')).toEqual(['Old plans', 'Plans']), POLL);
    await vi.waitFor(() => expect(service.getConnector(id).state).toBe('idle'), POLL);
    const triggers = () => service.history(id).map((r) => r.trigger);
    return { service, vault, id, titles, triggers };
  }

  it('a folder excluded in Obsidian (.obsidian/app.json) leaves search without a sync being asked for', async () => {
    const { vault, titles, triggers } = await vaultWorld();
    expect(triggers()).toEqual(['manual']);
    writeFileSync(
      join(vault, '.obsidian', 'app.json'),
      JSON.stringify({ alwaysUpdateLinks: true, userIgnoreFilters: ['Archive/'] }),
    );
    await vi.waitFor(() => expect(titles('orchard')).toEqual(['Plans']), POLL);
    expect(triggers()).toContain('change');
  });

  it("Obsidian's constant writes to the rest of .obsidian (workspace.json, plugins) start no sync", async () => {
    const { vault, triggers } = await vaultWorld();
    mkdirSync(join(vault, '.obsidian', 'plugins', 'dataview'), { recursive: true });
    for (let i = 0; i < 10; i++) {
      writeFileSync(join(vault, '.obsidian', 'workspace.json'), JSON.stringify({ active: i }));
      writeFileSync(join(vault, '.obsidian', 'plugins', 'dataview', 'data.json'), JSON.stringify({ n: i }));
    }
    // Give a watcher that let them through many debounce periods to act.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(triggers()).toEqual(['manual']);
  });
});

describe('SyncService change watching: a Maildir++', () => {
  it('a message delivered into a dot-named mail folder (.Sent/new) becomes searchable without a sync', async () => {
    const root = tempDir();
    const maildir = join(root, 'Mail');
    for (const folder of ['', '.Sent']) {
      for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(maildir, folder, sub), { recursive: true });
    }
    const message = (subject: string, body: string) =>
      `From: ann@example.org\nTo: bo@example.org\nSubject: ${subject}\nMessage-ID: <${subject}@example.org>\n` +
      `Date: Mon, 4 Mar 2024 09:15:01 +0000\n\n${body}\n`;
    writeFileSync(join(maildir, 'cur', '1709543701.M1P1.host:2,S'), message('Hello', 'the orchard'));
    const service = await startWatchingService(join(root, 'data'));
    const { id } = await service.addConnector({ kind: 'maildir', path: maildir, name: 'Mail' });
    await vi.waitFor(() => expect(service.search('orchard').map((h) => h.title)).toEqual(['Hello']), POLL);
    await vi.waitFor(() => expect(service.getConnector(id).state).toBe('idle'), POLL);

    writeFileSync(join(maildir, '.Sent', 'new', '1709543702.M2P1.host'), message('Reply', 'the vineyard'));
    await vi.waitFor(() => expect(service.search('vineyard').map((h) => h.title)).toEqual(['Reply']), POLL);
    expect(service.history(id).map((r) => r.trigger)).toContain('change');
  });
});
