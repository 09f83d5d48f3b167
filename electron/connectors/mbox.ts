/**
 * mbox connector: one mbox file, or a folder of them (Thunderbird "Local Folders": extension-less files next to
 * .msf indexes and .sbd subfolders; Google Takeout: *.mbox).
 *
 * Each mbox file is one unit. Mail programs append to mboxes, so a changed file is usually read from where the last
 * read stopped (`append`), not from the start. The resume cursor is "<byte offset>:<sha256 of the 4 KB before it>",
 * plus a digest of every byte before the offset and when the mailbox was last known to be as indexed
 * (mbox-splitter.ts `formatCursor`). It is used only when the file is at least that long, the 4 KB before the offset
 * hash the same, a message starts at the offset, and the file's size changed (a change at the same size is an
 * in-place edit: Thunderbird marks a message deleted by rewriting its X-Mozilla-Status header). Anything else
 * ("compact folder" rewrites the file, a restore, a truncation, that in-place edit) reads the whole file again
 * (`replace`), which also drops the messages that are gone. An in-place edit further back in a file that also grew
 * shows in the prefix digest (IN_PLACE_FULL_READ_EVERY_MS).
 *
 * A last message that ends without a final newline (exporters often write files so; a mail program may be mid-line)
 * is indexed, but the cursor stays at its start (mbox-splitter.ts, `open`): when the file grows, the append pass reads
 * it again whole and its document is replaced by id (derived from its complete header block). Should it then not be
 * indexed under the same id (marked deleted, headers rewritten, in the same change), a full read is owed (`tail`).
 */
import type { FileHandle } from 'node:fs/promises';
import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { ConnectorConfig } from '../../shared/types.js';
import { EmailParseError, headerHash, parseEmailWithWarnings, parseMailDate, type EmailWarning } from './email.js';
import { checkDirectoryPath, checkFilePath, openDirectoryRoot, openFileRoot } from './file-root.js';
import {
  DEFAULT_MAX_MESSAGE_BYTES,
  PREFIX_BLOCK_BYTES,
  chainStartOf,
  checkResumePoint,
  formatCursor,
  fromLineDate,
  isFromLine,
  parseCursor,
  PrefixHasher,
  prefixUnchanged,
  readAt,
  splitMboxHandle,
  type MboxCursor,
} from './mbox-splitter.js';
import {
  ItemReadError,
  SourceUnavailableError,
  type Connector,
  type ConnectorContext,
  type ConnectorKindModule,
  type ItemIssue,
  type ReadEvent,
  type RootInfo,
  type SourceDocument,
  type SourceUnit,
  type UnitRead,
  type UnitRecord,
} from './types.js';
import { checkAborted, errnoCode, fingerprintOf, walkFiles, type WalkEntry } from './walker.js';

/** In an append pass, a resume cursor is emitted after this many messages (one engine batch's worth). */
export const APPEND_CHECKPOINT_EVERY = 100;

/** A read reports how far it is into its file (ReadEvent 'position') each time it has passed this many bytes. */
const POSITION_EVERY_BYTES = 1024 * 1024;

/** Files in a mail folder that are never mboxes; skipping them by name saves opening them to sniff. */
const NOT_MBOX_EXTENSIONS = new Set([
  'msf',
  'dat',
  'json',
  'html',
  'htm',
  'sqlite',
  'sqlite-journal',
  'db',
  'js',
  'rdf',
  'xml',
  'log',
  'bak',
  'tmp',
  'lock',
]);

const SNIFF_BYTES = 2048;
/** How far a zero-filled start (left by a crash) is looked past for the first From_ line; a few disk blocks. */
const MAX_ZERO_FILL = 1024 * 1024;
const ZERO_SCAN_CHUNK = 64 * 1024;
const MBOX_FILE_NAME = /\.(mbox|mbx)$/i;

export interface MboxConnectorOptions {
  /** Messages larger than this are skipped with E_TOO_LARGE (default: 25 MB or the file size limit, if larger). */
  maxMessageBytes?: number;
  /** Read chunk size. */
  highWaterMark?: number;
  /** The clock (tests). */
  now?: () => number;
  /** Block size of the cursors' prefix digests (tests: small mailboxes spanning several blocks). */
  prefixBlockBytes?: number;
}

/**
 * A mailbox rewritten in place (Thunderbird marks a message read, starred or deleted by rewriting its status header)
 * is read in full at most this often: reading mail rewrites the Inbox every few seconds, and a full read of a large
 * one costs seconds to tens of seconds of parsing. A rewrite within this time of the last full read is remembered in
 * the cursor (`pending`) and read in full by the first sync once this time has passed, whether or not the mailbox
 * changed again meanwhile (owesRead).
 *
 * A rewrite in place is seen by the size staying the same, or by a change in the last block before the append point
 * (the cursor's prefix digest). One further back in a mailbox that also grew (a message deleted while new mail came
 * in) shows only in the digest of the whole prefix, which costs reading the whole file (hashing, ~1 s per GB, no
 * parsing): a mailbox that grew is `unverified`, and checked at most this often too, then read in full if its prefix
 * changed.
 */
const IN_PLACE_FULL_READ_EVERY_MS = 15 * 60_000;

export const mboxKind: ConnectorKindModule = {
  kind: 'mbox',
  label: 'Mailbox (mbox)',
  description: 'An mbox file, or a folder of them (Thunderbird Local Folders, Google Takeout).',
  pathType: 'either',
  create: (config) => new MboxConnector(config),
  checkPath: checkMboxPath,
};

/** What every cursor of a pass says about the mailbox as a whole (MboxCursor). */
type Stamp = Pick<MboxCursor, 'fullReadAt' | 'pending' | 'unverified'>;

type Plan = { mode: 'replace'; reason: string } | { mode: 'append'; stamp: Stamp };

export class MboxConnector implements Connector {
  readonly kind = 'mbox' as const;
  readonly id: string;
  readonly displayName: string;
  private readonly root: string;
  private readonly excludes: string[];
  private readonly opts: MboxConnectorOptions;
  private rootIsFile: boolean | null = null;

  constructor(config: ConnectorConfig, opts: MboxConnectorOptions = {}) {
    this.id = config.id;
    this.displayName = config.name;
    this.root = config.path;
    this.excludes = config.excludes;
    this.opts = opts;
  }

  get #block(): number {
    return this.opts.prefixBlockBytes ?? PREFIX_BLOCK_BYTES;
  }

  isConnected(): boolean {
    return true;
  }

  async open(_ctx: ConnectorContext): Promise<RootInfo> {
    // The same connector may point at a file or a folder; which one is decided afresh on every sync.
    let isFile: boolean;
    try {
      isFile = (await stat(this.root)).isFile();
    } catch {
      // Missing or unreachable: the open*Root call below words it; say "file" if it was one last time.
      isFile = this.rootIsFile ?? /\.(mbox|mbx)$/i.test(this.root);
    }
    const info = isFile ? await openFileRoot(this.root) : await openDirectoryRoot(this.root);
    this.rootIsFile = isFile;
    return info;
  }

  async *enumerate(ctx: ConnectorContext): AsyncIterable<SourceUnit | ItemIssue> {
    if (this.rootIsFile === null) await this.open(ctx);
    if (this.rootIsFile) {
      let st;
      try {
        st = await stat(this.root);
      } catch (err) {
        throw new SourceUnavailableError(
          'E_ROOT_UNAVAILABLE',
          `The file ${this.root} cannot be reached (${errnoCode(err) || String(err)}).`,
        );
      }
      yield {
        key: basename(this.root).normalize('NFC'),
        path: this.root,
        fingerprint: `${st.size}:${st.mtimeMs}:${st.ino}`,
        size: st.size,
      };
      return;
    }
    for await (const item of walkFiles({
      root: this.root,
      acceptFile: acceptCandidate,
      excludes: this.excludes,
      signal: ctx.signal,
    })) {
      if ('code' in item) {
        yield item;
        continue;
      }
      if (item.size === 0) continue; // an empty mbox holds no messages; its absence deletes nothing that exists
      const sniff = await sniffEntry(item);
      // A file NAMED as a mailbox, or one indexed as a mailbox before, is read even when its start is damaged
      // (zero-filled by a crash, junk before the first From_ line): the splitter reports the junk (W_MBOX_MALFORMED)
      // and indexes the messages after it, new mail included. One that holds no message at all fails its read with
      // E_NOT_MBOX (holdsNoMail), which keeps what was indexed from it; skipped, its messages would be swept.
      if (sniff === 'mbox' || (sniff === 'no' && (MBOX_FILE_NAME.test(item.key) || ctx.wasIndexed?.(item.key)))) {
        yield unitOf(item);
      } else if (sniff !== 'no') yield sniff;
    }
  }

  /**
   * A full read put off (`pending`) is owed even if the mailbox does not change again: a message marked deleted in
   * the last rewrite must not stay searchable until the next mail arrives. Due once IN_PLACE_FULL_READ_EVERY_MS have
   * passed since the last full read, as read() decides.
   */
  owesRead(_unit: SourceUnit, previous: UnitRecord): boolean {
    const prev = parseCursor(previous.cursor);
    return (prev?.pending === true || prev?.unverified === true) && fullReadDue(prev, this.opts.now?.() ?? Date.now());
  }

  async read(unit: SourceUnit, previous: UnitRecord | null, ctx: ConnectorContext): Promise<UnitRead> {
    checkAborted(ctx.signal);
    const prev = parseCursor(previous?.cursor);
    const now = this.opts.now?.() ?? Date.now();
    const fh = await openUnit(unit.path);
    let plan: Plan;
    try {
      plan =
        prev && previous
          ? await this.#planAfter(fh, unit, previous, prev, now, ctx.signal)
          : { mode: 'replace', reason: previous?.cursor ? 'unreadable cursor' : 'first read' };
    } catch (err) {
      throw toReadError(err);
    } finally {
      await fh.close().catch(() => undefined);
    }
    if (plan.mode === 'replace') ctx.log.debug(`mbox ${unit.key}: full read (${plan.reason})`);
    // The cursors this pass leaves say when the mailbox was last read in full, and whether a full read is owed.
    const stamp: Stamp = plan.mode === 'replace' ? { fullReadAt: now, pending: false, unverified: false } : plan.stamp;
    return { mode: plan.mode, events: this.events(unit, plan.mode, plan.mode === 'append' ? prev : null, ctx, stamp) };
  }

  /** Whether a mailbox read before can be read from its cursor on, or must be read in full, and why. */
  async #planAfter(
    fh: FileHandle,
    unit: SourceUnit,
    previous: UnitRecord,
    prev: MboxCursor,
    now: number,
    signal: AbortSignal,
  ): Promise<Plan> {
    const size = (await fh.stat()).size;
    const check = await checkResumePoint(fh, size, prev);
    if (!check.ok) return { mode: 'replace', reason: check.reason };
    const due = fullReadDue(prev, now);
    const stamp: Stamp = { fullReadAt: prev.fullReadAt, pending: prev.pending, unverified: prev.unverified };
    let rewrite = prev.pending ? 'rewritten in place earlier' : '';
    if (previous.fingerprint !== unit.fingerprint && size === sizeOf(previous)) {
      // Thunderbird marks a message read or deleted by rewriting its X-Mozilla-Status header: same size, new mtime.
      rewrite = 'rewritten in place';
    } else if (size > sizeOf(previous)) {
      stamp.unverified = true;
      // A cursor from before prefix digests cannot tell whether anything before the append point changed.
      if (!prev.prefix) rewrite ||= 'grew, and its cursor has no prefix digest';
    }
    if (!rewrite && prev.prefix) {
      // The last partial block is checked on every read (cheap); the whole prefix once a check is owed and due.
      const whole = stamp.unverified === true && due;
      const cursor = { offset: prev.offset, prefix: prev.prefix };
      if (!(await prefixUnchanged(fh, cursor, this.#block, whole ? 'all' : 'tail', signal))) {
        rewrite = whole ? 'changed before the append point' : 'rewritten in place shortly before the append point';
      } else if (whole) {
        stamp.unverified = false;
        stamp.fullReadAt = now;
      }
    }
    if (rewrite) {
      if (due) return { mode: 'replace', reason: rewrite };
      stamp.pending = true;
    }
    return { mode: 'append', stamp };
  }

  private async *events(
    unit: SourceUnit,
    mode: 'append' | 'replace',
    from: MboxCursor | null,
    ctx: ConnectorContext,
    stamp: Stamp,
  ): AsyncGenerator<ReadEvent> {
    // Each cursor carries the digest of the bytes before it, hashed as they are read; an append pass extends its start
    // cursor's, so it reads only the last partial block before it again. A start cursor without one leaves cursors
    // without one (read() then owes a full read, which writes one).
    const chainStart = chainStartOf(from, this.#block);
    const hasher = chainStart ? new PrefixHasher(chainStart, this.#block) : null;
    // What the cursors say about the mailbox; a pass may find that it owes a full read (below).
    const owed: Stamp = { ...stamp };
    const cursorOf = async (c: MboxCursor, extra: Partial<MboxCursor> = {}): Promise<string> => {
      const prefix = hasher ? await hasher.digestAt(fh, c.offset, ctx.signal) : undefined;
      return formatCursor({ ...c, ...owed, ...(prefix && { prefix }), ...extra });
    };
    // A pass that starts at an `open` last message indexed before (the file ended without its final line end) reads
    // it again, and what it yields replaces that version by id. Yielded under another id now, or not at all (headers
    // rewritten, marked deleted, while the file also grew), the old version would stay: a full read is owed.
    const tailBefore = from?.tail;
    let tailReread = tailBefore === undefined;
    const rereadTail = (offset: number, doc: SourceDocument | null): void => {
      if (tailReread || offset !== from?.offset) return;
      tailReread = true;
      if (doc === null || tailTag(doc.id) !== tailBefore) owed.pending = true;
    };
    // The tag of this pass's own `open` last message, if it was indexed: its end cursor lies at that message's start.
    let openTail: string | undefined;
    const maxMessageBytes = this.opts.maxMessageBytes ?? Math.max(DEFAULT_MAX_MESSAGE_BYTES, ctx.maxFileSizeBytes);
    const folder = folderName(unit.key);
    const fh = await openUnit(unit.path);
    try {
      const before = await fh.stat();
      let history: Buffer | undefined;
      if (from) {
        // The file may have been rewritten between read() and now; never append onto a different prefix.
        const check = await checkResumePoint(fh, before.size, from);
        if (!check.ok) throw changedDuringRead();
        history = check.history;
      }
      const start = from?.offset ?? 0;
      if (hasher && hasher.position < start) hasher.feed(await readAt(fh, hasher.position, start - hasher.position));
      const split = splitMboxHandle(fh, {
        start,
        onBytes: hasher ? (chunk) => hasher.feed(chunk) : undefined,
        end: before.size,
        history,
        maxMessageBytes,
        // Intermediate cursors only in append mode: a cursor taken halfway through a replace pass would look like
        // a valid append point next time (its prefix is intact), so a crash there would resume by appending and
        // never delete the messages that the rewrite (e.g. a compaction) removed further on. A replace pass
        // therefore reports its cursor only once it has yielded every message.
        checkpointEvery: mode === 'append' ? APPEND_CHECKPOINT_EVERY : 0,
        highWaterMark: this.opts.highWaterMark,
        signal: ctx.signal,
      });
      // A replace pass that meets no message at all in a non-empty file read junk only (zeroed by a crash,
      // overwritten): deleting every message indexed from it would lose them for a damaged file.
      let messages = 0;
      // Junk before the first message is reported once a message follows it; a file of junk only fails instead.
      let junk: ReadEvent | null = null;
      let reported = start;
      // Message-ID → what its first message in this pass looks like (see below); both as 32-bit hashes, so that a
      // mailbox of a million messages costs a few MB here. A collision only gives a message a longer id.
      const firstWithId = new Map<number, number>();
      for await (const ev of split) {
        checkAborted(ctx.signal);
        const where = `${unit.path}#${ev.type === 'end' ? ev.cursor.offset : ev.offset}`;
        if (ev.type === 'message' || ev.type === 'oversized' || ev.type === 'truncated') {
          messages++;
          if (junk) yield junk;
          junk = null;
          if (ev.offset - reported >= POSITION_EVERY_BYTES) {
            reported = ev.offset;
            yield { type: 'position', done: ev.offset - start, total: before.size - start };
          }
        }
        switch (ev.type) {
          case 'message': {
            const status = mailStatus(ev.raw);
            if (status.expunged) rereadTail(ev.offset, null);
            else {
              let doc: SourceDocument | null = null;
              let warnings: EmailWarning[] = [];
              let failure = '';
              try {
                ({ doc, warnings } = await parseEmailWithWarnings(ev.raw, {
                  path: unit.path,
                  folder,
                  flags: status.flags,
                  fallbackTimestamp: envelopeTime(ev.envelope),
                }));
              } catch (err) {
                failure =
                  err instanceof EmailParseError ? err.message : `The message could not be parsed: ${String(err)}`;
              }
              if (doc) {
                // Message-IDs repeat across mbox files (the same mail in Inbox and Archive, one Takeout mbox per
                // label); the engine keeps one unit per document id, so ids are scoped by the file.
                const messageId = doc.id;
                doc.id = `${unit.key}#${messageId}`;
                // And inside one file: the same message stored twice (alike but for its status flags) is one
                // document; two messages that a broken mailer gave one Message-ID are two, the later one told apart
                // by its headers' hash, instead of the earlier one silently overwritten. (An append pass does not see
                // the messages before its start: a repeat there is told apart by the next full read.)
                const idHash = fnv1a(messageId);
                const looks = fnv1a(`${doc.timestamp}\0${doc.title}\0${doc.author}\0${doc.content.length}`);
                const first = firstWithId.get(idHash);
                if (first === undefined) firstWithId.set(idHash, looks);
                else if (first === looks) doc = null;
                else doc.id = `${doc.id}#${headerHash(ev.raw).slice(0, 16)}`;
              }
              rereadTail(ev.offset, doc);
              if (ev.open && doc) openTail = tailTag(doc.id);
              if (doc) {
                yield { type: 'doc', doc };
                for (const w of warnings) yield issue(where, w.code, w.message, 'warning');
              } else if (failure !== '') {
                yield issue(where, 'E_PARSE', failure, 'error');
              }
            }
            if (ev.hadNul)
              yield issue(
                where,
                'W_MBOX_MALFORMED',
                'This message contained NUL bytes; they were removed before indexing.',
                'warning',
              );
            if (ev.cursor && mode === 'append') yield { type: 'cursor', cursor: await cursorOf(ev.cursor) };
            break;
          }
          case 'oversized':
            rereadTail(ev.offset, null);
            yield issue(
              where,
              'E_TOO_LARGE',
              `This message is ${formatBytes(ev.length)}, over the ${formatBytes(maxMessageBytes)} limit; it is not indexed.`,
              'error',
            );
            if (ev.cursor && mode === 'append') yield { type: 'cursor', cursor: await cursorOf(ev.cursor) };
            break;
          case 'junk':
            junk = issue(
              where,
              'W_MBOX_MALFORMED',
              `${formatBytes(ev.length)} before the first "From " line do not belong to any message and were skipped.`,
              'warning',
            );
            break;
          case 'truncated':
            rereadTail(ev.offset, null);
            yield issue(
              where,
              'W_MBOX_TRUNCATED',
              'The last message of this mailbox is incomplete (still being written, or cut off in its headers); it will be read once it is complete.',
              'warning',
            );
            break;
          case 'end': {
            const after = await fh.stat();
            // Shrinking under an open handle means an in-place rewrite; what was read may mix old and new bytes.
            if (after.size < before.size) throw changedDuringRead();
            if (mode === 'replace' && messages === 0 && before.size > 0) throw holdsNoMail();
            if (junk) yield junk; // appended bytes that hold no message (yet)
            // Rewritten in place while it was read: what was indexed may be the old bytes, the digest is of the
            // new ones. Owe a full read.
            const rewritten = after.mtimeMs !== before.mtimeMs && after.size === before.size;
            if (!tailReread) owed.pending = true; // the tail indexed before is no longer at the cursor
            const extra: Partial<MboxCursor> = rewritten ? { pending: true } : {};
            if (openTail !== undefined) extra.tail = openTail;
            yield { type: 'cursor', cursor: await cursorOf(ev.cursor, extra) };
            break;
          }
        }
      }
    } catch (err) {
      throw toReadError(err);
    } finally {
      await fh.close().catch(() => undefined);
    }
  }
}

/** The last full read of the mailbox was at least IN_PLACE_FULL_READ_EVERY_MS ago. */
function fullReadDue(cursor: MboxCursor, now: number): boolean {
  return now - (cursor.fullReadAt ?? 0) >= IN_PLACE_FULL_READ_EVERY_MS;
}

/** The mailbox's size when it was last read (its fingerprint is "size:mtime:inode"). */
function sizeOf(previous: UnitRecord): number {
  return Number(previous.fingerprint.slice(0, previous.fingerprint.indexOf(':')));
}

/** Thunderbird mail folders: "Inbox" + "Inbox.msf" + "Inbox.sbd/"; the .sbd folders are walked like any other. */
function acceptCandidate(relPath: string): boolean {
  const name = relPath.slice(relPath.lastIndexOf('/') + 1);
  if (name.startsWith('.')) return false;
  const dot = name.lastIndexOf('.');
  if (dot > 0 && NOT_MBOX_EXTENSIONS.has(name.slice(dot + 1).toLowerCase())) return false;
  return true;
}

function unitOf(e: WalkEntry): SourceUnit {
  return { key: e.key, path: e.path, fingerprint: fingerprintOf(e), size: e.size };
}

/** Whether a file is an mbox, judged by its first line rather than its name. */
async function sniffEntry(e: WalkEntry): Promise<'mbox' | 'no' | ItemIssue> {
  let mbox: boolean;
  try {
    const fh = await open(e.path, 'r');
    try {
      mbox = await startsLikeMbox(fh);
    } finally {
      await fh.close().catch(() => undefined);
    }
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT') return 'no';
    // Unknown whether it is an mbox; keep whatever was indexed from it rather than treat it as deleted.
    return {
      path: e.path,
      code: code === 'EACCES' || code === 'EPERM' ? 'EACCES' : 'E_READ',
      message: `This file could not be opened to check whether it is a mailbox (${code || String(err)}). What was indexed from it is kept.`,
      severity: 'error',
      keepPrefix: e.key,
    };
  }
  return mbox ? 'mbox' : 'no';
}

/**
 * Whether an open file starts like an mbox. A crash can zero-fill the start of a mailbox (the splitter skips those
 * NULs and reads the messages after them), so a start of NULs and line breaks is looked past, up to MAX_ZERO_FILL.
 */
async function startsLikeMbox(fh: FileHandle): Promise<boolean> {
  const head = await readAt(fh, 0, SNIFF_BYTES);
  if (head.length === 0 || head[0] !== 0) return looksLikeMbox(head);
  for (let offset = 0; offset < MAX_ZERO_FILL; offset += ZERO_SCAN_CHUNK) {
    const chunk = await readAt(fh, offset, ZERO_SCAN_CHUNK);
    const past = chunk.findIndex((b) => b !== 0 && b !== 0x0a && b !== 0x0d);
    if (past >= 0) {
      const after = (await readAt(fh, offset + past, SNIFF_BYTES)).toString('latin1');
      const nl = after.indexOf('\n');
      // Past the gap the splitter only starts a message at a dated From_ line, so the sniff asks for one too.
      return isFromLine((nl < 0 ? after : after.slice(0, nl)).replace(/\r$/, ''));
    }
    if (chunk.length < ZERO_SCAN_CHUNK) return false; // nothing but NULs
  }
  return false;
}

/**
 * A file indexed as a mailbox that no longer starts like one (damaged beyond a zero-filled start, overwritten) is
 * still there: its messages are kept, as for any read failure, rather than swept as if the mailbox were deleted.
 */
function holdsNoMail(): ItemReadError {
  return new ItemReadError(
    'E_NOT_MBOX',
    'This mailbox holds no message: no "From " line starts one anywhere in it (it may be damaged). Messages ' +
      'indexed from it before are kept; move the file out of the folder to remove them.',
  );
}

/** An mbox starts with a From_ line: either a dated one, or a bare `From ` followed by a header line. */
export function looksLikeMbox(head: Buffer): boolean {
  const text = head.toString('latin1');
  if (!text.startsWith('From ')) return false;
  const nl = text.indexOf('\n');
  const first = (nl < 0 ? text : text.slice(0, nl)).replace(/\r$/, '');
  if (isFromLine(first)) return true;
  if (nl < 0) return false;
  // Some exporters write an undated `From ` line; a header line right after it still says "mail".
  return /^[!-9;-~]+:/.test(text.slice(nl + 1));
}

async function openUnit(path: string): Promise<FileHandle> {
  try {
    return await open(path, 'r');
  } catch (err) {
    throw toReadError(err);
  }
}

function changedDuringRead(): ItemReadError {
  return new ItemReadError(
    'W_CHANGED_DURING_READ',
    'This mailbox was rewritten while it was being read; it will be read again on the next sync.',
  );
}

function toReadError(err: unknown): Error {
  if (err instanceof ItemReadError) return err;
  if (err instanceof Error && (err.name === 'AbortError' || err.name === 'SyncCancelledError')) return err;
  const code = errnoCode(err);
  if (code === 'ENOENT') return new ItemReadError('E_VANISHED', 'This mailbox disappeared before it could be read.');
  if (code === 'EACCES' || code === 'EPERM')
    return new ItemReadError(
      'EACCES',
      'Permission denied: this mailbox cannot be read. The indexed messages are kept.',
    );
  if (code === 'EISDIR') return new ItemReadError('E_READ', 'This is a folder, not a mailbox file.');
  return new ItemReadError(
    'E_READ',
    `This mailbox could not be read: ${err instanceof Error ? err.message : String(err)}`,
  );
}

function issue(path: string, code: ItemIssue['code'], message: string, severity: ItemIssue['severity']): ReadEvent {
  return { type: 'issue', issue: { path, code, message, severity } };
}

/**
 * Folder name shown for a unit: the key without Thunderbird's ".sbd" and Takeout's ".mbox" decorations
 * ("Archives.sbd/2023" → "Archives/2023", "Inbox.mbox" → "Inbox"), and without the file "mbox" that Apple Mail
 * exports each mailbox as, inside a folder named for it ("Inbox.mbox/mbox" → "Inbox").
 */
export function folderName(key: string): string {
  const segments = key.split('/');
  if (
    segments.length > 1 &&
    segments[segments.length - 1] === 'mbox' &&
    /\.mbox$/i.test(segments[segments.length - 2])
  ) {
    segments.pop();
  }
  return segments.map((seg) => seg.replace(/\.(sbd|mbox|mbx)$/i, '')).join('/');
}

export interface MailStatus {
  flags: string[];
  /** Thunderbird marked it deleted; it stays in the file until the folder is compacted. */
  expunged: boolean;
}

const HEADER_SCAN_BYTES = 64 * 1024;

/** Flags from the headers mail programs keep in mbox files (X-Mozilla-Status, Status, X-Status), Maildir names. */
export function mailStatus(raw: Buffer): MailStatus {
  const limit = Math.min(raw.length, HEADER_SCAN_BYTES);
  let end = raw.indexOf('\n\n');
  const crlf = raw.indexOf('\r\n\r\n');
  if (end < 0 || (crlf >= 0 && crlf < end)) end = crlf;
  const head = raw.toString('latin1', 0, end < 0 ? limit : Math.min(end, limit));
  const flags = new Set<string>();
  let expunged = false;
  const moz = /^X-Mozilla-Status:[ \t]*([0-9a-fA-F]{1,4})[ \t]*\r?$/im.exec(head);
  if (moz) {
    const v = parseInt(moz[1], 16);
    if (v & 0x0001) flags.add('Seen');
    if (v & 0x0002) flags.add('Replied');
    if (v & 0x0004) flags.add('Flagged');
    if (v & 0x1000) flags.add('Passed');
    expunged = (v & 0x0008) !== 0;
  }
  const status = /^Status:[ \t]*([A-Za-z]*)/im.exec(head);
  if (status?.[1]?.includes('R')) flags.add('Seen');
  const xstatus = /^X-Status:[ \t]*([A-Za-z]*)/im.exec(head);
  if (xstatus) {
    const v = xstatus[1];
    if (v.includes('A')) flags.add('Replied');
    if (v.includes('F')) flags.add('Flagged');
    if (v.includes('D')) flags.add('Trashed');
    if (v.includes('T')) flags.add('Draft');
  }
  return { flags: [...flags].sort(), expunged };
}

/** The From_ line's date, as a fallback for messages without a usable Date header. Zone-less dates are taken as UTC. */
export function envelopeTime(envelope: string): number | null {
  // UUCP-era envelopes end in "remote from <host>".
  const date = fromLineDate(envelope)?.replace(/\s+remote from\s+\S+\s*$/i, '');
  if (date === undefined) return null;
  const zoned = /(?:^|\s)(?:[+-]\d{4}|UTC|GMT|UT|[ECMP][SD]T|Z)(?:\s|$)/i.test(date) ? date : `${date} GMT`;
  const t = Date.parse(zoned);
  // A zone name Date.parse does not know ("CET", "MET DST"), as in Date headers.
  return Number.isNaN(t) ? parseMailDate(date) : t;
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024 * 1024) return `${(n / (1024 * 1024 * 1024)).toFixed(1)} GB`;
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${n} bytes`;
}

async function checkMboxPath(path: string): Promise<string | null> {
  let isFile = false;
  try {
    isFile = (await stat(path)).isFile();
  } catch {
    // checkDirectoryPath words the problem
  }
  if (isFile) {
    const problem = await checkFilePath(path);
    if (problem) return problem;
    try {
      const fh = await open(path, 'r');
      try {
        if ((await fh.stat()).size === 0 || (await startsLikeMbox(fh))) return null;
      } finally {
        await fh.close().catch(() => undefined);
      }
    } catch (err) {
      return `The file ${path} cannot be read (${errnoCode(err) || String(err)}).`;
    }
    return `${path} does not look like an mbox mailbox: it should start with a "From " line.`;
  }
  const problem = await checkDirectoryPath(path);
  if (problem) return problem;
  // Look at a bounded part of the folder: enough to recognise a mail folder without walking a whole disk.
  let looked = 0;
  for await (const item of walkFiles({ root: path, acceptFile: acceptCandidate, maxDepth: 4 })) {
    if ('code' in item || item.size === 0) continue;
    if ((await sniffEntry(item)) === 'mbox') return null;
    if (++looked >= 200) break;
  }
  return `No mbox mailboxes were found in ${path}. Choose an mbox file, or a folder that contains them (for example Thunderbird's "Local Folders" or a Google Takeout "Mail" folder).`;
}

/** MboxCursor.tail: 8 hex digits of a document id. */
function tailTag(docId: string): string {
  return fnv1a(docId).toString(16).padStart(8, '0');
}

/** 32-bit FNV-1a of a string's UTF-16 code units. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
