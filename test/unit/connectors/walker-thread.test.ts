/**
 * walkFiles lists directories (and lstats their entries) on the reader thread when it can, and through fs/promises
 * on this thread when it cannot. Both paths must give the same walk, whatever the tree holds.
 */
import { chmodSync, lstatSync, mkdirSync, opendirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileReadThread, LIST_CHUNK, ReaderThreadError } from '../../../electron/connectors/read-thread.js';
import type { ItemIssue } from '../../../electron/connectors/types.js';
import {
  entryFingerprint,
  fingerprintOf,
  PREFETCH_DIRS,
  PREFETCH_ENTRIES,
  walkFileBatches,
  walkFiles,
  type WalkEntry,
  type WalkOptions,
} from '../../../electron/connectors/walker.js';
import { canRunAsNobody, runAsNobodyJson } from '../../helpers/run-as-nobody.js';
import { useTempDirs } from '../../helpers/temp-dir.js';
import { writeTree } from '../../helpers/tree.js';

const tempDir = useTempDirs('jarvis-walker-thread-');
const thread = new FileReadThread();
afterAll(() => thread.close());

const isMarkdown = (rel: string) => rel.toLowerCase().endsWith('.md');

async function collect(opts: WalkOptions, onItem?: (n: number) => void): Promise<(WalkEntry | ItemIssue)[]> {
  const items: (WalkEntry | ItemIssue)[] = [];
  for await (const item of walkFiles(opts)) {
    items.push(item);
    onItem?.(items.length);
  }
  return items;
}

/** A stable order for walks whose symlinked folders may be resolved in a different order. */
function sorted(items: (WalkEntry | ItemIssue)[]): string[] {
  return items.map((i) => JSON.stringify(i)).sort();
}

/** The names in a directory in readdir order (what both listers see), not sorted as readdirSync returns them. */
function readdirOrder(dir: string): string[] {
  const d = opendirSync(dir);
  const names: string[] = [];
  for (let e = d.readSync(); e !== null; e = d.readSync()) names.push(e.name);
  d.closeSync();
  return names;
}

/** Everything the walker has special cases for, in one tree. */
function trickyTree(): string {
  const root = tempDir();
  const outside = tempDir();
  writeTree(outside, { 'escape.md': 'outside' });
  writeTree(root, {
    'a.md': 'a',
    'Note.md': 'upper',
    'note.md': 'lower',
    'image.png': 'x',
    '.hidden/h.md': 'h',
    'drafts/d.md': 'excluded by name',
    'archive/old/o.md': 'excluded by path',
    'archive/keep.md': 'k',
    'new\nline.md': 'n',
    'replacement \uFFFD char.md': 'r',
    'empty/': '',
    'deep/1/2/3/4/5/d.md': 'too deep with maxDepth 3',
    'sub/b.md': 'b',
    'sub/inner/c.MD': 'c',
    // iCloud stubs: of a file gone to the cloud, of one that is also on disk, of one not taken (.png), of an excluded one.
    'sub/.away.md.icloud': 'plist',
    '.a.md.icloud': 'plist',
    '.photo.png.icloud': 'plist',
    'drafts/.gone.md.icloud': 'plist',
  });
  // NFD names, an NFC/NFD twin file and twin folders.
  writeFileSync(join(root, 'cafe\u0301.md'), 'nfd');
  writeFileSync(join(root, 'caf\u00e9.md'), 'nfc');
  writeFileSync(join(root, 're\u0301sume\u0301.md'), 'only nfd');
  writeTree(root, { 'Cafe\u0301/x.md': 'nfd folder', 'Caf\u00e9/y.md': 'nfc folder' });
  // Names that are not valid UTF-8: a file and a folder.
  const rootBytes = Buffer.from(root);
  writeFileSync(Buffer.concat([rootBytes, Buffer.from('/'), Buffer.from([0xff, 0xfe]), Buffer.from('.md')]), 'bad');
  mkdirSync(Buffer.concat([rootBytes, Buffer.from('/sub/bad'), Buffer.from([0xc3, 0x28])]));
  // Links: to a file inside, to a file outside, to a folder inside, to an ancestor, dangling, a loop.
  symlinkSync(join(root, 'a.md'), join(root, 'link-to-a.md'));
  symlinkSync(join(outside, 'escape.md'), join(root, 'escape.md'));
  symlinkSync(join(root, 'sub'), join(root, 'linked-sub'));
  symlinkSync(root, join(root, 'sub', 'up'));
  symlinkSync(join(root, 'nowhere.md'), join(root, 'dangling.md'));
  symlinkSync(join(root, 'loop-b.md'), join(root, 'loop-a.md'));
  symlinkSync(join(root, 'loop-a.md'), join(root, 'loop-b.md'));
  // More entries than one listing message holds, in one folder.
  mkdirSync(join(root, 'many'));
  for (let i = 0; i < 1300; i++) writeFileSync(join(root, 'many', `n${i}.${i % 3 === 0 ? 'txt' : 'md'}`), `${i}`);
  return root;
}

const VARIANTS: [string, Partial<WalkOptions>][] = [
  ['defaults', {}],
  ['followSymlinks', { followSymlinks: true }],
  ['excludes and maxDepth', { excludes: ['drafts', 'archive/old/**', '*.png'], maxDepth: 3 }],
  ['skipDir', { skipDir: (_rel, name) => name.startsWith('.') || name === 'many', followSymlinks: true }],
];

describe('walkFiles: the reader thread and fs/promises give the same walk', () => {
  for (const [label, extra] of VARIANTS) {
    it(`on a tree of special cases (${label})`, async () => {
      const root = trickyTree();
      const opts: WalkOptions = { root, acceptFile: isMarkdown, ...extra };
      const onThread = await collect({ ...opts, readerThread: thread });
      const onPromises = await collect({ ...opts, readerThread: null });
      expect(sorted(onThread)).toEqual(sorted(onPromises));
      expect(onThread.filter((i) => 'key' in i).length).toBeGreaterThan(10);
      if (!extra.followSymlinks) expect(onThread).toEqual(onPromises); // same order too
    });
  }

  it('gives the same keys, fingerprints and issues through the process-wide reader', async () => {
    const root = trickyTree();
    const byDefault = await collect({ root, acceptFile: isMarkdown, followSymlinks: true });
    const onPromises = await collect({ root, acceptFile: isMarkdown, followSymlinks: true, readerThread: null });
    expect(sorted(byDefault)).toEqual(sorted(onPromises));
  });
});

describe('walkFileBatches', () => {
  it("gives walkFiles' walk in the same order, a folder's entries in a few steps", async () => {
    const root = trickyTree();
    const opts: WalkOptions = { root, acceptFile: () => true, followSymlinks: true };
    const steps: (WalkEntry | ItemIssue)[][] = [];
    for await (const batch of walkFileBatches(opts)) steps.push(batch);
    const items = steps.flat();
    expect(items).toEqual(await collect(opts));
    expect(steps.every((s) => s.length > 0)).toBe(true);
    // The folder of 1,300 files alone comes in at most 1,300 / 256 + 1 steps.
    expect(steps.length).toBeLessThan(items.length / 20);
  });
});

describe('walkFileBatches with isUnchanged (files the caller knows unchanged)', () => {
  for (const [label, extra] of VARIANTS) {
    it(`leaves out exactly those files, and asks only about files it would yield (${label})`, async () => {
      const root = trickyTree();
      // Two files excluded by name and by path, beside the folders some variants exclude.
      const excludes = [...(extra.excludes ?? []), 'a.md', 'sub/b.md'];
      const opts: WalkOptions = { root, acceptFile: isMarkdown, readerThread: thread, ...extra, excludes };
      const full = await collect(opts);
      const files = full.filter((i): i is WalkEntry => 'key' in i);
      // Every other file is known at its fingerprint (and the NFC twin of an NFD name), one more at a stale one;
      // excluded, skipped and linked files are "known" too, and must never be asked about.
      const known = new Map(
        files.filter((e, i) => i % 2 === 0 || e.key.startsWith('caf')).map((e) => [e.key, entryFingerprint(e)]),
      );
      known.set(files[1].key, 'stale');
      for (const key of ['a.md', 'sub/b.md', 'drafts/d.md', '.hidden/h.md', 'image.png']) known.set(key, 'any');
      const asked: string[] = [];
      const steps: (WalkEntry | ItemIssue)[][] = [];
      for await (const step of walkFileBatches({
        ...opts,
        isUnchanged: (key, fingerprint) => {
          asked.push(key);
          return known.get(key) === fingerprint;
        },
      })) {
        steps.push(step);
      }
      // A link is always looked at (its target decides), so only regular files are left out.
      const unchanged = new Set(
        files
          .filter((e, i) => i !== 1 && known.get(e.key) === entryFingerprint(e) && !lstatSync(e.path).isSymbolicLink())
          .map((e) => e.key),
      );
      expect(unchanged.size).toBeGreaterThanOrEqual(3);
      expect(steps.flat()).toEqual(full.filter((i) => !('key' in i) || !unchanged.has(i.key)));
      // Only files the walk would have yielded are asked about (never an excluded, skipped or linked one).
      const yieldable = new Set(files.map((e) => e.key));
      expect(asked.filter((key) => !yieldable.has(key))).toEqual([]);
    });
  }

  for (const [label, readerThread] of [
    ['reader thread', thread],
    ['fs/promises', null],
  ] as const) {
    it(`tells a file renamed between Unicode forms by its fingerprint, and only a name not in NFC (${label})`, async () => {
      const root = tempDir();
      const nfd = 'Re\u0301unions';
      const nfc = 'R\u00e9unions';
      writeTree(root, {
        [`${nfd}/a.md`]: 'a',
        [`${nfd}/caf\u00e9.md`]: 'b',
        'plain.md': 'p',
        'd\u00e9j\u00e0.md': 'p',
      });
      const opts: WalkOptions = { root, acceptFile: isMarkdown, readerThread };
      let known = new Map<string, string>();
      // What a sync would read: what the walk yields (it leaves out what isUnchanged knows) at a new fingerprint.
      const changed = async () => {
        const before = known;
        const items = await collect({ ...opts, isUnchanged: (key, fp) => before.get(key) === fp });
        const files = items.filter((i): i is WalkEntry => 'key' in i);
        // On the reader thread the walk itself leaves out every file known at its fingerprint.
        if (readerThread !== null) expect(files.every((e) => before.get(e.key) !== entryFingerprint(e))).toBe(true);
        known = new Map(
          (await collect(opts)).filter((i): i is WalkEntry => 'key' in i).map((e) => [e.key, entryFingerprint(e)]),
        );
        return files.filter((e) => before.get(e.key) !== entryFingerprint(e)).map((e) => [e.key, e.path]);
      };
      expect(await changed()).toHaveLength(4);
      // Names spelled in NFC, ASCII ones among them, keep the fingerprint they always had.
      const plain = (await collect(opts)).filter((i): i is WalkEntry => 'key' in i && !i.key.startsWith('R'));
      expect(plain.map((e) => entryFingerprint(e))).toEqual(plain.map((e) => fingerprintOf(e)));
      expect(await changed()).toEqual([]);

      // Same keys, sizes, mtimes and inodes: only the spelling on disk tells the rename.
      renameSync(join(root, nfd), join(root, nfc));
      expect((await changed()).sort()).toEqual([
        [`${nfc}/a.md`, join(root, nfc, 'a.md')],
        [`${nfc}/caf\u00e9.md`, join(root, nfc, 'caf\u00e9.md')],
      ]);
      expect(await changed()).toEqual([]);
      // A note's own name, in a folder spelled in NFC, then in one spelled in NFD.
      renameSync(join(root, nfc, 'caf\u00e9.md'), join(root, nfc, 'cafe\u0301.md'));
      expect(await changed()).toEqual([[`${nfc}/caf\u00e9.md`, join(root, nfc, 'cafe\u0301.md')]]);
      renameSync(join(root, nfc), join(root, nfd));
      expect(await changed()).toHaveLength(2);
      renameSync(join(root, nfd, 'cafe\u0301.md'), join(root, nfd, 'caf\u00e9.md'));
      expect(await changed()).toEqual([[`${nfc}/caf\u00e9.md`, join(root, nfd, 'caf\u00e9.md')]]);
    });
  }

  it('still ends each folder with a step when it left out all of its files', async () => {
    const root = tempDir();
    writeTree(root, { 'a/1.md': '1', 'a/2.md': '2', 'b/3.md': '3', 'c/4.md': '4' });
    const opts: WalkOptions = { root, acceptFile: isMarkdown, readerThread: thread };
    const all = new Map(
      (await collect(opts)).map((e) => ['key' in e ? e.key : '', 'key' in e ? entryFingerprint(e) : '']),
    );
    const steps: (WalkEntry | ItemIssue)[][] = [];
    for await (const step of walkFileBatches({ ...opts, isUnchanged: (key, fp) => all.get(key) === fp })) {
      steps.push(step);
    }
    expect(steps.flat()).toEqual([]);
    expect(steps.length).toBeGreaterThanOrEqual(3);
  });
});

describe('walkFiles: when the reader thread cannot help', () => {
  it('lists through fs/promises when the thread is not usable', async () => {
    const root = trickyTree();
    const broken = { usable: false } as unknown as FileReadThread;
    const items = await collect({ root, acceptFile: isMarkdown, readerThread: broken });
    expect(items).toEqual(await collect({ root, acceptFile: isMarkdown, readerThread: null }));
  });

  it('lists a folder through fs/promises when the thread fails to list it', async () => {
    const root = trickyTree();
    let asked = 0;
    const failing = {
      usable: true,
      listDir: () => {
        asked++;
        return Promise.reject(new ReaderThreadError('The file reader thread stopped (exit code 1).'));
      },
      moreDir: () => Promise.reject(new ReaderThreadError('gone')),
      closeDir: () => undefined,
    } as unknown as FileReadThread;
    const items = await collect({ root, acceptFile: isMarkdown, followSymlinks: true, readerThread: failing });
    expect(asked).toBeGreaterThan(0);
    const onPromises = await collect({ root, acceptFile: isMarkdown, followSymlinks: true, readerThread: null });
    expect(sorted(items)).toEqual(sorted(onPromises));
  });

  it('keeps everything it could not see when the thread stops mid-walk', async () => {
    const root = tempDir();
    const files: Record<string, string> = {};
    for (let d = 0; d < 30; d++) for (let f = 0; f < 40; f++) files[`d${d}/f${f}.md`] = `${d}/${f}`;
    for (let f = 0; f < 1500; f++) files[`big/g${f}.md`] = `${f}`;
    writeTree(root, files);
    const own = new FileReadThread();
    try {
      const items = await collect({ root, acceptFile: isMarkdown, readerThread: own }, (n) => {
        if (n === 200) void own.close();
      });
      const keys = new Set(items.filter((i): i is WalkEntry => 'key' in i).map((e) => e.key));
      const issues = items.filter((i): i is ItemIssue => 'code' in i);
      // A folder whose listing was cut off is reported and kept; every other file is found.
      for (const i of issues) expect(i).toMatchObject({ code: 'E_READ', severity: 'error' });
      const kept = issues.map((i) => i.keepPrefix!);
      for (const key of Object.keys(files)) {
        expect(keys.has(key) || kept.some((p) => key.startsWith(`${p}/`))).toBe(true);
      }
      expect(keys.size).toBeGreaterThan(1000);
    } finally {
      await own.close();
    }
  });
});

describe('walkFiles on the reader thread: folders changing during the walk', () => {
  // More folders than are listed ahead, so the last one (folders are walked in readdir order) is still unlisted when
  // the first file comes out; with fewer, its listing may already be done, and then it is walked as it was.
  const FOLDERS = PREFETCH_DIRS + 8;
  const FILES = 5;
  const folderTree = (root: string): void => {
    const files: Record<string, string> = {};
    for (let d = 0; d < FOLDERS; d++) for (let f = 0; f < FILES; f++) files[`d${d}/f${f}.md`] = 'x';
    writeTree(root, files);
  };

  it('treats a folder removed before its turn as gone, without an issue', async () => {
    const root = tempDir();
    folderTree(root);
    const last = readdirOrder(root).at(-1)!;
    const items = await collect({ root, acceptFile: isMarkdown, readerThread: thread }, (n) => {
      if (n === 1) rmSync(join(root, last), { recursive: true });
    });
    const keys = items.filter((i): i is WalkEntry => 'key' in i).map((e) => e.key);
    expect(items.filter((i) => 'code' in i)).toEqual([]);
    expect(keys.filter((k) => k.startsWith(`${last}/`))).toEqual([]);
    expect(keys.length).toBe((FOLDERS - 1) * FILES);
  });

  it('lists large folders only a few thousand entries ahead, so a folder removed meanwhile is not walked', async () => {
    const root = tempDir();
    const files: Record<string, string> = {};
    const folders = 12; // fewer than PREFETCH_DIRS: only the entry count keeps the last one from being listed early
    const perFolder = LIST_CHUNK + 88;
    for (let d = 0; d < folders; d++) for (let f = 0; f < perFolder; f++) files[`d${d}/f${f}.md`] = 'x';
    writeTree(root, files);
    const last = readdirOrder(root).at(-1)!;
    const keys: string[] = [];
    for await (const item of walkFiles({ root, acceptFile: isMarkdown, readerThread: thread })) {
      if (!('key' in item)) throw new Error(`unexpected issue ${JSON.stringify(item)}`);
      if (keys.push(item.key) === 1) {
        // Time for the reader thread to list whatever it was asked for ahead, then the last folder goes.
        await new Promise((resolve) => setTimeout(resolve, 150));
        rmSync(join(root, last), { recursive: true });
      }
    }
    expect(keys.filter((k) => k.startsWith(`${last}/`))).toEqual([]);
    expect(keys.length).toBe((folders - 1) * perFolder);
    expect(PREFETCH_ENTRIES / LIST_CHUNK).toBeLessThan(folders - 1); // the premise of this test
  });

  it('ignores a folder replaced by a file before its turn, and walks on', async () => {
    const root = tempDir();
    folderTree(root);
    const last = readdirOrder(root).at(-1)!;
    const items = await collect({ root, acceptFile: isMarkdown, readerThread: thread }, (n) => {
      if (n === 1) {
        rmSync(join(root, last), { recursive: true });
        writeFileSync(join(root, last), 'now a file');
      }
    });
    expect(items.filter((i) => 'code' in i)).toEqual([]);
    expect(items.length).toBe((FOLDERS - 1) * FILES);
  });

  it.skipIf(!canRunAsNobody())(
    'reports an unreadable folder and an unsearchable one alike on both paths (as uid 65534)',
    async () => {
      const root = tempDir();
      writeTree(root, {
        'a.md': 'a',
        'locked/secret.md': 's',
        'open/b.md': 'b',
        'nosearch/n.md': 'n',
        'nosearch/sub/m.md': 'm',
      });
      chmodSync(join(root, 'locked'), 0o700);
      chmodSync(join(root, 'nosearch'), 0o744);
      type Items = { items: (WalkEntry | ItemIssue)[] };
      const onThread = await runAsNobodyJson<Items>('test/helpers/fs-probe.ts', ['walk', root]);
      const onPromises = await runAsNobodyJson<Items>('test/helpers/fs-probe.ts', ['walk-promises', root]);
      expect(sorted(onThread.items)).toEqual(sorted(onPromises.items));
      expect(
        onThread.items
          .filter((i): i is ItemIssue => 'code' in i)
          .map((i) => [i.code, i.keepPrefix])
          .sort(),
      ).toEqual([
        ['EACCES', 'locked'],
        ['EACCES', 'nosearch/n.md'],
        ['EACCES', 'nosearch/sub'],
      ]);
    },
  );
});
