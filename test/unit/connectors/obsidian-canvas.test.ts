// Obsidian canvases (JSON Canvas, *.canvas) in a vault: one document each, or a listed problem when malformed.
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { obsidianKind } from '../../../electron/connectors/obsidian.js';
import { syncAll, testConfig } from '../../helpers/connector-run.js';
import { useTempDirs } from '../../helpers/temp-dir.js';
import { writeTree } from '../../helpers/tree.js';

const tempDir = useTempDirs('jarvis-vault-canvas-');
const BOARD = fileURLToPath(new URL('../../fixtures/obsidian/canvas/Project board.canvas', import.meta.url));

function newVault(files: Record<string, string> = {}): string {
  const root = tempDir();
  writeTree(root, { '.obsidian/app.json': '{}', 'Welcome.md': '# Welcome\n', ...files });
  return root;
}

const vault = (root: string) => obsidianKind.create(testConfig('obsidian', root));

describe('obsidian canvases', () => {
  it('indexes a canvas as a note: its words in reading order, file nodes and [[links]] as links, #tags', async () => {
    const root = newVault();
    copyFileSync(BOARD, join(root, 'Project board.canvas'));
    const { docs, outcomes } = await syncAll(vault(root));
    expect(outcomes.get('Project board.canvas')!.error).toBeNull();
    const board = docs.get('Project board.canvas')!;
    expect(board).toMatchObject({
      title: 'Project board',
      docType: 'note',
      path: join(root, 'Project board.canvas'),
      tags: ['project/alpha', 'risk'],
      aliases: [],
      links: ['Projects/Beta', 'Projects/Alpha.md', 'Attachments/diagram.png'],
    });
    // Group label first (it is highest), then the top row left to right, the link, the note at the bottom; then
    // the edge's label. Ids, colours and positions are not text.
    expect(board.content.split('\n\n')).toEqual([
      'Launch plan',
      '# Goals',
      'Ship the **orchard** sensor by May. #project/alpha',
      '## Risks',
      '- supplier delay #risk\n- see [[Projects/Beta|Beta]] for the fallback',
      'https://example.org/orchard-spec',
      'Open question: `#notatag` in code',
      'blocked by',
    ]);
    expect(board.content).not.toMatch(/8a9b1c2d|"x"|width/);
    expect(docs.get('Welcome.md')).toBeDefined();
  });

  it('indexes an empty canvas file (a new canvas) and one with no nodes, and skips node types it does not know', async () => {
    const root = newVault({
      'Empty.canvas': '',
      'Blank.canvas': '{}',
      'Future.canvas': JSON.stringify({
        nodes: [
          { id: 'a', type: 'sticker', x: 0, y: 0, width: 1, height: 1, text: 'not read' },
          { id: 'b', type: 'text', x: 'left', y: null, width: 1, height: 1, text: 'placed nowhere, still read' },
          { id: 'c', type: 'text', x: 0, y: 0, width: 1, height: 1, text: 42 },
          { id: 'd', type: 'text', x: 5, y: 5, width: 1, height: 1, text: 'first' },
        ],
        edges: [{ id: 'e', fromNode: 'b', toNode: 'd', label: 7 }],
      }),
    });
    const { docs, outcomes } = await syncAll(vault(root));
    for (const key of ['Empty.canvas', 'Blank.canvas', 'Future.canvas'])
      expect(outcomes.get(key)!.error, key).toBeNull();
    expect(docs.get('Empty.canvas')).toMatchObject({ title: 'Empty', content: '', links: [] });
    expect(docs.get('Blank.canvas')).toMatchObject({ title: 'Blank', content: '' });
    expect(docs.get('Future.canvas')!.content).toBe('first\n\nplaced nowhere, still read');
  });

  const broken: [string, string, RegExp][] = [
    ['not JSON', '{"nodes": [{"id": "a", "type": "text"', /is not valid JSON \(.+\)/],
    ['a list', '[{"id": "a", "type": "text", "text": "hi"}]', /it holds a list where a canvas is an object/],
    ['"nodes" that is not a list', '{"nodes": {"a": {"type": "text"}}}', /its "nodes" is an object, not a list/],
    ['"edges" that is not a list', '{"nodes": [], "edges": "none"}', /its "edges" is text, not a list/],
    ['a node that is not an object', '{"nodes": [{"id": "a", "type": "text", "text": "x"}, "b"]}', /node 2 is text/],
    ['a node without a type', '{"nodes": [{"id": "a", "text": "x"}]}', /node 1 has no type/],
  ];
  for (const [what, text, message] of broken) {
    it(`lists a canvas holding ${what} as a parse error, and indexes the rest of the vault`, async () => {
      const root = newVault({
        'Broken.canvas': text,
        'Fine.canvas': '{"nodes":[{"id":"a","type":"text","text":"fine"}]}',
      });
      const { docs, outcomes } = await syncAll(vault(root));
      const outcome = outcomes.get('Broken.canvas')!;
      expect(outcome.docs).toEqual([]);
      expect(outcome.error).toMatchObject({ code: 'E_PARSE' });
      expect(outcome.error!.message).toMatch(/^This canvas could not be read: /);
      expect(outcome.error!.message).toMatch(message);
      expect(docs.get('Fine.canvas')!.content).toBe('fine');
      expect(docs.get('Welcome.md')).toBeDefined();
    });
  }

  it('is left out like a note when Obsidian excludes it, and counted like one otherwise', async () => {
    const root = newVault({ 'Boards/A.canvas': '{}', 'Boards/B.canvas': '{}' });
    writeFileSync(join(root, '.obsidian/app.json'), JSON.stringify({ userIgnoreFilters: ['Boards/B'] }));
    const { keys } = await syncAll(vault(root));
    expect(keys).toEqual(['Boards/A.canvas', 'Welcome.md']);
  });
});
