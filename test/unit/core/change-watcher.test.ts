// ChangeWatcher on real temp folders and real fs.watch. Waits poll; nothing asserts how long anything took.
// Debounce behaviour (quiet time, max wait, close) is driven by the scheduler tests' FakeClock: the fs events are
// real, the timers fake, and "an event arrived" shows as armed timers.
import { mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ChangeWatcher, type ChangeWatcherOptions } from '../../../electron/core/change-watcher.js';
import { useTempDirs } from '../../helpers/temp-dir.js';
import { FakeClock, recordingLogger, type LogLine } from './scheduler/helpers.js';

const tempDir = useTempDirs('jarvis-watch-');
const DEBOUNCE = 100;
const WAIT = { timeout: 10_000, interval: 20 };

/** Linux has two implementations (tree = ours, native = Node's recursive mode); other systems use native. */
const MODES: Array<'tree' | 'native'> = process.platform === 'linux' ? ['tree', 'native'] : ['native'];

const open: ChangeWatcher[] = [];
afterEach(() => {
  for (const w of open.splice(0)) w.close();
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function watcher(opts: Partial<ChangeWatcherOptions> = {}) {
  const calls: string[] = [];
  const logs: LogLine[] = [];
  const w = new ChangeWatcher({
    onChanged: (id) => calls.push(id),
    debounceMs: DEBOUNCE,
    maxWaitMs: 20_000,
    log: recordingLogger(logs),
    ...opts,
  });
  open.push(w);
  return { w, calls, logs };
}

/** A vault with a nested folder and a note, as a connector would see it. */
function vault(): string {
  const root = tempDir();
  mkdirSync(join(root, 'projects', 'deep'), { recursive: true });
  writeFileSync(join(root, 'projects', 'deep', 'plan.md'), '# Plan\n');
  writeFileSync(join(root, 'top.md'), '# Top\n');
  return root;
}

/**
 * Waits for exactly one call: the first one, then a few more debounce periods in which no second one comes.
 * (The extra wait only gives a wrong second call the chance to show up; nothing is asserted about durations.)
 */
async function expectOneCall(calls: string[], id = 'a'): Promise<void> {
  await vi.waitFor(() => expect(calls.length).toBeGreaterThanOrEqual(1), WAIT);
  await sleep(5 * DEBOUNCE);
  expect(calls).toEqual([id]);
}

/** inotify watches this process holds (Linux: /proc/self/fdinfo of its inotify descriptors). */
function inotifyWatches(): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) !== 'anon_inode:inotify') continue;
      n += readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('inotify wd:')).length;
    } catch {
      // closed meanwhile
    }
  }
  return n;
}

/** The tree walk after add() is asynchronous: let it finish before changing things deep down. */
async function settled(): Promise<void> {
  await sleep(3 * DEBOUNCE);
}

describe.each(MODES)('ChangeWatcher (%s)', (mode) => {
  it('a new file in a subfolder → one call', async () => {
    const root = vault();
    const { w, calls } = watcher({ mode });
    w.add('a', root);
    expect(w.isWatching('a')).toBe(true);
    await settled();
    writeFileSync(join(root, 'projects', 'deep', 'new.md'), '# New\n');
    await expectOneCall(calls);
  });

  it('an edit in a subfolder → one call', async () => {
    const root = vault();
    const { w, calls } = watcher({ mode });
    w.add('a', root);
    await settled();
    writeFileSync(join(root, 'projects', 'deep', 'plan.md'), '# Plan\n\nmore\n');
    await expectOneCall(calls);
  });

  it('a deletion in a subfolder → one call', async () => {
    const root = vault();
    const { w, calls } = watcher({ mode });
    w.add('a', root);
    await settled();
    rmSync(join(root, 'projects', 'deep', 'plan.md'));
    await expectOneCall(calls);
  });

  it('a rename in a subfolder → one call', async () => {
    const root = vault();
    const { w, calls } = watcher({ mode });
    w.add('a', root);
    await settled();
    renameSync(join(root, 'projects', 'deep', 'plan.md'), join(root, 'projects', 'deep', 'renamed.md'));
    await expectOneCall(calls);
  });

  it('many files written fast, in new nested folders → ONE call', async () => {
    const root = vault();
    const { w, calls } = watcher({ mode });
    w.add('a', root);
    await settled();
    for (let i = 0; i < 20; i++) {
      const dir = join(root, 'import', `batch${i}`, 'sub');
      mkdirSync(dir, { recursive: true });
      for (let j = 0; j < 10; j++) writeFileSync(join(dir, `n${j}.md`), `note ${i}/${j}\n`);
    }
    await expectOneCall(calls);
  });

  it('a folder created after add() is watched too: a later edit inside it is seen', async () => {
    const root = vault();
    const { w, calls } = watcher({ mode });
    w.add('a', root);
    await settled();
    mkdirSync(join(root, 'later', 'inner'), { recursive: true });
    await expectOneCall(calls);
    await settled();
    writeFileSync(join(root, 'later', 'inner', 'x.md'), 'x\n');
    await vi.waitFor(() => expect(calls).toEqual(['a', 'a']), WAIT);
  });

  it('with dotFolders (Maildir++), a message delivered into a dot-named mail folder is a change', async () => {
    const root = tempDir();
    for (const sub of ['cur', 'new', 'tmp', '.Sent/cur', '.Sent/new', '.Sent/tmp'])
      mkdirSync(join(root, sub), { recursive: true });
    const { w, calls } = watcher({ mode });
    w.add('a', root, { dotFolders: true });
    await settled();
    writeFileSync(join(root, '.Sent', 'cur', '1700000000.M1P1.host:2,S'), 'Subject: sent\n\nhello\n');
    await expectOneCall(calls);
  });

  it('dot-folder noise (.obsidian/workspace.json, .git, dotfiles) is ignored', async () => {
    const clock = new FakeClock();
    const root = vault();
    const probe = tempDir();
    mkdirSync(join(root, '.obsidian'));
    mkdirSync(join(root, 'projects', '.git'));
    const { w } = watcher({ mode, clock });
    w.add('a', root);
    w.add('probe', probe);
    await settled();
    for (let i = 0; i < 20; i++) writeFileSync(join(root, '.obsidian', 'workspace.json'), `{"n":${i}}`);
    writeFileSync(join(root, 'projects', '.git', 'index'), 'x');
    writeFileSync(join(root, 'projects', '.DS_Store'), 'x');
    mkdirSync(join(root, '.trash', 'deep'), { recursive: true });
    // Events are delivered in order: once the probe's change has armed its burst timers, the noise above has
    // been seen too. Only the probe's two timers (quiet, max wait) may be pending.
    writeFileSync(join(probe, 'p.md'), 'p');
    await vi.waitFor(() => expect(clock.pending().length).toBeGreaterThanOrEqual(2), WAIT);
    await settled();
    expect(clock.pending()).toHaveLength(2);
  });

  it("with dotFiles (a vault's .obsidian/app.json), an edit of that file is a change", async () => {
    const root = vault();
    mkdirSync(join(root, '.obsidian'));
    writeFileSync(join(root, '.obsidian', 'app.json'), '{}');
    const { w, calls } = watcher({ mode });
    w.add('a', root, { dotFiles: ['.obsidian/app.json'] });
    await settled();
    writeFileSync(join(root, '.obsidian', 'app.json'), JSON.stringify({ userIgnoreFilters: ['projects/'] }));
    await expectOneCall(calls);
  });

  it('with dotFiles, an app.json written in a .obsidian folder made after add() is a change', async () => {
    const root = vault();
    const { w, calls } = watcher({ mode });
    w.add('a', root, { dotFiles: ['.obsidian/app.json'] });
    await settled();
    mkdirSync(join(root, '.obsidian'));
    await settled();
    calls.length = 0;
    writeFileSync(join(root, '.obsidian', 'app.json'), JSON.stringify({ userIgnoreFilters: ['projects/'] }));
    await expectOneCall(calls);
  });

  it('with dotFiles, the rest of the dot folders stays noise (workspace.json, plugins, .trash)', async () => {
    const clock = new FakeClock();
    const root = vault();
    const probe = tempDir();
    mkdirSync(join(root, '.obsidian', 'plugins', 'dataview'), { recursive: true });
    mkdirSync(join(root, 'projects', '.obsidian'));
    writeFileSync(join(root, '.obsidian', 'app.json'), '{}');
    const { w } = watcher({ mode, clock });
    w.add('a', root, { dotFiles: ['.obsidian/app.json'] });
    w.add('probe', probe);
    await settled();
    for (let i = 0; i < 20; i++) writeFileSync(join(root, '.obsidian', 'workspace.json'), `{"n":${i}}`);
    writeFileSync(join(root, '.obsidian', 'plugins', 'dataview', 'data.json'), '{}');
    writeFileSync(join(root, '.obsidian', 'app.json.tmp'), '{}');
    // Only the vault's own settings count, not a nested folder's that happens to be named alike.
    writeFileSync(join(root, 'projects', '.obsidian', 'app.json'), '{}');
    mkdirSync(join(root, '.trash'));
    writeFileSync(join(root, '.trash', 'old.md'), 'old');
    writeFileSync(join(probe, 'p.md'), 'p');
    await vi.waitFor(() => expect(clock.pending().length).toBeGreaterThanOrEqual(2), WAIT);
    await settled();
    expect(clock.pending()).toHaveLength(2);
  });

  it('without dotFiles, an edit of .obsidian/app.json is noise (a plain folder connector on a vault)', async () => {
    const clock = new FakeClock();
    const root = vault();
    const probe = tempDir();
    mkdirSync(join(root, '.obsidian'));
    writeFileSync(join(root, '.obsidian', 'app.json'), '{}');
    const { w } = watcher({ mode, clock });
    w.add('a', root);
    w.add('probe', probe);
    await settled();
    writeFileSync(join(root, '.obsidian', 'app.json'), JSON.stringify({ userIgnoreFilters: ['projects/'] }));
    writeFileSync(join(probe, 'p.md'), 'p');
    await vi.waitFor(() => expect(clock.pending().length).toBeGreaterThanOrEqual(2), WAIT);
    await settled();
    expect(clock.pending()).toHaveLength(2);
  });

  it("the app's data folder under a connector's path is ignored", async () => {
    const clock = new FakeClock();
    const root = vault();
    const data = join(root, 'jarvis-data');
    mkdirSync(data);
    const probe = tempDir();
    const { w } = watcher({ mode, clock, ignore: [data] });
    w.add('a', root);
    w.add('probe', probe);
    await settled();
    writeFileSync(join(data, 'index.sqlite-wal'), 'x'.repeat(1000));
    mkdirSync(join(data, 'logs'));
    writeFileSync(join(data, 'logs', 'main.log'), 'log');
    writeFileSync(join(probe, 'p.md'), 'p');
    await vi.waitFor(() => expect(clock.pending().length).toBeGreaterThanOrEqual(2), WAIT);
    await settled();
    expect(clock.pending()).toHaveLength(2);
  });
});

describe('ChangeWatcher', () => {
  it('a single file (an .mbox) is watched through its folder: its changes count, its neighbours do not', async () => {
    const clock = new FakeClock();
    const dir = tempDir();
    const mbox = join(dir, 'inbox.mbox');
    writeFileSync(mbox, 'From a@b Mon Jan  1 00:00:00 2024\n\nhello\n');
    const { w, calls } = watcher({ clock });
    w.add('mail', mbox);
    expect(w.isWatching('mail')).toBe(true);
    writeFileSync(join(dir, 'other.mbox'), 'x');
    writeFileSync(join(dir, 'notes.txt'), 'x');
    // Atomic replace: write a temp file, rename it over the mbox.
    writeFileSync(join(dir, 'inbox.mbox.tmp'), 'From a@b Mon Jan  1 00:00:00 2024\n\nhello again\n');
    renameSync(join(dir, 'inbox.mbox.tmp'), mbox);
    await vi.waitFor(() => expect(clock.pending().length).toBe(2), WAIT);
    await clock.advance(DEBOUNCE);
    expect(calls).toEqual(['mail']);
    // The neighbours armed nothing of their own: after the burst nothing is pending.
    await settled();
    expect(clock.pending()).toEqual([]);
  });

  it('debounce: fires once the path is quiet, but at most maxWaitMs after the first event', async () => {
    const clock = new FakeClock();
    const root = vault();
    const { w, calls } = watcher({ clock, debounceMs: 10_000, maxWaitMs: 60_000 });
    w.add('a', root);
    await settled();
    // A file written again and again every 5 s (fake time): the quiet timer keeps being pushed back...
    for (let i = 0; i < 11; i++) {
      writeFileSync(join(root, 'top.md'), `# Top ${i}\n`);
      await vi.waitFor(() => expect(clock.pending()[0]).toBe(10_000), WAIT);
      expect(calls).toEqual([]);
      await clock.advance(5_000);
    }
    // ...but the burst's first event was 55 s ago: 5 s more and it fires anyway.
    writeFileSync(join(root, 'top.md'), '# Top last\n');
    await vi.waitFor(() => expect(clock.pending()[0]).toBe(5_000), WAIT);
    await clock.advance(5_000);
    expect(calls).toEqual(['a']);
    // The quiet timer of that burst is gone with it; the next event starts a new burst.
    expect(clock.pending()).toEqual([]);
  });

  it('a missing path does not throw, is logged once, and is watched once it exists after refresh()', async () => {
    const root = tempDir();
    const later = join(root, 'not-yet');
    const { w, calls, logs } = watcher();
    expect(() => w.add('a', later)).not.toThrow();
    expect(w.isWatching('a')).toBe(false);
    w.refresh();
    w.refresh();
    const warnings = logs.filter((l) => l.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0].text).toMatch(/cannot watch .*not-yet.*does not exist/);
    mkdirSync(later);
    w.refresh();
    expect(w.isWatching('a')).toBe(true);
    expect(logs.some((l) => l.level === 'info' && /watching .* again/.test(l.text))).toBe(true);
    await settled();
    writeFileSync(join(later, 'n.md'), 'n');
    await expectOneCall(calls);
  });

  it('a watched folder that is removed and made again is watched again after refresh()', async () => {
    const parent = tempDir();
    const root = join(parent, 'vault');
    mkdirSync(root);
    const { w, calls } = watcher();
    w.add('a', root);
    await settled();
    rmSync(root, { recursive: true });
    mkdirSync(root);
    w.refresh();
    expect(w.isWatching('a')).toBe(true);
    await settled();
    await sleep(5 * DEBOUNCE);
    calls.length = 0;
    writeFileSync(join(root, 'n.md'), 'n');
    await vi.waitFor(() => expect(calls).toContain('a'), WAIT);
  });

  it.runIf(process.platform === 'linux')(
    'tree mode: a watched folder deleted and made again at once is watched again without refresh()',
    async () => {
      const parent = tempDir();
      const root = join(parent, 'vault');
      mkdirSync(root);
      const { w, calls } = watcher({ mode: 'tree' });
      w.add('a', root);
      await settled();
      rmSync(root, { recursive: true });
      mkdirSync(root);
      // The deletion is a change in itself.
      await vi.waitFor(() => expect(calls).toEqual(['a']), WAIT);
      expect(w.isWatching('a')).toBe(true);
      await settled();
      writeFileSync(join(root, 'n.md'), 'n');
      await vi.waitFor(() => expect(calls).toEqual(['a', 'a']), WAIT);
    },
  );

  it.runIf(process.platform === 'linux')(
    'tree mode: one inotify watch per folder, none per file and none in dot-folders',
    async () => {
      const root = vault(); // root, projects, projects/deep
      mkdirSync(join(root, '.obsidian', 'plugins'), { recursive: true });
      for (let i = 0; i < 100; i++) writeFileSync(join(root, 'projects', `n${i}.md`), `note ${i}`);
      const before = inotifyWatches();
      const { w } = watcher({ mode: 'tree' });
      w.add('a', root);
      await vi.waitFor(() => expect(inotifyWatches() - before).toBe(3), WAIT);
      await settled();
      expect(inotifyWatches() - before).toBe(3);
      w.close();
      await vi.waitFor(() => expect(inotifyWatches()).toBe(before), WAIT);
    },
  );

  it('close() stops callbacks, pending bursts included; remove() stops one connector', async () => {
    const clock = new FakeClock();
    const a = vault();
    const b = vault();
    const { w, calls } = watcher({ clock });
    w.add('a', a);
    w.add('b', b);
    await settled();
    writeFileSync(join(a, 'top.md'), 'changed');
    writeFileSync(join(b, 'top.md'), 'changed');
    await vi.waitFor(() => expect(clock.pending()).toHaveLength(4), WAIT);
    w.remove('b');
    expect(clock.pending()).toHaveLength(2);
    expect(w.isWatching('b')).toBe(false);
    w.close();
    expect(clock.pending()).toEqual([]);
    await clock.advance(60_000);
    writeFileSync(join(a, 'top.md'), 'changed again');
    await settled();
    await clock.advance(60_000);
    expect(calls).toEqual([]);
    expect(w.isWatching('a')).toBe(false);
    w.add('a', a); // after close(): ignored
    expect(w.isWatching('a')).toBe(false);
  });

  it('a callback that throws is logged and does not stop the watcher', async () => {
    const root = vault();
    let n = 0;
    const { w, logs } = watcher({
      onChanged: () => {
        n++;
        throw new Error('listener bug');
      },
    });
    w.add('a', root);
    await settled();
    writeFileSync(join(root, 'top.md'), 'one');
    await vi.waitFor(() => expect(n).toBe(1), WAIT);
    await sleep(3 * DEBOUNCE);
    writeFileSync(join(root, 'top.md'), 'two');
    await vi.waitFor(() => expect(n).toBe(2), WAIT);
    expect(logs.some((l) => l.level === 'error' && l.text.includes('listener bug'))).toBe(true);
  });

  it('add() with a new path for the same id moves the watch', async () => {
    const clock = new FakeClock();
    const oldRoot = vault();
    const newRoot = vault();
    const { w, calls } = watcher({ clock });
    w.add('a', oldRoot);
    w.add('a', newRoot);
    await settled();
    writeFileSync(join(oldRoot, 'top.md'), 'old');
    writeFileSync(join(newRoot, 'top.md'), 'new');
    await vi.waitFor(() => expect(clock.pending()).toHaveLength(2), WAIT);
    await clock.advance(DEBOUNCE);
    await settled();
    expect(calls).toEqual(['a']);
    expect(clock.pending()).toEqual([]);
  });
});
