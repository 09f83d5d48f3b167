import { execFileSync } from 'node:child_process';
import { appendFileSync, chmodSync, mkdirSync, rmSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  MAX_TEXT_FILE_BYTES,
  readTextFile,
  type TextFileFs,
  type TextFileHandle,
  decodeUtf8Leniently,
} from '../../../electron/connectors/text-file.js';
import { ItemReadError } from '../../../electron/connectors/types.js';
import { walkFiles, type WalkEntry } from '../../../electron/connectors/walker.js';
import { SETTINGS_LIMITS } from '../../../shared/settings.js';
import { canRunAsNobody, runAsNobodyJson } from '../../helpers/run-as-nobody.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs('jarvis-text-');
const MB = 1024 * 1024;

function fileWith(content: string | Uint8Array, name = 'note.md'): string {
  const path = join(tempDir(), name);
  writeFileSync(path, content);
  return path;
}

async function readError(promise: Promise<unknown>): Promise<ItemReadError> {
  const err: unknown = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ItemReadError);
  return err as ItemReadError;
}

/** Wraps the real filesystem so a test can act at exact points of a read. */
function hookedFs(hooks: { afterFirstRead?: (path: string) => void; onRead?: () => void }): TextFileFs {
  return {
    async open(path, flags) {
      const real = await fsp.open(path, flags);
      let reads = 0;
      const handle: TextFileHandle = {
        stat: () => real.stat(),
        async read(buffer, offset, length, position) {
          hooks.onRead?.();
          const result = await real.read(buffer, offset, length, position);
          if (reads++ === 0) hooks.afterFirstRead?.(path);
          return result;
        },
        close: () => real.close(),
      };
      return handle;
    },
  };
}

describe('readTextFile: encodings (bad inputs #6, #7)', () => {
  it('reads UTF-8 text and reports its size and mtime', async () => {
    const path = fileWith('héllo wörld\n');
    const when = new Date('2001-02-03T04:05:06Z');
    utimesSync(path, when, when);
    const result = await readTextFile(path, { maxBytes: MB });
    expect(result).toEqual({
      text: 'héllo wörld\n',
      size: Buffer.byteLength('héllo wörld\n'),
      mtimeMs: when.getTime(),
      issues: [],
    });
  });

  it('reads an empty file as empty text', async () => {
    expect((await readTextFile(fileWith(''), { maxBytes: MB })).text).toBe('');
  });

  it('strips a UTF-8 byte order mark', async () => {
    const path = fileWith(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('# Title')]));
    expect((await readTextFile(path, { maxBytes: MB })).text).toBe('# Title');
  });

  it('decodes UTF-16 LE and BE files that start with a byte order mark', async () => {
    const text = 'hi ✓ 𝄞 note';
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const be = Buffer.from(le);
    be.swap16();
    expect((await readTextFile(fileWith(le), { maxBytes: MB })).text).toBe(text);
    expect((await readTextFile(fileWith(be), { maxBytes: MB })).text).toBe(text);
  });

  it('reads the bytes that are not UTF-8 as windows-1252, with a W_BAD_UTF8 warning', async () => {
    // An old Windows text file: "café – naïve" in windows-1252 (E9, 96, EF), with valid UTF-8 elsewhere in it.
    const bytes = Buffer.concat([
      Buffer.from('caf'),
      Buffer.from([0xe9, 0x20, 0x96, 0x20]),
      Buffer.from('na'),
      Buffer.from([0xef]),
      Buffer.from('ve, 日本語 ok'),
    ]);
    const path = fileWith(bytes);
    const result = await readTextFile(path, { maxBytes: MB });
    expect(result.text).toBe('café – naïve, 日本語 ok');
    expect(result.issues).toEqual([
      expect.objectContaining({
        code: 'W_BAD_UTF8',
        severity: 'warning',
        path,
        message: expect.stringMatching(/Windows-1252/),
      }),
    ]);
  });

  it('reads only whole, valid UTF-8 sequences as UTF-8: overlong forms, surrogates and truncated ones are bytes', () => {
    const cases: [number[], string][] = [
      [[0xc0, 0xaf], 'À¯'], // overlong "/"
      [[0xed, 0xa0, 0x80], 'í\u00a0€'], // a UTF-16 surrogate
      [[0xf4, 0x90, 0x80, 0x80], 'ô\u0090€€'], // past U+10FFFF (0x90 is undefined in windows-1252)
      [[0xe2, 0x82], 'â‚'], // cut short
      [[0xe2, 0x82, 0xac], '€'], // whole
      [[0xf0, 0x9f, 0x98, 0x80], '😀'],
    ];
    for (const [bytes, text] of cases) expect(decodeUtf8Leniently(Buffer.from(bytes)), bytes.join(' ')).toBe(text);
  });
});

describe('readTextFile: what is not text (bad inputs #5, #8)', () => {
  it('refuses a PNG renamed to .md with E_BINARY', async () => {
    const png = Buffer.from([
      0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    ]);
    expect((await readError(readTextFile(fileWith(png), { maxBytes: MB }))).code).toBe('E_BINARY');
  });

  it('refuses random bytes with E_BINARY', async () => {
    let seed = 42;
    const bytes = Buffer.alloc(4096, 0).map(() => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed >> 16;
    });
    expect(bytes.includes(0)).toBe(true);
    expect((await readError(readTextFile(fileWith(bytes, 'random.txt'), { maxBytes: MB }))).code).toBe('E_BINARY');
  });

  it('refuses a 200 MB file with E_TOO_LARGE without reading a byte of it', async () => {
    const path = fileWith('');
    truncateSync(path, 200 * MB);
    let reads = 0;
    const err = await readError(readTextFile(path, { maxBytes: 10 * MB, fs: hookedFs({ onRead: () => reads++ }) }));
    expect(err.code).toBe('E_TOO_LARGE');
    expect(err.message).toMatch(/200\.0 MB/);
    expect(reads).toBe(0);
  });

  // bad inputs #8: past V8's longest string the decoder would fail with "Cannot create a string longer than ...".
  it('refuses a 600 MB file with E_TOO_LARGE even when the size limit asked for is larger than any string', async () => {
    const path = fileWith('');
    truncateSync(path, 600 * MB); // sparse: nothing is written to disk
    let reads = 0;
    const err = await readError(readTextFile(path, { maxBytes: 1024 * MB, fs: hookedFs({ onRead: () => reads++ }) }));
    expect(err.code).toBe('E_TOO_LARGE');
    expect(err.message).toMatch(/600\.0 MB, over the 512\.0 MB limit/);
    expect(reads).toBe(0);
    // The reader thread (the path every sync takes) applies the same limit before allocating a byte.
    expect((await readError(readTextFile(path, { maxBytes: 1024 * MB }))).code).toBe('E_TOO_LARGE');
  });

  it('the largest size setting stays within what a text file can be read at', () => {
    expect(SETTINGS_LIMITS.maxFileSizeMb.max * MB).toBeLessThanOrEqual(MAX_TEXT_FILE_BYTES);
  });
});

describe('readTextFile: races (bad inputs #9, #10)', () => {
  it('discards a read when the file grows while it is read (W_CHANGED_DURING_READ)', async () => {
    const path = fileWith('first draft');
    const fs = hookedFs({ afterFirstRead: (p) => appendFileSync(p, ' and more') });
    expect((await readError(readTextFile(path, { maxBytes: MB, fs }))).code).toBe('W_CHANGED_DURING_READ');
    // The next sync reads the settled file normally.
    expect((await readTextFile(path, { maxBytes: MB })).text).toBe('first draft and more');
  });

  it('discards a read when the file is rewritten to the same size while it is read', async () => {
    const path = fileWith('AAAA');
    const fs = hookedFs({
      afterFirstRead: (p) => {
        writeFileSync(p, 'BBBB');
        utimesSync(p, new Date('2030-01-01T00:00:00Z'), new Date('2030-01-01T00:00:00Z'));
      },
    });
    expect((await readError(readTextFile(path, { maxBytes: MB, fs }))).code).toBe('W_CHANGED_DURING_READ');
  });

  it('discards a read when the file is truncated while it is read', async () => {
    const path = fileWith('x'.repeat(100));
    const fs: TextFileFs = {
      async open(p, flags) {
        const real = await fsp.open(p, flags);
        return {
          stat: () => real.stat(),
          async read(buffer, offset, length, position) {
            truncateSync(p, 10);
            return real.read(buffer, offset, length, position);
          },
          close: () => real.close(),
        };
      },
    };
    expect((await readError(readTextFile(path, { maxBytes: MB, fs }))).code).toBe('W_CHANGED_DURING_READ');
  });

  it('reports E_VANISHED for a file deleted between enumeration and read', async () => {
    const root = tempDir();
    writeFileSync(join(root, 'soon-gone.md'), 'x');
    const entries: WalkEntry[] = [];
    for await (const item of walkFiles({ root, acceptFile: () => true })) if (!('code' in item)) entries.push(item);
    rmSync(entries[0].path);
    expect((await readError(readTextFile(entries[0].path, { maxBytes: MB }))).code).toBe('E_VANISHED');
  });

  it('refuses a FIFO at once on either path (reader thread, fs/promises), instead of waiting for a writer', async () => {
    const path = join(tempDir(), 'pipe.md');
    execFileSync('mkfifo', [path]);
    const expected = {
      code: 'E_NOT_REGULAR_FILE',
      message: 'This is a named pipe (FIFO), not a regular file, so it is not indexed.',
    };
    expect(await readError(readTextFile(path, { maxBytes: MB }))).toMatchObject(expected);
    expect(await readError(readTextFile(path, { maxBytes: MB, fs: hookedFs({}) }))).toMatchObject(expected);
  });

  it('reports E_NOT_REGULAR_FILE for a folder where a file was', async () => {
    const path = join(tempDir(), 'now-a-folder.md');
    mkdirSync(path);
    expect(await readError(readTextFile(path, { maxBytes: MB }))).toMatchObject({
      code: 'E_NOT_REGULAR_FILE',
      message: 'This is a folder, not a regular file, so it is not indexed.',
    });
  });

  it('does not start when the signal has already fired', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(readTextFile(fileWith('x'), { maxBytes: MB, signal: controller.signal })).rejects.toMatchObject({
      name: 'AbortError',
    });
  });
});

describe('readTextFile: permission denied (bad input #3), as uid 65534', () => {
  it.skipIf(!canRunAsNobody())('throws ItemReadError EACCES for a file the user cannot read', async () => {
    const path = fileWith('private');
    chmodSync(path, 0o600);
    const result = await runAsNobodyJson<{ error: { name: string; code: string } }>('test/helpers/fs-probe.ts', [
      'read',
      path,
    ]);
    expect(result.error).toMatchObject({ name: 'ItemReadError', code: 'EACCES' });
  });
});
