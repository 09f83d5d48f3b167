import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JsonFile, writeAtomic } from '../../../electron/core/json-file.js';

interface Conf {
  n: number;
}
const parse = (raw: unknown): Conf => {
  if (typeof (raw as Conf)?.n !== 'number') throw new Error('n must be a number');
  return raw as Conf;
};

let dir: string;
let file: JsonFile<Conf>;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'jarvis-json-'));
  file = new JsonFile(join(dir, 'conf.json'), parse, () => ({ n: 0 }));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('JsonFile', () => {
  it('a first run (neither the file nor a backup exists) gives defaults without a problem', () => {
    expect(file.load()).toMatchObject({ value: { n: 0 }, source: 'missing', problem: null });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a deleted file is restored from its last good copy, says so, and a later save keeps what was restored', () => {
    file.save({ n: 5 });
    rmSync(file.path);
    const loaded = file.load();
    expect(loaded).toMatchObject({ value: { n: 5 }, source: 'backup', quarantinedTo: null });
    expect(loaded.problem).toMatch(/conf\.json was missing; the last good copy was restored/);
    expect(JSON.parse(readFileSync(file.path, 'utf8'))).toEqual({ n: 5 });
    expect(file.load()).toMatchObject({ value: { n: 5 }, source: 'file', problem: null });
  });

  it('a deleted file whose backup is damaged gives defaults with a problem, and keeps that backup aside', () => {
    writeFileSync(`${file.path}.bak`, '{"n": 5');
    const loaded = file.load(77);
    expect(loaded).toMatchObject({ value: { n: 0 }, source: 'defaults' });
    expect(loaded.problem).toMatch(/was missing and its backup is unusable too \(it is not valid JSON\)/);
    expect(loaded.problem).toMatch(/kept as conf\.json\.bak\.corrupt-77/);
    file.save({ n: 1 });
    expect(readFileSync(`${file.path}.bak.corrupt-77`, 'utf8')).toBe('{"n": 5');
    // Once the damaged backup is out of the way, the state is a first run's: the next start is quiet.
    expect(file.load()).toMatchObject({ value: { n: 1 }, source: 'file', problem: null });
  });

  it('a file that cannot be read is moved aside and the last good copy used, so no save can replace it', () => {
    file.save({ n: 5 });
    rmSync(file.path);
    mkdirSync(file.path); // EISDIR: unreadable for a reason other than being missing, on every platform
    const loaded = file.load(77);
    expect(loaded).toMatchObject({ value: { n: 5 }, source: 'backup' });
    expect(loaded.problem).toMatch(/could not be read \(EISDIR\); the last good copy was restored/);
    expect(loaded.problem).toMatch(/unreadable file was kept as conf\.json\.unreadable-77/);
    // A save builds on the restored value, and the next load is a good one.
    file.save({ n: 6 });
    expect(file.load()).toMatchObject({ value: { n: 6 }, source: 'file', problem: null });
  });

  it('defaults used because the file could not be read nor moved are never saved over its backup', () => {
    file.save({ n: 5 });
    rmSync(file.path);
    mkdirSync(file.path);
    writeFileSync(join(file.path, 'keep'), 'x'); // a folder that is not empty: a rename over it fails as well
    mkdirSync(`${file.path}.unreadable-88`);
    writeFileSync(join(`${file.path}.unreadable-88`, 'x'), 'x');
    expect(() => file.load(88)).toThrow();
    rmSync(file.path, { recursive: true });
    file.save({ n: 0 });
    expect(JSON.parse(readFileSync(`${file.path}.bak`, 'utf8'))).toEqual({ n: 5 });
  });

  it('round-trips and leaves no temp files behind', () => {
    file.save({ n: 7 });
    expect(file.load()).toMatchObject({ value: { n: 7 }, source: 'file' });
    expect(readdirSync(dir).sort()).toEqual(['conf.json', 'conf.json.bak']);
  });

  it.each([
    ['truncated', '{"n": 4'],
    ['invalid JSON', '{"n":1,}'],
    ['zero-filled', '\0'.repeat(64)],
    ['empty', ''],
    ['wrong shape', '{"n":"four"}'],
  ])('a %s file falls back to the last good copy, moves the bad one aside, and says so', (_label, content) => {
    file.save({ n: 3 });
    writeFileSync(file.path, content);
    const loaded = file.load(1234);
    expect(loaded.value).toEqual({ n: 3 });
    expect(loaded.source).toBe('backup');
    expect(loaded.problem).toMatch(/last good copy was restored/);
    expect(existsSync(`${file.path}.corrupt-1234`)).toBe(true);
    expect(readFileSync(`${file.path}.corrupt-1234`, 'utf8')).toBe(content);
  });

  it('with no good backup it uses defaults, and never refreshes the backup from those defaults', () => {
    writeFileSync(file.path, '{broken');
    writeFileSync(`${file.path}.bak`, 'also broken');
    const loaded = file.load(99);
    expect(loaded).toMatchObject({ value: { n: 0 }, source: 'defaults' });
    expect(loaded.problem).toMatch(/defaults are in use/);
    expect(readFileSync(`${file.path}.bak.corrupt-99`, 'utf8')).toBe('also broken');
    file.save({ n: 1 });
    expect(readFileSync(`${file.path}.bak.corrupt-99`, 'utf8')).toBe('also broken');
  });

  it('a load that finds the backup holding the file writes nothing into the folder (a reading command)', () => {
    file.save({ n: 3 });
    const before = statSync(`${file.path}.bak`);
    expect(file.load()).toMatchObject({ value: { n: 3 }, source: 'file' });
    // Before: every load rewrote the backup (a new file renamed over it), so `jarvis-sync status` wrote the folder.
    const after = statSync(`${file.path}.bak`);
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
    expect(readdirSync(dir).sort()).toEqual(['conf.json', 'conf.json.bak']);
  });

  it('a load after a hand edit still refreshes the backup with the file', () => {
    file.save({ n: 3 });
    writeFileSync(file.path, '{"n": 4}');
    expect(file.load()).toMatchObject({ value: { n: 4 }, source: 'file' });
    expect(readFileSync(`${file.path}.bak`, 'utf8')).toBe('{"n": 4}');
  });
});

describe('writeAtomic', () => {
  it('removes its temp file when the write fails, and leaves the target as it was', () => {
    // A folder in the target's place makes the rename fail after the temp file was written and synced (on a full
    // disk it is the write itself that fails: see full-disk.test.ts).
    const target = join(dir, 'target.json');
    mkdirSync(join(target, 'inside'), { recursive: true });
    expect(() => writeAtomic(target, '{"n": 1}')).toThrow();
    // Before: .target.json.<pid>.tmp stayed behind, one per failed save.
    expect(readdirSync(dir)).toEqual(['target.json']);
    expect(readdirSync(target)).toEqual(['inside']);
  });
});
