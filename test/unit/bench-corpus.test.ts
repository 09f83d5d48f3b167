/**
 * The benchmark corpus generator (bench/corpus.ts) is deterministic and makes what it is asked for. No timing here:
 * benchmarks are scripts (`npm run bench`), never assertions in tests.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mutateCorpus, restoreCorpus, writeFileCorpus, writeMbox, type FileCorpusSpec } from '../../bench/corpus.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs('jarvis-bench-corpus-');

/** Every file under `dir` with its bytes, in a stable order, hashed. */
function treeDigest(dir: string): { files: string[]; sizes: number[]; digest: string } {
  const files: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else files.push(p);
    }
  };
  walk(dir);
  const hash = createHash('sha256');
  for (const f of files) hash.update(relative(dir, f)).update('\0').update(readFileSync(f)).update('\0');
  return {
    files: files.map((f) => relative(dir, f)),
    sizes: files.map((f) => statSync(f).size),
    digest: hash.digest('hex'),
  };
}

function fingerprints(dir: string, files: string[]): string[] {
  return files.map((f) => {
    const st = statSync(join(dir, f));
    return `${st.size}:${st.mtimeMs}:${st.ino}`;
  });
}

describe('bench corpus: notes', () => {
  const spec: FileCorpusSpec = { kind: 'notes', n: 300, seed: 7 };

  it('gives the same bytes for the same seed and different ones for another seed', () => {
    const a = tempDir();
    const b = tempDir();
    const c = tempDir();
    writeFileCorpus(a, spec);
    writeFileCorpus(b, spec);
    writeFileCorpus(c, { ...spec, seed: 8 });
    expect(treeDigest(a).digest).toBe(treeDigest(b).digest);
    expect(treeDigest(c).digest).not.toBe(treeDigest(a).digest);
  });

  it('makes N notes of ~2 KB with frontmatter, headings and wikilinks, in an Obsidian vault', () => {
    const dir = tempDir();
    const result = writeFileCorpus(dir, spec);
    const { files, sizes } = treeDigest(dir);
    const notes = files.filter((f) => f.endsWith('.md'));
    expect(notes).toHaveLength(300);
    expect(existsSync(join(dir, '.obsidian'))).toBe(true);
    const noteSizes = sizes.filter((_, i) => files[i].endsWith('.md'));
    const mean = noteSizes.reduce((s, n) => s + n, 0) / noteSizes.length;
    expect(mean).toBeGreaterThan(1800);
    expect(mean).toBeLessThan(2300);
    expect(Math.min(...noteSizes)).toBeGreaterThan(1200);
    expect(Math.max(...noteSizes)).toBeLessThan(3000);
    expect(result).toEqual({ files: 300, bytes: noteSizes.reduce((s, n) => s + n, 0) });
    const text = readFileSync(join(dir, notes[0]), 'utf8');
    expect(text).toMatch(/^---\ntitle: .+\ntags: \[.+\]\n(?:.+\n)*---\n# .+\n/);
    expect(text.match(/^## /gm)).toHaveLength(3);
    const all = notes.map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
    expect(all).toMatch(/\[\[note-\d{6}(\|[^\]]+)?\]\]/);
  });

  it('restores edits and deletions exactly, fingerprints included', () => {
    const dir = tempDir();
    writeFileCorpus(dir, spec);
    const before = treeDigest(dir);
    const fpBefore = fingerprints(dir, before.files);
    const m = mutateCorpus(dir, spec, 0.01, 0.005);
    expect(m.edited).toHaveLength(3);
    expect(m.deleted).toHaveLength(2);
    const during = treeDigest(dir);
    expect(during.files).toHaveLength(before.files.length - 2);
    expect(during.digest).not.toBe(before.digest);
    restoreCorpus(dir);
    expect(treeDigest(dir).digest).toBe(before.digest);
    expect(fingerprints(dir, before.files)).toEqual(fpBefore);
  });

  it('chooses other files in another round (the warm-up of the running-service re-syncs), and restores them', () => {
    const dir = tempDir();
    writeFileCorpus(dir, spec);
    const before = treeDigest(dir);
    const measured = mutateCorpus(dir, spec, 0.01, 0.005);
    restoreCorpus(dir);
    const warmUp = mutateCorpus(dir, spec, 0.01, 0.005, 1);
    restoreCorpus(dir);
    expect(mutateCorpus(dir, spec, 0.01, 0.005)).toMatchObject({ edited: measured.edited, deleted: measured.deleted });
    restoreCorpus(dir);
    const chosen = (m: typeof measured) => [...m.edited, ...m.deleted];
    expect(chosen(warmUp)).toHaveLength(5);
    expect(chosen(warmUp).filter((i) => chosen(measured).includes(i))).toEqual([]);
    expect(treeDigest(dir).digest).toBe(before.digest);
  });
});

describe('bench corpus: tree of small files', () => {
  it('makes exactly N small files, deterministically', () => {
    const a = tempDir();
    const b = tempDir();
    writeFileCorpus(a, { kind: 'tree', n: 1000, seed: 3 });
    writeFileCorpus(b, { kind: 'tree', n: 1000, seed: 3 });
    const da = treeDigest(a);
    expect(da.digest).toBe(treeDigest(b).digest);
    expect(da.files).toHaveLength(1000);
    expect(Math.min(...da.sizes)).toBeGreaterThanOrEqual(100);
    expect(Math.max(...da.sizes)).toBeLessThanOrEqual(1024);
    expect(new Set(da.files.map((f) => f.split('/').slice(0, -1).join('/'))).size).toBe(10);
  });
});

describe('bench corpus: mbox', () => {
  it('writes at least the asked size, less than one message more, with the same bytes for the same seed', () => {
    const dir = tempDir();
    const size = 2 * 1024 * 1024;
    const a = writeMbox(join(dir, 'a.mbox'), size, 5);
    const b = writeMbox(join(dir, 'b.mbox'), size, 5);
    const c = writeMbox(join(dir, 'c.mbox'), size, 6);
    const bytes = readFileSync(join(dir, 'a.mbox'));
    expect(bytes.equals(readFileSync(join(dir, 'b.mbox')))).toBe(true);
    expect(bytes.equals(readFileSync(join(dir, 'c.mbox')))).toBe(false);
    expect(a).toEqual(b);
    expect(c.messages).toBeGreaterThan(0);
    expect(a.bytes).toBe(bytes.length);
    expect(a.bytes).toBeGreaterThanOrEqual(size);
    expect(a.bytes).toBeLessThan(size + 256 * 1024);
    const text = bytes.toString('utf8');
    expect(text.match(/^From \S+ \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}$/gm)).toHaveLength(a.messages);
    expect(text.startsWith('From ')).toBe(true);
  });
});
