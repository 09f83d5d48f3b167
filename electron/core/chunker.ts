/**
 * Splits a document into the pieces the full-text index ranks and quotes from.
 *
 * Strategies follow upstream's SemanticChunker (events whole, mail split at replies, notes split at headings then
 * paragraphs), with one deliberate change: text is repeated in two chunks only where a paragraph had to be cut
 * mid-way, never between independent paragraphs, which keeps the index small.
 *
 * Everything here is linear string scanning (indexOf, startsWith, hand-written loops; the only regexes cannot
 * backtrack), so no input can make it slow.
 */
import type { DocType } from '../../shared/types.js';

export interface Chunk {
  /** Nearest markdown heading (with empty parent headings folded in), or '' when there is none. */
  heading: string;
  body: string;
}

export interface ChunkerOptions {
  /** Paragraphs are packed together up to this many characters. */
  targetChars?: number;
  /** No chunk body is ever longer than this (events excepted, see `maxEventChars`). */
  maxChars?: number;
  /** Longest sentence (or word run) repeated at the start of the next piece when a paragraph is cut. */
  overlapChars?: number;
  /** An event (or task) is always one chunk; only text beyond this is dropped. */
  maxEventChars?: number;
}

export interface ChunkInput {
  title: string;
  content: string;
  docType: DocType;
}

/** A heading line longer than this is treated as text: cutting it would lose searchable words. */
const MAX_HEADING_CHARS = 300;
/** Reply headers ("On Tue, 3 Jan 2023 at 10:00, A Person <a@example.com> wrote:") are short. */
const MAX_REPLY_HEADER_CHARS = 400;
const HEADING_PATH_SEPARATOR = ' › ';

const PARAGRAPH_BREAK = /\n[ \t]*\n/;
const SENTENCE_TERMINATORS = new Set(['.', '!', '?', '…', '。', '！', '？']);
const SENTENCE_CLOSERS = new Set(['"', "'", '”', '’', ')', ']']);

interface Section {
  heading: string;
  text: string;
}

/**
 * Produces the chunks of one document.
 *
 * Guarantees: `event` gives exactly one chunk; every body is trimmed and at most `maxChars` long (events: at most
 * `maxEventChars`); no chunk has both an empty heading and an empty body, except the single chunk produced for a
 * document that has a title but no text (so it can still be found by its title); a document with neither title
 * nor text gives no chunks. Deterministic: the same input always gives the same chunks.
 */
export class Chunker {
  /** Part of every document's content hash: bump it when the output changes, so documents get re-chunked. */
  readonly version: number = 1;
  private readonly targetChars: number;
  private readonly maxChars: number;
  private readonly overlapChars: number;
  private readonly maxEventChars: number;

  constructor(opts: ChunkerOptions = {}) {
    this.maxChars = Math.max(64, opts.maxChars ?? 2_048);
    this.targetChars = Math.min(this.maxChars, Math.max(32, opts.targetChars ?? 1_024));
    // Overlap plus a full piece must still fit under the hard cap.
    this.overlapChars = Math.max(0, Math.min(opts.overlapChars ?? 200, this.maxChars - this.targetChars));
    this.maxEventChars = Math.max(this.maxChars, opts.maxEventChars ?? 16_384);
  }

  /** Splits one document; see the class comment for the guarantees. */
  chunk(doc: ChunkInput): Chunk[] {
    const content = doc.content.includes('\r') ? doc.content.replace(/\r\n?/g, '\n') : doc.content;
    const chunks: Chunk[] = [];
    // A task is kept whole like an event: a match in its notes must come with its due date and status lines.
    if (doc.docType === 'event' || doc.docType === 'task') {
      const body = cutAt(content.trim(), this.maxEventChars);
      if (body.length > 0 || doc.title.trim().length > 0) chunks.push({ heading: '', body });
      return chunks;
    }
    const sections = doc.docType === 'email' ? splitReplies(content) : splitHeadings(content);
    for (const section of sections) this.packSection(section, chunks);
    if (chunks.length === 0 && doc.title.trim().length > 0) chunks.push({ heading: '', body: '' });
    return chunks;
  }

  private packSection(section: Section, out: Chunk[]): void {
    const { heading } = section;
    const before = out.length;
    // No flush() closure: this runs per section, and under tsx (the CLI) every closure made is also renamed.
    let current = '';
    for (const raw of section.text.split(PARAGRAPH_BREAK)) {
      const paragraph = raw.trim();
      if (paragraph.length === 0) continue;
      if (paragraph.length > this.maxChars) {
        if (current.length > 0) out.push({ heading, body: current });
        current = '';
        for (const piece of this.splitLongParagraph(paragraph)) out.push({ heading, body: piece });
      } else if (current.length === 0) {
        current = paragraph;
      } else if (current.length + 2 + paragraph.length <= this.targetChars) {
        current += '\n\n' + paragraph;
      } else {
        out.push({ heading, body: current });
        current = paragraph;
      }
    }
    if (current.length > 0) out.push({ heading, body: current });
    // A heading with nothing under it (the last one of a document) stays findable on its own.
    if (out.length === before && heading.length > 0) out.push({ heading, body: '' });
  }

  /** Cuts a paragraph longer than maxChars at sentence ends, repeating the last short sentence in the next piece. */
  private splitLongParagraph(paragraph: string): string[] {
    const sentences = splitSentences(paragraph);
    const pieces: string[] = [];
    const push = (text: string): void => {
      const piece = text.trim();
      if (piece.length > 0) pieces.push(piece);
    };
    let current = '';
    // Text repeated from the previous piece at the start of `current`; a piece of only that is not emitted.
    let carried = '';
    let lastSentence = '';
    for (const sentence of sentences) {
      if (sentence.length > this.targetChars) {
        if (current.length > carried.length) push(current);
        for (const piece of splitAtWords(sentence, this.targetChars, this.overlapChars)) pieces.push(piece);
        current = carried = lastSentence = '';
        continue;
      }
      if (current.length + sentence.length > this.targetChars && current.length > carried.length) {
        push(current);
        carried = lastSentence.length <= this.overlapChars ? lastSentence : '';
        current = carried;
      }
      current += sentence;
      lastSentence = sentence;
    }
    if (current.length > carried.length) push(current);
    return pieces;
  }
}

/**
 * Splits text after each sentence end: terminators (. ! ? … and CJK forms), optional closing quotes or brackets,
 * then whitespace, which stays with the sentence. A hand-written scan, as a regex over runs of dots would backtrack.
 */
function splitSentences(text: string): string[] {
  const sentences: string[] = [];
  let start = 0;
  let i = 0;
  while (i < text.length) {
    if (!SENTENCE_TERMINATORS.has(text[i])) {
      i++;
      continue;
    }
    while (i < text.length && SENTENCE_TERMINATORS.has(text[i])) i++;
    while (i < text.length && SENTENCE_CLOSERS.has(text[i])) i++;
    if (i >= text.length || !isWhitespace(text.charCodeAt(i))) continue;
    while (i < text.length && isWhitespace(text.charCodeAt(i))) i++;
    sentences.push(text.slice(start, i));
    start = i;
  }
  if (start < text.length) sentences.push(text.slice(start));
  return sentences;
}

function isWhitespace(code: number): boolean {
  return code <= 32;
}

/**
 * Hard-splits text without usable sentence ends into pieces of at most `size` characters, cutting at whitespace
 * where possible and starting each piece at a word up to `overlap` characters before the previous cut.
 */
function splitAtWords(text: string, size: number, overlap: number): string[] {
  const pieces: string[] = [];
  const trimmed = text.trim();
  let start = 0;
  while (start < trimmed.length) {
    let end = Math.min(start + size, trimmed.length);
    if (end < trimmed.length) {
      let space = end;
      while (space > start + size / 2 && !isWhitespace(trimmed.charCodeAt(space))) space--;
      if (space > start + size / 2) end = space;
      else if (isHighSurrogate(trimmed.charCodeAt(end - 1))) end--;
    }
    const piece = trimmed.slice(start, end).trim();
    if (piece.length > 0) pieces.push(piece);
    if (end >= trimmed.length) break;
    let next = end;
    for (let i = Math.max(start + 1, end - overlap); i < end; i++) {
      if (isWhitespace(trimmed.charCodeAt(i))) {
        next = i + 1;
        break;
      }
    }
    start = next;
  }
  return pieces;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function cutAt(text: string, max: number): string {
  if (text.length <= max) return text;
  const end = isHighSurrogate(text.charCodeAt(max - 1)) ? max - 1 : max;
  return text.slice(0, end).trimEnd();
}

/** ATX heading text (`# Title #`), or null when the line is not a heading (`#tag` is an Obsidian tag, not one). */
function headingText(line: string): string | null {
  let i = 0;
  while (i < 3 && line.charCodeAt(i) === 32) i++;
  let level = 0;
  while (line.charCodeAt(i + level) === 35 /* # */) level++;
  if (level === 0 || level > 6) return null;
  const after = line.charCodeAt(i + level);
  if (!Number.isNaN(after) && after !== 32 && after !== 9) return null;
  let text = line.slice(i + level).trim();
  // A closing run of #s is decoration (CommonMark), unless it is glued to a word.
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 35) end--;
  if (end < text.length && (end === 0 || text.charCodeAt(end - 1) === 32)) text = text.slice(0, end).trimEnd();
  return text.length <= MAX_HEADING_CHARS ? text : null;
}

function isFence(line: string): boolean {
  const t = line.trimStart();
  return t.startsWith('```') || t.startsWith('~~~');
}

/**
 * Splits markdown at ATX headings outside fenced code. A heading with no text under it is folded into the next
 * section's heading ("Project › Budget") so it stays searchable without costing a chunk of its own.
 */
function splitHeadings(content: string): Section[] {
  if (!content.includes('#')) return [{ heading: '', text: content }];
  const lines = content.split('\n');
  // The heading lines (the text before the first one is under the heading ''), then the sections between them.
  const marks: { line: number; heading: string }[] = [{ line: -1, heading: '' }];
  let inFence = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (isFence(line)) {
      inFence = !inFence;
      continue;
    }
    if (inFence || !line.includes('#')) continue;
    const text = headingText(line);
    if (text !== null) marks.push({ line: i, heading: text });
  }
  const sections: Section[] = [];
  let pendingHeadings: string[] = [];
  for (let m = 0; m < marks.length; m++) {
    const { line, heading } = marks[m];
    const text = lines.slice(line + 1, m + 1 < marks.length ? marks[m + 1].line : lines.length).join('\n');
    if (text.trim().length === 0) {
      if (heading.length > 0) pendingHeadings.push(heading);
      continue;
    }
    const path = pendingHeadings.length > 0 ? [...pendingHeadings, heading].filter(Boolean) : [heading];
    sections.push({ heading: path.join(HEADING_PATH_SEPARATOR), text });
    pendingHeadings = [];
  }
  if (pendingHeadings.length > 0) sections.push({ heading: pendingHeadings.join(HEADING_PATH_SEPARATOR), text: '' });
  return sections;
}

function stripQuoteMarks(line: string): string {
  let i = 0;
  while (i < line.length && (line.charCodeAt(i) === 62 /* > */ || line.charCodeAt(i) === 32)) i++;
  return line.slice(i).trimEnd();
}

/** Whether line `i` starts a quoted reply: "On … wrote:" (possibly wrapped onto the next line) or Outlook's marker. */
function isReplyHeader(lines: string[], i: number): boolean {
  const line = stripQuoteMarks(lines[i]);
  if (line.startsWith('-----Original Message-----')) return true;
  if (!line.startsWith('On ') || line.length > MAX_REPLY_HEADER_CHARS) return false;
  if (line.endsWith('wrote:')) return true;
  const next = lines[i + 1];
  if (next === undefined) return false;
  const wrapped = stripQuoteMarks(next);
  return wrapped.endsWith('wrote:') && line.length + wrapped.length <= MAX_REPLY_HEADER_CHARS;
}

/** Splits an email body before each reply header; the header line starts its section so the sender is searchable. */
function splitReplies(content: string): Section[] {
  if (!content.includes('wrote:') && !content.includes('-----Original Message-----')) {
    return [{ heading: '', text: content }];
  }
  const lines = content.split('\n');
  const sections: Section[] = [];
  let start = 0;
  for (let i = 1; i < lines.length; i++) {
    if (!isReplyHeader(lines, i)) continue;
    sections.push({ heading: '', text: lines.slice(start, i).join('\n') });
    start = i;
  }
  sections.push({ heading: '', text: lines.slice(start).join('\n') });
  return sections;
}
