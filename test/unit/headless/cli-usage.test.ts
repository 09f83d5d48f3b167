// What a new user of `jarvis-sync` types and gets wrong, in process: real folders, a real data folder and index.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli-in-process.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';

let root: string;
let notes: string;

const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  runCli(args, { env: { JARVIS_SYNC_DATA_DIR: join(root, 'data'), ...env } });

const titles = (r: { out: string }) => (JSON.parse(r.out) as { title: string }[]).map((h) => h.title).sort();

beforeAll(async () => {
  root = makeTempDir('jarvis-cli-usage-');
  notes = join(root, 'notes');
  mkdirSync(notes);
  writeFileSync(join(notes, 'standup.md'), '# Standup\n\nThe team meeting, every morning.\n');
  writeFileSync(join(notes, 'lunch.md'), '# Lunch\n\nA lunch meeting with Alice.\n');
  writeFileSync(join(notes, 'blob.md'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]));
  expect((await cli(['add', 'folder', notes, '--name', 'Work notes'])).code).toBe(0);
  expect((await cli(['sync'])).code).toBe(0);
}, 60_000);
afterAll(() => removeTempDir(root));

describe('jarvis-sync search: the query as typed', () => {
  it('-word leaves out what has it, unquoted, as the help says (it was refused as an unknown option "-l")', async () => {
    const r = await cli(['search', 'meeting', '-lunch', '--json']);
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(titles(r)).toEqual(['Standup']);
    // Options before, between and after the words keep their values.
    const mixed = await cli(['search', '--limit', '5', 'meeting', '-standup', '--type', 'note', '--json']);
    expect(titles(mixed)).toEqual(['Lunch']);
  });

  it('an empty query is a usage error, as no query is, rather than "No results for """', async () => {
    for (const query of ['', '   ']) {
      const r = await cli(['search', query]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/search needs a query/);
    }
  });
});

describe('jarvis-sync: typos get the likely meant name', () => {
  it('a mistyped command', async () => {
    const r = await cli(['serach', 'meeting']);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      'jarvis-sync: unknown command "serach". Did you mean `jarvis-sync search`? Run `jarvis-sync --help` for the list.\n',
    );
    expect((await cli(['stauts'])).err).toMatch(/Did you mean `jarvis-sync status`\?/);
    // Nothing close: no guess.
    expect((await cli(['frobnicate'])).err).not.toMatch(/Did you mean/);
  });

  it('a mistyped option, said plainly with the options there are', async () => {
    const r = await cli(['search', 'meeting', '--sourc', 'notes']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /^jarvis-sync search: unknown option --sourc \(options: .*--source.*\)\. Did you mean --source\?\n/,
    );
    expect((await cli(['list', '--jsn'])).err).toMatch(/Did you mean --json\?/);
    expect((await cli(['edit', 'work-notes', '-name', 'Notes'])).err).toMatch(
      /unknown option -name .*Did you mean --name\?/,
    );
  });

  it('a mistyped kind or type', async () => {
    const kind = await cli(['add', 'foldr', notes]);
    expect(kind.code).toBe(2);
    expect(kind.err).toMatch(/unknown kind "foldr" \(kinds: .*\)\. Did you mean "folder"\?/);
    expect((await cli(['search', 'x', '--type', 'Email'])).err).toMatch(/Did you mean "email"\?/);
  });

  it("a connector's name given for its id, or an id mistyped, names the id", async () => {
    for (const command of [['sync'], ['errors'], ['pause'], ['resume'], ['remove'], ['edit']]) {
      const r = await cli([...command, 'Work notes', ...(command[0] === 'edit' ? ['--name', 'X'] : [])]);
      expect(r.code, command[0]).toBe(2);
      expect(r.err, command[0]).toContain(
        'No connector with id "Work notes". The connector named "Work notes" has the id "work-notes".',
      );
    }
    const source = await cli(['search', 'meeting', '--source', 'work notes']);
    expect(source.err).toContain('The connector named "Work notes" has the id "work-notes".');
    expect((await cli(['pause', 'work-note'])).err).toContain(
      'No connector with id "work-note". Did you mean "work-notes"? See `jarvis-sync list`.',
    );
  });

  it('"constructor" is an unknown command like any other (it crashed with "spec.run is not a function")', async () => {
    const r = await cli(['constructor']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown command "constructor"/);
  });

  it('a control sequence in a mistyped command or option is not written to the terminal', async () => {
    for (const args of [['\x1b[2Jlist'], ['list', '--\x1b[31mred']]) {
      const r = await cli(args);
      expect(r.code).toBe(2);
      expect(r.err).not.toContain('\x1b');
      expect(r.err).toContain('\u241b');
    }
  });
});

describe('jarvis-sync: help', () => {
  it('`help <command>` is the help of that command', async () => {
    const r = await cli(['help', 'search']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Usage: jarvis-sync search <query>/);
  });

  it('common options and no command print the help and exit 2 (it said: unknown command "--data-dir")', async () => {
    for (const args of [['--json'], ['--data-dir', join(root, 'data')]]) {
      const r = await cli(args);
      expect(r.code).toBe(2);
      expect(r.out).toMatch(/Usage: jarvis-sync <command> \[options\]/);
      expect(r.err).toBe('');
    }
  });

  it('every summary starts in one column, also after a long usage', async () => {
    const help = (await cli(['--help'])).out;
    const lines = help.split('\n');
    for (const summary of [
      'add a source to keep in sync',
      'search the index',
      'list connectors',
      "change a connector's name",
    ]) {
      const line = lines.find((l) => l.includes(summary));
      expect(line?.indexOf(summary), summary).toBe(61);
    }
  });
});

describe('jarvis-sync sync', () => {
  it('says where to see why files were not indexed', async () => {
    const r = await cli(['sync', 'work-notes']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/1 failed/);
    expect(r.out).toContain('  1 failed: `jarvis-sync errors work-notes` says why\n');
  });
});

describe('jarvis-sync: paths the shell left as typed', () => {
  it('~ in --data-dir=~/… and in a quoted path is the home folder (it was a folder named "~" in the current one)', async () => {
    const home = join(root, 'home');
    mkdirSync(join(home, 'Notes'), { recursive: true });
    writeFileSync(join(home, 'Notes', 'a.md'), '# A\n');
    const status = await cli(['--data-dir=~/jarvis-data', 'status'], { HOME: home });
    expect(status.out).toContain(`Data folder: ${join(home, 'jarvis-data')} (not created yet`);
    const added = await cli(['add', 'folder', '~/Notes', '--data-dir=~/jarvis-data', '--json'], { HOME: home });
    expect(added.code).toBe(0);
    expect(JSON.parse(added.out)).toMatchObject({ path: join(home, 'Notes') });
    expect(existsSync(join(home, 'jarvis-data', 'connectors.json'))).toBe(true);
    expect(existsSync(resolve('~'))).toBe(false);
  });

  it('a relative --data-dir is shown as the folder it is', async () => {
    const status = await cli(['status', '--data-dir', 'no-such-jarvis-data']);
    expect(status.out).toContain(`Data folder: ${resolve('no-such-jarvis-data')} (not created yet`);
  });
});

describe('jarvis-sync edit', () => {
  it('a blank --name is refused rather than reported as "Updated" with the name unchanged', async () => {
    const r = await cli(['edit', 'work-notes', '--name', '  ']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--name cannot be empty/);
    expect(JSON.parse((await cli(['list', '--json'])).out)).toEqual([expect.objectContaining({ name: 'Work notes' })]);
  });
});

describe('jarvis-sync remove', () => {
  it('never writes a control sequence from the connector name to the terminal', async () => {
    const other = join(root, 'other');
    mkdirSync(other);
    const added = await cli(['add', 'folder', other, '--name', 'Evil\x1b[2J', '--json']);
    const { id } = JSON.parse(added.out) as { id: string };
    const removed = await cli(['remove', id]);
    expect(removed.code).toBe(0);
    expect(removed.out).toBe(`Removed "Evil\u241b[2J" (${id}) and its indexed documents.\n`);
  });
});

describe('jarvis-sync add', () => {
  it('an Obsidian vault added as a plain folder: says what kind obsidian would index', async () => {
    const vault = join(root, 'vault');
    mkdirSync(join(vault, '.obsidian'), { recursive: true });
    writeFileSync(join(vault, '.obsidian', 'app.json'), '{}');
    const added = await cli(['add', 'folder', vault, '--data-dir', join(root, 'vault-data')]);
    expect(added.code).toBe(0);
    expect(added.err).toMatch(/this folder is an Obsidian vault\. Added as kind obsidian instead/);
    // Not for a script, and not for a folder that is no vault.
    expect((await cli(['add', 'obsidian', vault, '--json', '--data-dir', join(root, 'vault-data-2')])).err).toBe('');
    expect((await cli(['add', 'folder', join(root, 'notes'), '--data-dir', join(root, 'vault-data-3')])).err).toBe('');
  });

  it('--json shows the exclude patterns and interval kept, as edit --json does', async () => {
    const notesDir = join(root, 'notes');
    const args = [
      'add',
      'folder',
      notesDir,
      '--exclude',
      ' drafts/** ',
      '--exclude',
      '',
      '--interval',
      '600',
      '--json',
    ];
    const added = await cli([...args, '--data-dir', join(root, 'add-json-data')]);
    expect(JSON.parse(added.out)).toMatchObject({ path: notesDir, excludes: ['drafts/**'], intervalSeconds: 600 });
  });
});

describe('jarvis-sync search: a full page', () => {
  it('says there may be more results, and how to see them', async () => {
    const full = await cli(['search', 'meeting', '--limit', '1']);
    expect(full.out).toMatch(/\n1 shown; there may be more: --limit N shows up to 200\.\n$/);
    expect((await cli(['search', 'meeting', '--limit', '3'])).out).not.toMatch(/there may be more/);
    expect(JSON.parse((await cli(['search', 'meeting', '--limit', '1', '--json'])).out)).toHaveLength(1);
  });
});
