import { cpSync, mkdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { inlineTags, obsidianKind, wikilinkTargets } from '../../../electron/connectors/obsidian.js';
import { normaliseTag } from '../../../electron/connectors/frontmatter.js';
import { fingerprintOf } from '../../../electron/connectors/walker.js';
import { enumerateAll, readUnit, syncAll, testConfig, testContext } from '../../helpers/connector-run.js';
import { useTempDirs } from '../../helpers/temp-dir.js';
import { writeTree } from '../../helpers/tree.js';

const tempDir = useTempDirs('jarvis-vault-');
const VAULT = fileURLToPath(new URL('../../fixtures/obsidian/vault', import.meta.url));

function vaultCopy(): string {
  const root = tempDir();
  cpSync(VAULT, root, { recursive: true });
  // Git cannot store a nested .git folder in the fixture, so the copy gets one here.
  writeTree(root, { '.git/HEAD': 'ref: refs/heads/main\n', '.git/notes.md': 'not a note' });
  return root;
}

function vault(root: string, excludes: string[] = []) {
  return obsidianKind.create(testConfig('obsidian', root, { excludes }));
}

describe('obsidian connector: the fixture vault', () => {
  it('indexes every note, and nothing from .obsidian, .trash, .git, attachments or temp files', async () => {
    const result = await syncAll(vault(vaultCopy()));
    expect(result.keys).toEqual([
      'Broken/Braces.md',
      'Broken/Link list.md',
      'Broken/Tabs.md',
      'Broken/Templater.md',
      'Broken/Unquoted link.md',
      'Broken/Unterminated.md',
      'Daily/2024-03-01.md',
      'Projects/Alpha.md',
      'Projects/Beta.md',
      'Templates/Daily template.md',
      'Welcome.md',
    ]);
    expect(result.issues).toEqual([]);
    expect([...result.docs.values()].every((d) => d.docType === 'note')).toBe(true);
  });

  it('reads frontmatter lists, inline #tags, aliases and [[links]] the way Obsidian shows them', async () => {
    const root = vaultCopy();
    const { docs } = await syncAll(vault(root));
    const welcome = docs.get('Welcome.md')!;
    expect(welcome).toMatchObject({
      title: 'Welcome',
      tags: ['inbox', 'meta/howto'],
      aliases: ['Start page', 'Home'],
      links: ['Projects/Alpha', 'diagram.png'],
      path: join(root, 'Welcome.md'),
    });
    expect(welcome.content.startsWith('# Welcome\n')).toBe(true);
    expect(welcome.content).not.toContain('cssclasses');
    expect(welcome.metadata).toEqual({
      frontmatter: expect.objectContaining({ publish: false, cssclasses: ['wide-page'] }),
    });
  });

  it('takes the title from frontmatter, and tags/aliases from comma-separated strings', async () => {
    const { docs } = await syncAll(vault(vaultCopy()));
    expect(docs.get('Projects/Alpha.md')).toMatchObject({
      title: 'Alpha Project',
      aliases: ['Project A', 'Alpha'],
      tags: ['project/alpha', 'work', 'todo'],
      links: ['Welcome', 'Daily/2024-03-01', 'Beta'],
    });
  });

  it('finds nested inline tags in a note without frontmatter, skipping numbers, headings and block ids', async () => {
    const { docs } = await syncAll(vault(vaultCopy()));
    expect(docs.get('Projects/Beta.md')).toMatchObject({
      title: 'Beta',
      tags: ['project/beta', 'status/active', 'review', 'ff0000'],
      aliases: [],
      links: ['Projects/Alpha'],
    });
  });

  it('merges frontmatter and inline tags case-insensitively and follows links quoted in frontmatter', async () => {
    const { docs } = await syncAll(vault(vaultCopy()));
    expect(docs.get('Daily/2024-03-01.md')).toMatchObject({
      title: '2024-03-01',
      tags: ['daily', 'journal'],
      aliases: [],
      links: ['Projects/Alpha'],
      metadata: { frontmatter: { mood: 7, related: '[[Projects/Alpha]]' } },
    });
  });

  it('takes a one-item list in a nested map for a list, not for an unquoted [[link]]', async () => {
    const root = vaultCopy();
    writeFileSync(
      join(root, 'Nested.md'),
      '---\nmeta:\n  author: Someone\n  tags: [inner]\nup: [[Welcome]]\n---\nnested-marker\n',
    );
    const { docs } = await syncAll(vault(root));
    // Before, "inner" was taken for a link to a note of that name.
    expect(docs.get('Nested.md')!.links).toEqual(['Welcome']);
  });

  it('indexes notes with malformed frontmatter with a W_BAD_FRONTMATTER warning (bad input #17)', async () => {
    const { docs, outcomes } = await syncAll(vault(vaultCopy()));
    const markers: Record<string, string> = {
      'Broken/Braces.md': 'braces-marker',
      'Broken/Link list.md': 'linklist-marker',
      'Broken/Tabs.md': 'tabs-marker',
      'Broken/Templater.md': 'templater-marker',
      'Broken/Unquoted link.md': 'unquotedlink-marker',
      'Broken/Unterminated.md': 'unterminated-marker',
      'Templates/Daily template.md': 'Tasks',
    };
    for (const [key, marker] of Object.entries(markers)) {
      const outcome = outcomes.get(key)!;
      expect(outcome.error, key).toBeNull();
      expect(
        outcome.issues.map((i) => [i.code, i.severity]),
        key,
      ).toEqual([['W_BAD_FRONTMATTER', 'warning']]);
      expect(docs.get(key)!.content, key).toContain(marker);
    }
    // Broken frontmatter means no metadata from it; the file name is the title.
    expect(docs.get('Broken/Tabs.md')).toMatchObject({ title: 'Tabs', tags: [] });
    // An unquoted [[link]] in frontmatter still counts as the link the user meant, and other keys survive.
    expect(docs.get('Broken/Unquoted link.md')).toMatchObject({ tags: ['fine'], links: ['Welcome'] });
    // Notes without problems stream no issue events.
    expect(outcomes.get('Welcome.md')!.issues).toEqual([]);
  });

  it('applies the configured exclude globs on top of the vault rules', async () => {
    const { keys } = await enumerateAll(vault(vaultCopy(), ['Templates/**', 'Broken']));
    expect(keys).toEqual(['Daily/2024-03-01.md', 'Projects/Alpha.md', 'Projects/Beta.md', 'Welcome.md']);
  });
});

describe('obsidian connector: changes a user makes', () => {
  it('sees an edit, a note moved to .trash, a rename and a note restored with an old mtime', async () => {
    const root = vaultCopy();
    const connector = vault(root);
    const first = await enumerateAll(connector);

    writeFileSync(join(root, 'Projects/Beta.md'), '# Beta\n\nNow tagged #shipped\n');
    renameSync(join(root, 'Welcome.md'), join(root, '.trash/Welcome.md'));
    renameSync(join(root, 'Daily/2024-03-01.md'), join(root, 'Daily/2024-03-01 Friday.md'));
    const restored = join(root, 'Restored.md');
    writeFileSync(restored, '---\ntags: [archive]\n---\nFrom the 2001 backup');
    utimesSync(restored, new Date('2001-06-01T00:00:00Z'), new Date('2001-06-01T00:00:00Z'));

    const second = await enumerateAll(connector);
    expect(second.byKey.has('Welcome.md')).toBe(false);
    expect(second.byKey.has('Daily/2024-03-01.md')).toBe(false);
    expect(second.byKey.has('Daily/2024-03-01 Friday.md')).toBe(true);
    expect(second.byKey.has('Restored.md')).toBe(true);
    expect(second.byKey.get('Projects/Alpha.md')!.fingerprint).toBe(first.byKey.get('Projects/Alpha.md')!.fingerprint);
    expect(second.byKey.get('Projects/Beta.md')!.fingerprint).not.toBe(
      first.byKey.get('Projects/Beta.md')!.fingerprint,
    );

    const beta = (await readUnit(connector, second.byKey.get('Projects/Beta.md')!)).docs[0];
    expect(beta.tags).toEqual(['shipped']);
    const back = (await readUnit(connector, second.byKey.get('Restored.md')!)).docs[0];
    expect(back).toMatchObject({ title: 'Restored', tags: ['archive'], timestamp: Date.parse('2001-06-01T00:00:00Z') });
  });
});

describe('obsidian connector: block ids', () => {
  it("leaves block ids out of the indexed text, and a ^ that is the user's own text in", async () => {
    const root = tempDir();
    const note = [
      'The heron nests by the lake. ^heron-1',
      '- first item',
      '- second item ^list-item',
      '',
      '^whole-list',
      '',
      '| a | b |',
      '| - | - |',
      '| 1 | 2 |',
      '',
      '  ^table9  ',
      'Energy is mc^2 and x^2 grows; a caret ^ alone stays.',
      'Inline `code ^kept1` and `tail` ^gone2',
      '```',
      'exponent ^kept2',
      '^kept3',
      '```',
      'Windows line ^crlf1\r',
      'last line ^final',
    ].join('\n');
    writeTree(root, { '.obsidian/app.json': '{}', 'Heron.md': note });
    const { docs } = await syncAll(vault(root));
    const content = docs.get('Heron.md')!.content;
    for (const id of ['heron-1', 'list-item', 'whole-list', 'table9', 'gone2', 'crlf1', 'final']) {
      expect(content).not.toContain(id);
    }
    expect(content).toContain('The heron nests by the lake.\n- first item\n- second item\n\n\n\n| a | b |');
    expect(content).toContain('Energy is mc^2 and x^2 grows; a caret ^ alone stays.');
    expect(content).toContain('Inline `code ^kept1` and `tail`\n```\nexponent ^kept2\n^kept3\n```');
    expect(content).toContain('Windows line\r\nlast line');
  });

  it('leaves block ids out of a note without code, in a quote and on a line of their own', async () => {
    const root = tempDir();
    writeTree(root, { '.obsidian/app.json': '{}', 'Plain.md': 'A paragraph ^p1\n\n> quoted\n\n^q2\n' });
    const { docs } = await syncAll(vault(root));
    expect(docs.get('Plain.md')!.content).toBe('A paragraph\n\n> quoted\n\n\n');
  });
});

describe('a vault indexed by an earlier reader', () => {
  it('is read once more: its stored fingerprints no longer match, the current ones do', async () => {
    const root = tempDir();
    writeTree(root, { '.obsidian/app.json': '{}', 'Heron.md': '---\ndescription: the heron survey\n---\nBody\n' });
    const plain = fingerprintOf(statSync(join(root, 'Heron.md')));
    const current = `${plain}:obsidian3`;
    const asked: string[] = [];
    const walk = (stored: string) =>
      enumerateAll(
        vault(root),
        testContext({ isUnchanged: (key, fp) => (asked.push(fp), key === 'Heron.md' && fp === stored) }),
      );
    // The manifest of the code before held the walk's plain fingerprint: the note is yielded, to be read again.
    expect((await walk(plain)).keys).toEqual(['Heron.md']);
    expect((await walk(current)).keys).toEqual([]);
    expect(asked).toEqual([current, current]);
    const read = await readUnit(vault(root), (await enumerateAll(vault(root))).units[0]);
    expect(read.docs[0].content).toContain('description: the heron survey');
  });
});

describe('obsidian kind: choosing a vault', () => {
  it('accepts a folder with .obsidian and explains why others are not vaults', async () => {
    const root = tempDir();
    expect(await obsidianKind.checkPath(vaultCopy())).toBeNull();
    expect(await obsidianKind.checkPath(root)).toBe(
      `${root} is not an Obsidian vault (no .obsidian folder). Open it in Obsidian once, or add it as a plain folder.`,
    );
    writeFileSync(join(root, '.obsidian'), 'a file, not the settings folder');
    expect(await obsidianKind.checkPath(root)).toMatch(/not an Obsidian vault/);
    expect(await obsidianKind.checkPath(join(root, 'missing'))).toMatch(/does not exist/);
    expect(obsidianKind).toMatchObject({ kind: 'obsidian', pathType: 'directory' });
  });

  it('keeps syncing a vault whose .obsidian folder was removed later (it only matters when adding)', async () => {
    const root = vaultCopy();
    rmSync(join(root, '.obsidian'), { recursive: true });
    const connector = vault(root);
    await expect(connector.open(testContext())).resolves.toMatchObject({ identity: expect.any(String) });
    expect((await enumerateAll(connector)).keys).toContain('Welcome.md');
  });

  it('skips every dot-folder, even ones Obsidian plugins create', async () => {
    const root = vaultCopy();
    mkdirSync(join(root, '.stversions'));
    writeFileSync(join(root, '.stversions/Welcome~20240101.md'), 'old copy from Syncthing');
    const { keys } = await enumerateAll(vault(root));
    expect(keys.some((k) => k.startsWith('.'))).toBe(false);
  });
});

describe('inline tags and wikilinks', () => {
  it('recognises tags the way Obsidian does', () => {
    const text = [
      '#start of line and #a/b/c nested',
      'word#notatag, (#paren) and http://x.org/page#fragment',
      '# Heading',
      '## Sub heading',
      '#1984 is a number; #y1984 is not',
      'end of sentence #done. then #comma, and #under_score-dash',
      'unicode #日本語 and #Café',
      'inline `#code` and ``#code ` too``',
      '```',
      '#fenced',
      '```',
    ].join('\n');
    expect(inlineTags(text)).toEqual([
      'start',
      'a/b/c',
      'y1984',
      'done',
      'comma',
      'under_score-dash',
      '日本語',
      'Café',
    ]);
  });

  it('collects link targets without aliases, headings, block ids or duplicates', () => {
    const text =
      '[[a]] [[b|shown]] [[d#Heading]] ![[f.png]] [[#local]] [[h#^block]] [[a]] [[x\\|y]] `[[code]]` [[ spaced ]]';
    expect(wikilinkTargets(text)).toEqual(['a', 'b', 'd', 'f.png', 'h', 'x', 'spaced']);
  });
});

describe('inline tag scan', () => {
  // The rule as it was first written, as one regex with a lookbehind; the scan must find exactly the same tags.
  const REFERENCE = /(?<=^|\s)#([^\s!"#$%&'()*+,.:;<=>?@[\\\]^`{|}~]+)/gu;
  const reference = (text: string): string[] =>
    [...text.matchAll(REFERENCE)].map((m) => normaliseTag(m[1])).filter((t): t is string => t !== null);

  it('finds the same tags as the lookbehind regex on generated text', () => {
    const pieces = [
      '#',
      '##',
      ' ',
      '\n',
      '\t',
      'a',
      'Zé',
      'x/y',
      '-',
      '_',
      '1',
      '.',
      '#tag',
      'word#no',
      '😀',
      '\u00a0',
      '`',
      'é#',
    ];
    let seed = 7;
    const next = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let n = 0; n < 3000; n++) {
      let text = '';
      const len = Math.floor(next() * 30);
      for (let i = 0; i < len; i++) text += pieces[Math.floor(next() * pieces.length)];
      // No backticks or fences in the reference: masking is not what this compares.
      const plain = text.replaceAll('`', "'");
      expect(inlineTags(plain), JSON.stringify(plain)).toEqual(reference(plain));
    }
  });
});
