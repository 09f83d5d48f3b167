/**
 * Streaming mbox splitter (RFC 4155, with the mboxo/mboxrd quoting of qmail's mbox(5)).
 *
 * The file is read in bounded chunks and never held whole: memory is one chunk, one partial line and the message
 * being collected (capped), so a multi-GB mailbox costs the same as a small one.
 *
 * Boundaries: a message starts at a `From ` line that is at the read's start or follows a blank line, and that
 * looks like `From <addr> <date>`. A body line such as "From here on…" after a blank line is not a boundary unless
 * it carries a date, which is why the date is checked at all. Without the blank line before it (hand-concatenated
 * files, some exporters) a `From ` line is a boundary only when it is a whole asctime envelope (`From <sender>
 * <Www Mmm dd hh:mm:ss [zone] yyyy>`, BARE_ENVELOPE) and the line after it is a header line: an unquoted body line
 * never splits a message on a date alone. That line after it is waited for (`pendingFrom`); only lines starting with
 * `From ` after a non-blank line are looked at twice.
 *
 * Completeness: a message followed by a boundary is complete (writers finish one message before starting the next).
 * The last message is complete when its header block has been closed by a blank line; otherwise it is reported as
 * `truncated`, is not parsed, and the resume cursor stays at its start. A last message that ends without a final
 * line end (many exporters write no newline at the end of the file; or a writer is mid-line) is parsed and yielded,
 * but marked `open`: the resume cursor stays at its start, so a pass after the file grew reads it again, whole, and
 * it replaces the version indexed (same document id: it is derived from the header block, which was complete); the
 * same holds for a last message whose last line is a bare envelope line that may turn out to start a message.
 * Because a message can still be cut exactly at a line end, the reader of a cursor also checks that the bytes
 * at the cursor begin with a `From ` line (see `checkResumePoint`), so a too-early cursor is caught on the next read
 * rather than silently dropping the rest of a message.
 */
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { checkAborted } from './walker.js';

/** How many bytes before a cursor offset are hashed to recognise the same file prefix again. */
export const CURSOR_WINDOW = 4096;
/** Messages larger than this are skipped (reported, offsets still advance). */
export const DEFAULT_MAX_MESSAGE_BYTES = 25 * 1024 * 1024;
export const DEFAULT_HIGH_WATER_MARK = 1024 * 1024;
/**
 * A From_ line is short. A longer line is body data whatever it starts with; this also bounds the partial line
 * carried from one chunk to the next, so a file with no newlines at all cannot grow memory.
 */
const MAX_LINE_PEEK = 4096;

export interface MboxCursor {
  /** Byte offset of the next unread message (the start of a From_ line, or the end of the file). */
  offset: number;
  /** sha256 hex of the (up to) CURSOR_WINDOW bytes just before `offset`. */
  hash: string;
  /**
   * When the whole mailbox up to the append point was last known to be as indexed (ms since the epoch): read in
   * full, or its prefix digest checked. Kept by append passes.
   */
  fullReadAt?: number;
  /** It was rewritten in place since that full read, and the full read this calls for was put off. */
  pending?: boolean;
  /** The digest of every byte before `offset` (digestPrefix). Cursors written before there were digests lack it. */
  prefix?: PrefixDigest;
  /** It grew since `fullReadAt`: bytes before the append point may have changed too; a prefix check is owed. */
  unverified?: boolean;
  /**
   * The cursor lies at the start of an `open` last message that was indexed (MboxMessageEvent.open): a tag of its
   * document (8 hex digits, the connector's). A pass that reads that message again and does not index it under the
   * same id owes a full read, which deletes the version indexed before.
   */
  tail?: string;
}

/**
 * The digest of a file's first `offset` bytes, in two parts so that an append pass can extend it by reading only
 * the last partial block and what was appended: `chain` over the complete blocks of PREFIX_BLOCK_BYTES before
 * `offset` (each step sha256(previous chain ‖ block)), `tail` the sha256 of the bytes after them.
 */
export interface PrefixDigest {
  chain: string;
  tail: string;
}

/** Block size of PrefixDigest.chain. */
export const PREFIX_BLOCK_BYTES = 1 << 20;
const EMPTY_CHAIN = '0'.repeat(64);

/** Where a digest of a longer prefix can start: the chain over the first `blocks` blocks. */
export interface PrefixChainStart {
  blocks: number;
  chain: string;
}

/** The chain start a cursor's digest gives (its complete blocks), or the file's start. */
export function chainStartOf(
  cursor: Pick<MboxCursor, 'offset' | 'prefix'> | null,
  blockBytes: number,
): PrefixChainStart | null {
  if (!cursor) return { blocks: 0, chain: EMPTY_CHAIN };
  if (!cursor.prefix) return null;
  return { blocks: Math.floor(cursor.offset / blockBytes), chain: cursor.prefix.chain };
}

/**
 * The PrefixDigest of the first `offset` bytes of the file, continuing from `start` (which must lie at or before
 * `offset`'s last complete block): reads from block `start.blocks` to `offset`, one block at a time.
 */
export async function digestPrefix(
  fh: FileHandle,
  offset: number,
  start: PrefixChainStart,
  blockBytes: number,
  signal?: AbortSignal,
): Promise<PrefixDigest> {
  const blocks = Math.floor(offset / blockBytes);
  if (start.blocks > blocks) throw new Error(`digestPrefix: chain start at block ${start.blocks} is past ${offset}`);
  let chain = start.chain;
  // One buffer for all blocks: a check of a large mailbox's whole prefix would otherwise leave a 1 MB buffer per
  // block, a gigabyte's worth, to the garbage collector.
  const block = blocks > start.blocks ? Buffer.allocUnsafe(blockBytes) : null;
  for (let b = start.blocks; b < blocks && block; b++) {
    checkAborted(signal);
    if ((await readInto(fh, block, b * blockBytes)) !== blockBytes) {
      throw new Error(`digestPrefix: the file ends before ${offset}`);
    }
    chain = createHash('sha256').update(chain).update(block).digest('hex');
  }
  const tailStart = blocks * blockBytes;
  const tail = await readAt(fh, tailStart, offset - tailStart);
  if (tail.length !== offset - tailStart) throw new Error(`digestPrefix: the file ends before ${offset}`);
  return { chain, tail: hashWindow(tail) };
}

/**
 * PrefixDigests of a file read in order, from the bytes a pass reads anyway: fed the file's bytes from block
 * `start.blocks` on, it keeps the chain at every block boundary it passed and the last block or two of bytes, so
 * `digestAt` reads nothing. Without it a full read of a mailbox larger than memory would read the whole file from
 * disk a second time, to hash it; and a digest read from the file, not from the bytes parsed, would take in a rewrite
 * that came between the two (the index holding the old message, the digest the new bytes: never read again).
 */
export class PrefixHasher {
  readonly #blockBytes: number;
  /** The chain at each block boundary fed past (blocks → chain), from `start` on. */
  readonly #chains = new Map<number, string>();
  /**
   * The bytes fed since the start of the block before the current one, as fed (oldest first, contiguous): a cursor
   * lies at most a read chunk (≤ a block) behind what was fed, so its tail is hashed from the bytes the pass parsed,
   * not read again from a file that may have been rewritten since.
   */
  readonly #recent: { at: number; bytes: Buffer }[] = [];
  #blocks: number;
  #inBlock = 0;
  #hash: ReturnType<typeof createHash>;

  constructor(start: PrefixChainStart, blockBytes: number) {
    this.#blockBytes = blockBytes;
    this.#blocks = start.blocks;
    this.#chains.set(start.blocks, start.chain);
    this.#hash = createHash('sha256').update(start.chain);
  }

  /** Where the next byte fed must come from. */
  get position(): number {
    return this.#blocks * this.#blockBytes + this.#inBlock;
  }

  /** `bytes` are kept (not copied) until the hasher is a block past them: they must not be changed meanwhile. */
  feed(bytes: Buffer): void {
    if (bytes.length > 0) this.#recent.push({ at: this.position, bytes });
    let at = 0;
    while (at < bytes.length) {
      const take = Math.min(bytes.length - at, this.#blockBytes - this.#inBlock);
      this.#hash.update(bytes.subarray(at, at + take));
      at += take;
      this.#inBlock += take;
      if (this.#inBlock === this.#blockBytes) {
        const chain = this.#hash.digest('hex');
        this.#blocks++;
        this.#chains.set(this.#blocks, chain);
        this.#hash = createHash('sha256').update(chain);
        this.#inBlock = 0;
      }
    }
    this.#forgetBefore((this.#blocks - 1) * this.#blockBytes);
  }

  /**
   * The PrefixDigest of the first `offset` bytes: `offset` must not be past what was fed. Its tail is hashed from
   * the bytes fed when they are still kept (always, for a cursor of the chunk being parsed), else read from `fh`.
   */
  async digestAt(fh: FileHandle, offset: number, signal?: AbortSignal): Promise<PrefixDigest> {
    const blocks = Math.floor(offset / this.#blockBytes);
    const chain = this.#chains.get(blocks);
    if (chain === undefined || offset > this.position) {
      throw new Error(`PrefixHasher: ${offset} is outside the bytes fed (${this.position})`);
    }
    // Boundaries before this one are not asked for again: cursors only move forward.
    for (const b of this.#chains.keys()) if (b < blocks) this.#chains.delete(b);
    const tailStart = blocks * this.#blockBytes;
    this.#forgetBefore(tailStart);
    const tail = this.#fed(tailStart, offset);
    if (tail) return { chain, tail: hashWindow(tail) };
    return digestPrefix(fh, offset, { blocks, chain }, this.#blockBytes, signal);
  }

  /** The bytes fed from `from` to `to`, or null when they are no longer all kept. */
  #fed(from: number, to: number): Buffer | null {
    const first = this.#recent[0];
    if (from === to) return Buffer.alloc(0);
    if (first === undefined || first.at > from) return null;
    const parts: Buffer[] = [];
    for (const { at, bytes } of this.#recent) {
      if (at >= to) break;
      if (at + bytes.length <= from) continue;
      parts.push(bytes.subarray(Math.max(0, from - at), Math.min(bytes.length, to - at)));
    }
    return parts.length === 1 ? parts[0] : Buffer.concat(parts);
  }

  #forgetBefore(offset: number): void {
    while (this.#recent.length > 0 && this.#recent[0].at + this.#recent[0].bytes.length <= offset) this.#recent.shift();
  }
}

/** Whether the first `cursor.offset` bytes of the file are still those the cursor's digest was taken of. */
export async function prefixUnchanged(
  fh: FileHandle,
  cursor: Pick<MboxCursor, 'offset'> & { prefix: PrefixDigest },
  blockBytes: number,
  scope: 'tail' | 'all',
  signal?: AbortSignal,
): Promise<boolean> {
  const blocks = Math.floor(cursor.offset / blockBytes);
  // Checking the tail alone: start from the cursor's own chain, so only the bytes after its last complete block
  // are read.
  const start = scope === 'tail' ? { blocks, chain: cursor.prefix.chain } : { blocks: 0, chain: EMPTY_CHAIN };
  try {
    const now = await digestPrefix(fh, cursor.offset, start, blockBytes, signal);
    return now.chain === cursor.prefix.chain && now.tail === cursor.prefix.tail;
  } catch (err) {
    if (signal?.aborted) throw err;
    return false; // shorter than the cursor: changed
  }
}

export interface MboxMessageEvent {
  type: 'message';
  /** Offset of the message's From_ line. */
  offset: number;
  /** Bytes from `offset` to the next boundary (or end of file): From_ line and separator included. */
  length: number;
  /** The message itself: no From_ line, one `>` removed from `>From ` lines, NUL bytes removed, separator dropped. */
  raw: Buffer;
  /** The From_ line, without its line ending. */
  envelope: string;
  /** The message contained NUL bytes (removed from `raw`). */
  hadNul: boolean;
  /** Set when a checkpoint was due: the resume point just after this message. */
  cursor?: MboxCursor;
  /**
   * The last message, ending at the end of the range without its final line end (or on an unconfirmed envelope
   * line): it may still be growing, so the end cursor is at its start and a later pass reads it again.
   */
  open?: true;
}

export interface MboxOversizedEvent {
  type: 'oversized';
  offset: number;
  length: number;
  envelope: string;
  cursor?: MboxCursor;
  /** As MboxMessageEvent.open. */
  open?: true;
}

/** Non-blank bytes outside any message (before the first From_ line). */
export interface MboxJunkEvent {
  type: 'junk';
  offset: number;
  length: number;
}

/**
 * The last message is not complete yet (or was cut off) in its header block; it was not parsed and the cursor stops
 * before it.
 */
export interface MboxTruncatedEvent {
  type: 'truncated';
  offset: number;
  length: number;
}

export interface MboxEndEvent {
  type: 'end';
  /** Where the next append read starts: after the last complete message (at an `open` one's start). */
  cursor: MboxCursor;
  /** Offset the scan reached (the end of the range read). */
  scannedTo: number;
  messages: number;
}

export type MboxEvent = MboxMessageEvent | MboxOversizedEvent | MboxJunkEvent | MboxTruncatedEvent | MboxEndEvent;

export interface MboxSplitterOptions {
  /** Absolute file offset of the first byte pushed. */
  startOffset?: number;
  /** The bytes just before `startOffset` (at least CURSOR_WINDOW of them, or all when fewer exist). */
  history?: Buffer;
  maxMessageBytes?: number;
  /** Attach a cursor to every Nth finished message (0: never; the end event always has one). */
  checkpointEvery?: number;
}

export function formatCursor(c: MboxCursor): string {
  return (
    `${c.offset}:${c.hash}${c.fullReadAt ? `:f${c.fullReadAt}` : ''}` +
    `${c.prefix ? `:c${c.prefix.chain}.${c.prefix.tail}` : ''}${c.pending ? ':p' : ''}${c.unverified ? ':u' : ''}` +
    `${c.tail ? `:t${c.tail}` : ''}`
  );
}

export function parseCursor(s: string | null | undefined): MboxCursor | null {
  if (typeof s !== 'string') return null;
  const m =
    /^(\d{1,16}):([0-9a-f]{64})(?::f(\d{1,16}))?(?::c([0-9a-f]{64})\.([0-9a-f]{64}))?(:p)?(:u)?(?::t([0-9a-f]{8}))?$/.exec(
      s,
    );
  if (!m) return null;
  const offset = Number(m[1]);
  if (!Number.isSafeInteger(offset)) return null;
  const cursor: MboxCursor = { offset, hash: m[2] };
  if (m[3] !== undefined) cursor.fullReadAt = Number(m[3]);
  if (m[4] !== undefined) cursor.prefix = { chain: m[4], tail: m[5] };
  if (m[6] !== undefined) cursor.pending = true;
  if (m[7] !== undefined) cursor.unverified = true;
  if (m[8] !== undefined) cursor.tail = m[8];
  return cursor;
}

export function hashWindow(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const WEEKDAY = '(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\\.?';
const MONTH = '(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\\.?';
const TIME = '\\d{1,2}:\\d{2}(?::\\d{2})?';
/**
 * The date of a From_ line: asctime (`Wed Oct  5 14:23:52 2011`, with an optional zone before the year as Google
 * Takeout and some MTAs write it) or RFC 2822 style (`Thu, 01 Jan 2015 10:00:00 +0100`). The weekday is optional.
 */
const FROM_DATE = new RegExp(
  `^(?:${WEEKDAY},? +)?(?:${MONTH} +\\d{1,2}|\\d{1,2} +${MONTH}(?: +\\d{2,4})?),? +${TIME}\\b`,
  'i',
);
const YEAR = /(?:^|[^\d+-])\d{4}(?!\d)/;

/** The date part of a From_ line, or null when the line does not look like one. */
export function fromLineDate(line: string): string | null {
  if (!line.startsWith('From ')) return null;
  const rest = line.slice(5).trim();
  const candidates = [rest];
  // Usually an envelope sender comes first; it may be "-" (Thunderbird) or a quoted local part with spaces.
  const sender = /^(?:"[^"]*"\S*|\S+)\s+/.exec(rest);
  if (sender) candidates.push(rest.slice(sender[0].length));
  for (const c of candidates) {
    if (FROM_DATE.test(c) && YEAR.test(c)) return c;
  }
  return null;
}

export function isFromLine(line: string): boolean {
  return fromLineDate(line) !== null;
}

/**
 * The strict envelope a `From ` line must be to split messages without a blank line before it: a sender without
 * spaces and an asctime date, with an optional zone before the year (Google Takeout). `From MAILER-DAEMON Fri Jul  8
 * 12:08:34 2011`, `From - Mon Jan 01 00:00:00 2001`, `From 123@xxx Thu Nov 12 10:00:00 +0000 2020`.
 */
const BARE_ENVELOPE =
  /^From \S+ +(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) +(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d{1,2} +\d{1,2}:\d{2}(?::\d{2})?(?: +[+-]?[A-Za-z0-9]{1,5})? +\d{4}(?!\S)/;

/** Whether a line not preceded by a blank line may start a message (if a header line follows it). */
export function isBareEnvelope(line: string): boolean {
  return BARE_ENVELOPE.test(line) && isFromLine(line);
}

/** Whether buf[p, e) starts like a header line: a field name (printable, no colon) and a colon. */
function startsLikeHeader(buf: Buffer, p: number, e: number): boolean {
  let q = p;
  while (q < e && buf[q] > 0x20 && buf[q] < 0x7f && buf[q] !== 0x3a) q++;
  return q > p && q < e && buf[q] === 0x3a;
}

interface Segment {
  buf: Buffer;
  start: number;
  end: number;
}

interface Current {
  offset: number;
  envelope: string;
  segments: Segment[];
  collected: number;
  oversized: boolean;
  /** A blank line was seen after the From_ line, so the header block is closed. */
  headerClosed: boolean;
  /** Copy of the CURSOR_WINDOW bytes before `offset`, for a cursor pointing at this message's start. */
  startWindow: Buffer;
}

/**
 * The push-based core: feed it chunks in file order, then call `end()`. Separate from the file reader so the
 * boundary logic can be tested (and fuzzed) on in-memory buffers with any chunking.
 */
export class MboxSplitter {
  private readonly maxMessageBytes: number;
  private readonly checkpointEvery: number;
  /** Absolute offset of the first byte of the next buffer processed (the carry, if any). */
  private bufStart: number;
  /** Up to CURSOR_WINDOW bytes immediately before `bufStart`. */
  private history: Buffer;
  /** An incomplete line (no newline yet), at most MAX_LINE_PEEK bytes. */
  private carry: Buffer | null = null;
  /** Inside an over-long line already classified as data: bytes flow to the message until the newline. */
  private midLine = false;
  /** The previous line was blank; the start of the read counts as one. */
  private prevBlank = true;
  /**
   * A `From ` line at the very first byte of the file opens the first message even without a recognisable date
   * (some exporters write a bare `From sender`). Only there: a cursor can point at offset 0 and must be read the
   * same way when resumed.
   */
  private readonly lenientFirst: boolean;
  private cur: Current | null = null;
  /**
   * A bare envelope line (isBareEnvelope) after a non-blank line: a boundary if the next line is a header line, else
   * body data of the current message. Its bytes are copied (it may lie in an earlier chunk than that next line).
   */
  private pendingFrom: { abs: number; window: Buffer; envelope: string; bytes: Buffer } | null = null;
  private junkStart = -1;
  private junkNonBlank = false;
  private sinceCheckpoint = 0;
  private messages = 0;
  private ended = false;
  private out: MboxEvent[] = [];

  constructor(opts: MboxSplitterOptions = {}) {
    this.bufStart = opts.startOffset ?? 0;
    const h = opts.history ?? Buffer.alloc(0);
    this.history = h.length > CURSOR_WINDOW ? Buffer.from(h.subarray(h.length - CURSOR_WINDOW)) : Buffer.from(h);
    this.maxMessageBytes = opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.checkpointEvery = opts.checkpointEvery ?? 0;
    this.lenientFirst = this.bufStart === 0;
  }

  push(chunk: Buffer): MboxEvent[] {
    if (this.ended) throw new Error('MboxSplitter: push after end');
    if (chunk.length === 0) return this.drain();
    const buf = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
    this.carry = null;
    let i = 0;
    while (i < buf.length) {
      const nl = buf.indexOf(0x0a, i);
      if (this.midLine) {
        const end = nl < 0 ? buf.length : nl + 1;
        this.data(buf, i, end);
        if (nl >= 0) {
          this.midLine = false;
          this.prevBlank = false;
        }
        i = end;
        continue;
      }
      if (nl < 0) {
        if (buf.length - i > MAX_LINE_PEEK) {
          this.line(buf, i, buf.length, false);
          this.midLine = true;
        } else {
          // Copied so the (large) chunk it came from is not kept alive by a few bytes.
          this.carry = Buffer.from(buf.subarray(i));
        }
        break;
      }
      this.line(buf, i, nl + 1, true);
      i = nl + 1;
    }
    const consumed = buf.length - (this.carry?.length ?? 0);
    this.advance(buf, consumed);
    return this.drain();
  }

  /** Call once the whole range has been pushed. The last event is always `end`. */
  end(): MboxEvent[] {
    if (this.ended) return this.drain();
    this.ended = true;
    let endsWithNewline = true;
    if (this.carry) {
      // The file ends without a newline: the writer is mid-line, or the file was cut off.
      const buf = this.carry;
      this.carry = null;
      endsWithNewline = false;
      this.line(buf, 0, buf.length, false);
      this.advance(buf, buf.length);
    } else if (this.midLine) {
      endsWithNewline = false;
    }
    // A bare envelope line right at the end: no header line follows (yet), so it is body data for now; the message
    // is left open, so that a pass after the file grew reads it again and sees what follows.
    const unconfirmed = this.pendingFrom !== null;
    if (unconfirmed) this.resolvePending(false);
    const eof = this.bufStart;
    this.flushJunk(eof);
    let cursor: MboxCursor;
    const cur = this.cur;
    if (cur && cur.headerClosed && endsWithNewline && !unconfirmed) {
      cursor = { offset: eof, hash: hashWindow(this.history) };
      this.finish(eof, cursor);
    } else if (cur && cur.headerClosed) {
      // Complete as far as can be told (the file ends without its last line end, as many exporters write it; or a
      // writer is mid-line): indexed, with the cursor at its start, so that if it grows it is read again whole.
      cursor = { offset: cur.offset, hash: hashWindow(cur.startWindow) };
      this.finish(eof, undefined, true);
    } else if (cur) {
      this.out.push({ type: 'truncated', offset: cur.offset, length: eof - cur.offset });
      cursor = { offset: cur.offset, hash: hashWindow(cur.startWindow) };
    } else {
      // No message at all (empty, blank or junk only): nothing to come back for.
      cursor = { offset: eof, hash: hashWindow(this.history) };
    }
    this.cur = null;
    this.out.push({ type: 'end', cursor, scannedTo: eof, messages: this.messages });
    return this.drain();
  }

  private drain(): MboxEvent[] {
    const out = this.out;
    this.out = [];
    return out;
  }

  /** Moves `bufStart` past buf[0, consumed) and keeps the last CURSOR_WINDOW bytes of it as history. */
  private advance(buf: Buffer, consumed: number): void {
    if (consumed <= 0) return;
    if (consumed >= CURSOR_WINDOW) {
      this.history = Buffer.from(buf.subarray(consumed - CURSOR_WINDOW, consumed));
    } else {
      const keep = CURSOR_WINDOW - consumed;
      const h = this.history;
      this.history = Buffer.concat([h.subarray(Math.max(0, h.length - keep)), buf.subarray(0, consumed)]);
    }
    // Segments of the current message still point into `buf`; that is fine, they are bounded by the message cap.
    this.bufStart += consumed;
  }

  /** The CURSOR_WINDOW bytes before buf[pos] (a copy). */
  private windowBefore(buf: Buffer, pos: number): Buffer {
    if (pos >= CURSOR_WINDOW) return Buffer.from(buf.subarray(pos - CURSOR_WINDOW, pos));
    const keep = CURSOR_WINDOW - pos;
    const h = this.history;
    return Buffer.concat([h.subarray(Math.max(0, h.length - keep)), buf.subarray(0, pos)]);
  }

  /**
   * Handles the start of a line, buf[s, e). `complete`: the slice ends with its newline; otherwise it is the
   * beginning of a long line or the unterminated last line of the file.
   */
  private line(buf: Buffer, s: number, e: number, complete: boolean): void {
    // Leading NULs are skipped for the checks: a crash can leave a zero-filled gap right before the next From_ line.
    let p = s;
    while (p < e && buf[p] === 0) p++;
    let ce = e;
    if (complete) {
      ce--;
      if (ce > p && buf[ce - 1] === 0x0d) ce--;
    }
    let blank = true;
    for (let q = p; q < ce; q++) {
      const b = buf[q];
      if (b !== 0 && b !== 0x0d) {
        blank = false;
        break;
      }
    }
    if (!complete && !this.ended) blank = false;

    if (this.pendingFrom) this.resolvePending(startsLikeHeader(buf, p, ce));

    if (this.prevBlank && buf[p] === 0x46 /* F */ && (complete || this.ended)) {
      const head = buf.toString('latin1', p, Math.min(ce, p + 1024));
      const boundary = complete
        ? head.startsWith('From ') && ((this.lenientFirst && this.bufStart + s === 0) || isFromLine(head))
        : // The file ends, after a blank line, in what is most likely the next From_ line being written. If it
          // turns out to be body text, the resume check at this offset fails and the next read rescans.
          head.startsWith('From ') || 'From '.startsWith(head);
      if (boundary) {
        this.boundary(this.bufStart + s, this.windowBefore(buf, s), head);
        this.prevBlank = false;
        return;
      }
    } else if (buf[p] === 0x46 /* F */ && complete && !this.prevBlank && ce - p > 5 && buf[p + 4] === 0x20) {
      const head = buf.toString('latin1', p, Math.min(ce, p + 1024));
      if (isBareEnvelope(head)) {
        // Decided by the next line (resolvePending).
        const bytes = Buffer.from(buf.subarray(s, e));
        this.pendingFrom = { abs: this.bufStart + s, window: this.windowBefore(buf, s), envelope: head, bytes };
        return;
      }
    }

    if (buf[p] === 0x3e /* > */) {
      let q = p;
      while (q < e && buf[q] === 0x3e) q++;
      if (e - q >= 5 && buf.toString('latin1', q, q + 5) === 'From ') {
        // mboxrd/mboxo quoting: one '>' was added on the way in, one comes off.
        this.data(buf, s, p);
        this.data(buf, p + 1, e);
        this.afterLine(blank, complete);
        return;
      }
    }
    this.data(buf, s, e);
    this.afterLine(blank, complete);
  }

  /** Settles pendingFrom: a boundary (the line after it is a header line), or a line of the current message. */
  private resolvePending(split: boolean): void {
    const pf = this.pendingFrom!;
    this.pendingFrom = null;
    if (split) {
      this.boundary(pf.abs, pf.window, pf.envelope);
    } else {
      if (this.cur === null && this.junkStart < 0) this.junkStart = pf.abs;
      this.data(pf.bytes, 0, pf.bytes.length);
    }
  }

  private afterLine(blank: boolean, complete: boolean): void {
    if (!complete) return; // the rest of the line arrives later (midLine) or never (end of file)
    this.prevBlank = blank;
    if (blank && this.cur) this.cur.headerClosed = true;
  }

  private data(buf: Buffer, s: number, e: number): void {
    if (e <= s) return;
    const cur = this.cur;
    if (cur === null) {
      if (this.junkStart < 0) this.junkStart = this.bufStart + s;
      for (let q = s; q < e && !this.junkNonBlank; q++) {
        const b = buf[q];
        if (b !== 0 && b !== 0x0a && b !== 0x0d && b !== 0x20 && b !== 0x09) this.junkNonBlank = true;
      }
      return;
    }
    if (cur.oversized) return;
    if (cur.collected + (e - s) > this.maxMessageBytes) {
      cur.oversized = true;
      cur.segments = [];
      return;
    }
    cur.collected += e - s;
    const last = cur.segments[cur.segments.length - 1];
    if (last && last.buf === buf && last.end === s) last.end = e;
    else cur.segments.push({ buf, start: s, end: e });
  }

  /** A message starts at `abs` (`window`: the CURSOR_WINDOW bytes before it). */
  private boundary(abs: number, window: Buffer, envelope: string): void {
    this.flushJunk(abs);
    if (this.cur) {
      let cursor: MboxCursor | undefined;
      if (this.checkpointEvery > 0 && this.sinceCheckpoint + 1 >= this.checkpointEvery) {
        cursor = { offset: abs, hash: hashWindow(window) };
      }
      this.finish(abs, cursor);
    }
    this.cur = {
      offset: abs,
      envelope,
      segments: [],
      collected: 0,
      oversized: false,
      headerClosed: false,
      startWindow: window,
    };
  }

  private flushJunk(endAbs: number): void {
    if (this.junkStart >= 0 && this.junkNonBlank && endAbs > this.junkStart) {
      this.out.push({ type: 'junk', offset: this.junkStart, length: endAbs - this.junkStart });
    }
    this.junkStart = -1;
    this.junkNonBlank = false;
  }

  private finish(endAbs: number, cursor: MboxCursor | undefined, open = false): void {
    const cur = this.cur!;
    this.cur = null;
    this.messages++;
    this.sinceCheckpoint = cursor ? 0 : this.sinceCheckpoint + 1;
    const length = endAbs - cur.offset;
    if (cur.oversized) {
      const ev: MboxOversizedEvent = { type: 'oversized', offset: cur.offset, length, envelope: cur.envelope };
      if (cursor) ev.cursor = cursor;
      if (open) ev.open = true;
      this.out.push(ev);
      return;
    }
    let raw: Buffer = Buffer.concat(
      cur.segments.map((sg) => sg.buf.subarray(sg.start, sg.end)),
      cur.collected,
    );
    const hadNul = raw.indexOf(0) >= 0;
    if (hadNul) raw = stripNul(raw);
    raw = dropSeparator(raw);
    const ev: MboxMessageEvent = { type: 'message', offset: cur.offset, length, raw, envelope: cur.envelope, hadNul };
    if (cursor) ev.cursor = cursor;
    if (open) ev.open = true;
    this.out.push(ev);
  }
}

function stripNul(raw: Buffer): Buffer {
  const out = Buffer.allocUnsafe(raw.length);
  let n = 0;
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i];
    if (b !== 0) out[n++] = b;
  }
  return out.subarray(0, n);
}

/** Removes the one blank line that separates a message from the next From_ line. */
function dropSeparator(raw: Buffer): Buffer {
  const n = raw.length;
  if (n >= 4 && raw[n - 1] === 0x0a && raw[n - 2] === 0x0d && raw[n - 3] === 0x0a && raw[n - 4] === 0x0d)
    return raw.subarray(0, n - 2);
  if (n >= 2 && raw[n - 1] === 0x0a && raw[n - 2] === 0x0a) return raw.subarray(0, n - 1);
  if (n >= 3 && raw[n - 1] === 0x0a && raw[n - 2] === 0x0d && raw[n - 3] === 0x0a) return raw.subarray(0, n - 2);
  return raw;
}

/** Splits an in-memory mbox (tests, small inputs). */
export function splitMboxBuffer(data: Buffer, opts: MboxSplitterOptions & { chunkSize?: number } = {}): MboxEvent[] {
  const s = new MboxSplitter(opts);
  const out: MboxEvent[] = [];
  const step = Math.max(1, opts.chunkSize ?? data.length);
  for (let i = 0; i < data.length; i += step) out.push(...s.push(data.subarray(i, Math.min(data.length, i + step))));
  out.push(...s.end());
  return out;
}

/** Reads `length` bytes at `position`; short only at end of file. */
export async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const got = await readInto(fh, buf, position);
  return got === length ? buf : buf.subarray(0, got);
}

/** Fills `buf` from `position` on, or as much of it as the file has; returns the bytes read. */
async function readInto(fh: FileHandle, buf: Buffer, position: number): Promise<number> {
  let got = 0;
  while (got < buf.length) {
    const { bytesRead } = await fh.read(buf, got, buf.length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got;
}

export type ResumeCheck =
  { ok: true; history: Buffer } | { ok: false; reason: 'shrank' | 'prefix-changed' | 'not-a-boundary' };

/**
 * Whether an append read may start at `cursor`: the file is at least that long, the bytes before it are the ones
 * that were there when the cursor was taken, and the bytes at it start a message (blank lines aside). The last
 * check catches a cursor that was placed after a message that turned out to be still growing.
 */
export async function checkResumePoint(fh: FileHandle, size: number, cursor: MboxCursor): Promise<ResumeCheck> {
  if (size < cursor.offset) return { ok: false, reason: 'shrank' };
  const from = Math.max(0, cursor.offset - CURSOR_WINDOW);
  const history = await readAt(fh, from, cursor.offset - from);
  if (history.length !== cursor.offset - from || hashWindow(history) !== cursor.hash)
    return { ok: false, reason: 'prefix-changed' };
  if (size === cursor.offset) return { ok: true, history };
  const peek = await readAt(fh, cursor.offset, Math.min(MAX_LINE_PEEK, size - cursor.offset));
  let i = 0;
  while (i < peek.length && (peek[i] === 0x0a || peek[i] === 0x0d || peek[i] === 0)) i++;
  if (i === peek.length) return { ok: true, history };
  const nl = peek.indexOf(0x0a, i);
  let atBoundary: boolean;
  if (nl >= 0) {
    atBoundary = isFromLine(peek.toString('latin1', i, nl).replace(/\r$/, ''));
  } else {
    // The line there is still being written; only a From_ line in the making is acceptable.
    const head = peek.toString('latin1', i);
    atBoundary = cursor.offset + peek.length === size && (head.startsWith('From ') || 'From '.startsWith(head));
  }
  return atBoundary ? { ok: true, history } : { ok: false, reason: 'not-a-boundary' };
}

export interface SplitFileOptions {
  start?: number;
  /** Exclusive end; defaults to the size when the file is opened, so bytes appended meanwhile wait for next time. */
  end?: number;
  /** Bytes before `start` (read from the file when not given). */
  history?: Buffer;
  maxMessageBytes?: number;
  checkpointEvery?: number;
  highWaterMark?: number;
  signal?: AbortSignal;
  /** Given every chunk read, in order, from `start` on (before its events are yielded). */
  onBytes?: (chunk: Buffer) => void;
}

/** Streams the events of an open file from `start` to `end`. The handle stays open (the caller owns it). */
export async function* splitMboxHandle(fh: FileHandle, opts: SplitFileOptions = {}): AsyncGenerator<MboxEvent> {
  const start = opts.start ?? 0;
  const end = opts.end ?? (await fh.stat()).size;
  const history =
    opts.history ?? (await readAt(fh, Math.max(0, start - CURSOR_WINDOW), Math.min(start, CURSOR_WINDOW)));
  const splitter = new MboxSplitter({
    startOffset: start,
    history,
    maxMessageBytes: opts.maxMessageBytes,
    checkpointEvery: opts.checkpointEvery,
  });
  if (end > start) {
    const stream = fh.createReadStream({
      start,
      end: end - 1,
      highWaterMark: opts.highWaterMark ?? DEFAULT_HIGH_WATER_MARK,
      autoClose: false,
      signal: opts.signal,
    });
    let complete = false;
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        opts.onBytes?.(chunk);
        for (const ev of splitter.push(chunk)) yield ev;
      }
      complete = true;
    } finally {
      // Destroying a FileHandle stream closes the handle even with autoClose: false, and the caller still needs it
      // (a final fstat); only an abandoned read is torn down here.
      if (!complete) stream.destroy();
    }
  }
  for (const ev of splitter.end()) yield ev;
}

/** Convenience: opens `path`, streams its events, closes it. */
export async function* splitMboxFile(path: string, opts: SplitFileOptions = {}): AsyncGenerator<MboxEvent> {
  const fh = await open(path, 'r');
  try {
    yield* splitMboxHandle(fh, opts);
  } finally {
    await fh.close();
  }
}
