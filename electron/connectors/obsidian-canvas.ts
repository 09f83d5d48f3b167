/**
 * Obsidian canvases (`*.canvas`, the JSON Canvas format, https://jsoncanvas.org/spec/1.0/): one document per canvas.
 *
 * The format, as its spec 1.0 has it: a JSON object with two optional arrays, `nodes` and `edges`. Every node has
 * `id`, `type` (`text`, `file`, `link` or `group`), `x`, `y`, `width`, `height` (integers, pixels) and an optional
 * `color`; a text node has `text` (Markdown), a file node `file` (a path in the vault) and an optional `subpath`
 * (`#Heading`, `#^block`), a link node `url`, a group node an optional `label` (and a background). The nodes' order in
 * the array is their z-index, not a reading order. Edges have `id`, `fromNode`, `toNode` and an optional `label`.
 *
 * What is indexed: the title is the file name (as Obsidian shows a canvas); the text is the nodes' words in reading
 * order — top to bottom, then left to right (by `y`, then `x`) — text nodes' Markdown, group labels and link URLs,
 * then the edges' labels; file nodes' targets (and [[links]] written in text nodes) are the document's links, and
 * #tags in text nodes its tags, as for a note.
 *
 * A file that is not JSON, or not an object of that shape (`nodes` not a list, a node that is not an object or has
 * no type), fails as a whole with E_PARSE, which keeps what was indexed of it before. Within a well-formed canvas,
 * a field of the wrong type (a non-numeric `x`, a `text` that is not a string) is only ignored, and node types from
 * later versions of the format are skipped. An empty file is an empty canvas.
 */
import { basename, extname } from 'node:path';
import type { FileText } from './folder.js';
import { uniqueCaseInsensitive } from './frontmatter.js';
import { ItemReadError, type ItemIssue, type SourceDocument } from './types.js';

export interface CanvasMarkdown {
  /** Tags in Markdown text, outside code (the note rules). */
  tags(markdown: string): string[];
  /** [[link]] targets in Markdown text, outside code (the note rules). */
  links(markdown: string): string[];
}

export function canvasDocument(
  { unit, text, mtimeMs }: FileText,
  markdown: CanvasMarkdown,
): { doc: SourceDocument; issues: ItemIssue[] } {
  const canvas = parseCanvas(text);
  // Reading order: top to bottom, then left to right; nodes at the same place keep their order in the file.
  const ordered = canvas.nodes
    .map((node, order) => ({ node, x: coordinate(node.x), y: coordinate(node.y), order }))
    .sort((a, b) => a.y - b.y || a.x - b.x || a.order - b.order)
    .map(({ node }) => node);
  const words: string[] = [];
  const tags: string[] = [];
  const links: string[] = [];
  for (const node of ordered) {
    switch (node.type) {
      case 'text':
        if (nonBlank(node.text)) {
          words.push(node.text);
          tags.push(...markdown.tags(node.text));
          links.push(...markdown.links(node.text));
        }
        break;
      case 'group':
        if (nonBlank(node.label)) words.push(node.label);
        break;
      case 'link':
        if (nonBlank(node.url)) words.push(node.url.trim());
        break;
      case 'file':
        // The path in the vault, as the canvas names it; a subpath (#Heading) is where in it, not another target.
        if (nonBlank(node.file)) links.push(node.file.trim());
        break;
      default:
      // A node type of a later version of the format: nothing known to read in it.
    }
  }
  for (const edge of canvas.edges) if (nonBlank(edge.label)) words.push(edge.label);
  const doc: SourceDocument = {
    id: unit.key,
    title: basename(unit.key, extname(unit.key)),
    content: words.join('\n\n'),
    docType: 'note',
    path: unit.path,
    timestamp: mtimeMs,
    tags: uniqueCaseInsensitive(tags),
    aliases: [],
    links: [...new Set(links)],
    metadata: { format: 'canvas', nodes: canvas.nodes.length, edges: canvas.edges.length },
  };
  return { doc, issues: [] };
}

function nonBlank(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

type CanvasNode = Record<string, unknown> & { type: string };
type CanvasEdge = Record<string, unknown>;

/** The canvas's nodes and edges; throws ItemReadError('E_PARSE') for a file that is not a JSON Canvas. */
export function parseCanvas(text: string): { nodes: CanvasNode[]; edges: CanvasEdge[] } {
  // Obsidian creates a new canvas as an empty file until something is put on it.
  if (text.trim() === '') return { nodes: [], edges: [] };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw malformed(`it is not valid JSON (${detail})`);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw malformed(`it holds ${describe(data)} where a canvas is an object with "nodes" and "edges"`);
  }
  const { nodes = [], edges = [] } = data as { nodes?: unknown; edges?: unknown };
  if (!Array.isArray(nodes)) throw malformed(`its "nodes" is ${describe(nodes)}, not a list`);
  if (!Array.isArray(edges)) throw malformed(`its "edges" is ${describe(edges)}, not a list`);
  nodes.forEach((node: unknown, i) => {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) {
      throw malformed(`node ${i + 1} is ${describe(node)}, not an object`);
    }
    if (typeof (node as { type?: unknown }).type !== 'string') throw malformed(`node ${i + 1} has no type`);
  });
  edges.forEach((edge: unknown, i) => {
    if (edge === null || typeof edge !== 'object' || Array.isArray(edge)) {
      throw malformed(`edge ${i + 1} is ${describe(edge)}, not an object`);
    }
  });
  return { nodes: nodes as CanvasNode[], edges: edges as CanvasEdge[] };
}

function malformed(problem: string): ItemReadError {
  return new ItemReadError(
    'E_PARSE',
    `This canvas could not be read: ${problem}. What was indexed of it before is kept; the next sync after it is fixed indexes it.`,
  );
}

/** A node without a usable position goes last in reading order. */
function coordinate(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : Number.MAX_SAFE_INTEGER;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return 'text';
  return `a ${typeof value}`;
}
