// Obsidian's "Excluded files" (`.obsidian/app.json` → userIgnoreFilters), as the vault connector honours it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileTreeConnector } from '../../../electron/connectors/folder.js';
import { obsidianKind, obsidianSpec } from '../../../electron/connectors/obsidian.js';
import {
  OBSIDIAN_SETTINGS_ISSUE,
  loadUserIgnoreFilters,
  regexProblem,
} from '../../../electron/connectors/obsidian-settings.js';
import { enumerateAll, testConfig, testContext } from '../../helpers/connector-run.js';
import { useTempDirs } from '../../helpers/temp-dir.js';
import { writeTree } from '../../helpers/tree.js';

const tempDir = useTempDirs('jarvis-vault-settings-');

const NOTES = [
  'Archive/2019.md',
  'Archived ideas.md',
  'Daily.md',
  'Daily/2024-03-01.md',
  'Drawings/Plan.excalidraw.md',
  'Projects/Alpha/drafts/first.md',
  'Projects/Alpha/plan.md',
  'Projects/Board.canvas',
  'Templates/Daily template.md',
  'templates-lower/t.md',
  'Welcome.md',
];

function newVault(settings?: unknown): string {
  const root = tempDir();
  const files: Record<string, string> = { '.obsidian/appearance.json': '{}' };
  for (const key of NOTES) files[key] = key.endsWith('.canvas') ? '{"nodes":[],"edges":[]}' : `# ${key}\n`;
  writeTree(root, files);
  if (settings !== undefined) setSettings(root, settings);
  return root;
}

function setSettings(root: string, settings: unknown): void {
  writeFileSync(
    join(root, '.obsidian/app.json'),
    typeof settings === 'string' ? settings : JSON.stringify(settings, null, 2),
  );
}

function vault(root: string) {
  return obsidianKind.create(testConfig('obsidian', root));
}

const appJson = (root: string) => join(root, '.obsidian', 'app.json');

describe('obsidian Excluded files: which notes they leave out', () => {
  it('leaves out what a path prefix or a /regular expression/ matches, case-sensitively, as Obsidian does', async () => {
    const root = newVault({
      alwaysUpdateLinks: true,
      userIgnoreFilters: [
        'Templates/', // a folder picked in Obsidian's settings
        'Archive', // a bare prefix: also Archived ideas.md
        'Daily.md', // one file (not Daily/…)
        'Projects/Board', // a canvas, by its path
        '/\\.excalidraw\\.md$/',
        '/^Projects\\/.+\\/drafts\\//',
        'welcome.md', // another case: not Welcome.md
      ],
    });
    const { keys, issues } = await enumerateAll(vault(root));
    expect(keys).toEqual(['Daily/2024-03-01.md', 'Projects/Alpha/plan.md', 'Welcome.md', 'templates-lower/t.md']);
    expect(issues).toEqual([]);
  });

  it('reads the settings again at each sync: a filter added leaves its notes out, removed brings them back', async () => {
    const root = newVault({ userIgnoreFilters: [] });
    const connector = vault(root);
    expect((await enumerateAll(connector)).keys).toEqual([...NOTES].sort());

    setSettings(root, { userIgnoreFilters: ['Projects/', '/^Daily/'] });
    expect((await enumerateAll(connector)).keys).toEqual(
      NOTES.filter((k) => !k.startsWith('Projects/') && !k.startsWith('Daily')).sort(),
    );

    setSettings(root, { userIgnoreFilters: [] });
    expect((await enumerateAll(connector)).keys).toEqual([...NOTES].sort());
  });

  it('takes no filters from a vault without app.json, with an empty one or without the key, and says nothing', async () => {
    for (const settings of [undefined, '', { vimMode: true }, { userIgnoreFilters: null }]) {
      const { keys, issues } = await enumerateAll(vault(newVault(settings)));
      expect(keys, JSON.stringify(settings)).toEqual([...NOTES].sort());
      expect(issues, JSON.stringify(settings)).toEqual([]);
    }
  });

  it('compares paths in NFC, whichever Unicode form the folder name or the filter is written in', async () => {
    const root = newVault({ userIgnoreFilters: ['Caf\u00e9/', 'Re\u0301sume\u0301.md'] });
    // Café spelled decomposed on disk (as HFS+ stores it), Résumé composed.
    writeTree(root, { 'Cafe\u0301/menu.md': 'x', 'R\u00e9sum\u00e9.md': 'x', 'Cafeteria.md': 'x' });
    const { keys } = await enumerateAll(vault(root));
    expect(keys).toContain('Cafeteria.md');
    expect(keys.filter((k) => k.normalize('NFD').includes('\u0301'))).toEqual([]);
  });

  it('does not list a folder Obsidian excludes: nothing in it is reported either', async () => {
    const root = newVault({ userIgnoreFilters: ['Archive/'] });
    // A folder nested past the walk's depth limit would be a problem listed for the user, were it walked.
    const deep = Array.from({ length: 70 }, (_, i) => `d${i}`).join('/');
    writeTree(root, { [`Archive/${deep}/buried.md`]: 'x', [`Other/${deep}/buried.md`]: 'x' });
    const { issues } = await enumerateAll(vault(root));
    expect(issues.map((i) => i.code)).toEqual(['E_TOO_DEEP']);
    expect(issues[0].path).toContain(join(root, 'Other'));
  });
});

describe('obsidian Excluded files: a vault whose config folder was moved (Override config folder)', () => {
  /** A vault whose config folder is `folder`, holding app.json with these filters beside `marker`. */
  function movedVault(folder: string, marker: string, settings: unknown): string {
    const root = tempDir();
    const files: Record<string, string> = {
      [`${folder}/${marker}`]: '{}',
      [`${folder}/app.json`]: typeof settings === 'string' ? settings : JSON.stringify(settings),
    };
    for (const key of NOTES) files[key] = key.endsWith('.canvas') ? '{"nodes":[],"edges":[]}' : `# ${key}\n`;
    writeTree(root, files);
    return root;
  }

  it('follows the Excluded files of a config folder named otherwise, on mobile or desktop', async () => {
    for (const [folder, marker] of [
      ['.obsidian-mobile', 'workspace-mobile.json'],
      ['.config', 'appearance.json'],
    ]) {
      const root = movedVault(folder, marker, { userIgnoreFilters: ['Archive', '/^Daily/'] });
      const { keys, issues } = await enumerateAll(vault(root));
      expect(keys, folder).toEqual(NOTES.filter((k) => !k.startsWith('Archive') && !k.startsWith('Daily')).sort());
      expect(issues, folder).toEqual([]);
      expect(await obsidianKind.checkPath(root), folder).toBeNull();
    }
  });

  it('names the moved settings file when it cannot be used', async () => {
    const root = movedVault('.config', 'workspace.json', '{"userIgnoreFilters": [');
    const { keys, issues } = await enumerateAll(vault(root));
    expect(keys).toEqual([...NOTES].sort());
    expect(issues).toEqual([
      expect.objectContaining({ path: join(root, '.config', 'app.json'), code: OBSIDIAN_SETTINGS_ISSUE }),
    ]);
  });

  it('goes by .obsidian while it holds app.json, and by no other dot folder that merely holds an app.json', async () => {
    const root = movedVault('.obsidian-mobile', 'workspace-mobile.json', { userIgnoreFilters: ['Archive'] });
    writeTree(root, { '.obsidian/app.json': JSON.stringify({ userIgnoreFilters: ['Daily'] }) });
    expect((await enumerateAll(vault(root))).keys).toEqual(NOTES.filter((k) => !k.startsWith('Daily')).sort());

    const other = tempDir();
    writeTree(other, {
      '.vscode/app.json': JSON.stringify({ userIgnoreFilters: ['Archive'] }),
      '.git/app.json': JSON.stringify({ userIgnoreFilters: ['Daily'] }),
      '.git/workspace.json': '{}',
      'Archive/2019.md': 'x',
      'Daily/2024-03-01.md': 'x',
    });
    expect((await enumerateAll(vault(other))).keys).toEqual(['Archive/2019.md', 'Daily/2024-03-01.md']);
    expect(await obsidianKind.checkPath(other)).toMatch(/is not an Obsidian vault/);
  });
});

describe('obsidian Excluded files: a settings file that cannot be used', () => {
  const cases: [string, string | object, RegExp][] = [
    ['not JSON', '{"userIgnoreFilters": ["Archive/",', /is not valid JSON \(.+\)/],
    ['a list of settings', '["Archive/"]', /does not hold an object of settings/],
    [
      'filters that are not a list',
      { userIgnoreFilters: 'Archive/' },
      /"userIgnoreFilters" that is not a list \(string\)/,
    ],
  ];
  for (const [what, settings, message] of cases) {
    it(`indexes every note and warns about the settings file when it holds ${what}`, async () => {
      const root = newVault(settings);
      const { keys, issues } = await enumerateAll(vault(root));
      // Never "exclude everything": notes it may have excluded are indexed again (and nothing else is touched).
      expect(keys).toEqual([...NOTES].sort());
      expect(issues).toHaveLength(1);
      expect(issues[0]).toMatchObject({ path: appJson(root), code: OBSIDIAN_SETTINGS_ISSUE, severity: 'warning' });
      expect(issues[0].message).toMatch(message);
      expect(issues[0].message).toMatch(/Excluded files .* are not used/);
      expect(issues[0].keepPrefix).toBeUndefined();
    });
  }

  it('indexes every note and warns when app.json cannot be read at all', async () => {
    const root = newVault();
    mkdirSync(appJson(root)); // a folder where the file should be
    const { keys, issues } = await enumerateAll(vault(root));
    expect(keys).toEqual([...NOTES].sort());
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path: appJson(root), code: OBSIDIAN_SETTINGS_ISSUE, severity: 'warning' });
    expect(issues[0].message).toMatch(/^Obsidian's settings file could not be read \(.*folder.*\), so its Excluded/);
  });

  it('skips entries that are not text or empty, with a warning each, and applies the rest', async () => {
    const root = newVault({ userIgnoreFilters: [42, '', '  ', null, 'Archive/', '//'] });
    const { keys, issues } = await enumerateAll(vault(root));
    expect(keys).toEqual(NOTES.filter((k) => !k.startsWith('Archive/')).sort());
    expect(issues.map((i) => i.message)).toEqual([
      "Obsidian's settings file has an Excluded files entry that is not text (42); that entry is skipped.",
      "Obsidian's settings file has an empty Excluded files entry; that entry is skipped.",
      "Obsidian's settings file has an empty Excluded files entry; that entry is skipped.",
      "Obsidian's settings file has an Excluded files entry that is not text (null); that entry is skipped.",
      'Obsidian\'s settings file has an Excluded files pattern "//" that is not used: it is empty. The other Excluded files entries still apply.',
    ]);
    expect(issues.every((i) => i.path === appJson(root) && i.severity === 'warning')).toBe(true);
  });

  it('refuses regular expressions that could hold the sync for minutes, and applies the others', async () => {
    const root = newVault({
      userIgnoreFilters: [
        '/(a+)+$/',
        '/(\\w|\\d)*x/',
        '/(.)\\1/',
        '/.*.*.*x/',
        `/${'a'.repeat(201)}/`,
        '/[/',
        '/^Daily/',
      ],
    });
    // A path these would take minutes (or forever) to fail on, were they run.
    writeTree(root, { [`${'a'.repeat(60)}/${'a'.repeat(120)}.md`]: 'x' });
    const { keys, issues } = await enumerateAll(vault(root));
    expect(keys).not.toContain('Daily.md');
    expect(keys).toContain(`${'a'.repeat(60)}/${'a'.repeat(120)}.md`);
    expect(
      issues.map((i) => i.message.replace(/^Obsidian's settings file has an Excluded files pattern /, '')),
    ).toEqual([
      expect.stringMatching(/^"\/\(a\+\)\+\$\/" that is not used: it repeats a group that holds a repetition/),
      expect.stringMatching(
        /^"\/\(\\\\w\|\\\\d\)\*x\/" that is not used: it repeats a group that holds .* alternatives/,
      ),
      expect.stringMatching(/that is not used: it uses a backreference/),
      expect.stringMatching(/that is not used: it has more than 2 open-ended repetitions/),
      expect.stringMatching(/that is not used: it is longer than 200 characters/),
      expect.stringMatching(/^"\/\[\/" that is not used: it is not a valid regular expression/),
    ]);
  });
});

describe('regexProblem: which regular expressions are run', () => {
  it('runs the filters people write', () => {
    for (const source of [
      '\\.excalidraw\\.md$',
      '^Daily\\/\\d{4}-\\d{2}-\\d{2}\\.md$',
      '(Archive|Old)\\/',
      '^Projects\\/.+\\/drafts\\/',
      '.*\\/Archive\\/.*',
      '^(?:Templates|Inbox)\\/',
      '[*+?]{2}',
      'Untitled( \\d+)?\\.md$',
      '(?<year>\\d{4})-\\d\\d',
    ]) {
      expect(regexProblem(source), source).toBeNull();
    }
  });

  it('refuses what backtracks badly, or cannot be run', () => {
    for (const source of [
      '(a+)+b',
      '(a*)*b',
      '(?:a|ab)*c',
      '((a|b)c){2,}',
      '(x+x+)+y',
      '(?=(a+))+',
      '(a)\\1',
      '(?<n>a)\\k<n>',
      '.*a.*b.*c',
      '\\w+\\s+\\w+\\d+',
      'a{1,100}b{1,100}c{1,100}',
      'a?'.repeat(11) + 'a'.repeat(11),
      '(',
      '',
    ]) {
      expect(regexProblem(source), source).not.toBeNull();
    }
  });

  it('takes `[` inside a class, escaped quantifiers and lazy ones as the engine does', () => {
    expect(regexProblem('[(]a+[)]+')).toBeNull(); // no group: the parentheses are in classes
    expect(regexProblem('\\(a+\\)+')).toBeNull(); // escaped parentheses
    expect(regexProblem('(a+?)+')).not.toBeNull();
    expect(regexProblem('x{2}{')).toBeNull(); // a lone brace is a literal without the u flag
  });
});

describe('obsidian Excluded files: the count of a first sync agrees with the walk', () => {
  it('counts what the walk yields with the vault filters, and previews excludes on top of them', async () => {
    const root = newVault({ userIgnoreFilters: ['Archive', '/\\.canvas$/'] });
    mkdirSync(join(root, 'Empty'));
    const connector = vault(root);
    const { units } = await enumerateAll(connector);
    expect(units).toHaveLength(NOTES.length - 3);
    expect(await connector.countUnits!(testContext())).toBe(units.length);
    const survey = await connector.surveyExcludes!(['Projects/**'], Infinity);
    expect(survey).toMatchObject({ files: units.length, leftOut: 2, complete: true });
  });
});

describe('obsidian Excluded files: read once per walk', () => {
  function countingVault(root: string) {
    const loads = { n: 0 };
    const connector = new FileTreeConnector(testConfig('obsidian', root), {
      ...obsidianSpec,
      loadTreeExcludes: (at, signal) => {
        loads.n++;
        return loadUserIgnoreFilters(at, signal);
      },
    });
    return { connector, loads };
  }

  it("a first sync's count and enumeration, started together as the engine does, share one read of app.json", async () => {
    const root = newVault({ userIgnoreFilters: ['Archive'] });
    const { connector, loads } = countingVault(root);
    const ctx = testContext();
    const counted = connector.countUnits(ctx);
    const { units } = await enumerateAll(connector, ctx);
    expect(await counted).toBe(units.length);
    expect(units.map((u) => u.key)).not.toContain('Archive/2019.md');
    expect(loads.n).toBe(1);

    // The next sync reads the settings afresh: an edit made in between applies.
    setSettings(root, { userIgnoreFilters: ['Archive', 'Daily'] });
    const next = await enumerateAll(connector, ctx);
    expect(loads.n).toBe(2);
    expect(next.units.map((u) => u.key)).not.toContain('Daily/2024-03-01.md');
  });

  it('a walk that joined a cancelled load loads the settings itself', async () => {
    const root = newVault({ userIgnoreFilters: ['Archive'] });
    const { connector, loads } = countingVault(root);
    const stop = new AbortController();
    const counted = connector.countUnits(testContext({ signal: stop.signal }));
    const enumerated = enumerateAll(connector);
    stop.abort();
    await expect(counted).rejects.toThrow();
    const { units } = await enumerated;
    expect(units.map((u) => u.key)).not.toContain('Archive/2019.md');
    expect(units).toHaveLength(NOTES.length - 2);
    expect(loads.n).toBe(2);
  });
});
