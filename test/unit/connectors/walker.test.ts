import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SourceUnavailableError, type ItemIssue } from '../../../electron/connectors/types.js';
import { fingerprintOf, walkFiles, type WalkEntry, type WalkOptions } from '../../../electron/connectors/walker.js';
import { canRunAsNobody, runAsNobodyJson } from '../../helpers/run-as-nobody.js';
import { useTempDirs } from '../../helpers/temp-dir.js';
import { writeTree } from '../../helpers/tree.js';

const tempDir = useTempDirs('jarvis-walker-');
const isMarkdown = (rel: string) => rel.toLowerCase().endsWith('.md');

async function walk(root: string, opts: Partial<WalkOptions> = {}) {
  const entries: WalkEntry[] = [];
  const issues: ItemIssue[] = [];
  for await (const item of walkFiles({ root, acceptFile: isMarkdown, ...opts })) {
    if ('code' in item) issues.push(item);
    else entries.push(item);
  }
  const keys = entries.map((e) => e.key).sort();
  const byKey = new Map(entries.map((e) => [e.key, e]));
  return { entries, issues, keys, byKey };
}

function codes(issues: ItemIssue[]): string[] {
  return issues.map((i) => i.code).sort();
}

describe('walkFiles: what a sync sees', () => {
  it('finds accepted files anywhere in the tree, keyed by their POSIX path relative to the root', async () => {
    const root = tempDir();
    writeTree(root, { 'a.md': 'a', 'sub/b.md': 'b', 'sub/deeper/c.MD': 'c', 'sub/image.png': 'x', 'empty/': '' });
    const { keys, issues, byKey } = await walk(root);
    expect(keys).toEqual(['a.md', 'sub/b.md', 'sub/deeper/c.MD']);
    expect(issues).toEqual([]);
    expect(byKey.get('sub/b.md')!.path).toBe(join(root, 'sub', 'b.md'));
    expect(byKey.get('sub/b.md')!.size).toBe(1);
  });

  it('shows an edit, a deletion and a rename through keys and fingerprints', async () => {
    const root = tempDir();
    writeTree(root, { 'keep.md': 'same', 'edit.md': 'before', 'gone.md': 'x', 'old-name.md': 'moved' });
    const first = await walk(root);

    writeFileSync(join(root, 'edit.md'), 'after, and longer');
    rmSync(join(root, 'gone.md'));
    renameSync(join(root, 'old-name.md'), join(root, 'new-name.md'));
    const second = await walk(root);

    expect(second.keys).toEqual(['edit.md', 'keep.md', 'new-name.md']);
    expect(fingerprintOf(second.byKey.get('keep.md')!)).toBe(fingerprintOf(first.byKey.get('keep.md')!));
    expect(fingerprintOf(second.byKey.get('edit.md')!)).not.toBe(fingerprintOf(first.byKey.get('edit.md')!));
  });

  it('notices a same-size rewrite that kept its old mtime, through the inode', async () => {
    const root = tempDir();
    writeTree(root, { 'n.md': 'version 1' });
    const old = new Date('2001-01-01T00:00:00Z');
    utimesSync(join(root, 'n.md'), old, old);
    const before = (await walk(root)).byKey.get('n.md')!;

    // What an editor's "write to temp file, rename over" save does.
    writeFileSync(join(root, 'n.md.tmp'), 'version 2');
    utimesSync(join(root, 'n.md.tmp'), old, old);
    renameSync(join(root, 'n.md.tmp'), join(root, 'n.md'));
    const after = (await walk(root)).byKey.get('n.md')!;

    expect(after.size).toBe(before.size);
    expect(after.mtimeMs).toBe(before.mtimeMs);
    expect(fingerprintOf(after)).not.toBe(fingerprintOf(before));
  });

  it('leaves out excluded globs (by name at any depth, or by path) and folders skipDir rejects', async () => {
    const root = tempDir();
    writeTree(root, {
      'keep.md': '',
      'draft.md': '',
      'deep/draft.md': '',
      'archive/2019/old.md': '',
      'archive.md': '',
      'node_modules/pkg/readme.md': '',
      'notes/scratch/x.md': '',
      'notes/y.md': '',
    });
    const { keys } = await walk(root, {
      excludes: ['draft.md', 'archive/**', 'notes/scratch/'],
      skipDir: (_rel, name) => name === 'node_modules',
    });
    expect(keys).toEqual(['archive.md', 'keep.md', 'notes/y.md']);
  });

  it('streams a directory with thousands of entries', async () => {
    const root = tempDir();
    for (let i = 0; i < 3000; i++) writeFileSync(join(root, `n${i}.md`), '');
    writeFileSync(join(root, 'skip.txt'), '');
    const { keys } = await walk(root);
    expect(keys).toHaveLength(3000);
    expect(new Set(keys).size).toBe(3000);
  });

  it('stops with an AbortError when the signal fires', async () => {
    const root = tempDir();
    writeTree(root, { 'a/1.md': '', 'b/2.md': '' });
    const controller = new AbortController();
    const seen: unknown[] = [];
    const run = async () => {
      for await (const item of walkFiles({ root, acceptFile: isMarkdown, signal: controller.signal })) {
        seen.push(item);
        controller.abort();
      }
    };
    await expect(run()).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen).toHaveLength(1);
  });
});

describe('walkFiles: the root itself', () => {
  it('throws SourceUnavailableError when the root is missing, so nothing gets deleted', async () => {
    const root = join(tempDir(), 'not-there');
    await expect(walk(root)).rejects.toBeInstanceOf(SourceUnavailableError);
    await expect(walk(root)).rejects.toMatchObject({ code: 'E_ROOT_UNAVAILABLE' });
  });

  it('throws E_ROOT_NOT_A_DIRECTORY when the root is a file', async () => {
    const file = join(tempDir(), 'file.md');
    writeFileSync(file, 'x');
    await expect(walk(file)).rejects.toMatchObject({ code: 'E_ROOT_NOT_A_DIRECTORY' });
  });
});

describe('walkFiles: symbolic links (bad input #1, #2)', () => {
  it('does not follow a link to a parent folder by default, and records it', async () => {
    const root = tempDir();
    writeTree(root, { 'a/b/x.md': 'x', 'top.md': 't' });
    symlinkSync('..', join(root, 'a/b/up'));
    const { keys, issues } = await walk(root);
    expect(keys).toEqual(['a/b/x.md', 'top.md']);
    expect(issues).toEqual([
      expect.objectContaining({ code: 'W_SYMLINK_SKIPPED', path: join(root, 'a/b/up'), severity: 'warning' }),
    ]);
  });

  it('with followSymlinks, reports a link to an ancestor as E_LOOP and finds each file once', async () => {
    const root = tempDir();
    writeTree(root, { 'a/b/x.md': 'x', 'top.md': 't' });
    symlinkSync('..', join(root, 'a/b/up'));
    symlinkSync(root, join(root, 'a/root-again'));
    const { keys, issues } = await walk(root, { followSymlinks: true });
    expect(keys).toEqual(['a/b/x.md', 'top.md']);
    expect(codes(issues)).toEqual(['E_LOOP', 'E_LOOP']);
  });

  it('with followSymlinks, indexes a linked folder only once, under its real path, whatever the readdir order', async () => {
    const root = tempDir();
    writeTree(root, { 'real/n.md': 'n', '.hidden/h.md': 'h' });
    symlinkSync('real', join(root, 'alias'));
    symlinkSync('real', join(root, 'zzz-alias'));
    symlinkSync('.hidden', join(root, 'shown'));
    const { keys, issues } = await walk(root, {
      followSymlinks: true,
      skipDir: (_rel, name) => name.startsWith('.'),
    });
    // The hidden folder is reachable only through its link, so it is indexed there.
    expect(keys).toEqual(['real/n.md', 'shown/h.md']);
    expect(issues.map((i) => [i.path, i.code]).sort()).toEqual([
      [join(root, 'alias'), 'W_SYMLINK_SKIPPED'],
      [join(root, 'zzz-alias'), 'W_SYMLINK_SKIPPED'],
    ]);
  });

  it('records two links pointing at each other and a self link as E_LOOP', async () => {
    const root = tempDir();
    writeTree(root, { 'ok.md': '' });
    symlinkSync('l2.md', join(root, 'l1.md'));
    symlinkSync('l1.md', join(root, 'l2.md'));
    symlinkSync('self.md', join(root, 'self.md'));
    for (const followSymlinks of [false, true]) {
      const { keys, issues } = await walk(root, { followSymlinks });
      expect(keys).toEqual(['ok.md']);
      expect(codes(issues)).toEqual(['E_LOOP', 'E_LOOP', 'E_LOOP']);
    }
  });

  it('records a dangling link as ENOENT without treating anything as deleted', async () => {
    const root = tempDir();
    writeTree(root, { 'ok.md': '' });
    symlinkSync('missing.md', join(root, 'dangling.md'));
    symlinkSync('missing.png', join(root, 'dangling.png'));
    const { keys, issues } = await walk(root);
    expect(keys).toEqual(['ok.md']);
    // Only the link that would have been indexed is worth a word.
    expect(issues).toEqual([expect.objectContaining({ code: 'ENOENT', path: join(root, 'dangling.md') })]);
    expect(issues[0].keepPrefix).toBeUndefined();
  });

  it('never indexes a file link: one inside the root is the duplicate of its target, one outside is an escape', async () => {
    const outside = tempDir();
    writeFileSync(join(outside, 'secret.md'), 'outside');
    const root = tempDir();
    writeTree(root, { 'notes/real.md': 'inside' });
    symlinkSync('notes/real.md', join(root, 'shortcut.md'));
    symlinkSync(join(outside, 'secret.md'), join(root, 'escape.md'));
    symlinkSync('notes/real.md', join(root, 'shortcut.png')); // named like nothing the walk takes: not worth a word
    for (const followSymlinks of [false, true]) {
      const { keys, issues } = await walk(root, { followSymlinks });
      expect(keys).toEqual(['notes/real.md']);
      expect(issues.map((i) => [i.path, i.code, i.severity, i.keepPrefix]).sort()).toEqual([
        [join(root, 'escape.md'), 'W_SYMLINK_SKIPPED', 'warning', undefined],
        [join(root, 'shortcut.md'), 'W_SYMLINK_SKIPPED', 'warning', undefined],
      ]);
      expect(issues.find((i) => i.path === join(root, 'shortcut.md'))!.message).toContain(
        'notes/real.md, is indexed under its own path',
      );
    }
  });

  it('never lets a file link bring in a file that is excluded, hidden, skipped, too deep or not taken', async () => {
    const root = tempDir();
    writeTree(root, {
      'notes/plan.md': 'plan',
      'notes/diary/d.md': 'diary',
      'notes/.private/p.md': 'private',
      'notes/drafts.md': 'excluded by name',
      'notes/archive/old.md': 'excluded by path',
      'deep/1/2/far.md': 'too deep',
      'notes/image.png': 'not a note',
    });
    const links: Record<string, string> = {
      'notes/plan-link.md': 'plan.md',
      'notes/today.md': 'diary/d.md',
      'notes/p.md': '.private/p.md',
      'draft-link.md': 'notes/drafts.md',
      'old-link.md': 'notes/archive/old.md',
      'far-link.md': 'deep/1/2/far.md',
      // Each folder holds at most LINKS_LISTED_EACH links, so each is listed with its own reason.
      'deep/picture.md': '../notes/image.png',
    };
    for (const [link, target] of Object.entries(links)) symlinkSync(target, join(root, link));
    const opts: Partial<WalkOptions> = {
      excludes: ['diary', 'drafts.md', 'notes/archive/**'],
      skipDir: (_rel, name) => name.startsWith('.'),
      maxDepth: 2,
    };
    for (const readerThread of [undefined, null]) {
      const { keys, issues } = await walk(root, { ...opts, readerThread });
      expect(keys).toEqual(['notes/plan.md']);
      expect(issues.map((i) => [i.path, i.code]).sort()).toEqual(
        [
          [join(root, 'deep/1/2'), 'E_TOO_DEEP'],
          ...Object.keys(links).map((link) => [join(root, link), 'W_SYMLINK_SKIPPED']),
        ].sort(),
      );
      for (const i of issues.filter((i) => i.code === 'W_SYMLINK_SKIPPED')) {
        const taken = i.path === join(root, 'notes/plan-link.md');
        expect(i.message).toContain(taken ? 'is indexed under its own path' : 'is left out of the index');
      }
    }
  });

  it('lists the links of a folder holding many in one problem, naming how many and why for the first', async () => {
    const outside = tempDir();
    writeFileSync(join(outside, 'shared.md'), 'outside');
    const root = tempDir();
    writeTree(root, { 'notes/real.md': 'inside', 'notes/diary/d.md': 'd', 'few/x.md': 'x' });
    const linked = Array.from({ length: 200 }, (_, i) => `attachment-${String(i).padStart(3, '0')}.md`);
    mkdirSync(join(root, 'linked'));
    for (const name of linked) symlinkSync('../notes/real.md', join(root, 'linked', name));
    symlinkSync(join(outside, 'shared.md'), join(root, 'linked', 'Shared.md'));
    symlinkSync('../notes/diary', join(root, 'linked', 'Diary'));
    // A folder with few links keeps a problem for each.
    symlinkSync('x.md', join(root, 'few', 'y.md'));
    for (const readerThread of [undefined, null]) {
      const { keys, issues } = await walk(root, { readerThread });
      expect(keys).toEqual(['few/x.md', 'notes/diary/d.md', 'notes/real.md']);
      expect(issues.map((i) => [i.path, i.code, i.severity]).sort()).toEqual([
        [join(root, 'few', 'y.md'), 'W_SYMLINK_SKIPPED', 'warning'],
        [join(root, 'linked'), 'W_SYMLINK_SKIPPED', 'warning'],
      ]);
      const many = issues.find((i) => i.path === join(root, 'linked'))!;
      expect(many.message).toBe(
        '202 symbolic links in this folder are not followed, so what they point to is indexed only where it lies in ' +
          'the synced folder, if at all: Diary (links to folders are not followed); Shared.md (it points outside the ' +
          'folder being indexed); attachment-000.md (the file it points to, notes/real.md, is indexed under its own ' +
          'path); and 199 more.',
      );
    }
  });

  it('never follows a folder link out of the root, even with followSymlinks', async () => {
    const outside = tempDir();
    writeFileSync(join(outside, 'elsewhere.md'), '');
    const root = tempDir();
    writeTree(root, { 'in.md': '' });
    symlinkSync(outside, join(root, 'out'));
    const { keys, issues } = await walk(root, { followSymlinks: true });
    expect(keys).toEqual(['in.md']);
    expect(codes(issues)).toEqual(['W_SYMLINK_SKIPPED']);
  });
});

describe('walkFiles: permission denied (bad input #3), as uid 65534', () => {
  it.skipIf(!canRunAsNobody())(
    'skips an unreadable folder, marks it keep, and still yields everything else',
    async () => {
      const root = tempDir();
      writeTree(root, {
        'a.md': 'a',
        'locked/secret.md': 's',
        'locked/inner/deeper.md': 'd',
        'open/b.md': 'b',
        'nosearch/n.md': 'n',
        'nosearch/sub/m.md': 'm',
      });
      chmodSync(join(root, 'locked'), 0o700);
      // Listable but not searchable: names are visible, the files cannot be stat'ed.
      chmodSync(join(root, 'nosearch'), 0o744);

      const { items } = await runAsNobodyJson<{ items: (WalkEntry | ItemIssue)[] }>('test/helpers/fs-probe.ts', [
        'walk',
        root,
      ]);
      const keys = items
        .filter((i): i is WalkEntry => 'key' in i)
        .map((e) => e.key)
        .sort();
      const issues = items.filter((i): i is ItemIssue => 'code' in i);

      expect(keys).toEqual(['a.md', 'open/b.md']);
      expect(issues.map((i) => [i.code, i.keepPrefix]).sort()).toEqual([
        ['EACCES', 'locked'],
        ['EACCES', 'nosearch/n.md'],
        ['EACCES', 'nosearch/sub'],
      ]);
      expect(issues.find((i) => i.keepPrefix === 'locked')!.path).toBe(join(root, 'locked'));
    },
  );

  it.skipIf(!canRunAsNobody())('throws E_ROOT_UNREADABLE when the root itself cannot be listed', async () => {
    const root = tempDir();
    writeTree(root, { 'a.md': 'a' });
    chmodSync(root, 0o700);
    const result = await runAsNobodyJson<{ error: { name: string; code: string } }>('test/helpers/fs-probe.ts', [
      'walk',
      root,
    ]);
    expect(result.error).toMatchObject({ name: 'SourceUnavailableError', code: 'E_ROOT_UNREADABLE' });
  });
});

describe('walkFiles: names (bad inputs #11–#13)', () => {
  it('indexes names with newline, CR, edge spaces, #, %, emoji and 255 bytes, and each path reopens', async () => {
    const root = tempDir();
    const names = [
      'new\nline.md',
      'carriage\rreturn.md',
      ' leading and trailing .md',
      '#hash #tag.md',
      '100% done %20.md',
      'emoji 🗒️ note.md',
      `${'a'.repeat(252)}.md`,
    ];
    expect(Buffer.byteLength(names[6])).toBe(255);
    for (const name of names) writeFileSync(join(root, name), `content of ${name}`);
    const { keys, issues, byKey } = await walk(root);
    expect(issues).toEqual([]);
    expect(keys).toEqual([...names].sort());
    for (const name of names) expect(readFileSync(byKey.get(name)!.path, 'utf8')).toBe(`content of ${name}`);
  });

  it('skips a file or folder whose name is not valid UTF-8 with E_NAME_UNDECODABLE, and goes on', async () => {
    const root = tempDir();
    writeTree(root, { 'fine.md': '', 'dir/ok.md': '' });
    const rootBytes = Buffer.from(root);
    writeFileSync(Buffer.concat([rootBytes, Buffer.from('/'), Buffer.from([0xff, 0xfe]), Buffer.from('.md')]), 'bad');
    const badDir = Buffer.concat([rootBytes, Buffer.from('/dir/bad'), Buffer.from([0xc3, 0x28])]);
    mkdirSync(badDir);
    writeFileSync(Buffer.concat([badDir, Buffer.from('/inside.md')]), 'x');
    // A name holding a real U+FFFD is valid UTF-8 and must not be mistaken for an undecodable one.
    writeFileSync(join(root, 'replacement \uFFFD char.md'), '');

    const { keys, issues } = await walk(root);
    expect(keys).toEqual(['dir/ok.md', 'fine.md', 'replacement \uFFFD char.md']);
    expect(codes(issues)).toEqual(['E_NAME_UNDECODABLE', 'E_NAME_UNDECODABLE']);
    expect(issues.every((i) => i.keepPrefix === undefined)).toBe(true);
  });

  it('keys an NFD name by its NFC form, keeps the NFD spelling for opening, and flags an NFC/NFD twin', async () => {
    const root = tempDir();
    const nfc = 'caf\u00e9.md';
    const nfd = 'cafe\u0301.md';
    writeFileSync(join(root, nfd), 'decomposed');
    writeFileSync(join(root, 're\u0301sume\u0301.md'), 'only NFD');
    const single = await walk(root);
    expect(single.keys).toEqual([nfc, 'r\u00e9sum\u00e9.md']);
    expect(single.byKey.get(nfc)!.relPath).toBe(nfd);
    expect(readFileSync(single.byKey.get(nfc)!.path, 'utf8')).toBe('decomposed');

    writeFileSync(join(root, nfc), 'composed');
    const twins = await walk(root);
    expect(twins.keys).toEqual([nfc, 'r\u00e9sum\u00e9.md']);
    // The NFC spelling wins regardless of readdir order; the other one is reported, never silently dropped.
    expect(readFileSync(twins.byKey.get(nfc)!.path, 'utf8')).toBe('composed');
    expect(twins.issues).toEqual([
      expect.objectContaining({ code: 'W_NORMALIZATION_COLLISION', path: join(root, nfd), severity: 'warning' }),
    ]);
  });

  it('flags NFC/NFD twin folders and keeps the NFC one', async () => {
    const root = tempDir();
    writeTree(root, { 'caf\u00e9/a.md': 'nfc', 'cafe\u0301/b.md': 'nfd' });
    const { keys, issues } = await walk(root);
    expect(keys).toEqual(['caf\u00e9/a.md']);
    expect(codes(issues)).toEqual(['W_NORMALIZATION_COLLISION']);
  });

  it('reports a file iCloud keeps only in the cloud (its .icloud stub) and keeps what was indexed of it', async () => {
    const root = tempDir();
    writeTree(root, {
      'here.md': 'on disk',
      '.away.md.icloud': 'a plist',
      'sub/.deep note.md.icloud': 'a plist',
      // Also on disk (being downloaded), not taken (.png), excluded: nothing to say.
      'both.md': 'on disk',
      '.both.md.icloud': 'a plist',
      '.photo.png.icloud': 'a plist',
      '.secret.md.icloud': 'a plist',
    });
    const { keys, issues } = await walk(root, { excludes: ['secret.md'] });
    expect(keys).toEqual(['both.md', 'here.md']);
    expect(issues).toEqual([
      expect.objectContaining({
        code: 'W_PLACEHOLDER',
        path: join(root, 'away.md'),
        severity: 'warning',
        keepPrefix: 'away.md',
      }),
      expect.objectContaining({
        code: 'W_PLACEHOLDER',
        path: join(root, 'sub', 'deep note.md'),
        keepPrefix: 'sub/deep note.md',
      }),
    ]);
    expect(issues[0].message).toMatch(/stored in iCloud only/);
  });

  it('treats Note.md and note.md as two notes on a case-sensitive filesystem', async () => {
    const root = tempDir();
    writeTree(root, { 'Note.md': 'upper', 'note.md': 'lower' });
    const { keys, issues } = await walk(root);
    expect(keys).toEqual(['Note.md', 'note.md']);
    expect(issues).toEqual([]);
  });
});

describe('walkFiles: deep trees (bad input #14)', () => {
  it('stops 300-deep nesting at the depth cap with one E_TOO_DEEP and still finds the shallower files', async () => {
    const root = tempDir();
    let dir = root;
    for (let depth = 1; depth <= 300; depth++) {
      dir = join(dir, 'd');
      mkdirSync(dir);
      writeFileSync(join(dir, `at-${depth}.md`), '');
    }
    const { keys, issues } = await walk(root);
    expect(keys).toHaveLength(64);
    expect(keys.some((k) => k.endsWith('/at-64.md'))).toBe(true);
    expect(keys.some((k) => k.endsWith('/at-65.md'))).toBe(false);
    expect(issues).toEqual([expect.objectContaining({ code: 'E_TOO_DEEP' })]);
  });

  it('records ENAMETOOLONG for a folder whose path exceeds PATH_MAX, keeps it, and finds the rest', async () => {
    const root = tempDir();
    writeTree(root, { 'top.md': '' });
    const segment = 'x'.repeat(250);
    const rel = Array.from({ length: 20 }, () => segment).join('/');
    // GNU mkdir -p creates each level relative to the previous one, so it is not bound by PATH_MAX.
    execFileSync('mkdir', ['-p', rel], { cwd: root });
    const { keys, issues } = await walk(root);
    expect(keys).toEqual(['top.md']);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ code: 'ENAMETOOLONG', severity: 'error' });
    expect(issues[0].keepPrefix).toMatch(/^(x{250}\/)+x{250}$/);
  });
});
