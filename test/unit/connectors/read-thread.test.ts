import { execFileSync } from 'node:child_process';
import { closeSync, constants, lstatSync, mkdirSync, openSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import {
  DT_DIR,
  DT_FILE,
  DT_LINK,
  FileReadThread,
  LIST_FIELDS,
  ReadTimeoutError,
  ST_FILE,
  ST_LINK,
  ST_NONE,
  type DirChunk,
} from '../../../electron/connectors/read-thread.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs('jarvis-read-thread-');
const reader = new FileReadThread();
afterAll(() => reader.close());

describe('FileReadThread', () => {
  it('reads whole files with their stat before and after, each read answered with its own file', async () => {
    const dir = tempDir();
    const paths = Array.from({ length: 40 }, (_, i) => {
      const path = join(dir, `f${i}.md`);
      writeFileSync(path, `file ${i} ${'x'.repeat(i * 100)}`);
      return path;
    });
    const reads = await Promise.all(paths.map((p) => reader.read(p, 1 << 20)));
    reads.forEach((r, i) => {
      if ('tooLarge' in r) throw new Error('unexpected');
      expect(r.bytes.toString('utf8')).toBe(`file ${i} ${'x'.repeat(i * 100)}`);
      const st = statSync(paths[i]);
      expect(r.before).toEqual({ size: st.size, mtimeMs: st.mtimeMs });
      expect(r.after).toEqual(r.before);
    });
  });

  it('says a file is too large without reading it, and passes fs errors on with their code', async () => {
    const path = join(tempDir(), 'big.txt');
    writeFileSync(path, 'y'.repeat(5000));
    expect(await reader.read(path, 4999)).toEqual({
      tooLarge: true,
      before: { size: 5000, mtimeMs: statSync(path).mtimeMs },
    });
    await expect(reader.read(join(tempDir(), 'missing.md'), 1000)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('starts again after being closed', async () => {
    const path = join(tempDir(), 'again.md');
    writeFileSync(path, 'again');
    await reader.close();
    const r = await reader.read(path, 1000);
    expect('bytes' in r && r.bytes.toString()).toBe('again');
    expect(reader.usable).toBe(true);
  });

  it('answers a listing at once, not with the slower requests of its message', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'folder'));
    for (let i = 0; i < 20; i++) writeFileSync(join(dir, 'folder', `n${i}.md`), 'x');
    const slow = join(dir, 'slow-read.md');
    writeFileSync(slow, 'slow');
    const stalling = new FileReadThread({ stall: { match: 'slow-read', ms: 400 } });
    try {
      // Asked in the same turn, so they travel in one message: the listing first, then a read that stalls.
      const listing = stalling.listDir(join(dir, 'folder'), false);
      let readDone = false;
      const read = stalling.read(slow, 1000).finally(() => (readDone = true));
      const chunk = await listing;
      // The walk waiting for this listing is not held up by the read: a turn of the event loop later (when replies
      // that came in the same message would all have settled), the read is still going.
      await new Promise((resolve) => setImmediate(resolve));
      expect(readDone).toBe(false);
      expect(chunk.count).toBe(20);
      expect('bytes' in (await read) && readDone).toBe(true);
    } finally {
      await stalling.close();
    }
  });

  it('lists a long directory in chunks, with the lstat fields of its files and links, and can abandon a listing', async () => {
    const dir = tempDir();
    for (let i = 0; i < 1100; i++) writeFileSync(join(dir, `n${i}.md`), 'x'.repeat(i));
    mkdirSync(join(dir, 'sub'));
    symlinkSync(join(dir, 'n1.md'), join(dir, 'link.md'));
    const seen = new Map<string, { type: number; sk: number; fields: number[] }>();
    let chunk: DirChunk = await reader.listDir(dir, false);
    let chunks = 1;
    for (;;) {
      const names = chunk.count > 0 ? chunk.names.split('\0') : [];
      expect(names.length).toBe(chunk.count);
      names.forEach((name, i) => {
        const m = Array.from(chunk.meta.subarray(i * LIST_FIELDS, (i + 1) * LIST_FIELDS));
        seen.set(name, { type: m[0] & 7, sk: m[0] >> 5, fields: m.slice(1) });
      });
      if (chunk.done) break;
      chunk = await reader.moreDir(chunk.handle);
      chunks++;
    }
    expect(chunks).toBeGreaterThan(1);
    expect(seen.size).toBe(1102);
    const st = lstatSync(join(dir, 'n7.md'));
    expect(seen.get('n7.md')).toEqual({ type: DT_FILE, sk: ST_FILE, fields: [7, st.mtimeMs, st.ino, st.dev] });
    expect(seen.get('link.md')).toMatchObject({ type: DT_LINK, sk: ST_LINK });
    expect(seen.get('sub')).toMatchObject({ type: DT_DIR, sk: ST_NONE });

    const first = await reader.listDir(dir, true);
    expect(first.done).toBe(false);
    reader.closeDir(first.handle);
    await expect(reader.moreDir(first.handle)).rejects.toThrow(/lost/);
    await expect(reader.listDir(join(dir, 'missing'), false)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses a FIFO at once instead of waiting for a writer, and goes on reading', async () => {
    const dir = tempDir();
    const fifo = join(dir, 'pipe.md');
    execFileSync('mkfifo', [fifo]);
    writeFileSync(join(dir, 'after.md'), 'after the pipe');
    await expect(reader.read(fifo, 1000)).rejects.toMatchObject({
      code: 'E_NOT_REGULAR_FILE',
      message: expect.stringContaining('named pipe'),
    });
    const after = await reader.read(join(dir, 'after.md'), 1000);
    expect('bytes' in after && after.bytes.toString()).toBe('after the pipe');
  });
});

describe('FileReadThread: a request that makes no progress', () => {
  it('fails with E_READ_TIMEOUT, and the requests behind it are answered by a new thread', async () => {
    const dir = tempDir();
    for (const name of ['a.md', 'stuck.md', 'b.md', 'c.md']) writeFileSync(join(dir, name), `text of ${name}`);
    mkdirSync(join(dir, 'folder'));
    writeFileSync(join(dir, 'folder', 'x.md'), 'x');
    // The stall outlasts the test by far: only the timeout ends the wait.
    const stalling = new FileReadThread({ stall: { match: 'stuck', ms: 120_000 }, timeoutMs: 300 });
    try {
      // Asked in one turn, so they travel in one message, the others queued behind the stuck read.
      const reads = ['a.md', 'stuck.md', 'b.md', 'c.md'].map((name) =>
        stalling.read(join(dir, name), 1000).then(
          (r) => ('bytes' in r ? r.bytes.toString() : 'too large'),
          (err: Error) => err,
        ),
      );
      const listing = stalling.listDir(join(dir, 'folder'), false);
      const [a, stuck, b, c] = await Promise.all(reads);
      expect([a, b, c]).toEqual(['text of a.md', 'text of b.md', 'text of c.md']);
      expect(stuck).toBeInstanceOf(ReadTimeoutError);
      expect(stuck).toMatchObject({ code: 'E_READ_TIMEOUT', message: expect.stringContaining('Reading this file') });
      expect((await listing).names).toBe('x.md');
      expect(stalling.usable).toBe(true);

      // A folder whose listing hangs fails the same way.
      mkdirSync(join(dir, 'stuck-folder'));
      await expect(stalling.listDir(join(dir, 'stuck-folder'), false)).rejects.toMatchObject({
        code: 'E_READ_TIMEOUT',
        message: expect.stringContaining('Listing this folder'),
      });
      const again = await stalling.read(join(dir, 'a.md'), 1000);
      expect('bytes' in again && again.bytes.toString()).toBe('text of a.md');
    } finally {
      await stalling.close();
    }
  });

  it('stops reading where three abandoned threads are still blocked in a system call, and only there', async () => {
    const dir = tempDir();
    const fifos = [1, 2, 3].map((i) => join(dir, `pipe${i}.md`));
    for (const fifo of fifos) execFileSync('mkfifo', [fifo]);
    writeFileSync(join(dir, 'fine.md'), 'fine');
    // Without O_NONBLOCK, open() of a FIFO blocks until a writer comes: a call terminate() cannot interrupt.
    const blocking = new FileReadThread({ openFlags: constants.O_RDONLY, timeoutMs: 300 });
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      // A writer lets each blocked open() return; the abandoned threads then stop.
      for (const fifo of fifos) closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
    };
    try {
      for (const fifo of fifos) {
        await expect(blocking.read(fifo, 1000)).rejects.toMatchObject({ code: 'E_READ_TIMEOUT' });
      }
      await expect(blocking.read(join(dir, 'fine.md'), 1000)).rejects.toMatchObject({
        code: 'E_READ_TIMEOUT',
        message: expect.stringContaining('still stuck on 3 earlier'),
      });
      expect(blocking.usable).toBe(true);
      // Only where the reads got stuck (a dead network mount, say): other folders are still read.
      const elsewhere = tempDir();
      writeFileSync(join(elsewhere, 'local.md'), 'local');
      const local = await blocking.read(join(elsewhere, 'local.md'), 1000);
      expect('bytes' in local && local.bytes.toString()).toBe('local');
      release();
      await vi.waitFor(
        async () => {
          const r = await blocking.read(join(dir, 'fine.md'), 1000);
          expect('bytes' in r && r.bytes.toString()).toBe('fine');
        },
        { timeout: 10_000, interval: 50 },
      );
    } finally {
      release();
      await blocking.close();
    }
  });
});
