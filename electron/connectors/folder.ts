/**
 * The "folder" source: every text file under one folder (Markdown, plain text, Org, reStructuredText, HTML),
 * one document per file. Also home of FileTreeConnector, the connector shape shared with the Obsidian vault.
 */
import { basename, extname } from 'node:path';
import type { ConnectorConfig, ConnectorKind, DocType } from '../../shared/types.js';
import { countFiles, surveyFiles, type FileCountOptions, type FileSurvey } from './file-count.js';
import { checkDirectoryPath, openDirectoryRoot } from './file-root.js';
import {
  frontmatterAliases,
  frontmatterTags,
  frontmatterText,
  frontmatterTitle,
  splitFrontmatter,
  withPropertiesText,
} from './frontmatter.js';
import { decodeHtmlFile, htmlToPlainText } from './html.js';
import { fileReadThread } from './read-thread.js';
import { decodeText, readTextFile, type DecodedText } from './text-file.js';
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
import { readerVersionTag, toSourceUnit, walkFileBatches } from './walker.js';

/** What a file-tree source decides; FileTreeConnector does the walking, reading and safety checks. */
export interface FileTreeSpec {
  kind: ConnectorKind;
  acceptFile(relPath: string): boolean;
  skipDir(relPath: string, name: string): boolean;
  /** May throw ItemReadError to name what is wrong with the file (kept as is); anything else becomes E_PARSE. */
  toDocument(file: FileText): { doc: SourceDocument; issues: ItemIssue[] };
  /** Bytes to text for a file of this tree, when its format can say more than decodeText (a declared charset). */
  readonly decode?: (bytes: Buffer, path: string) => DecodedText;
  /**
   * Files the source's own settings leave out, which may change between syncs (an Obsidian vault's Excluded files):
   * loaded afresh for each enumeration, count and survey, and applied on top of acceptFile, skipDir and the
   * connector's excludes, so the walk, the count and the preview agree. Its issues are yielded with the enumeration.
   * It must not throw but for a cancellation: a settings file it cannot use means no such exclusions.
   */
  readonly loadTreeExcludes?: (root: string, signal: AbortSignal | undefined) => Promise<TreeExcludes>;
  /**
   * Raised when the documents made from a file change (what is indexed of it, its title or names): it is part of
   * every unit's fingerprint (`:obsidian2`), so a tree indexed by the code before is read once more and indexed
   * anew, instead of keeping the old documents until each file changes. Absent: the walk's plain fingerprints.
   */
  readonly readerVersion?: number;
}

/** What a FileTreeSpec's loadTreeExcludes found for one walk; null tests when the settings leave nothing out. */
export interface TreeExcludes {
  /** Whether a file, by its key (NFC path relative to the root), is left out. */
  excludesFile: ((key: string) => boolean) | null;
  /** Whether every file under the folder with this key is left out, so it is not listed at all. */
  excludesDir: ((key: string) => boolean) | null;
  /** Problems with the settings, reported with the enumeration (warnings: nothing is kept or deleted for them). */
  issues: readonly ItemIssue[];
}

/** The rules one walk of a tree goes by: the spec's, with the tree's own excludes of the moment. */
interface TreeRules {
  acceptFile: (relPath: string) => boolean;
  skipDir: (relPath: string, name: string) => boolean;
  issues: readonly ItemIssue[];
}

export interface FileText {
  unit: SourceUnit;
  text: string;
  mtimeMs: number;
}

export class FileTreeConnector implements Connector {
  readonly id: string;
  readonly kind: ConnectorKind;
  readonly displayName: string;

  constructor(
    private readonly config: ConnectorConfig,
    private readonly spec: FileTreeSpec,
  ) {
    this.id = config.id;
    this.kind = spec.kind;
    this.displayName = config.name;
  }

  isConnected(): boolean {
    return true;
  }

  open(_ctx: ConnectorContext): Promise<RootInfo> {
    // The walk lists folders on the reader thread: let it boot while the engine loads the manifest.
    fileReadThread.warm();
    return openDirectoryRoot(this.config.path);
  }

  async *enumerate(ctx: ConnectorContext): AsyncGenerator<SourceUnit | ItemIssue> {
    for await (const batch of this.enumerateBatches(ctx)) yield* batch;
  }

  async *enumerateBatches(ctx: ConnectorContext): AsyncGenerator<(SourceUnit | ItemIssue)[]> {
    // The rules are asked for before the first await: a first sync's count (countUnits), started just before, is
    // then still loading them, and both go by one read of the tree's settings.
    const [before, rules] = await Promise.all([openDirectoryRoot(this.config.path), this.treeRules(ctx.signal)]);
    if (rules.issues.length > 0) yield [...rules.issues];
    const tag = this.spec.readerVersion === undefined ? '' : readerVersionTag(this.spec.kind, this.spec.readerVersion);
    const isUnchanged = ctx.isUnchanged;
    for await (const batch of walkFileBatches({
      root: this.config.path,
      acceptFile: rules.acceptFile,
      skipDir: rules.skipDir,
      excludes: this.config.excludes,
      signal: ctx.signal,
      isUnchanged: tag === '' || isUnchanged === undefined ? isUnchanged : (key, fp) => isUnchanged(key, fp + tag),
    })) {
      yield batch.map((item) => {
        if ('code' in item) return item;
        const unit = toSourceUnit(item);
        if (tag !== '') unit.fingerprint += tag;
        return unit;
      });
    }
    // A drive unmounted (or a folder swapped) mid-walk looks like a tree that lost most of its files. Only an
    // enumeration that started and ended on the same, still present, root may count as complete.
    const after = await openDirectoryRoot(this.config.path);
    if (after.identity !== before.identity) {
      throw new SourceUnavailableError(
        'E_ROOT_UNAVAILABLE',
        `The folder ${this.config.path} was replaced while it was being scanned.`,
      );
    }
  }

  async countUnits(ctx: ConnectorContext): Promise<number> {
    return countFiles(await this.fileCountOptions(this.config.excludes, ctx.signal));
  }

  async surveyExcludes(excludes: readonly string[], stopAt: number): Promise<FileSurvey> {
    return surveyFiles(await this.fileCountOptions([], undefined), excludes, stopAt);
  }

  private async fileCountOptions(
    excludes: readonly string[],
    signal: AbortSignal | undefined,
  ): Promise<FileCountOptions> {
    const { acceptFile, skipDir } = await this.treeRules(signal);
    return { root: this.config.path, acceptFile, skipDir, excludes, signal };
  }

  /** The tree's own excludes while they are being loaded, for a walk that starts meanwhile to share. */
  #loadingExcludes: Promise<TreeExcludes> | null = null;

  /**
   * Loads the tree's own excludes, or joins a load already under way: they are read afresh for each walk, but a
   * first sync's count and enumeration start together (an Obsidian vault's app.json was read twice).
   */
  private async treeExcludes(signal: AbortSignal | undefined): Promise<TreeExcludes | null> {
    const load = this.spec.loadTreeExcludes;
    if (!load) return null;
    const pending = this.#loadingExcludes;
    if (pending !== null) {
      try {
        return await pending;
      } catch (err) {
        // Cancelled with the walk that started it: a walk of its own that goes on loads them itself.
        if (signal?.aborted) throw err;
      }
    }
    const loading = load(this.config.path, signal);
    this.#loadingExcludes = loading;
    try {
      return await loading;
    } finally {
      if (this.#loadingExcludes === loading) this.#loadingExcludes = null;
    }
  }

  private async treeRules(signal: AbortSignal | undefined): Promise<TreeRules> {
    const spec = this.spec;
    const own = await this.treeExcludes(signal);
    const { excludesFile = null, excludesDir = null } = own ?? {};
    // The walk hands over paths as spelled on disk; the tree's own rules are about keys.
    return {
      acceptFile:
        excludesFile === null
          ? (rel) => spec.acceptFile(rel)
          : (rel) => spec.acceptFile(rel) && !excludesFile(rel.normalize('NFC')),
      skipDir:
        excludesDir === null
          ? (rel, name) => spec.skipDir(rel, name)
          : (rel, name) => spec.skipDir(rel, name) || excludesDir(rel.normalize('NFC')),
      issues: own?.issues ?? [],
    };
  }

  async read(unit: SourceUnit, _previous: UnitRecord | null, ctx: ConnectorContext): Promise<UnitRead> {
    const file = await readTextFile(unit.path, {
      maxBytes: ctx.maxFileSizeBytes,
      signal: ctx.signal,
      decode: this.spec.decode,
    });
    let converted: { doc: SourceDocument; issues: ItemIssue[] };
    try {
      converted = this.spec.toDocument({ unit, text: file.text, mtimeMs: file.mtimeMs });
    } catch (err) {
      // A format's own verdict on the file (a canvas that is not JSON) stands as it is.
      if (err instanceof ItemReadError) throw err;
      // A parser bug or a pathological file (e.g. stack overflow in HTML conversion) costs this file, not the sync.
      throw new ItemReadError(
        'E_PARSE',
        `This file could not be converted to text: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    const { doc, issues } = converted;
    const events: ReadEvent[] = [
      ...file.issues.map((issue): ReadEvent => ({ type: 'issue', issue })),
      ...issues.map((issue): ReadEvent => ({ type: 'issue', issue })),
      { type: 'doc', doc },
    ];
    return { mode: 'replace', events: iterate(events) };
  }
}

// eslint-disable-next-line @typescript-eslint/require-await -- the contract is an AsyncIterable
async function* iterate<T>(items: T[]): AsyncGenerator<T> {
  yield* items;
}

// ---------------------------------------------------------------------------------------------------------------
// Markdown helpers shared with the Obsidian connector.

const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})/;

/**
 * Blanks out fenced code blocks and inline code spans (line structure kept), so that what looks like a heading,
 * a #tag or a [[link]] inside code is not taken for one.
 */
export function maskMarkdownCode(markdown: string): string {
  // No backtick and no ~~~: there is no code to mask (most notes), so no line-by-line pass.
  if (!markdown.includes('`') && !markdown.includes('~~~')) return markdown;
  const lines = markdown.split('\n');
  let fence: string | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (fence !== null) {
      const close = FENCE_OPEN.exec(line);
      if (
        close &&
        close[1][0] === fence[0] &&
        close[1].length >= fence.length &&
        line.slice(close[0].length).trim() === ''
      ) {
        fence = null;
      }
      lines[i] = '';
      continue;
    }
    const open = FENCE_OPEN.exec(line);
    // A backtick fence's info string may not contain a backtick (CommonMark); otherwise it is inline code.
    if (open && !(open[1][0] === '`' && line.slice(open[0].length).includes('`'))) {
      fence = open[1]!;
      lines[i] = '';
      continue;
    }
    if (line.includes('`')) lines[i] = maskInlineCode(line);
  }
  return lines.join('\n');
}

/** A code span opens with a run of N backticks and closes at the next run of exactly N (CommonMark). */
function maskInlineCode(line: string): string {
  let out = '';
  let i = 0;
  while (i < line.length) {
    const open = line.indexOf('`', i);
    if (open < 0) break;
    let openEnd = open;
    while (line[openEnd] === '`') openEnd++;
    const run = openEnd - open;
    let close = -1;
    for (let j = line.indexOf('`', openEnd); j >= 0;) {
      let k = j;
      while (line[k] === '`') k++;
      if (k - j === run) {
        close = k;
        break;
      }
      j = line.indexOf('`', k);
    }
    if (close < 0) {
      out += line.slice(i, openEnd);
      i = openEnd;
      continue;
    }
    out += `${line.slice(i, open)} `;
    i = close;
  }
  return out + line.slice(i);
}

/** Text of the first level-1 ATX heading (`# Title`) outside code, or null. */
export function firstMarkdownHeading(markdown: string): string | null {
  const masked = maskMarkdownCode(markdown);
  const match = /^ {0,3}#[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*\r?$/m.exec(masked);
  const heading = match?.[1]?.trim();
  return heading ? heading : null;
}

export function fileNameTitle(relPath: string): string {
  const name = basename(relPath);
  const ext = extname(name);
  return ext && ext !== name ? name.slice(0, -ext.length) : name;
}

// ---------------------------------------------------------------------------------------------------------------
// The folder kind.

type Format = 'markdown' | 'text' | 'org' | 'rst' | 'html';

const FORMATS: Record<string, Format> = {
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.txt': 'text',
  '.org': 'org',
  '.rst': 'rst',
  '.html': 'html',
  '.htm': 'html',
};

/** Notes are what a person writes for themselves; rst and html are usually published documents. */
const DOC_TYPES: Record<Format, DocType> = {
  markdown: 'note',
  text: 'note',
  org: 'note',
  rst: 'document',
  html: 'document',
};

export const DEFAULT_FOLDER_EXCLUDED_DIRS = ['node_modules'];

function formatOf(relPath: string): Format | undefined {
  return FORMATS[extname(relPath).toLowerCase()];
}

/** Hidden files, editor lock files and Office owner files are never notes. */
export function isTempOrHiddenName(name: string): boolean {
  return name.startsWith('.') || name.startsWith('~$') || name.toLowerCase().endsWith('.tmp');
}

export const folderSpec: FileTreeSpec = {
  kind: 'folder',
  acceptFile: (rel) => formatOf(rel) !== undefined && !isTempOrHiddenName(basename(rel)),
  skipDir: (_rel, name) => name.startsWith('.') || DEFAULT_FOLDER_EXCLUDED_DIRS.includes(name),
  toDocument: folderDocument,
  decode: (bytes, path) => (formatOf(path) === 'html' ? decodeHtmlFile(bytes, path) : decodeText(bytes, path)),
  // 2: the words of Markdown front matter's properties indexed.
  readerVersion: 2,
};

function folderDocument({ unit, text, mtimeMs }: FileText): { doc: SourceDocument; issues: ItemIssue[] } {
  const format = formatOf(unit.key) ?? 'text';
  const issues: ItemIssue[] = [];
  let content = text;
  let title: string | null = null;
  let tags: string[] = [];
  let aliases: string[] = [];
  const metadata: Record<string, unknown> = { format };

  if (format === 'markdown') {
    const fm = splitFrontmatter(text);
    if (fm.issue) issues.push({ path: unit.path, code: fm.issue.code, message: fm.issue.message, severity: 'warning' });
    // The words of its other properties join its first section, as in a vault (obsidian.ts): `author: Jane Quimby`
    // finds it.
    content = withPropertiesText(fm.body, frontmatterText(fm.data));
    title = frontmatterTitle(fm.data) ?? firstMarkdownHeading(fm.body);
    tags = frontmatterTags(fm.data);
    aliases = frontmatterAliases(fm.data);
    if (Object.keys(fm.data).length > 0) metadata.frontmatter = fm.data;
  } else if (format === 'html') {
    const html = htmlToPlainText(text);
    content = html.text;
    title = html.title;
  } else if (format === 'org') {
    title = /^#\+title:[ \t]*(.+?)[ \t]*\r?$/im.exec(text)?.[1] ?? null;
  }

  // A note titled by its heading or frontmatter is still looked for by its file name.
  const fileName = fileNameTitle(unit.key);
  if (title !== null && title !== fileName && !aliases.includes(fileName)) aliases = [...aliases, fileName];
  const doc: SourceDocument = {
    id: unit.key,
    title: title ?? fileName,
    content,
    docType: DOC_TYPES[format],
    path: unit.path,
    timestamp: mtimeMs,
    metadata,
  };
  if (tags.length > 0) doc.tags = tags;
  if (aliases.length > 0) doc.aliases = aliases;
  return { doc, issues };
}

export const folderKind: ConnectorKindModule = {
  kind: 'folder',
  label: 'Folder',
  description: 'Text files in a folder and its subfolders: Markdown, plain text, Org, reStructuredText and HTML.',
  pathType: 'directory',
  create: (config) => new FileTreeConnector(config, folderSpec),
  checkPath: checkDirectoryPath,
};
