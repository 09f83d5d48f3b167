/**
 * The Obsidian vault source: the vault's Markdown notes, with the metadata Obsidian itself shows — frontmatter
 * title, tags and aliases, inline #tags, and [[wikilinks]] — one document per note, and its canvases
 * (obsidian-canvas.ts), one document each.
 *
 * Aliases go into SourceDocument.aliases, which the store indexes together with the title, so a note is found by
 * any of its names (its file name among them when a `title:` names it otherwise); the note's text itself is left as
 * written, but for an Excalidraw drawing's scene data (withoutExcalidrawScene) and block ids (withoutBlockIds), and
 * with the words of its other properties in its first section (`description:`, `author:`: frontmatterText), which
 * Obsidian's search finds a note by. `%% comments %%` are indexed: Obsidian hides them only in reading view, and
 * they are the user's own words (a note to self is what one looks for later).
 *
 * Notes and canvases the user excluded in Obsidian (Settings → Files and links → Excluded files) are left out, by
 * the vault's settings as they are at each sync (obsidian-settings.ts).
 */
import { promises as fsp } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { checkDirectoryPath } from './file-root.js';
import { FileTreeConnector, isTempOrHiddenName, maskMarkdownCode, type FileText, type FileTreeSpec } from './folder.js';
import {
  frontmatterAliases,
  frontmatterTags,
  frontmatterText,
  frontmatterTitle,
  withPropertiesText,
  normaliseTag,
  splitFrontmatter,
  uniqueCaseInsensitive,
} from './frontmatter.js';
import { canvasDocument } from './obsidian-canvas.js';
import { APP_JSON, DEFAULT_CONFIG_FOLDER, loadUserIgnoreFilters, movedConfigFolder } from './obsidian-settings.js';
import type { ConnectorKindModule, ItemIssue, SourceDocument } from './types.js';

/**
 * A tag's name after its `#`. A `#` is a tag only at the start of the text or after whitespace (a `#` inside a word
 * or URL, `page#part`, is not): that check is made by hand, because the same rule as a regex lookbehind cost ~20 µs
 * a note.
 */
const TAG_NAME = /[^\s!"#$%&'()*+,.:;<=>?@[\\\]^`{|}~]+/uy;
const WHITESPACE = /\s/;
const WIKILINK = /!?\[\[([^[\]\n]+?)\]\]/g;

/** Tags written in the note's text, outside code. */
export function inlineTags(markdown: string): string[] {
  return markdown.includes('#') ? tagsIn(maskMarkdownCode(markdown)) : [];
}

function tagsIn(masked: string): string[] {
  const out: string[] = [];
  for (let at = masked.indexOf('#'); at !== -1; at = masked.indexOf('#', at + 1)) {
    if (at > 0 && !WHITESPACE.test(masked[at - 1])) continue;
    TAG_NAME.lastIndex = at + 1;
    const name = TAG_NAME.exec(masked);
    if (name === null) continue;
    const tag = normaliseTag(name[0]);
    if (tag !== null) out.push(tag);
    at = TAG_NAME.lastIndex - 1;
  }
  return out;
}

/**
 * Targets of `[[Note]]`, `[[Note|shown text]]`, `[[Note#Heading]]`, `[[Note#^block]]` and `![[embed.png]]`,
 * outside code, in order of first appearance. A link to a heading of the same note (`[[#Heading]]`) has no target.
 */
export function wikilinkTargets(markdown: string): string[] {
  return markdown.includes('[[') ? linksIn(maskMarkdownCode(markdown)) : [];
}

function linksIn(masked: string): string[] {
  const out: string[] = [];
  for (const match of masked.matchAll(WIKILINK)) {
    const target = linkTarget(match[1]);
    if (target !== null) out.push(target);
  }
  return unique(out);
}

function linkTarget(inner: string): string | null {
  // In a table, the alias pipe is escaped: [[Note\|shown]].
  const beforeAlias = inner.split('|', 1)[0].replace(/\\$/, '');
  const target = beforeAlias.split('#', 1)[0].trim();
  return target === '' ? null : target;
}

/** Links written as quoted strings in frontmatter (`related: "[[Other note]]"`). */
function frontmatterLinks(value: unknown, out: string[], depth = 0, inList = false): void {
  if (depth > 8) return;
  if (typeof value === 'string') {
    if (!value.includes('[[')) return;
    for (const match of value.matchAll(WIKILINK)) {
      const target = linkTarget(match[1]);
      if (target !== null) out.push(target);
    }
  } else if (Array.isArray(value)) {
    // `up: [[Note]]` unquoted parses as [["Note"]]: a one-string list inside a list is what the user meant as a link.
    // Not one that is a value in a map (`meta: {tags: [inner]}`): that is a list of one tag.
    if (inList && value.length === 1 && typeof value[0] === 'string') {
      out.push(value[0]);
      return;
    }
    for (const item of value) frontmatterLinks(item, out, depth + 1, true);
  } else if (value !== null && typeof value === 'object') {
    for (const item of Object.values(value)) frontmatterLinks(item, out, depth + 1);
  }
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

/**
 * The Excalidraw plugin's drawings (`X.excalidraw.md`, frontmatter `excalidraw-plugin: parsed`) keep their scene as
 * JSON, or LZ-compressed base64 (`compressed-json`), in a code block under a `Drawing` heading inside a `%%` comment:
 * up to megabytes of element ids, styles and base64 whose "words" would be search hits and snippets. The drawing's
 * own words are listed above it (`Text Elements`), so the scene, with its comment, is left out, as is the plugin's
 * banner line asking to switch to Excalidraw view (the same in every drawing).
 */
const EXCALIDRAW_SCENE =
  /^(%%[ \t]*\r?\n)?#{1,6}[ \t]+Drawing[ \t]*\r?\n(`{3,}|~{3,})[ \t]*(?:compressed-json|json)[ \t]*\r?$/m;
const EXCALIDRAW_BANNER = /^==⚠[^\n]*⚠==[^\n]*(?:\n|$)/m;

function isExcalidraw(key: string, frontmatter: Record<string, unknown>): boolean {
  return frontmatter['excalidraw-plugin'] !== undefined || key.toLowerCase().endsWith('.excalidraw.md');
}

function withoutExcalidrawScene(body: string): string {
  const out = body.replace(EXCALIDRAW_BANNER, '');
  const open = EXCALIDRAW_SCENE.exec(out);
  if (open === null) return out;
  const [, comment, fence] = open;
  // The block ends at a line of the same fence; one never closed runs to the end of the file, as in Markdown.
  const close = new RegExp(`^${fence}[ \\t]*\\r?$`, 'gm');
  close.lastIndex = open.index + open[0].length;
  let end = close.exec(out) === null ? out.length : close.lastIndex;
  if (comment !== undefined) {
    const commentEnd = /\r?\n%%[ \t]*\r?$/my;
    commentEnd.lastIndex = end;
    if (commentEnd.exec(out) !== null) end = commentEnd.lastIndex;
  }
  return out.slice(0, open.index) + out.slice(end);
}

/**
 * A block id (`^abc-123`: Latin letters, digits and dashes) names the paragraph, list item or heading its line ends
 * (after whitespace), or, on a line of its own, the list, table or quote just above; Obsidian hides it in reading view
 * and links to it by `[[Note#^abc-123]]`. Random letters a user never wrote as words: as indexed text they only show
 * up in snippets and as search hits. Without whitespace before it (`x^2`), or in code, a `^` is the user's text.
 */
const BLOCK_ID = /\^[A-Za-z0-9-]+[ \t]*(?=\r?$)/my;

/** `body` without its block ids; `masked` is maskMarkdownCode(body), which tells code from text. */
function withoutBlockIds(body: string, masked: string): string {
  if (!body.includes('^')) return body;
  // No code in the note (most notes): the masked text is the note itself.
  if (masked === body) return cutBlockIds(body, () => true);
  const lines = body.split('\n');
  const maskedLines = masked.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    // Masking keeps what follows the line's last code span as written, so an id outside code ends both lines alike.
    if (line.includes('^')) lines[i] = cutBlockIds(line, (start) => maskedLines[i].endsWith(line.slice(start)));
  }
  return lines.join('\n');
}

/** `text` without the block ids `outsideCode` (asked with where each starts) accepts. */
function cutBlockIds(text: string, outsideCode: (start: number) => boolean): string {
  let out = '';
  let copied = 0;
  for (let caret = text.indexOf('^'); caret !== -1; caret = text.indexOf('^', caret + 1)) {
    const id = blockIdAt(text, caret);
    if (id === null || !outsideCode(id[0])) continue;
    out += text.slice(copied, id[0]);
    copied = id[1];
    caret = id[1] - 1;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/** Where the block id whose `^` is at `caret` starts (with the whitespace before it) and ends, or null. */
function blockIdAt(text: string, caret: number): [number, number] | null {
  let start = caret;
  while (start > 0 && (text[start - 1] === ' ' || text[start - 1] === '\t')) start--;
  if (start === caret && caret > 0 && text[caret - 1] !== '\n') return null;
  BLOCK_ID.lastIndex = caret;
  return BLOCK_ID.test(text) ? [start, BLOCK_ID.lastIndex] : null;
}

function noteDocument({ unit, text, mtimeMs }: FileText): { doc: SourceDocument; issues: ItemIssue[] } {
  const fm = splitFrontmatter(text);
  const issues: ItemIssue[] = fm.issue
    ? [{ path: unit.path, code: fm.issue.code, message: fm.issue.message, severity: 'warning' }]
    : [];
  const fmLinks: string[] = [];
  for (const value of Object.values(fm.data)) frontmatterLinks(value, fmLinks);
  const body = isExcalidraw(unit.key, fm.data) ? withoutExcalidrawScene(fm.body) : fm.body;
  // Tags and links are read outside code; the text is masked once for both.
  const masked = maskMarkdownCode(body);
  // In its first section, with its opening heading (withPropertiesText).
  const properties = frontmatterText(fm.data);
  // Obsidian shows a note by its file name; `title:` is what people set when they want another. The file name stays
  // one of its names: Obsidian's file list, quick switcher and [[links]] go by it.
  const fileName = basename(unit.key, extname(unit.key));
  const title = frontmatterTitle(fm.data) ?? fileName;
  const aliases = frontmatterAliases(fm.data);
  const doc: SourceDocument = {
    id: unit.key,
    title,
    content: withPropertiesText(withoutBlockIds(body, masked), properties),
    docType: 'note',
    path: unit.path,
    timestamp: mtimeMs,
    tags: uniqueCaseInsensitive([...frontmatterTags(fm.data), ...tagsIn(masked)]),
    aliases: title.toLowerCase() === fileName.toLowerCase() ? aliases : uniqueCaseInsensitive([...aliases, fileName]),
    links: unique([...linksIn(masked), ...fmLinks]),
  };
  if (Object.keys(fm.data).length > 0) doc.metadata = { frontmatter: fm.data };
  return { doc, issues };
}

/** Notes and canvases: the files of a vault that hold the user's words. */
const VAULT_EXTENSIONS: ReadonlySet<string> = new Set(['.md', '.canvas']);

const CANVAS_MARKDOWN = {
  tags: (markdown: string) => tagsIn(maskMarkdownCode(markdown)),
  links: wikilinkTargets,
};

export const obsidianSpec: FileTreeSpec = {
  kind: 'obsidian',
  acceptFile: (rel) => VAULT_EXTENSIONS.has(extname(rel).toLowerCase()) && !isTempOrHiddenName(basename(rel)),
  // Every dot-folder: .obsidian (settings, plugins), .trash (Obsidian's bin), .git, …
  skipDir: (_rel, name) => name.startsWith('.') || name === 'node_modules',
  toDocument: (file) =>
    extname(file.unit.key).toLowerCase() === '.canvas' ? canvasDocument(file, CANVAS_MARKDOWN) : noteDocument(file),
  loadTreeExcludes: loadUserIgnoreFilters,
  // 2: property values indexed, the file name kept as a name of a note titled otherwise, Excalidraw scenes left out.
  // 3: block ids (`^abc123`) left out.
  readerVersion: 3,
};

async function checkVaultPath(path: string): Promise<string | null> {
  const folderProblem = await checkDirectoryPath(path);
  if (folderProblem !== null) return folderProblem;
  const marker = await fsp.stat(join(path, DEFAULT_CONFIG_FOLDER)).catch(() => null);
  if ((marker === null || !marker.isDirectory()) && (await movedConfigFolder(path)) === null) {
    return `${path} is not an Obsidian vault (no .obsidian folder). Open it in Obsidian once, or add it as a plain folder.`;
  }
  return null;
}

export const obsidianKind: ConnectorKindModule = {
  kind: 'obsidian',
  label: 'Obsidian vault',
  description:
    "The notes and canvases of an Obsidian vault, with their tags, aliases and links, minus the vault's Excluded files.",
  pathType: 'directory',
  create: (config) => new FileTreeConnector(config, obsidianSpec),
  checkPath: checkVaultPath,
  // An edit of Excluded files applies within seconds, as any other edit; the rest of .obsidian stays noise.
  watch: { dotFiles: [APP_JSON] },
};
