/**
 * Deterministic benchmark corpora: the same kind, size and seed always give the same bytes.
 *
 * - `notes`: an Obsidian vault of N Markdown notes of ~2 KB (1.5–2.5 KB, mean 2 KB) with YAML frontmatter (title,
 *   tags, aliases, dates, a quoted [[link]]), a `#` title, three `##` sections, [[wikilinks]] and inline #tags.
 *   A note yields 4 chunks (one per section), so 50,000 notes make an index of ~200,000 chunks.
 * - `tree`: N small text files (150–700 bytes, .md and .txt) in a three-level tree of 100 files per folder.
 * - `mbox`: one mbox of at least the asked size: plain-text mail (some replies with quoted text),
 *   multipart/alternative (text + HTML) and, one message in ten, a base64 attachment; ~14 KB a message.
 *
 * Words are drawn from a fixed vocabulary (English function words, then 30,000 made-up words) with one Zipf
 * distribution, so term statistics look like natural text. Every item is generated from (seed, index) alone, which is
 * what lets `mutateCorpus` / `restoreCorpus` rewrite any single file exactly. File mtimes are set to whole seconds
 * derived from the index, so a restored file has the same fingerprint (size, mtime, inode) as before.
 *
 * CLI: node bin/run-ts.mjs bench/corpus.ts <notes|tree|mbox> --out PATH [--n N] [--size 1GB] [--seed S]
 */
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

/** Bump when the output of any generator changes: cached corpora are keyed by it. */
export const GENERATOR_VERSION = 2;

export type CorpusKind = 'notes' | 'tree';

// ── Random numbers ──────────────────────────────────────────────────────────────────────────────────────────

/** mulberry32: small, fast, good enough for text. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A well-mixed 32-bit seed for item `index` of a corpus with `seed` (murmur3 finaliser). */
function itemSeed(seed: number, index: number, salt: number): number {
  let h = (Math.imul(seed ^ salt, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const int = (r: () => number, min: number, max: number): number => min + Math.floor(r() * (max - min + 1));
const pick = <T>(r: () => number, list: readonly T[]): T => list[Math.floor(r() * list.length)];

// ── Vocabulary ──────────────────────────────────────────────────────────────────────────────────────────────

/** English function words, most frequent first: the top ranks of the word distribution. */
export const FUNCTION_WORDS = (
  'the of and to a in is it that for on was with as be at by this have from or an but not are they we his her ' +
  'which you were all one their there been has more when will would can if about so no what up out into than them ' +
  'some could these other then its also only two may after first new any our most over such'
).split(' ');
const CONTENT_WORDS = 30_000;

interface Vocabulary {
  /** Function words, then made-up content words, shortest first (frequent words are short). */
  words: string[];
  /** Cumulative Zipf weights (s = 1) over `words`, normalised to 1. */
  cumulative: Float64Array;
  /** Cumulative weights over the content words alone. */
  contentCumulative: Float64Array;
}

let vocabulary: Vocabulary | null = null;

function cumulativeZipf(n: number, from: number): Float64Array {
  const out = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    sum += 1 / (from + i + 1);
    out[i] = sum;
  }
  for (let i = 0; i < n; i++) out[i] /= sum;
  return out;
}

/**
 * The fixed vocabulary (independent of the corpus seed, so every corpus has the same word statistics). One Zipf
 * distribution over all words, function words first, as in English: they make up about half of running text, and a
 * content word of rank r is used about 1/r as often as the most common word.
 */
export function getVocabulary(): Vocabulary {
  if (vocabulary) return vocabulary;
  const r = rng(0x5eed);
  const onsets = [
    'b',
    'c',
    'd',
    'f',
    'g',
    'h',
    'j',
    'k',
    'l',
    'm',
    'n',
    'p',
    'r',
    's',
    't',
    'v',
    'w',
    'z',
    'br',
    'cl',
    'st',
    'tr',
    'sh',
    'ch',
    'gr',
    'pl',
    'qu',
    'th',
  ];
  const vowels = ['a', 'e', 'i', 'o', 'u', 'ai', 'ea', 'ou', 'io', 'y'];
  const codas = ['', '', '', 'n', 'r', 's', 't', 'l', 'm', 'nd', 'st', 'ck', 'x'];
  const seen = new Set<string>(FUNCTION_WORDS);
  const content: string[] = [];
  while (content.length < CONTENT_WORDS) {
    const roll = r();
    const syllables = roll < 0.35 ? 1 : roll < 0.8 ? 2 : 3;
    let w = '';
    for (let s = 0; s < syllables; s++) w += pick(r, onsets) + pick(r, vowels) + pick(r, codas);
    if (w.length < 3 || seen.has(w)) continue;
    seen.add(w);
    content.push(w);
  }
  // Zipf's law of abbreviation: the frequent words are the short ones.
  content.sort((a, b) => a.length - b.length);
  const words = [...FUNCTION_WORDS, ...content];
  vocabulary = {
    words,
    cumulative: cumulativeZipf(words.length, 0),
    contentCumulative: cumulativeZipf(content.length, FUNCTION_WORDS.length),
  };
  return vocabulary;
}

function sample(cumulative: Float64Array, x: number): number {
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cumulative[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A content word (titles, tags, headings, names), with the frequencies content words have in running text. */
export function contentWord(r: () => number): string {
  const v = getVocabulary();
  return v.words[FUNCTION_WORDS.length + sample(v.contentCumulative, r())];
}

/** A word of running text. */
function word(r: () => number): string {
  const v = getVocabulary();
  return v.words[sample(v.cumulative, r())];
}

const capitalise = (w: string): string => w[0].toUpperCase() + w.slice(1);

function words(r: () => number, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(contentWord(r));
  return out;
}

interface Extras {
  /** Returns a [[wikilink]] (or null) to sprinkle into notes. */
  link?: () => string | null;
  tag?: () => string | null;
}

function sentence(r: () => number, extras: Extras = {}): string {
  const n = int(r, 6, 18);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    let w = word(r);
    if (i === 0) w = capitalise(w);
    else if (i < n - 1 && r() < 0.06) w += ',';
    parts.push(w);
  }
  const link = extras.link?.();
  if (link) parts.splice(int(r, 1, parts.length - 1), 0, link);
  const tag = extras.tag?.();
  if (tag) parts.splice(int(r, 1, parts.length - 1), 0, tag);
  return `${parts.join(' ')}${r() < 0.9 ? '.' : '?'}`;
}

/** Paragraphs of sentences until `budget` characters are reached (at least one paragraph). */
function paragraphs(r: () => number, budget: number, extras: Extras = {}): string {
  const out: string[] = [];
  let length = 0;
  while (out.length === 0 || length < budget) {
    const sentences: string[] = [];
    const count = int(r, 2, 5);
    for (let i = 0; i < count && length < budget; i++) {
      const s = sentence(r, extras);
      sentences.push(s);
      length += s.length + 1;
    }
    out.push(sentences.join(' '));
    length += 2;
  }
  return out.join('\n\n');
}

// ── Notes (Obsidian vault) ──────────────────────────────────────────────────────────────────────────────────

const NOTES_PER_FOLDER = 500;
const TAG_POOL_SIZE = 200;
/** Whole-second mtimes from 2023-01-01, ten minutes apart: deterministic, and exactly restorable. */
const MTIME_BASE_S = Date.UTC(2023, 0, 1) / 1000;

export function notePath(index: number): string {
  return `f${String(Math.floor(index / NOTES_PER_FOLDER)).padStart(3, '0')}/note-${String(index).padStart(6, '0')}.md`;
}

function noteName(index: number): string {
  return `note-${String(index).padStart(6, '0')}`;
}

function tagName(r: () => number): string {
  const t = Math.floor(r() * r() * TAG_POOL_SIZE); // small tag numbers are the common ones
  const tr = rng(itemSeed(7, t, 0x7a6));
  return t % 3 === 0 ? `${contentWord(tr)}/${contentWord(tr)}` : contentWord(tr);
}

/** The text of note `index` of an N-note vault. ~2 KB: 1.5–2.5 KB, uniformly. */
export function noteText(seed: number, index: number, n: number): string {
  const r = rng(itemSeed(seed, index, 0x4e07e));
  const target = Math.round(2048 * (0.75 + r() * 0.5));
  const title = words(r, int(r, 2, 5))
    .map(capitalise)
    .join(' ');
  const tags = [...new Set(Array.from({ length: int(r, 1, 4) }, () => tagName(r)))];
  const created = new Date((MTIME_BASE_S - int(r, 0, 3 * 365 * 86400)) * 1000).toISOString().slice(0, 10);
  const fm = ['---', `title: ${title}`, `tags: [${tags.join(', ')}]`];
  if (r() < 0.3) fm.push(`aliases: [${capitalise(contentWord(r))} ${contentWord(r)}]`);
  fm.push(`created: ${created}`);
  if (r() < 0.5) fm.push(`related: "[[${noteName(Math.floor(r() * n))}]]"`);
  if (r() < 0.3) fm.push(`status: ${pick(r, ['draft', 'active', 'done', 'someday'])}`);
  fm.push('---');
  const head = `${fm.join('\n')}\n# ${title}\n\n`;
  const extras: Extras = {
    link: () => {
      if (r() >= 0.08) return null;
      const target = noteName(Math.floor(r() * n));
      return r() < 0.3 ? `[[${target}|${contentWord(r)} ${contentWord(r)}]]` : `[[${target}]]`;
    },
    tag: () => (r() < 0.02 ? `#${tagName(r)}` : null),
  };
  const sections = 4;
  const budget = Math.max(120, (target - head.length) / sections - 45);
  const parts = [paragraphs(r, budget, extras)];
  for (let s = 1; s < sections; s++) {
    parts.push(`## ${capitalise(words(r, int(r, 1, 4)).join(' '))}\n\n${paragraphs(r, budget, extras)}`);
  }
  return `${head}${parts.join('\n\n')}\n`;
}

// ── Tree of small files ─────────────────────────────────────────────────────────────────────────────────────

const FILES_PER_FOLDER = 100;

export function treePath(index: number): string {
  const leaf = Math.floor(index / FILES_PER_FOLDER);
  const ext = index % 4 === 3 ? 'txt' : 'md';
  return `d${Math.floor(leaf / 100)}/d${Math.floor(leaf / 10) % 10}/d${leaf % 10}/file-${String(index).padStart(6, '0')}.${ext}`;
}

/** The text of small file `index`: 150–700 bytes. */
export function treeFileText(seed: number, index: number): string {
  const r = rng(itemSeed(seed, index, 0x74ee));
  const budget = int(r, 120, 620);
  const heading = index % 4 === 3 ? '' : `# ${capitalise(words(r, int(r, 1, 4)).join(' '))}\n\n`;
  return `${heading}${paragraphs(r, budget - heading.length)}\n`;
}

// ── Writing and mutating file corpora ───────────────────────────────────────────────────────────────────────

function pathOf(kind: CorpusKind, index: number): string {
  return kind === 'notes' ? notePath(index) : treePath(index);
}

function textOf(kind: CorpusKind, seed: number, index: number, n: number): string {
  return kind === 'notes' ? noteText(seed, index, n) : treeFileText(seed, index);
}

function mtimeOf(index: number): number {
  return MTIME_BASE_S + index * 600;
}

function writeItem(dir: string, kind: CorpusKind, seed: number, index: number, n: number): void {
  const file = join(dir, pathOf(kind, index));
  writeFileSync(file, textOf(kind, seed, index, n));
  utimesSync(file, mtimeOf(index), mtimeOf(index));
}

export interface FileCorpusSpec {
  kind: CorpusKind;
  /** Number of files. */
  n: number;
  seed: number;
}

export interface WriteResult {
  files: number;
  bytes: number;
}

/** Writes the corpus into `dir` (created; must not hold another corpus). Notes get an `.obsidian/` folder. */
export function writeFileCorpus(dir: string, spec: FileCorpusSpec): WriteResult {
  const { kind, n, seed } = spec;
  mkdirSync(dir, { recursive: true });
  if (kind === 'notes') {
    mkdirSync(join(dir, '.obsidian'), { recursive: true });
    writeFileSync(join(dir, '.obsidian', 'app.json'), '{}\n');
  }
  let bytes = 0;
  let lastDir = '';
  for (let i = 0; i < n; i++) {
    const rel = pathOf(kind, i);
    const parent = dirname(rel);
    if (parent !== lastDir) {
      mkdirSync(join(dir, parent), { recursive: true });
      lastDir = parent;
    }
    const text = textOf(kind, seed, i, n);
    const file = join(dir, rel);
    writeFileSync(file, text);
    utimesSync(file, mtimeOf(i), mtimeOf(i));
    bytes += Buffer.byteLength(text);
  }
  return { files: n, bytes };
}

export interface Mutation {
  spec: FileCorpusSpec;
  /** Indexes of edited files (a paragraph appended, in place: same inode). */
  edited: number[];
  /** Indexes of deleted files (moved to `trash`, outside the corpus, so restoring keeps their inode). */
  deleted: number[];
  trash: string;
  /** Edited and deleted files' fingerprints before the change, `size:mtimeMs:ino`, to check the restore. */
  fingerprints: Record<string, string>;
}

function journalPath(dir: string): string {
  return `${dir}.mutation.json`;
}

function fingerprint(file: string): string {
  const st = statSync(file);
  return `${st.size}:${st.mtimeMs}:${st.ino}`;
}

/**
 * Edits `editShare` and deletes `deleteShare` of the corpus' files (disjoint, chosen by seed), journaling what it
 * did beside the corpus so `restoreCorpus` (also run by `ensureFileCorpus`) can undo it exactly. `round` 1, 2…
 * chooses as many other files, none of them chosen by another round (round 0 is the benchmark's).
 */
export function mutateCorpus(
  dir: string,
  spec: FileCorpusSpec,
  editShare: number,
  deleteShare: number,
  round = 0,
): Mutation {
  if (existsSync(journalPath(dir))) restoreCorpus(dir);
  const r = rng(itemSeed(spec.seed, spec.n, 0xed17));
  const order = Array.from({ length: spec.n }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const edits = Math.round(spec.n * editShare);
  const deletes = Math.round(spec.n * deleteShare);
  const from = round * (edits + deletes);
  if (from + edits + deletes > spec.n) throw new Error(`mutateCorpus: round ${round} needs more files than ${spec.n}`);
  const mutation: Mutation = {
    spec,
    edited: order.slice(from, from + edits).sort((a, b) => a - b),
    deleted: order.slice(from + edits, from + edits + deletes).sort((a, b) => a - b),
    trash: `${dir}.trash`,
    fingerprints: {},
  };
  for (const i of [...mutation.edited, ...mutation.deleted]) {
    mutation.fingerprints[i] = fingerprint(join(dir, pathOf(spec.kind, i)));
  }
  rmSync(mutation.trash, { recursive: true, force: true });
  mkdirSync(mutation.trash, { recursive: true });
  writeFileSync(journalPath(dir), JSON.stringify(mutation));
  for (const i of mutation.edited) {
    const file = join(dir, pathOf(spec.kind, i));
    const er = rng(itemSeed(spec.seed, i, 0xed17));
    writeFileSync(file, `${textOf(spec.kind, spec.seed, i, spec.n)}\nEdited: ${paragraphs(er, 200)}\n`);
  }
  for (const i of mutation.deleted) renameSync(join(dir, pathOf(spec.kind, i)), join(mutation.trash, String(i)));
  return mutation;
}

/** Undoes `mutateCorpus` (no-op without a journal); throws when a restored file's fingerprint differs. */
export function restoreCorpus(dir: string): void {
  const journal = journalPath(dir);
  if (!existsSync(journal)) return;
  const m = JSON.parse(readFileSync(journal, 'utf8')) as Mutation;
  const { kind, seed, n } = m.spec;
  for (const i of m.edited) writeItem(dir, kind, seed, i, n);
  for (const i of m.deleted) {
    const file = join(dir, pathOf(kind, i));
    const moved = join(m.trash, String(i));
    if (existsSync(moved)) renameSync(moved, file);
    else if (!existsSync(file)) writeItem(dir, kind, seed, i, n);
    utimesSync(file, mtimeOf(i), mtimeOf(i));
  }
  const changed = Object.entries(m.fingerprints).filter(
    ([i, fp]) => fingerprint(join(dir, pathOf(kind, Number(i)))) !== fp,
  );
  rmSync(m.trash, { recursive: true, force: true });
  rmSync(journal);
  if (changed.length > 0)
    throw new Error(`restoreCorpus: ${changed.length} file(s) of ${dir} did not get their fingerprint back`);
}

/**
 * A cached corpus under `cacheDir` (generated on first use, reused after; a half-written one is regenerated and an
 * interrupted mutation restored). Returns its directory.
 */
export function ensureFileCorpus(cacheDir: string, spec: FileCorpusSpec, log: (s: string) => void = () => {}): string {
  const dir = join(cacheDir, `${spec.kind}-n${spec.n}-s${spec.seed}-v${GENERATOR_VERSION}`);
  const done = `${dir}.done`;
  if (existsSync(done)) {
    restoreCorpus(dir);
    return dir;
  }
  rmSync(dir, { recursive: true, force: true });
  rmSync(journalPath(dir), { force: true });
  log(`generating ${spec.kind} corpus: ${spec.n} files (seed ${spec.seed}) in ${dir}`);
  const started = Date.now();
  const result = writeFileCorpus(dir, spec);
  writeFileSync(done, JSON.stringify({ ...result, ms: Date.now() - started }));
  return dir;
}

// ── mbox ────────────────────────────────────────────────────────────────────────────────────────────────────

const PEOPLE = 400;
const DOMAINS = ['example.com', 'example.org', 'mail.example.net', 'corp.example'];

function person(index: number): { name: string; address: string } {
  const r = rng(itemSeed(3, index, 0x9e0));
  const first = capitalise(contentWord(r));
  const last = capitalise(contentWord(r));
  return { name: `${first} ${last}`, address: `${first.toLowerCase()}.${last.toLowerCase()}@${pick(r, DOMAINS)}` };
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number): string => String(n).padStart(2, '0');

function rfc2822(d: Date): string {
  return `${DAYS[d.getUTCDay()]}, ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
}

function asctime(d: Date): string {
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

function base64Lines(r: () => number, bytes: number): string {
  const raw = Buffer.allocUnsafe(bytes);
  for (let i = 0; i < bytes; i += 4) raw.writeUInt32LE(Math.floor(r() * 4294967296), Math.min(i, bytes - 4));
  return (raw.toString('base64').match(/.{1,76}/g) ?? []).join('\n');
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Message `index` of the mbox, From_ line included, ending with a blank line. mboxrd-quoted. */
export function mboxMessage(seed: number, index: number): string {
  const r = rng(itemSeed(seed, index, 0x3b0c));
  const date = new Date((MTIME_BASE_S + index * 397 + int(r, 0, 300)) * 1000);
  const from = person(int(r, 0, PEOPLE - 1));
  const to = Array.from({ length: int(r, 1, 3) }, () => person(int(r, 0, PEOPLE - 1)));
  const cc = r() < 0.3 ? Array.from({ length: int(r, 1, 4) }, () => person(int(r, 0, PEOPLE - 1))) : [];
  const reply = r() < 0.35 && index > 0;
  const subject = `${reply ? 'Re: ' : ''}${capitalise(words(r, int(r, 2, 7)).join(' '))}`;
  const headers = [
    `From: ${from.name} <${from.address}>`,
    `To: ${to.map((p) => `${p.name} <${p.address}>`).join(', ')}`,
  ];
  if (cc.length > 0) headers.push(`Cc: ${cc.map((p) => `${p.name} <${p.address}>`).join(', ')}`);
  headers.push(`Subject: ${subject}`, `Date: ${rfc2822(date)}`, `Message-ID: <m${index}.${seed}@bench.example>`);
  if (reply) headers.push(`In-Reply-To: <m${int(r, 0, index - 1)}.${seed}@bench.example>`);
  headers.push('MIME-Version: 1.0');
  if (r() < 0.2) headers.push(`X-Mozilla-Status: 000${pick(r, ['0', '1', '3'])}`);

  let text = paragraphs(r, int(r, 300, 6000));
  if (r() < 0.05) text += `\n\nMerci, à bientôt — ${from.name.split(' ')[0]}`;
  if (reply) {
    const quoted = paragraphs(r, int(r, 200, 2500))
      .split('\n')
      .map((l) => `> ${l}`)
      .join('\n');
    text += `\n\nOn ${rfc2822(new Date(date.getTime() - 86400_000))}, ${person(int(r, 0, PEOPLE - 1)).name} wrote:\n${quoted}`;
  }
  const textPart = `Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n${text}\n`;
  const roll = r();
  let body: string;
  if (roll < 0.6) {
    body = `${textPart}`;
  } else if (roll < 0.9) {
    const html = `<html><body>${text
      .split('\n\n')
      .map((p) => `<p style="margin:0 0 1em 0">${escapeHtml(p).replace(/\n/g, '<br>')}</p>`)
      .join('\n')}</body></html>`;
    const b = `alt${index}`;
    body = `Content-Type: multipart/alternative; boundary="${b}"\n\n--${b}\n${textPart}\n--${b}\nContent-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n${html}\n\n--${b}--\n`;
  } else {
    const b = `mix${index}`;
    const name = `${contentWord(r)}-${index}.pdf`;
    body =
      `Content-Type: multipart/mixed; boundary="${b}"\n\n--${b}\n${textPart}\n--${b}\n` +
      `Content-Type: application/pdf; name="${name}"\nContent-Disposition: attachment; filename="${name}"\n` +
      `Content-Transfer-Encoding: base64\n\n${base64Lines(r, int(r, 8_000, 120_000))}\n\n--${b}--\n`;
  }
  const message = `${headers.join('\n')}\n${body}`.replace(/^(>*From )/gm, '>$1');
  return `From ${from.address} ${asctime(date)}\n${message}\n`;
}

/** Writes an mbox of at least `bytes` bytes (less than one message more). Returns its size and message count. */
export function writeMbox(file: string, bytes: number, seed: number): { bytes: number; messages: number } {
  mkdirSync(dirname(file), { recursive: true });
  const fd = openSync(file, 'w');
  let written = 0;
  let messages = 0;
  try {
    let pending: string[] = [];
    let pendingBytes = 0;
    while (written + pendingBytes < bytes) {
      const m = mboxMessage(seed, messages++);
      pending.push(m);
      pendingBytes += Buffer.byteLength(m);
      if (pendingBytes >= 4 << 20) {
        written += writeSync(fd, pending.join(''));
        pending = [];
        pendingBytes = 0;
      }
    }
    if (pending.length > 0) written += writeSync(fd, pending.join(''));
  } finally {
    closeSync(fd);
  }
  return { bytes: written, messages };
}

/** A cached mbox of `bytes` bytes under `cacheDir`. */
export function ensureMbox(cacheDir: string, bytes: number, seed: number, log: (s: string) => void = () => {}): string {
  const file = join(cacheDir, `mbox-${bytes}-s${seed}-v${GENERATOR_VERSION}.mbox`);
  const done = `${file}.done`;
  if (existsSync(done) && existsSync(file)) return file;
  log(`generating mbox: ${formatSize(bytes)} (seed ${seed}) at ${file}`);
  const started = Date.now();
  const result = writeMbox(file, bytes, seed);
  writeFileSync(done, JSON.stringify({ ...result, ms: Date.now() - started }));
  return file;
}

// ── CLI ─────────────────────────────────────────────────────────────────────────────────────────────────────

export function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(b|kb|k|mb|m|gb|g)?$/i.exec(text.trim());
  if (!m) throw new Error(`not a size: ${text} (e.g. 1GB, 200MB, 4096)`);
  const unit = (m[2] ?? 'b').toLowerCase()[0];
  const factor = unit === 'g' ? 1 << 30 : unit === 'm' ? 1 << 20 : unit === 'k' ? 1 << 10 : 1;
  return Math.round(Number(m[1]) * factor);
}

export function formatSize(bytes: number): string {
  if (bytes >= 1 << 30) return `${(bytes / (1 << 30)).toFixed(2)} GB`;
  if (bytes >= 1 << 20) return `${(bytes / (1 << 20)).toFixed(1)} MB`;
  return `${(bytes / 1024).toFixed(1)} KB`;
}

function main(argv: string[]): void {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { out: { type: 'string' }, n: { type: 'string' }, size: { type: 'string' }, seed: { type: 'string' } },
  });
  const kind = positionals[0];
  const seed = Number(values.seed ?? 1);
  if (!values.out || !['notes', 'tree', 'mbox'].includes(kind) || !Number.isInteger(seed)) {
    console.error('usage: corpus.ts <notes|tree|mbox> --out PATH [--n N] [--size 1GB] [--seed S]');
    process.exit(2);
  }
  const started = Date.now();
  if (kind === 'mbox') {
    const r = writeMbox(values.out, parseSize(values.size ?? '100MB'), seed);
    console.log(JSON.stringify({ kind, out: values.out, seed, ...r, ms: Date.now() - started }));
  } else {
    const n = Number(values.n ?? (kind === 'notes' ? 5000 : 100_000));
    if (existsSync(values.out)) throw new Error(`${values.out} exists; give a new directory`);
    const r = writeFileCorpus(values.out, { kind: kind as CorpusKind, n, seed });
    console.log(JSON.stringify({ kind, out: values.out, seed, ...r, ms: Date.now() - started }));
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main(process.argv.slice(2));
