/**
 * YAML frontmatter of Markdown notes (`---` … `---` at the very top), as Obsidian and static-site tools write it.
 *
 * Malformed frontmatter is normal in real vaults (unquoted [[links]], tabs, unrun Templater templates), so
 * nothing here throws: a bad block becomes a W_BAD_FRONTMATTER warning and the note is still indexed. When the
 * block does not parse, the body is the whole file, so no text is lost from the index because of it.
 */
import type * as YamlModule from 'yaml';
import { lazyModule } from './lazy-module.js';

/** The full YAML parser, for the frontmatter that parseFlatYaml does not take (nesting, flow style, anchors). */
const yamlModule = lazyModule<typeof YamlModule>('yaml');

export const MAX_FRONTMATTER_CHARS = 64 * 1024;
/** Enough for real-world anchors; stops "billion laughs" alias expansion. */
const MAX_ALIAS_COUNT = 20;
/** Real frontmatter nests two or three levels; this leaves ample room and keeps the parser's recursion shallow. */
const MAX_NESTING = 64;

export interface FrontmatterIssue {
  code: 'W_BAD_FRONTMATTER';
  message: string;
}

export interface SplitFrontmatter {
  data: Record<string, unknown>;
  body: string;
  issue: FrontmatterIssue | null;
}

const OPENING = /^---[ \t]*\r?\n/;
/** A Templater command (`<% tp.date.now() %>`, `<%* … %>`): the file is a template, not a note with metadata. */
const TEMPLATER = /<%[\s\S]*?%>/;
/** A line that closes the block: `---` or YAML's document end `...`. */
const CLOSING = /^(?:---|\.\.\.)[ \t]*(?:\r?\n|$)/gm;

export function splitFrontmatter(text: string): SplitFrontmatter {
  try {
    return split(text);
  } catch (err) {
    // Defensive: the YAML library can fail in ways it does not report as parse errors (e.g. stack depth).
    return { data: {}, body: text, issue: bad(`The frontmatter could not be read (${errorText(err)}).`) };
  }
}

function split(text: string): SplitFrontmatter {
  const opening = OPENING.exec(text);
  if (opening === null) return { data: {}, body: text, issue: null };
  const start = opening[0].length;
  const head = text.slice(0, start + MAX_FRONTMATTER_CHARS + 8);
  CLOSING.lastIndex = start;
  const closing = CLOSING.exec(head);
  if (closing === null) {
    const message =
      text.length - start > MAX_FRONTMATTER_CHARS
        ? 'The frontmatter is never closed within its first 64 KB, so it was indexed as ordinary text.'
        : 'The frontmatter starts with "---" but has no closing "---" line, so it was indexed as ordinary text.';
    return { data: {}, body: text, issue: bad(message) };
  }
  const yaml = text.slice(start, closing.index);
  const afterBlock = text.slice(closing.index + closing[0].length);
  if (yaml.length > MAX_FRONTMATTER_CHARS) {
    return {
      data: {},
      body: text,
      issue: bad('The frontmatter is larger than 64 KB; it was indexed as ordinary text.'),
    };
  }
  if (TEMPLATER.test(yaml)) {
    return {
      data: {},
      body: afterBlock,
      issue: bad(
        'The frontmatter holds Templater commands (<% … %>) that were never run; its properties were ignored.',
      ),
    };
  }

  const flat = parseFlatYaml(yaml);
  if (flat !== null) return withLinkListIssue(flat, afterBlock);

  if (nestingTooDeep(yaml)) {
    return {
      data: {},
      body: text,
      issue: bad(`The frontmatter is nested more than ${MAX_NESTING} levels deep; it was indexed as ordinary text.`),
    };
  }
  const doc = yamlModule().parseDocument(yaml, {
    schema: 'core',
    customTags: [],
    uniqueKeys: false,
    prettyErrors: false,
    // Its warnings (a key that is a map, as an unquoted `{{date}}` template placeholder is) go to
    // process.emitWarning, i.e. the CLI's and daemon's stderr; what matters of them is in the metadata already.
    logLevel: 'error',
  });
  if (doc.errors.length > 0) {
    const first = doc.errors[0];
    return { data: {}, body: text, issue: bad(`The frontmatter is not valid YAML: ${firstLine(first.message)}`) };
  }
  const value: unknown = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  if (value === null || value === undefined) return { data: {}, body: afterBlock, issue: null };
  if (containsItself(value)) {
    // `a: &x [*x]` is valid YAML for a list that contains itself: no metadata can be made of it (and JSON of it throws).
    return {
      data: {},
      body: text,
      issue: bad('The frontmatter refers to itself (a recursive YAML alias); it was indexed as ordinary text.'),
    };
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    // Not key: value pairs, so not metadata: most likely a Markdown rule ("---") followed by text.
    return { data: {}, body: text, issue: null };
  }
  return withLinkListIssue(value as Record<string, unknown>, afterBlock);
}

/** Whether `value` reaches itself. Aliases share nodes, so each node is searched once (linear in the nodes). */
function containsItself(value: unknown, onPath = new Set<object>(), done = new Set<object>()): boolean {
  if (value === null || typeof value !== 'object' || done.has(value)) return false;
  if (onPath.has(value)) return true;
  onPath.add(value);
  const children = value instanceof Map ? [...value.values()] : Object.values(value);
  const found = children.some((child) => containsItself(child, onPath, done));
  onPath.delete(value);
  done.add(value);
  return found;
}

function withLinkListIssue(data: Record<string, unknown>, afterBlock: string): SplitFrontmatter {
  const linkLists = Object.keys(data).filter((key) => isUnquotedLinkList(data[key]));
  const issue =
    linkLists.length > 0
      ? bad(
          `Links in the frontmatter must be quoted ("[[Note]]"); ${linkLists.map((k) => `"${k}"`).join(', ')} was read as a nested list.`,
        )
      : null;
  return { data, body: afterBlock, issue };
}

// ---------------------------------------------------------------------------------------------------------------
// Flat frontmatter without the YAML parser.
//
// Nearly every note's frontmatter is a handful of `key: value` lines, `key: [a, b]` and `key:` + `- item` lists.
// The YAML library spends ~150 µs on such a block (it builds a full syntax tree), about as long as indexing the
// note; this reads that subset directly, with YAML 1.2 core-schema scalar resolution copied from the library, and
// returns null — the library decides — for anything else (nesting, multi-line or escaped strings, comments, anchors,
// tags, tabs, duplicate keys, unusual characters). test/unit/connectors/frontmatter-flat.test.ts holds it to the
// library's output.

const FLAT_KEY = /^([A-Za-z_][A-Za-z0-9_-]*):(?: +(.*))?$/;
const FLAT_ITEM = /^( *)- +(.*)$/;
/** Printable characters YAML allows, minus tab, DEL, C1 controls, BOM and lone surrogates. */
const FLAT_TEXT = /^[\x20-\x7E\u00A0-\uD7FF\uE000-\uFEFE\uFF00-\uFFFD\u{10000}-\u{10FFFF}]*$/u;
/** A plain scalar we resolve ourselves: starts with a letter, digit or `_`; no comment, no mapping indicator. */
const FLAT_PLAIN_START = /^[\p{L}\p{N}_]/u;
const CORE_SCALARS: [RegExp, (s: string) => unknown][] = [
  [/^(?:~|[Nn]ull|NULL)?$/, () => null],
  [/^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/, (s) => s[0] === 't' || s[0] === 'T'],
  [/^0o[0-7]+$/, (s) => parseInt(s.substring(2), 8)],
  [/^[-+]?[0-9]+$/, (s) => parseInt(s, 10)],
  [/^0x[0-9a-fA-F]+$/, (s) => parseInt(s.substring(2), 16)],
  [
    /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/,
    (s) =>
      s.slice(-3).toLowerCase() === 'nan' ? NaN : s[0] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY,
  ],
  [/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/, (s) => parseFloat(s)],
  [/^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/, (s) => parseFloat(s)],
];

/** A scalar in block context (a value or a list item), or undefined when it is not one we handle. */
function flatScalar(text: string): unknown {
  const first = text[0];
  if (first === '"' || first === "'") {
    const inner = text.slice(1, -1);
    const ok =
      text.length >= 2 &&
      text[text.length - 1] === first &&
      !inner.includes(first) &&
      !(first === '"' && inner.includes('\\'));
    return ok ? inner : undefined;
  }
  return flatPlain(text, false);
}

function flatPlain(text: string, inFlow: boolean): unknown {
  const value = text.trimEnd();
  if (!FLAT_PLAIN_START.test(value) || value.includes(' #') || value.includes(': ') || value.endsWith(':'))
    return undefined;
  if (inFlow && /[,[\]{}]/.test(value)) return undefined;
  // Long digit runs lose precision as numbers: whether the library keeps them exact is left to the library.
  if (/[0-9]{16}/.test(value)) return undefined;
  for (const [test, resolve] of CORE_SCALARS) if (test.test(value)) return resolve(value);
  return value;
}

/** `[a, b, c]` of plain scalars on one line, or undefined. */
function flatFlowSequence(text: string): unknown[] | undefined {
  const value = text.trimEnd();
  if (!value.startsWith('[') || !value.endsWith(']')) return undefined;
  const inner = value.slice(1, -1).trim();
  if (inner === '') return [];
  const items: unknown[] = [];
  for (const part of inner.split(',')) {
    const item = part.trim();
    if (item === '') return undefined;
    const resolved = flatPlain(item, true);
    if (resolved === undefined) return undefined;
    items.push(resolved);
  }
  return items;
}

/** The mapping of a flat frontmatter block, or null when the block is not one this reads (the library does). */
export function parseFlatYaml(yaml: string): Record<string, unknown> | null {
  const text = yaml.includes('\r') ? yaml.replace(/\r\n/g, '\n') : yaml;
  if (text.includes('\r') || !FLAT_TEXT.test(text.replace(/\n/g, ' '))) return null;
  const data: Record<string, unknown> = {};
  let keys = 0;
  let list: unknown[] | null = null;
  let listIndent = -1;
  let listKey = '';
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const item = FLAT_ITEM.exec(line);
    if (item) {
      if (list === null || (listIndent >= 0 && item[1].length !== listIndent)) return null;
      listIndent = item[1].length;
      const value = flatScalar(item[2]);
      if (value === undefined || item[2].trimEnd() === '') return null;
      list.push(value);
      data[listKey] = list;
      continue;
    }
    const entry = FLAT_KEY.exec(line);
    if (!entry) return null;
    const [, key, rest = ''] = entry;
    if (Object.hasOwn(data, key) || key === '__proto__') return null;
    keys++;
    list = null;
    listIndent = -1;
    if (rest.trimEnd() === '') {
      // Null, unless list items follow.
      data[key] = null;
      list = [];
      listKey = key;
      continue;
    }
    const value = rest.startsWith('[') ? flatFlowSequence(rest) : flatScalar(rest);
    if (value === undefined) return null;
    data[key] = value;
  }
  return keys > 0 ? data : null;
}

/**
 * Conservative estimate of how deeply the YAML nests (indentation levels, compact `- - x` entries and unclosed
 * brackets, quotes ignored). The parser recurses once per level: deep input overflows the stack, and V8 has been
 * seen to abort the whole process (regexp compilation out of memory) when that happens after warm-up. So deep
 * input is never handed to it.
 */
function nestingTooDeep(yaml: string): boolean {
  let flow = 0;
  const indents: number[] = [];
  for (const line of yaml.split('\n')) {
    const lead = /^( *)((?:[-?:][ \t]+)*)/.exec(line)!;
    const rest = line.slice(lead[0].length).trim();
    if (rest !== '' && !rest.startsWith('#')) {
      const indent = lead[1].length;
      while (indents.length > 0 && indents[indents.length - 1] >= indent) indents.pop();
      indents.push(indent);
      const compact = lead[2].replace(/[ \t]/g, '').length;
      if (indents.length + compact + flow > MAX_NESTING) return true;
    }
    for (let i = 0; i < line.length; i++) {
      const c = line.charCodeAt(i);
      if (c === 0x5b || c === 0x7b) {
        if (++flow + indents.length > MAX_NESTING) return true;
      } else if ((c === 0x5d || c === 0x7d) && flow > 0) {
        flow--;
      }
    }
  }
  return false;
}

/** `key: [[Note]]` is valid YAML, but a list of lists; Obsidian users mean a link. */
function isUnquotedLinkList(value: unknown): boolean {
  return Array.isArray(value) && value.some(isUnquotedLink);
}

// Module-level rather than a closure per call: under tsx (the CLI), every closure made is also renamed (keepNames).
function isUnquotedLink(v: unknown): boolean {
  return Array.isArray(v) && v.length === 1 && typeof v[0] === 'string';
}

function bad(message: string): FrontmatterIssue {
  return { code: 'W_BAD_FRONTMATTER', message };
}

function firstLine(message: string): string {
  const line = message.split('\n', 1)[0] ?? message;
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

function errorText(err: unknown): string {
  return err instanceof Error ? firstLine(err.message) : String(err);
}

// ---------------------------------------------------------------------------------------------------------------
// Well-known properties, read the way Obsidian reads them.

/** Obsidian's tag rule: no whitespace or punctuation other than `_ - /`, and not only digits. */
const TAG_FORBIDDEN = /[\s!"#$%&'()*+,.:;<=>?@[\\\]^`{|}~]/u;

/** Normalises one tag (`#Project/Alpha` → `Project/Alpha`); null when it is not a valid tag. */
export function normaliseTag(raw: string): string | null {
  const tag = raw
    .trim()
    .replace(/^#+/, '')
    .replace(/^\/+|\/+$/g, '');
  if (tag === '' || TAG_FORBIDDEN.test(tag) || /^[\d/]+$/.test(tag)) return null;
  return tag;
}

/** Tags from `tags:`/`tag:`: a list, or one string separated by commas and/or spaces. Case-insensitively unique. */
export function frontmatterTags(data: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const key of ['tags', 'tag', 'Tags']) {
    const value = data[key];
    for (const item of scalarItems(value)) {
      // Only a single string is a separated list (`tags: a, b c`); a list item with a space is one invalid tag.
      for (const part of typeof value === 'string' ? item.split(/[,\s]+/) : [item]) {
        const tag = normaliseTag(part);
        if (tag !== null) out.push(tag);
      }
    }
  }
  return uniqueCaseInsensitive(out);
}

/** Aliases from `aliases:`/`alias:`: a list, or one comma-separated string. */
export function frontmatterAliases(data: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const key of ['aliases', 'alias', 'Aliases']) {
    const value = data[key];
    const items = scalarItems(value);
    for (const item of items) {
      const parts = typeof value === 'string' ? item.split(',') : [item];
      for (const part of parts) {
        const alias = part.trim();
        if (alias !== '') out.push(alias);
      }
    }
  }
  return uniqueCaseInsensitive(out);
}

/** `title:` when it is a usable string (or number). */
export function frontmatterTitle(data: Record<string, unknown>): string | null {
  const value = data.title ?? data.Title;
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

/** Strings (and numbers) from a scalar or a flat list; nested lists and maps are not guessed at. */
function scalarItems(value: unknown): string[] {
  const items = Array.isArray(value) ? (value as unknown[]) : [value];
  const out: string[] = [];
  for (const item of items) {
    if (typeof item === 'string') out.push(item);
    else if (typeof item === 'number' && Number.isFinite(item)) out.push(String(item));
  }
  return out;
}

/** Tags and aliases are case-insensitive in Obsidian: the first spelling wins. */
export function uniqueCaseInsensitive(values: string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const v of values) {
    const folded = v.toLowerCase();
    if (seen.has(folded)) continue;
    seen.add(folded);
    out.push(v);
  }
  return out;
}

/**
 * Properties indexed elsewhere (title, tags, aliases) or that say how a note looks or which plugin owns it, not what
 * it says. Lower case; keys are compared case-insensitively.
 */
const NON_TEXT_PROPERTIES: ReadonlySet<string> = new Set([
  'title',
  'tags',
  'tag',
  'aliases',
  'alias',
  'cssclasses',
  'cssclass',
  'kanban-plugin',
]);
/** Deeper than properties are written; a bound, not a rule. */
const MAX_PROPERTY_DEPTH = 4;

/**
 * The words of a note's other properties (`description:`, `author:`, `source:`, lists, nested maps), one
 * `key: value, value` line each, in the order written; '' when there are none. Obsidian's search finds a note by its
 * properties' values; without them here, `description: the heron survey` would not find its note. Flags and empty
 * values have no words; neither do a plugin's `excalidraw-…` settings.
 */
export function frontmatterText(data: Record<string, unknown>): string {
  const lines: string[] = [];
  for (const [key, value] of Object.entries(data)) {
    const lower = key.toLowerCase();
    if (NON_TEXT_PROPERTIES.has(lower) || lower.startsWith('excalidraw-')) continue;
    const words: string[] = [];
    propertyWords(value, words, 0);
    if (words.length > 0) lines.push(`${key}: ${words.join(', ')}`);
  }
  return lines.join('\n');
}

/** The heading a note opens with (after blank lines), up to and with its line end: its first section's heading. */
const OPENING_HEADING = /^(?:[ \t]*\r?\n)*[ ]{0,3}#{1,6}[ \t][^\n]*(?:\n|$)/;

/**
 * A note's text with its properties' words (frontmatterText) in its first section: after the heading it opens with,
 * else at its top. Before that heading they would be a section, and so a chunk, of their own: a quarter more chunks
 * for the usual vault, whose notes open with their title as a heading, and search results showing only
 * "created: 2024-05-01".
 */
export function withPropertiesText(body: string, properties: string): string {
  if (properties === '') return body;
  const heading = OPENING_HEADING.exec(body);
  if (heading === null) return `${properties}\n\n${body}`;
  const head = heading[0].endsWith('\n') ? heading[0] : `${heading[0]}\n`;
  const rest = body.slice(heading[0].length).replace(/^(?:[ \t]*\r?\n)+/, '');
  return `${head}\n${properties}\n\n${rest}`;
}

function propertyWords(value: unknown, out: string[], depth: number): void {
  if (typeof value === 'string') {
    const text = value.trim();
    if (text !== '') out.push(text);
  } else if (typeof value === 'number') {
    if (Number.isFinite(value)) out.push(String(value));
  } else if (depth < MAX_PROPERTY_DEPTH && Array.isArray(value)) {
    for (const item of value) propertyWords(item, out, depth + 1);
  } else if (depth < MAX_PROPERTY_DEPTH && value !== null && typeof value === 'object') {
    for (const item of Object.values(value)) propertyWords(item, out, depth + 1);
  }
}
