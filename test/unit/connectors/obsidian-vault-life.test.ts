// Vaults as people have them: what plugins and Obsidian's own features leave in notes, and what of it is found.
import { describe, expect, it } from 'vitest';
import { obsidianKind } from '../../../electron/connectors/obsidian.js';
import { syncAll, testConfig } from '../../helpers/connector-run.js';
import { useTempDirs } from '../../helpers/temp-dir.js';
import { writeTree } from '../../helpers/tree.js';

const tempDir = useTempDirs('jarvis-vault-life-');

async function notesOf(files: Record<string, string>) {
  const root = tempDir();
  writeTree(root, { '.obsidian/app.json': '{}', ...files });
  return syncAll(obsidianKind.create(testConfig('obsidian', root)));
}

/** A scene as the Excalidraw plugin saves it: element ids, styles and (compressed) base64 nobody searches for. */
function scene(words: string[]): string {
  return JSON.stringify({
    type: 'excalidraw',
    version: 2,
    source: 'https://github.com/zsviczian/obsidian-excalidraw-plugin',
    elements: words.map((text, i) => ({
      id: `elmQz${i}Xw9`,
      type: 'text',
      text,
      strokeColor: '#1e1e1e',
      fontFamily: 5,
      x: i * 10,
    })),
    appState: { viewBackgroundColor: '#ffffff', gridSize: null },
    files: {},
  });
}

const BANNER =
  "==⚠  Switch to EXCALIDRAW VIEW in the MORE OPTIONS menu of this document. ⚠== You can decompress Drawing data with the command palette: 'Decompress current Excalidraw file'. For more info check in plugin settings under 'Saving'";

describe('obsidian connector: Excalidraw drawings (.excalidraw.md)', () => {
  it("indexes a drawing's text elements, not its scene data (compressed-json, plugin 2.x)", async () => {
    const compressed = Buffer.from(scene(['Hello capybara', 'World'])).toString('base64');
    const lines = compressed.match(/.{1,256}/g)!.join('\n\n');
    const { docs, issues } = await notesOf({
      'Excalidraw/Drawing 2024-03-01.excalidraw.md':
        '---\n\nexcalidraw-plugin: parsed\ntags: [excalidraw]\n\n---\n' +
        `${BANNER}\n\n\n# Excalidraw Data\n\n## Text Elements\nHello capybara ^Kx81aQ2b\n\nWorld ^pL0dd3Ae\n\n` +
        '## Embedded Files\n5f1c1c8a0e1e8e3e: [[Attachments/photo.png]]\n\n' +
        `%%\n## Drawing\n\`\`\`compressed-json\n${lines}\n\`\`\`\n%%`,
    });
    expect(issues).toEqual([]);
    const drawing = docs.get('Excalidraw/Drawing 2024-03-01.excalidraw.md')!;
    expect(drawing.content).toContain('Hello capybara');
    expect(drawing.content).toContain('World');
    expect(drawing.content).not.toContain('Kx81aQ2b');
    expect(drawing.content).not.toContain(compressed.slice(0, 40));
    expect(drawing.content).not.toContain('compressed-json');
    expect(drawing.content).not.toContain('EXCALIDRAW VIEW');
    expect(drawing.content).not.toMatch(/%%/);
    expect(drawing.links).toEqual(['Attachments/photo.png']);
    expect(drawing.tags).toEqual(['excalidraw']);
  });

  it('leaves out the plain JSON scene of older drawings, which is all words a search would hit', async () => {
    const { docs } = await notesOf({
      'Sketch.excalidraw.md':
        '---\nexcalidraw-plugin: parsed\n---\n==⚠  Switch to EXCALIDRAW VIEW in the MORE OPTIONS menu of this document. ⚠==\n\n\n' +
        `# Text Elements\nkitchen layout ^a1\n\n%%\n# Drawing\n\`\`\`json\n${scene(['kitchen layout'])}\n\`\`\`\n%%\n`,
    });
    const sketch = docs.get('Sketch.excalidraw.md')!;
    // The element's block id (^a1) is no word of the drawing.
    expect(sketch.content.trim()).toBe('# Text Elements\nkitchen layout');
  });

  it('keeps a JSON code block in an ordinary note, and a note that only talks about a Drawing heading', async () => {
    const note =
      '# Drawing\n\nHow the scene looks:\n\n```json\n{"strokeColor": "#1e1e1e"}\n```\n\n%% my own comment %%\n';
    const { docs } = await notesOf({ 'Notes/Excalidraw tips.md': note });
    expect(docs.get('Notes/Excalidraw tips.md')!.content).toBe(note);
  });
});

describe('obsidian connector: the names a note is found by', () => {
  it('keeps the file name (what Obsidian shows and links to) as a name of a note titled in its frontmatter', async () => {
    const { docs } = await notesOf({
      'Meetings/Kickoff 0412.md': '---\ntitle: Weekly standup\naliases: [Standup]\n---\nWe talked about budgets.\n',
      'Plain.md': '---\ntags: [x]\n---\nNo title of its own.\n',
      'Same.md': '---\ntitle: Same\n---\nTitled as it is named.\n',
      'Aliased.md': '---\ntitle: Aliased note\naliases: [aliased]\n---\nAlready named.\n',
    });
    expect(docs.get('Meetings/Kickoff 0412.md')).toMatchObject({
      title: 'Weekly standup',
      aliases: ['Standup', 'Kickoff 0412'],
    });
    expect(docs.get('Plain.md')).toMatchObject({ title: 'Plain', aliases: [] });
    expect(docs.get('Same.md')).toMatchObject({ title: 'Same', aliases: [] });
    expect(docs.get('Aliased.md')).toMatchObject({ title: 'Aliased note', aliases: ['aliased'] });
  });
});

describe('obsidian connector: properties (frontmatter) a note is found by', () => {
  it('indexes the words of text properties (description, author, lists), not tags, aliases or layout keys', async () => {
    const { docs } = await notesOf({
      'Survey.md':
        '---\n' +
        'title: Heron survey\n' +
        'aliases: [Birds 2024]\n' +
        'tags: [fieldwork]\n' +
        'description: Notes on the heron migration along the estuary\n' +
        'author: Jane Quimby\n' +
        'sources:\n  - Ornithology Quarterly\n  - "[[Field log]]"\n' +
        'rating: 4\n' +
        'draft: true\n' +
        'cssclasses: [wide-page]\n' +
        'location:\n  region: Severn\n' +
        '---\n' +
        '# Findings\n\nThe birds came early.\n',
    });
    const survey = docs.get('Survey.md')!;
    expect(survey.content).toBe(
      '# Findings\n\n' +
        'description: Notes on the heron migration along the estuary\n' +
        'author: Jane Quimby\n' +
        'sources: Ornithology Quarterly, [[Field log]]\n' +
        'rating: 4\n' +
        'location: Severn\n\n' +
        'The birds came early.\n',
    );
    expect(survey).toMatchObject({ title: 'Heron survey', tags: ['fieldwork'], links: ['Field log'] });
  });

  it('adds nothing for notes whose properties are only tags, aliases, flags or a drawing marker', async () => {
    const { docs } = await notesOf({
      'Plain.md': '---\ntags: [x]\naliases: [y]\npublish: false\ncssclass: wide\n---\n# Plain\n',
      'Sketch.excalidraw.md':
        '---\nexcalidraw-plugin: parsed\nexcalidraw-open-md: true\nexcalidraw-export-dark: false\n---\n# Text Elements\nhello\n',
    });
    expect(docs.get('Plain.md')!.content).toBe('# Plain\n');
    expect(docs.get('Sketch.excalidraw.md')!.content).toBe('# Text Elements\nhello\n');
  });
});
