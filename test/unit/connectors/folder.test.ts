import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  mkdirSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  truncateSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkFilePath, openFileRoot, rootIdentity, sameRootIdentity } from '../../../electron/connectors/file-root.js';
import { firstMarkdownHeading, folderKind, maskMarkdownCode } from '../../../electron/connectors/folder.js';
import { SourceUnavailableError, type ItemIssue, type SourceUnit } from '../../../electron/connectors/types.js';
import { fingerprintOf } from '../../../electron/connectors/walker.js';
import { enumerateAll, readUnit, syncAll, testConfig, testContext } from '../../helpers/connector-run.js';
import { canRunAsNobody, runAsNobodyJson } from '../../helpers/run-as-nobody.js';
import { useTempDirs } from '../../helpers/temp-dir.js';
import { writeTree } from '../../helpers/tree.js';

const tempDir = useTempDirs('jarvis-folder-');
const FIXTURE = fileURLToPath(new URL('../../fixtures/folder/basic', import.meta.url));

function fixtureCopy(): string {
  const root = tempDir();
  cpSync(FIXTURE, root, { recursive: true });
  return root;
}

function folder(root: string, excludes: string[] = []) {
  return folderKind.create(testConfig('folder', root, { excludes }));
}

describe('folder connector: the fixture folder', () => {
  it('indexes each supported text file as one document, and nothing else', async () => {
    const root = fixtureCopy();
    mkdirSync(join(root, 'node_modules/pkg'), { recursive: true });
    writeFileSync(join(root, 'node_modules/pkg/readme.md'), '# dependency');
    const result = await syncAll(folder(root));
    expect(result.keys).toEqual([
      'README.md',
      'bad/disguised-png.md',
      'bad/latin1.txt',
      'docs/LEGACY.HTM',
      'docs/guide.rst',
      'docs/page.html',
      'notes/groceries.txt',
      'notes/meeting.markdown',
      'notes/utf16be.txt',
      'notes/utf16le.txt',
      'notes/utf8-bom.md',
      'notes/weekly.org',
    ]);
    expect(result.issues).toEqual([]);
    expect([...result.docs.keys()].sort()).toEqual(result.keys.filter((k) => k !== 'bad/disguised-png.md'));
  });

  it('gives each format its title and doc type', async () => {
    const { docs } = await syncAll(folder(fixtureCopy()));
    const summary = Object.fromEntries([...docs.values()].map((d) => [d.id, [d.title, d.docType]]));
    expect(summary).toEqual({
      'README.md': ['Project handbook', 'note'],
      'bad/latin1.txt': ['latin1', 'note'],
      'docs/LEGACY.HTM': ['LEGACY', 'document'],
      'docs/guide.rst': ['guide', 'document'],
      'docs/page.html': ['Release notes & changes', 'document'],
      'notes/groceries.txt': ['groceries', 'note'],
      'notes/meeting.markdown': ['Meeting 2024-03-01', 'note'],
      'notes/utf16be.txt': ['utf16be', 'note'],
      'notes/utf16le.txt': ['utf16le', 'note'],
      'notes/utf8-bom.md': ['BOM heading', 'note'],
      'notes/weekly.org': ['Weekly review', 'note'],
    });
  });

  it('indexes Markdown without its frontmatter, taking tags from it', async () => {
    const root = fixtureCopy();
    const { docs } = await syncAll(folder(root));
    const readme = docs.get('README.md')!;
    expect(readme.content.startsWith('# Welcome to the handbook')).toBe(true);
    expect(readme.content).not.toContain('title:');
    expect(readme.tags).toEqual(['handbook', 'onboarding']);
    expect(readme.path).toBe(join(root, 'README.md'));
    expect(readme.metadata).toMatchObject({ format: 'markdown', frontmatter: { title: 'Project handbook' } });
  });

  it('indexes the words of Markdown properties other than title and tags, and reads such notes once more', async () => {
    const root = tempDir();
    writeTree(root, {
      'heron.md': '---\ntitle: Field notes\nauthor: Jane Quimby\ntags: [birds]\n---\n# Field notes\n\nBody\n',
    });
    const { docs, units } = await syncAll(folder(root));
    expect(docs.get('heron.md')!.content).toBe('# Field notes\n\nauthor: Jane Quimby\n\nBody\n');
    expect(docs.get('heron.md')!.title).toBe('Field notes');
    // Notes indexed before, without their properties, had the plain fingerprint: they are read again.
    expect(units[0].fingerprint).toBe(`${fingerprintOf(statSync(join(root, 'heron.md')))}:folder2`);
  });

  it('reduces HTML to its visible text', async () => {
    const { docs } = await syncAll(folder(fixtureCopy()));
    const page = docs.get('docs/page.html')!.content;
    expect(page).toContain('Release 2.0');
    expect(page).toContain('html-marker');
    expect(page).toContain('Café <tags> decoded.');
    expect(page).not.toMatch(/scriptMarker|css-marker|<p>|https:\/\/example.com/);
  });

  it('decodes BOM-marked UTF-8 and UTF-16 files (bad input #7)', async () => {
    const { docs } = await syncAll(folder(fixtureCopy()));
    expect(docs.get('notes/utf8-bom.md')!.content.startsWith('# BOM heading')).toBe(true);
    expect(docs.get('notes/utf16le.txt')!.content).toBe('UTF-16 note. Search word: utf16le-marker. Café ✓\n');
    expect(docs.get('notes/utf16be.txt')!.content).toBe('UTF-16 note. Search word: utf16be-marker. Café ✓\n');
  });

  it('refuses a PNG disguised as .md (E_BINARY) and indexes Latin-1 text with W_BAD_UTF8 (bad inputs #5, #6)', async () => {
    const { outcomes, docs } = await syncAll(folder(fixtureCopy()));
    expect(outcomes.get('bad/disguised-png.md')!.error?.code).toBe('E_BINARY');
    const latin1 = outcomes.get('bad/latin1.txt')!;
    expect(latin1.issues.map((i) => i.code)).toEqual(['W_BAD_UTF8']);
    expect(docs.get('bad/latin1.txt')!.content).toContain('Café au lait');
  });

  it('keeps the file name of a note titled by its heading or frontmatter as an alias, so it is found by it', async () => {
    const root = tempDir();
    writeTree(root, {
      'plain-cafe.md': '# Visiting the café\n\ntext\n',
      'frontmatter-title.md': '---\ntitle: Set in frontmatter\naliases: [other]\n---\ntext\n',
      'untitled.txt': 'no title here',
    });
    const { docs } = await syncAll(folder(root));
    expect(docs.get('plain-cafe.md')).toMatchObject({ title: 'Visiting the café', aliases: ['plain-cafe'] });
    expect(docs.get('frontmatter-title.md')).toMatchObject({ aliases: ['other', 'frontmatter-title'] });
    expect(docs.get('untitled.txt')!.aliases ?? []).toEqual([]);
  });

  it('reads an HTML page in the charset its <meta> declares when it is not UTF-8', async () => {
    const root = tempDir();
    const page = (meta: string) =>
      Buffer.from(
        `<html><head>${meta}<title>Cr\xe8me br\xfbl\xe9e</title></head><body><p>Recette \x96 facile</p></body></html>`,
        'latin1',
      );
    writeTree(root, {
      'meta-charset.html': page('<meta charset="windows-1252">'),
      'http-equiv.htm': page('<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=iso-8859-1">'),
      'undeclared.html': page(''),
      'utf8-stale-meta.html': Buffer.from(
        '<html><head><meta charset="iso-8859-1"><title>Cr\u00e8me</title></head><body>\u2603</body></html>',
      ),
    });
    const { docs, outcomes } = await syncAll(folder(root));
    for (const key of ['meta-charset.html', 'http-equiv.htm']) {
      expect(docs.get(key)!.title).toBe('Cr\u00e8me br\u00fbl\u00e9e');
      expect(docs.get(key)!.content).toBe('Recette \u2013 facile');
      expect(outcomes.get(key)!.issues).toEqual([]);
    }
    expect(outcomes.get('undeclared.html')!.issues.map((i) => i.code)).toEqual(['W_BAD_UTF8']);
    expect(docs.get('utf8-stale-meta.html')!.title).toBe('Cr\u00e8me');
    expect(docs.get('utf8-stale-meta.html')!.content).toBe('\u2603');
  });

  it('returns replace-mode reads, stamps documents with the file mtime, and namespaces nothing itself', async () => {
    const root = fixtureCopy();
    const when = new Date('2001-09-09T01:46:40Z');
    utimesSync(join(root, 'notes/groceries.txt'), when, when);
    const connector = folder(root);
    const { byKey } = await enumerateAll(connector);
    const read = await connector.read(byKey.get('notes/groceries.txt')!, null, testContext());
    expect(read.mode).toBe('replace');
    const outcome = await readUnit(connector, byKey.get('notes/groceries.txt')!);
    expect(outcome.docs).toHaveLength(1);
    expect(outcome.docs[0]).toMatchObject({ id: 'notes/groceries.txt', timestamp: when.getTime() });
  });
});

describe('folder connector: changes between syncs', () => {
  it('shows edits, deletions and renames through keys and fingerprints', async () => {
    const root = tempDir();
    writeTree(root, { 'same.md': 'same', 'edited.md': 'v1', 'deleted.md': 'bye', 'before.md': 'moving' });
    const connector = folder(root);
    const first = await enumerateAll(connector);

    writeFileSync(join(root, 'edited.md'), 'v2 with more words');
    rmSync(join(root, 'deleted.md'));
    renameSync(join(root, 'before.md'), join(root, 'after.md'));
    const second = await enumerateAll(connector);

    expect(second.keys).toEqual(['after.md', 'edited.md', 'same.md']);
    expect(second.byKey.get('same.md')!.fingerprint).toBe(first.byKey.get('same.md')!.fingerprint);
    expect(second.byKey.get('edited.md')!.fingerprint).not.toBe(first.byKey.get('edited.md')!.fingerprint);
    expect((await readUnit(connector, second.byKey.get('edited.md')!)).docs[0].content).toBe('v2 with more words');
  });

  it('sees a file copied in with an old mtime (2001) as a new unit', async () => {
    const root = tempDir();
    writeTree(root, { 'existing.md': 'x' });
    const connector = folder(root);
    const first = await enumerateAll(connector);

    const outside = tempDir();
    writeFileSync(join(outside, 'restored.md'), '# Restored from backup');
    const old = new Date('2001-01-01T00:00:00Z');
    utimesSync(join(outside, 'restored.md'), old, old);
    cpSync(join(outside, 'restored.md'), join(root, 'restored.md'), { preserveTimestamps: true });

    const second = await enumerateAll(connector);
    expect(first.byKey.has('restored.md')).toBe(false);
    expect(second.byKey.has('restored.md')).toBe(true);
    const doc = (await readUnit(connector, second.byKey.get('restored.md')!)).docs[0];
    expect(doc).toMatchObject({ title: 'Restored from backup', timestamp: old.getTime() });
  });

  it('applies default excludes (dot-folders, node_modules, hidden and lock files) and the configured globs', async () => {
    const root = tempDir();
    writeTree(root, {
      'keep.md': '',
      'Drafts/wip.md': '',
      'journal/2020/old.md': '',
      'journal/2024/new.md': '',
      'scratch.txt': '',
      'sub/scratch.txt': '',
      '.git/notes.md': '',
      '.obsidian/x.md': '',
      'node_modules/a/readme.md': '',
      '.hidden.md': '',
      '~$report.md': '',
      'note.md.tmp': '',
    });
    const { keys } = await enumerateAll(folder(root, ['Drafts/', 'journal/2020/**', 'scratch.txt']));
    expect(keys).toEqual(['journal/2024/new.md', 'keep.md']);
  });
});

describe('folder connector: the root (bad input #4)', () => {
  it('throws SourceUnavailableError from open and enumerate when the folder is missing', async () => {
    const connector = folder(join(tempDir(), 'unplugged-drive'));
    await expect(connector.open(testContext())).rejects.toMatchObject({
      name: 'SourceUnavailableError',
      code: 'E_ROOT_UNAVAILABLE',
    });
    await expect(enumerateAll(connector)).rejects.toBeInstanceOf(SourceUnavailableError);
  });

  it('throws E_ROOT_NOT_A_DIRECTORY when the path is a file', async () => {
    const file = join(tempDir(), 'notes.md');
    writeFileSync(file, '');
    await expect(folder(file).open(testContext())).rejects.toMatchObject({ code: 'E_ROOT_NOT_A_DIRECTORY' });
  });

  it('gives the same identity to the same folder and a different one to a replacement', async () => {
    const root = tempDir();
    const connector = folder(root);
    const first = await connector.open(testContext());
    expect((await connector.open(testContext())).identity).toBe(first.identity);
    renameSync(root, `${root}-moved`);
    mkdirSync(root);
    try {
      expect((await connector.open(testContext())).identity).not.toBe(first.identity);
    } finally {
      rmSync(`${root}-moved`, { recursive: true, force: true });
    }
  });

  it('tells a folder made again on the old inode (same dev:ino) apart by its birth time', () => {
    const old = { dev: 2049, ino: 2, birthtimeMs: 1_700_000_000_000.25, ctimeMs: 1_700_000_500_000 };
    const remade = { ...old, birthtimeMs: 1_800_000_000_000.5, ctimeMs: 1_800_000_000_000.5 };
    const kept = () => true;
    expect(rootIdentity(old, kept)).toBe('2049:2:1700000000000.25');
    expect(rootIdentity(remade, kept)).toBe('2049:2:1800000000000.5');
    expect(sameRootIdentity(rootIdentity(old, kept), rootIdentity(remade, kept))).toBe(false);
    expect(sameRootIdentity(rootIdentity(old, kept), rootIdentity({ ...old, ctimeMs: 1_900_000_000_000 }))).toBe(true);
  });

  it('leaves the birth time out where there is none to trust', () => {
    // A file system without birth times (statx reports 0).
    expect(rootIdentity({ dev: 7, ino: 9, birthtimeMs: 0, ctimeMs: 5 }, () => true)).toBe('7:9');
    // Linux without statx, where libuv reports the ctime as the birth time: it changes with every entry added.
    expect(rootIdentity({ dev: 7, ino: 9, birthtimeMs: 5, ctimeMs: 5 }, () => false)).toBe('7:9');
    // A new, empty folder where birth times are real: born when last changed.
    expect(rootIdentity({ dev: 7, ino: 9, birthtimeMs: 5, ctimeMs: 5 }, () => true)).toBe('7:9:5');
  });

  it('matches a dev:ino identity stored by an earlier version on dev:ino, and nothing else loosely', () => {
    expect(sameRootIdentity('2049:2', '2049:2:1700000000000.25')).toBe(true);
    expect(sameRootIdentity('2049:2', '2049:2')).toBe(true);
    expect(sameRootIdentity('2049:2', '2049:3:1700000000000.25')).toBe(false);
    expect(sameRootIdentity('2049:2', '2050:2:1700000000000.25')).toBe(false);
    // Had a birth time, has none now: another file system mounted there, or nothing to tell by.
    expect(sameRootIdentity('2049:2:1700000000000.25', '2049:2')).toBe(false);
    // Identities of other connectors must be equal.
    expect(sameRootIdentity('acct:inbox', 'acct:inbox:1')).toBe(false);
    expect(sameRootIdentity('root', 'root')).toBe(true);
  });

  it('gives a real folder a birth-time identity that stays the same while files come and go', async () => {
    const root = tempDir();
    const connector = folder(root);
    const first = (await connector.open(testContext())).identity;
    writeFileSync(join(root, 'new.md'), '');
    mkdirSync(join(root, 'sub'));
    expect((await connector.open(testContext())).identity).toBe(first);
    expect(first.startsWith(`${statSync(root).dev}:${statSync(root).ino}`)).toBe(true);
  });

  it('fails the enumeration (deleting nothing) when the folder is swapped for another mid-walk', async () => {
    const root = tempDir();
    writeTree(root, { 'a/1.md': '', 'b/2.md': '' });
    const connector = folder(root);
    const run = async () => {
      let swapped = false;
      for await (const _item of connector.enumerate(testContext())) {
        if (swapped) continue;
        renameSync(root, `${root}-unmounted`);
        mkdirSync(root);
        swapped = true;
      }
    };
    try {
      await expect(run()).rejects.toMatchObject({ name: 'SourceUnavailableError', code: 'E_ROOT_UNAVAILABLE' });
    } finally {
      rmSync(`${root}-unmounted`, { recursive: true, force: true });
    }
  });

  it('explains in plain words why a path cannot be added, and accepts a good folder', async () => {
    const root = tempDir();
    const file = join(root, 'x.md');
    writeFileSync(file, '');
    expect(await folderKind.checkPath(root)).toBeNull();
    expect(await folderKind.checkPath(join(root, 'nope'))).toMatch(/does not exist/);
    expect(await folderKind.checkPath(file)).toMatch(/is a file, not a folder/);
    expect(await folderKind.checkPath('relative/path')).toMatch(/not an absolute path/);
  });

  it.skipIf(!canRunAsNobody())('reports E_ROOT_UNREADABLE for a folder the user cannot list', async () => {
    const root = tempDir();
    const locked = join(root, 'locked');
    mkdirSync(locked, { mode: 0o700 });
    const result = await runAsNobodyJson<{ error: { name: string; code: string } }>('test/helpers/fs-probe.ts', [
      'open-dir',
      locked,
    ]);
    expect(result.error).toMatchObject({ name: 'SourceUnavailableError', code: 'E_ROOT_UNREADABLE' });
  });

  it.skipIf(!canRunAsNobody())(
    'keeps an unreadable subfolder (keepPrefix) while enumerating the rest (bad input #3)',
    async () => {
      const root = tempDir();
      writeTree(root, { 'visible.md': '', 'private/diary.md': '', 'shared/plan.md': '' });
      mkdirSync(join(root, 'private'), { recursive: true });
      chmodSync(join(root, 'private'), 0o700);
      const { items } = await runAsNobodyJson<{ items: (SourceUnit | ItemIssue)[] }>('test/helpers/fs-probe.ts', [
        'enumerate-folder',
        root,
      ]);
      const keys = items
        .filter((i): i is SourceUnit => 'fingerprint' in i)
        .map((u) => u.key)
        .sort();
      expect(keys).toEqual(['shared/plan.md', 'visible.md']);
      expect(items.filter((i): i is ItemIssue => 'code' in i)).toEqual([
        expect.objectContaining({ code: 'EACCES', keepPrefix: 'private', path: join(root, 'private') }),
      ]);
    },
  );
});

describe('file roots (single-file sources such as one .mbox)', () => {
  it('opens a readable file with a dev:ino(:birthtime) identity and rejects folders and missing files', async () => {
    const root = tempDir();
    const file = join(root, 'inbox.mbox');
    writeFileSync(file, 'From x\n');
    expect((await openFileRoot(file)).identity).toMatch(/^\d+:\d+(:\d+(\.\d+)?)?$/);
    await expect(openFileRoot(root)).rejects.toMatchObject({ code: 'E_ROOT_INVALID' });
    await expect(openFileRoot(join(root, 'gone.mbox'))).rejects.toMatchObject({ code: 'E_ROOT_UNAVAILABLE' });
    expect(await checkFilePath(file)).toBeNull();
    expect(await checkFilePath(root)).toMatch(/is a folder, not a file/);
  });

  it.skipIf(!canRunAsNobody())('reports E_ROOT_UNREADABLE for a file the user cannot read', async () => {
    const file = join(tempDir(), 'private.mbox');
    writeFileSync(file, '', { mode: 0o600 });
    const result = await runAsNobodyJson<{ error: { code: string } }>('test/helpers/fs-probe.ts', ['open-file', file]);
    expect(result.error.code).toBe('E_ROOT_UNREADABLE');
  });
});

describe('folder connector: bad inputs end to end', () => {
  it('refuses a 200 MB (sparse) note with E_TOO_LARGE, using the configured cap (bad input #8)', async () => {
    const root = tempDir();
    writeFileSync(join(root, 'huge.md'), '');
    truncateSync(join(root, 'huge.md'), 200 * 1024 * 1024);
    const connector = folder(root);
    const { byKey } = await enumerateAll(connector);
    expect(byKey.get('huge.md')!.size).toBe(200 * 1024 * 1024);
    const outcome = await readUnit(
      connector,
      byKey.get('huge.md')!,
      testContext({ maxFileSizeBytes: 20 * 1024 * 1024 }),
    );
    expect(outcome.error?.code).toBe('E_TOO_LARGE');
  });

  it('reports E_VANISHED for a note deleted between enumeration and read (bad input #10)', async () => {
    const root = tempDir();
    writeTree(root, { 'short-lived.md': 'x' });
    const connector = folder(root);
    const { byKey } = await enumerateAll(connector);
    rmSync(join(root, 'short-lived.md'));
    expect((await readUnit(connector, byKey.get('short-lived.md')!)).error?.code).toBe('E_VANISHED');
  });

  it('reports a FIFO named like a note, and a link to it, without ever waiting on it', async () => {
    const root = tempDir();
    writeTree(root, { 'before.md': 'before the pipe', 'sub/after.md': 'after the pipe' });
    execFileSync('mkfifo', [join(root, 'note.md')]);
    execFileSync('mkfifo', [join(root, 'sub', 'pipe')]);
    symlinkSync('sub/pipe', join(root, 'link.md'));
    const result = await syncAll(folder(root));
    expect([...result.docs.keys()].sort()).toEqual(['before.md', 'sub/after.md']);
    expect(result.issues.map(({ path, code, message }) => ({ path, code, message }))).toEqual(
      expect.arrayContaining([
        {
          path: join(root, 'note.md'),
          code: 'E_NOT_REGULAR_FILE',
          message: 'This is a named pipe (FIFO), not a regular file, so it is not indexed.',
        },
        {
          path: join(root, 'link.md'),
          code: 'E_NOT_REGULAR_FILE',
          message: 'This link points to a named pipe (FIFO), not a regular file, so it is not indexed.',
        },
      ]),
    );
    expect(result.issues).toHaveLength(2);
  });

  it('refuses a note swapped for a FIFO between enumeration and read, at once', async () => {
    const root = tempDir();
    writeTree(root, { 'swapped.md': 'a note', 'other.md': 'another note' });
    const connector = folder(root);
    const { byKey } = await enumerateAll(connector);
    rmSync(join(root, 'swapped.md'));
    execFileSync('mkfifo', [join(root, 'swapped.md')]);
    expect((await readUnit(connector, byKey.get('swapped.md')!)).error).toEqual({
      code: 'E_NOT_REGULAR_FILE',
      message: 'This is a named pipe (FIFO), not a regular file, so it is not indexed.',
    });
    expect((await readUnit(connector, byKey.get('other.md')!)).docs[0].content).toBe('another note');
  });

  it('refuses random bytes named .txt (E_BINARY)', async () => {
    const root = tempDir();
    const bytes = Buffer.alloc(2048);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919 + 13) % 256;
    writeFileSync(join(root, 'noise.txt'), bytes);
    const connector = folder(root);
    const { byKey } = await enumerateAll(connector);
    expect((await readUnit(connector, byKey.get('noise.txt')!)).error?.code).toBe('E_BINARY');
  });

  it('finishes the walk through symlink loops and indexes the real notes once (bad input #1)', async () => {
    const root = tempDir();
    writeTree(root, { 'a/b/deep.md': 'deep', 'top.md': 'top' });
    symlinkSync('..', join(root, 'a/b/up'));
    symlinkSync('l2.md', join(root, 'l1.md'));
    symlinkSync('l1.md', join(root, 'l2.md'));
    symlinkSync('self.md', join(root, 'self.md'));
    const result = await syncAll(folder(root));
    expect([...result.docs.keys()].sort()).toEqual(['a/b/deep.md', 'top.md']);
    expect(result.issues.map((i) => i.code).sort()).toEqual(['E_LOOP', 'E_LOOP', 'E_LOOP', 'W_SYMLINK_SKIPPED']);
  });

  it('indexes notes with awkward names and keys an NFD name by its NFC form (bad inputs #11, #12)', async () => {
    const root = tempDir();
    writeTree(root, {
      'line\nbreak.md': '# Newline',
      ' spaced .md': '# Spaces',
      '50% #1 🗒️.md': '# Symbols',
      'cafe\u0301.md': '# Café',
    });
    const { docs, issues } = await syncAll(folder(root));
    expect(issues).toEqual([]);
    expect(Object.fromEntries([...docs.values()].map((d) => [d.id, d.title]))).toEqual({
      'line\nbreak.md': 'Newline',
      ' spaced .md': 'Spaces',
      '50% #1 🗒️.md': 'Symbols',
      'caf\u00e9.md': 'Café',
    });
    expect(docs.get('caf\u00e9.md')!.path).toBe(join(root, 'cafe\u0301.md'));
  });

  it('keeps malformed frontmatter from blocking the note (bad input #17)', async () => {
    const root = tempDir();
    writeTree(root, { 'broken.md': '---\ntags: [[Link]] [[Other]]\n---\n# Still here\nbody-marker' });
    const { docs, outcomes } = await syncAll(folder(root));
    expect(outcomes.get('broken.md')!.issues.map((i) => [i.code, i.severity])).toEqual([
      ['W_BAD_FRONTMATTER', 'warning'],
    ]);
    expect(docs.get('broken.md')!.content).toContain('body-marker');
    expect(docs.get('broken.md')!.title).toBe('Still here');
  });
});

describe('Markdown helpers', () => {
  it('takes the first level-1 heading outside code as the title', () => {
    expect(firstMarkdownHeading('intro\n## Sub\n# Real title #\n# Second')).toBe('Real title');
    expect(firstMarkdownHeading('```\n# comment in code\n```\n# After code')).toBe('After code');
    expect(firstMarkdownHeading('#hashtag only\n#\tTabbed')).toBe('Tabbed');
    expect(firstMarkdownHeading('no heading')).toBeNull();
  });

  it('masks fenced blocks and inline code spans but keeps the line structure', () => {
    // A fence closes only on a run at least as long as the one that opened it.
    const text = 'a `#x` b ``c ` d`` e\n~~~\n# hidden\n~~~\n````js\n[[x]]\n```\nstill #code\n````\nafter';
    const masked = maskMarkdownCode(text);
    expect(masked.split('\n')).toHaveLength(text.split('\n').length);
    expect(masked).not.toMatch(/#x|c ` d|hidden|\[\[x\]\]|#code/);
    expect(masked).toContain('after');
    expect(maskMarkdownCode('unclosed `tick stays')).toBe('unclosed `tick stays');
  });
});
