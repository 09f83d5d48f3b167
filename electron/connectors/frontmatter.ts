/**
 * YAML frontmatter of Markdown notes (`---` … `---` at the very top), as Obsidian and static-site tools write it.
 *
 * Malformed frontmatter is normal in real vaults (unquoted [[links]], tabs, unrun Templater templates), so
 * nothing here throws: a bad block becomes a W_BAD_FRONTMATTER warning and the note is still indexed. When the
 * block does not parse, the body is the whole file, so no text is lost from the index because of it.
 */
import { parseDocument } from 'yaml';

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

  if (nestingTooDeep(yaml)) {
    return {
      data: {},
      body: text,
      issue: bad(`The frontmatter is nested more than ${MAX_NESTING} levels deep; it was indexed as ordinary text.`),
    };
  }
  const doc = parseDocument(yaml, { schema: 'core', customTags: [], uniqueKeys: false, prettyErrors: false });
  if (doc.errors.length > 0) {
    const first = doc.errors[0];
    return { data: {}, body: text, issue: bad(`The frontmatter is not valid YAML: ${firstLine(first.message)}`) };
  }
  const value: unknown = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  if (value === null || value === undefined) return { data: {}, body: afterBlock, issue: null };
  if (typeof value !== 'object' || Array.isArray(value)) {
    // Not key: value pairs, so not metadata: most likely a Markdown rule ("---") followed by text.
    return { data: {}, body: text, issue: null };
  }
  const data = value as Record<string, unknown>;
  const linkLists = Object.keys(data).filter((key) => isUnquotedLinkList(data[key]));
  const issue =
    linkLists.length > 0
      ? bad(
          `Links in the frontmatter must be quoted ("[[Note]]"); ${linkLists.map((k) => `"${k}"`).join(', ')} was read as a nested list.`,
        )
      : null;
  return { data, body: afterBlock, issue };
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
  const isLink = (v: unknown) => Array.isArray(v) && v.length === 1 && typeof v[0] === 'string';
  return Array.isArray(value) && value.some(isLink);
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
