/**
 * Reads one text file safely: one open, a size cap checked before any byte is read, a binary sniff, BOM-aware
 * decoding, and an fstat before and after so content that changed mid-read is never handed to the index.
 *
 * The file system calls run on the reader thread (read-thread.ts), so the main thread never waits on a disk; a
 * test may inject `fs` to act at exact points of a read, which runs the same steps with that file system here
 * (as does every read when the reader thread cannot run).
 */
import { constants as bufferConstants, isUtf8 } from 'node:buffer';
import { promises as fsp, type Stats } from 'node:fs';
import {
  fileReadThread,
  notRegularFileMessage,
  READ_OPEN_FLAGS,
  ReadTimeoutError,
  specialFileKind,
  type RawFileRead,
  type RawFileTooLarge,
} from './read-thread.js';
import { checkAborted, errnoCode } from './walker.js';
import { ItemReadError, type ItemIssue } from './types.js';

/** The subset of a Node FileHandle this module uses; tests substitute it to change or delete files mid-read. */
export interface TextFileHandle {
  stat(): Promise<
    Pick<
      Stats,
      'size' | 'mtimeMs' | 'isFile' | 'isFIFO' | 'isSocket' | 'isDirectory' | 'isBlockDevice' | 'isCharacterDevice'
    >
  >;
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  close(): Promise<void>;
}

export interface TextFileFs {
  /** `flags`: READ_OPEN_FLAGS (read-only, non-blocking, so a FIFO does not wait for a writer). */
  open(path: string, flags: number): Promise<TextFileHandle>;
}

export const nodeTextFileFs: TextFileFs = {
  open: (path, flags) => fsp.open(path, flags),
};

export interface TextFileOptions {
  maxBytes: number;
  signal?: AbortSignal;
  fs?: TextFileFs;
  /** How a format turns its bytes into text when it knows more than decodeText (a declared charset, folded lines). */
  decode?: (bytes: Buffer, path: string) => DecodedText;
}

export interface DecodedText {
  text: string;
  /** Warnings about the decoding (W_BAD_UTF8). */
  issues: ItemIssue[];
}

export interface TextFileContent {
  text: string;
  mtimeMs: number;
  size: number;
  /** Warnings: the file was read, but not perfectly (e.g. W_BAD_UTF8). */
  issues: ItemIssue[];
}

const SNIFF_BYTES = 8192;

/**
 * The largest text file that can be read at all, whatever the size setting says: its text must fit in one string,
 * and decoding never yields more UTF-16 units than the file has bytes. A larger file would fail in the decoder with
 * V8's "Cannot create a string longer than ..." after the whole read, instead of a clear E_TOO_LARGE before it.
 */
export const MAX_TEXT_FILE_BYTES = bufferConstants.MAX_STRING_LENGTH;

export async function readTextFile(path: string, opts: TextFileOptions): Promise<TextFileContent> {
  checkAborted(opts.signal);
  const maxBytes = Math.min(opts.maxBytes, MAX_TEXT_FILE_BYTES);
  let read: RawFileRead | RawFileTooLarge;
  try {
    read =
      opts.fs || !fileReadThread.usable
        ? await readWithHandle(path, maxBytes, opts.fs ?? nodeTextFileFs)
        : await fileReadThread.read(path, maxBytes);
  } catch (err) {
    throw readError(err);
  }
  const { before } = read;
  if ('tooLarge' in read) {
    throw new ItemReadError(
      'E_TOO_LARGE',
      `This file is ${formatBytes(before.size)}, over the ${formatBytes(maxBytes)} limit; it is not indexed.`,
    );
  }
  const { bytes, after } = read;
  if (bytes.length !== before.size || after.size !== before.size || after.mtimeMs !== before.mtimeMs) {
    throw new ItemReadError(
      'W_CHANGED_DURING_READ',
      'This file changed while it was being read; it will be read again on the next sync.',
    );
  }
  checkAborted(opts.signal);
  const { text, issues } = (opts.decode ?? decodeText)(bytes, path);
  return { text, mtimeMs: before.mtimeMs, size: before.size, issues };
}

/** The reader thread's steps, through an injected file system. */
async function readWithHandle(path: string, maxBytes: number, fs: TextFileFs): Promise<RawFileRead | RawFileTooLarge> {
  const handle = await fs.open(path, READ_OPEN_FLAGS);
  try {
    const before = await handle.stat();
    if (!before.isFile()) throw new ItemReadError('E_NOT_REGULAR_FILE', notRegularFileMessage(specialFileKind(before)));
    if (before.size > maxBytes) return { tooLarge: true, before };
    const bytes = await readExactly(handle, before.size);
    const after = await handle.stat();
    return { bytes, before, after };
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/**
 * Reads up to `size` bytes, plus one probe byte: a file that grew since the stat yields more than `size`, one that
 * shrank yields less, and either way the caller sees a length mismatch.
 */
async function readExactly(handle: TextFileHandle, size: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(size + 1);
  let total = 0;
  while (total < buffer.length) {
    const { bytesRead } = await handle.read(buffer, total, buffer.length - total, total);
    if (bytesRead === 0) break;
    total += bytesRead;
  }
  return buffer.subarray(0, total);
}

/** Whether decodeText found bytes that are not UTF-8 (a format that knows more may then decode them otherwise). */
export function foundInvalidUtf8(decoded: DecodedText): boolean {
  return decoded.issues.some((i) => i.code === 'W_BAD_UTF8');
}

/** Decodes file bytes to text; throws ItemReadError('E_BINARY') for what is not text. */
export function decodeText(bytes: Buffer, path: string): DecodedText {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) {
    return { text: decodeUtf16(bytes.subarray(2), 'le'), issues: [] };
  }
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) {
    return { text: decodeUtf16(bytes.subarray(2), 'be'), issues: [] };
  }
  let body = bytes;
  if (body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) body = body.subarray(3);
  if (body.subarray(0, SNIFF_BYTES).includes(0)) {
    throw new ItemReadError('E_BINARY', 'This file holds binary data (it is not text), so it is not indexed.');
  }
  if (isUtf8(body)) return { text: body.toString('utf8'), issues: [] };
  return {
    text: decodeUtf8Leniently(body),
    issues: [
      {
        path,
        code: 'W_BAD_UTF8',
        message:
          'Some bytes in this file are not valid UTF-8; they were read as Windows-1252 (Western European), the usual encoding of older text files. If its accents look wrong in search results, save it as UTF-8.',
        severity: 'warning',
      },
    ],
  };
}

/**
 * Bytes as UTF-8, where each byte that is not part of a valid UTF-8 sequence is read as windows-1252 instead of
 * becoming U+FFFD: a file or mail part saved in Latin-1 or windows-1252 (older Windows editors and mailers) keeps
 * "café" findable, and a UTF-8 file with one stray byte keeps all its other characters. Valid sequences follow the
 * WHATWG decoder (no overlong forms, surrogates or code points past U+10FFFF).
 */
export function decodeUtf8Leniently(bytes: Buffer): string {
  if (isUtf8(bytes)) return bytes.toString('utf8');
  const pieces: string[] = [];
  let runStart = 0;
  let i = 0;
  while (i < bytes.length) {
    if (bytes[i] < 0x80) {
      i += 1;
      continue;
    }
    const length = utf8SequenceLength(bytes, i);
    if (length > 0) {
      i += length;
      continue;
    }
    pieces.push(bytes.toString('utf8', runStart, i), windows1252Fixup(String.fromCharCode(bytes[i])));
    i += 1;
    runStart = i;
  }
  pieces.push(bytes.toString('utf8', runStart));
  return pieces.join('');
}

/** The length of the valid UTF-8 sequence starting at `i` (a byte ≥ 0x80), or 0 when there is none. */
function utf8SequenceLength(bytes: Buffer, i: number): number {
  const b = bytes[i];
  const cont = (k: number, lo = 0x80, hi = 0xbf): boolean => bytes[i + k] >= lo && bytes[i + k] <= hi;
  if (b >= 0xc2 && b <= 0xdf) return cont(1) ? 2 : 0;
  if (b === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if (b === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;
  if (b >= 0xe1 && b <= 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (b === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (b >= 0xf1 && b <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (b === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

function decodeUtf16(bytes: Buffer, order: 'le' | 'be'): string {
  // An odd trailing byte cannot be a code unit; drop it rather than let it shift the whole decode.
  const even = bytes.subarray(0, bytes.length - (bytes.length % 2));
  if (order === 'be') {
    const swapped = Buffer.from(even);
    swapped.swap16();
    return new TextDecoder('utf-16le').decode(swapped);
  }
  return new TextDecoder('utf-16le').decode(even);
}

function readError(err: unknown): Error {
  if (err instanceof ItemReadError) return err;
  if (err instanceof Error && (err.name === 'AbortError' || err.name === 'SyncCancelledError')) return err;
  if (err instanceof ReadTimeoutError) return new ItemReadError('E_READ_TIMEOUT', err.message);
  const code = errnoCode(err);
  // The reader thread's message names what the file is.
  if (code === 'E_NOT_REGULAR_FILE') return new ItemReadError(code, (err as Error).message);
  if (code === 'ENOENT') return new ItemReadError('E_VANISHED', 'This file disappeared before it could be read.');
  if (code === 'EACCES' || code === 'EPERM') {
    return new ItemReadError(
      'EACCES',
      'Permission denied: this file cannot be read. The indexed version (if any) is kept.',
    );
  }
  if (code === 'ELOOP') return new ItemReadError('E_LOOP', 'Too many levels of symbolic links.');
  if (code === 'ENAMETOOLONG')
    return new ItemReadError('ENAMETOOLONG', 'The path of this file is longer than the system allows.');
  const detail = err instanceof Error ? err.message : String(err);
  return new ItemReadError('E_READ', `This file could not be read: ${detail}`);
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024 * 1024) return `${(n / (1024 * 1024 * 1024)).toFixed(1)} GB`;
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${n} bytes`;
}

/**
 * Windows-1252's characters for 0x80–0x9F (€ ‚ ƒ „ … † ‡ ˆ ‰ Š ‹ Œ Ž ‘ ’ “ ” • – — ˜ ™ š › œ ž Ÿ: the dashes and curly
 * quotes of every text written on Windows); the five it leaves undefined stay the C1 controls, as WHATWG has it.
 * Node 20's TextDecoder gives the C1 controls for all of them, and needs ICU data a Node build may lack.
 */
const WINDOWS_1252_C1 =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

/** Text read as Latin-1 (one character per byte) with the C1 range put right as windows-1252. */
export function windows1252Fixup(latin1Text: string): string {
  return latin1Text.replace(/[\x80-\x9f]/g, (c) => WINDOWS_1252_C1[c.charCodeAt(0) - 0x80]);
}

/** Bytes as windows-1252. */
export function decodeWindows1252(bytes: Buffer): string {
  return windows1252Fixup(bytes.toString('latin1'));
}
