/**
 * Maildir connector: a Maildir (cur/, new/, tmp/) or a tree of them: Maildir++ (".Work", ".Work.Sub" next to the
 * inbox's cur/new/tmp) and the "fs" layout of Dovecot, mbsync and offlineimap ("Work/cur", "Work/Sub/cur").
 *
 * One unit per message file. A Maildir message changes its *name* but never its content: flags live in the name
 * after ":2," (or "!2," where ':' is not allowed in file names), and delivery moves it from new/ to cur/. So the
 * unit key is the folder plus the part of the name before the flags, and neither a flag change nor the move to
 * cur/ makes it look like a new message. The flags are part of the fingerprint, so a flag change re-reads that one
 * file and updates the document's metadata.
 */
import { promises as fsp } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import type { ConnectorConfig } from '../../shared/types.js';
import { EmailParseError, parseEmailWithWarnings } from './email.js';
import { checkDirectoryPath, openDirectoryRoot } from './file-root.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from './mbox-splitter.js';
import {
  ItemReadError,
  type Connector,
  type ConnectorContext,
  type ConnectorKindModule,
  type ItemIssue,
  type ReadEvent,
  type RootInfo,
  type SourceUnit,
  type UnitRead,
  type UnitRecord,
} from './types.js';
import { countFiles, surveyFiles, type FileCountOptions, type FileSurvey } from './file-count.js';
import { checkAborted, errnoCode, readerVersionTag, walkFiles, type WalkEntry } from './walker.js';

/** Maildir flag letters (https://cr.yp.to/proto/maildir.html); lowercase letters are per-server keywords. */
const FLAG_NAMES: Record<string, string> = {
  D: 'Draft',
  F: 'Flagged',
  P: 'Passed',
  R: 'Replied',
  S: 'Seen',
  T: 'Trashed',
};

export interface MaildirName {
  /** The file name without the info part: stable for the life of the message. */
  base: string;
  /** The info part's flag letters as written ("" when there are none, or no info part at all). */
  flagLetters: string;
  /** Flags in words, sorted (Seen, Replied, Flagged, Trashed, Draft, Passed). */
  flags: string[];
}

/** Splits a Maildir file name into its stable base and its flags ("123.M4P5.host,S=99:2,RS"). */
export function parseMaildirName(name: string): MaildirName {
  const m = /^(.+?)[:!;]2,([^:!;/]*)$/.exec(name);
  if (!m) {
    // ":1," (experimental semantics) carries no flags but still is not part of the identity.
    const v1 = /^(.+?)[:!;]1,[^/]*$/.exec(name);
    return { base: v1 ? v1[1] : name, flagLetters: '', flags: [] };
  }
  const letters = m[2];
  const flags = [...new Set([...letters].map((c) => FLAG_NAMES[c]).filter((f): f is string => f !== undefined))].sort();
  return { base: m[1], flagLetters: [...new Set(letters)].sort().join(''), flags };
}

export interface MaildirLocation {
  /** Key of the folder (POSIX, relative to the root; '' for the root Maildir). */
  folderKey: string;
  sub: 'cur' | 'new';
  name: string;
}

/** Where a walked file sits: its folder and cur/new, or null when it is not a message file. */
export function locateMessage(key: string): MaildirLocation | null {
  const parts = key.split('/');
  if (parts.length < 2) return null;
  const name = parts[parts.length - 1];
  const sub = parts[parts.length - 2];
  if ((sub !== 'cur' && sub !== 'new') || name.startsWith('.') || name === '') return null;
  return { folderKey: parts.slice(0, -2).join('/'), sub, name };
}

/** The unit key: folder + base name. Root messages have no '/', folder messages do, so they cannot collide. */
export function maildirUnitKey(folderKey: string, base: string): string {
  return folderKey === '' ? base : `${folderKey}/${base}`;
}

/**
 * Folder name for people: '' → "INBOX", ".Work.Sub" (Maildir++) → "Work/Sub", "Archive/2023" stays; IMAP's modified
 * UTF-7, which Dovecot, Courier and mbsync name folders in on disk, decoded (".Entw&APw-rfe" → "Entwürfe").
 */
export function maildirFolderName(folderKey: string): string {
  if (folderKey === '') return 'INBOX';
  return folderKey
    .split('/')
    .map((seg) => (seg.startsWith('.') && seg.length > 1 ? seg.slice(1).split('.').join('/') : seg))
    .map(decodeModifiedUtf7)
    .join('/');
}

/** RFC 3501 §5.1.3: "&" + base64 (with "," for "/") of UTF-16BE + "-", "&-" for "&". Malformed text stays as it is. */
function decodeModifiedUtf7(name: string): string {
  if (!name.includes('&')) return name;
  let bad = false;
  const decoded = name.replace(/&([A-Za-z0-9+,]*)-/g, (_m, b64: string) => {
    if (b64 === '') return '&';
    const bytes = Buffer.from(b64.replace(/,/g, '/'), 'base64');
    // Whole UTF-16 units take 3, 6 or 8 base64 digits per 1, 2 or 3 of them.
    if (![0, 3, 6].includes(b64.length % 8) || bytes.length % 2 !== 0) {
      bad = true;
      return '';
    }
    return bytes.swap16().toString('utf16le');
  });
  return bad ? name : decoded;
}

export const maildirKind: ConnectorKindModule = {
  kind: 'maildir',
  label: 'Maildir',
  description: 'A Maildir folder (cur/new/tmp), including Maildir++ and nested folder trees.',
  pathType: 'directory',
  create: (config) => new MaildirConnector(config),
  checkPath: checkMaildirPath,
  // Maildir++ keeps each mail folder in a dot-named one: `.Sent/cur/…`.
  watch: { dotFolders: true },
};

export class MaildirConnector implements Connector {
  readonly kind = 'maildir' as const;
  readonly id: string;
  readonly displayName: string;
  private readonly root: string;
  private readonly excludes: string[];

  constructor(config: ConnectorConfig) {
    this.id = config.id;
    this.displayName = config.name;
    this.root = config.path;
    this.excludes = config.excludes;
  }

  isConnected(): boolean {
    return true;
  }

  open(_ctx: ConnectorContext): Promise<RootInfo> {
    return openDirectoryRoot(this.root);
  }

  async *enumerate(ctx: ConnectorContext): AsyncIterable<SourceUnit | ItemIssue> {
    for await (const item of walkFiles({
      root: this.root,
      // tmp/ holds deliveries in progress; files there are not messages yet.
      acceptFile: (rel) => locateMessage(rel) !== null,
      excludes: this.excludes,
      signal: ctx.signal,
    })) {
      if ('code' in item) {
        yield liftKeepPrefix(item);
        continue;
      }
      const unit = unitOf(item);
      if (unit) yield unit;
    }
  }

  countUnits(ctx: ConnectorContext): Promise<number> {
    return countFiles(this.fileCountOptions(this.excludes, ctx.signal));
  }

  surveyExcludes(excludes: readonly string[], stopAt: number): Promise<FileSurvey> {
    return surveyFiles(this.fileCountOptions([], undefined), excludes, stopAt);
  }

  private fileCountOptions(excludes: readonly string[], signal: AbortSignal | undefined): FileCountOptions {
    return { root: this.root, acceptFile: (rel) => locateMessage(rel) !== null, excludes, signal };
  }

  async read(unit: SourceUnit, _previous: UnitRecord | null, ctx: ConnectorContext): Promise<UnitRead> {
    checkAborted(ctx.signal);
    const folderKey = unit.key.includes('/') ? unit.key.slice(0, unit.key.lastIndexOf('/')) : '';
    const maxBytes = Math.max(DEFAULT_MAX_MESSAGE_BYTES, ctx.maxFileSizeBytes);
    const { path, bytes } = await readMessageOrItsRenaming(unit.path, maxBytes);
    const parsedName = parseMaildirName(basename(path));
    const raw = await decompressed(bytes, maxBytes);
    checkAborted(ctx.signal);
    let parsed;
    try {
      parsed = await parseEmailWithWarnings(raw, {
        path,
        folder: maildirFolderName(folderKey),
        flags: parsedName.flags,
        fallbackTimestamp: deliveryTime(parsedName.base),
      });
    } catch (err) {
      const message = err instanceof EmailParseError ? err.message : `The message could not be parsed: ${String(err)}`;
      throw new ItemReadError('E_PARSE', message);
    }
    const { doc, warnings } = parsed;
    // A copy of a message can sit in several folders; the engine keeps one unit per document id.
    doc.id = `${unit.key}#${doc.id}`;
    const events: ReadEvent[] = [{ type: 'doc', doc }];
    for (const w of warnings) {
      events.push({ type: 'issue', issue: { path, code: w.code, message: w.message, severity: 'warning' } });
    }
    return { mode: 'replace', events: each(events) };
  }
}

/**
 * When the message was delivered, from its file name ("1700000001.M1P1.host": seconds since the epoch), for a
 * message without a usable Date header; null when the name does not start with a time.
 */
export function deliveryTime(base: string): number | null {
  const m = /^(\d{9,10})(?:[._]|$)/.exec(base);
  return m ? Number(m[1]) * 1000 : null;
}

/**
 * Part of every message's fingerprint, raised when the text made from a message changes, so mail indexed by the code
 * before is read once more (as a first sync reads it) instead of keeping the old text. 2: calendar invitations, S/MIME
 * signed-data and clearsigned bodies, raw 8-bit headers by the declared charset, Dovecot's compressed files. 3: UTF-7,
 * encoded-words in unusually spelled or unknown charsets, the body and files inside Outlook's winmail.dat.
 */
export const MAILDIR_READER_VERSION = 3;

function unitOf(e: WalkEntry): SourceUnit | null {
  const loc = locateMessage(e.key);
  if (!loc) return null;
  const name = parseMaildirName(loc.name);
  return {
    key: maildirUnitKey(loc.folderKey, name.base),
    path: e.path,
    // Flags are in: renaming ":2,S" → ":2,RS" keeps size, mtime and inode, yet the document's flags changed.
    fingerprint: `${e.size}:${e.mtimeMs}:${e.ino}:${name.flagLetters}${readerVersionTag('maildir', MAILDIR_READER_VERSION)}`,
    size: e.size,
  };
}

/**
 * The walker protects what it could not list with a keepPrefix in its own keys (".Work/cur"); units are keyed
 * by folder without cur/new (".Work/<base>"), so the prefix is lifted to the folder. For the root's cur/new that
 * is '' (keep everything): root message keys have no folder part to match on.
 */
export function liftKeepPrefix(i: ItemIssue): ItemIssue {
  if (i.keepPrefix === undefined) return i;
  const parts = i.keepPrefix.split('/');
  const last = parts[parts.length - 1];
  if (last === 'cur' || last === 'new') return { ...i, keepPrefix: parts.slice(0, -1).join('/') };
  const loc = locateMessage(i.keepPrefix);
  if (loc) return { ...i, keepPrefix: maildirUnitKey(loc.folderKey, parseMaildirName(loc.name).base) };
  return i;
}

function each(evs: readonly ReadEvent[]): AsyncIterable<ReadEvent> {
  return {
    [Symbol.asyncIterator]: () => {
      let i = 0;
      return {
        next: () => {
          const result: IteratorResult<ReadEvent> =
            i < evs.length ? { done: false, value: evs[i++] } : { done: true, value: undefined };
          return Promise.resolve(result);
        },
      };
    },
  };
}

const gunzipAsync = promisify(gunzip);

/** Compressed formats Dovecot's zlib plugin stores Maildir messages in, by their first bytes; gzip is read. */
const COMPRESSED: readonly { name: string; magic: Buffer }[] = [
  { name: 'bzip2', magic: Buffer.from('BZh') },
  { name: 'xz', magic: Buffer.from('fd377a585a00', 'hex') },
  { name: 'zstd', magic: Buffer.from('28b52ffd', 'hex') },
  { name: 'LZ4', magic: Buffer.from('Dovecot-LZ4') },
];

/**
 * The message in a file that Dovecot's zlib plugin (mail_plugins = zlib, often on servers) compressed, keeping its
 * name: gzip is decompressed, up to the message size limit; another format fails with its name rather than as a
 * message without header fields. Any other file is the message as it is.
 */
async function decompressed(raw: Buffer, maxBytes: number): Promise<Buffer> {
  if (raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      return await gunzipAsync(raw, { maxOutputLength: maxBytes });
    } catch (err) {
      const tooLarge = (err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE';
      throw new ItemReadError(
        tooLarge ? 'E_TOO_LARGE' : 'E_PARSE',
        tooLarge
          ? `This compressed message is over the ${Math.round(maxBytes / 1048576)} MB limit once decompressed; it is not indexed.`
          : `This message is compressed (gzip) and could not be decompressed: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }
  const format = COMPRESSED.find((c) => raw.subarray(0, c.magic.length).equals(c.magic));
  if (format) {
    throw new ItemReadError(
      'E_PARSE',
      `This message is compressed with ${format.name} (Dovecot's zlib plugin), which cannot be read here; only gzip can.`,
    );
  }
  return raw;
}

/**
 * The message file, or, when it is gone, the same message under the name a mail program gave it since the listing:
 * reading a message renames it (flags after ":2,", new/ to cur/), and a person reading mail while a sync runs would
 * otherwise see it listed as a problem. Only a message gone from both cur/ and new/ is E_VANISHED.
 */
async function readMessageOrItsRenaming(listed: string, maxBytes: number): Promise<{ path: string; bytes: Buffer }> {
  try {
    return { path: listed, bytes: await readMessageFile(listed, maxBytes) };
  } catch (err) {
    const renamed = err instanceof ItemReadError && err.code === 'E_VANISHED' ? await renamedMessage(listed) : null;
    if (renamed === null) throw err;
    return { path: renamed, bytes: await readMessageFile(renamed, maxBytes) };
  }
}

/** Where the message listed at `listed` is now, in its folder's cur/ or new/; null when it is in neither. */
async function renamedMessage(listed: string): Promise<string | null> {
  const folder = dirname(dirname(listed));
  const base = parseMaildirName(basename(listed)).base;
  for (const sub of ['cur', 'new']) {
    let names: string[];
    try {
      names = await fsp.readdir(join(folder, sub));
    } catch {
      continue;
    }
    const name = names.find((n) => !n.startsWith('.') && parseMaildirName(n).base === base);
    if (name !== undefined) return join(folder, sub, name);
  }
  return null;
}

async function readMessageFile(path: string, maxBytes: number): Promise<Buffer> {
  let fh;
  try {
    fh = await fsp.open(path, 'r');
  } catch (err) {
    throw readError(err);
  }
  try {
    const before = await fh.stat();
    if (before.size > maxBytes) {
      throw new ItemReadError(
        'E_TOO_LARGE',
        `This message is ${Math.round(before.size / 1048576)} MB, over the ${Math.round(maxBytes / 1048576)} MB limit; it is not indexed.`,
      );
    }
    // One probe byte past the size: a file that grew since the stat shows up as a length mismatch.
    const buf = Buffer.allocUnsafe(before.size + 1);
    let got = 0;
    while (got < buf.length) {
      const { bytesRead } = await fh.read(buf, got, buf.length - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    const after = await fh.stat();
    if (got !== before.size || after.size !== before.size || after.mtimeMs !== before.mtimeMs) {
      throw new ItemReadError(
        'W_CHANGED_DURING_READ',
        'This message file changed while it was being read; it will be read again on the next sync.',
      );
    }
    return buf.subarray(0, got);
  } catch (err) {
    throw readError(err);
  } finally {
    await fh.close().catch(() => undefined);
  }
}

function readError(err: unknown): Error {
  if (err instanceof ItemReadError) return err;
  if (err instanceof Error && (err.name === 'AbortError' || err.name === 'SyncCancelledError')) return err;
  const code = errnoCode(err);
  // Moved to another folder or deleted since the listing (a new name in its own folder is looked for before this).
  if (code === 'ENOENT')
    return new ItemReadError('E_VANISHED', 'This message file was moved or deleted before it could be read.');
  if (code === 'EACCES' || code === 'EPERM')
    return new ItemReadError(
      'EACCES',
      'Permission denied: this message cannot be read. The indexed version (if any) is kept.',
    );
  return new ItemReadError(
    'E_READ',
    `This message could not be read: ${err instanceof Error ? err.message : String(err)}`,
  );
}

async function isDir(path: string): Promise<boolean> {
  try {
    return (await fsp.stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function isMaildir(dir: string): Promise<boolean> {
  return (await isDir(`${dir}/cur`)) || (await isDir(`${dir}/new`));
}

async function checkMaildirPath(path: string): Promise<string | null> {
  const problem = await checkDirectoryPath(path);
  if (problem) return problem;
  if (await isMaildir(path)) return null;
  // Maildir++ (".Work") or a tree of Maildirs ("Work/cur"): one level down is enough to recognise it.
  try {
    const dir = await fsp.opendir(path);
    let looked = 0;
    for await (const d of dir) {
      if (d.isDirectory() && (await isMaildir(`${path}/${d.name}`))) return null;
      if (++looked >= 1000) break;
    }
  } catch (err) {
    return `The folder ${path} cannot be read (${errnoCode(err) || String(err)}).`;
  }
  return `${path} is not a Maildir: it has no cur/ or new/ folder, and no subfolders that have them.`;
}
