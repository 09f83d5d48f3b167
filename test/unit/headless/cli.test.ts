/** The CLI through the real binary (`bin/jarvis-sync.mjs`), on real folders and a real data folder. */
import { spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = resolve('bin/jarvis-sync.mjs');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, ...env, JARVIS_SYNC_DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code: code ?? -1, stdout, stderr }));
  });
}

const json = <T>(r: Result): T => {
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as T;
};

let root: string;
let dataDir: string;
let notes: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'jarvis-cli-'));
  dataDir = join(root, 'data');
  notes = join(root, 'My Notes');
  mkdirSync(join(notes, 'sub'), { recursive: true });
  writeFileSync(join(notes, 'alpha.md'), '# Alpha\n\nThe aardvark eats ants.\n');
  writeFileSync(join(notes, 'sub', 'beta.txt'), 'Bees make honey on 2020-10-27.\n');
  writeFileSync(join(notes, 'gamma.md'), '# Gamma\n\nGiraffes are tall.\n');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('jarvis-sync CLI', () => {
  it('prints help for every command and exits 2 on usage errors with a message', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    for (const cmd of [
      'add',
      'edit',
      'list',
      'status',
      'sync',
      'search',
      'errors',
      'remove',
      'pause',
      'resume',
      'serve',
    ]) {
      expect(help.stdout).toContain(cmd);
      const h = await cli([cmd, '--help']);
      expect(h.code, cmd).toBe(0);
      expect(h.stdout).toMatch(new RegExp(`Usage: jarvis-sync ${cmd}`));
    }
    const unknown = await cli(['frobnicate']);
    expect(unknown).toMatchObject({ code: 2 });
    expect(unknown.stderr).toMatch(/unknown command "frobnicate"/);
    const badKind = await cli(['add', 'gmail', notes]);
    expect(badKind.code).toBe(2);
    expect(badKind.stderr).toMatch(/unknown kind "gmail"/);
    const badOption = await cli(['search', 'x', '--limit', 'lots']);
    expect(badOption.code).toBe(2);
    expect(badOption.stderr).toMatch(/--limit must be a whole number/);
    for (const interval of ['1e3', '0x100', ' 120']) {
      expect((await cli(['add', 'folder', notes, '--interval', interval])).code, interval).toBe(2);
    }
  }, 180_000);

  it('add → sync → search → status, with the documented JSON shapes', async () => {
    const added = json<{ id: string; kind: string; path: string; state: string }>(
      await cli(['add', 'folder', notes, '--name', 'Notes', '--json']),
    );
    expect(added).toMatchObject({ id: 'notes', kind: 'folder', path: notes, state: 'idle' });

    expect((await cli(['status'])).stdout).toContain('Notes (notes) — folder — not synced yet');

    const dup = await cli(['add', 'folder', notes]);
    expect(dup.code).toBe(2);
    expect(dup.stderr).toMatch(/already synced/);

    const sync = json<{ results: Record<string, Record<string, number>>; failures: Record<string, string> }>(
      await cli(['sync', '--json']),
    );
    expect(sync.failures).toEqual({});
    expect(sync.results.notes).toMatchObject({ added: 3, updated: 0, deleted: 0, unchanged: 0, failed: 0 });
    expect(Object.keys(sync.results.notes).sort()).toEqual(
      ['added', 'chunks', 'deleted', 'durationMs', 'failed', 'unchanged', 'updated'].sort(),
    );

    const hits = json<
      { docId: string; title: string; source: string; docType: string; path: string; snippet: string; score: number }[]
    >(await cli(['search', '2020-10-27', '--json']));
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({
      source: 'notes',
      path: join(notes, 'sub', 'beta.txt'),
      // A note is dated by its file's last change, as the human output and the dashboard show it.
      timestamp: Math.floor(statSync(join(notes, 'sub', 'beta.txt')).mtimeMs),
      author: null,
    });
    expect(Object.keys(hits[0]).sort()).toEqual(
      ['author', 'docId', 'docType', 'path', 'score', 'snippet', 'source', 'timestamp', 'title'].sort(),
    );

    const status = json<{ dataDir: string; paused: boolean; connectors: Record<string, unknown>[] }>(
      await cli(['status', '--json']),
    );
    expect(status).toMatchObject({ dataDir, paused: false });
    expect(Object.keys(status.connectors[0]).sort()).toEqual(
      [
        'chunks',
        'documents',
        'id',
        'kind',
        'lastAttemptAt',
        'lastError',
        'lastResult',
        'lastSuccessAt',
        'name',
        'nextRunAt',
        'path',
        'paused',
        'state',
      ].sort(),
    );
    expect(status.connectors[0]).toMatchObject({ documents: 3, state: 'idle', lastError: null });
    // Six processes, each loading the CLI: past the default 30 s on a loaded 2-core machine (seen twice).
  }, 60_000);

  it('accepts the common options before the command as well', async () => {
    const r = await cli(['--data-dir', dataDir, '--json', 'list']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([expect.objectContaining({ id: 'notes' })]);
  });

  it('sees edits and deletions on the next sync; human output is readable', async () => {
    writeFileSync(join(notes, 'alpha.md'), '# Alpha\n\nThe armadillo rolls.\n');
    unlinkSync(join(notes, 'gamma.md'));
    const sync = await cli(['sync', 'notes']);
    expect(sync.code).toBe(0);
    expect(sync.stdout).toMatch(/Notes \(notes\): 0 added, 1 updated, 1 deleted, 1 unchanged, 0 failed/);
    expect((await cli(['search', 'aardvark'])).stdout).toMatch(/No results/);
    expect((await cli(['search', 'armadillo'])).stdout).toMatch(/1\. Alpha/);
    expect((await cli(['search', 'armadillo', '--source', 'notes'])).stdout).toMatch(/1\. Alpha/);
    // The name instead of the id: said so, instead of "No results".
    const byName = await cli(['search', 'armadillo', '--source', 'Notes']);
    expect(byName.code).toBe(2);
    expect(byName.stderr).toMatch(/No connector with id "Notes"/);
  });

  it('edit changes the exclude patterns, saying what they leave out, and the interval', async () => {
    const edit = await cli(['edit', 'notes', '--exclude', 'sub/**']);
    expect(edit.code).toBe(0);
    expect(edit.stdout).toBe(
      'Updated "Notes" (notes).\nLeaves out 1 of 2 files: sub/beta.txt\nThe changes apply at its next sync: `jarvis-sync sync notes`.\n',
    );
    expect((await cli(['sync', 'notes'])).stdout).toMatch(/0 added, 0 updated, 1 deleted/);
    expect((await cli(['search', 'honey'])).stdout).toMatch(/No results/);

    const back = json<{ excludes: string[]; intervalSeconds: number | null; excludePreview: unknown }>(
      await cli(['edit', 'notes', '--no-excludes', '--interval', 'default', '--json']),
    );
    expect(back).toMatchObject({ excludes: [], intervalSeconds: null, excludePreview: { files: 2, leftOut: 0 } });
    expect((await cli(['sync', 'notes'])).stdout).toMatch(/1 added/);
    expect((await cli(['search', 'honey'])).stdout).toMatch(/1\. beta/);

    for (const [args, message] of [
      [['edit', 'notes'], /edit needs --name, --exclude, --no-excludes or --interval/],
      [['edit', 'notes', '--exclude', 'a', '--no-excludes'], /not both/],
      [['edit', 'notes', '--interval', '30'], /--interval must be a whole number from 60/],
      [['edit', 'notes', '--exclude', '/abs/**'], /cannot start with a slash/],
      [['edit', 'nope', '--name', 'X'], /No connector with id "nope"/],
    ] as const) {
      const r = await cli([...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  });

  it('a missing folder is a connector error (exit 1) that deletes nothing', async () => {
    renameSync(notes, `${notes}-moved`);
    try {
      const sync = await cli(['sync', '--json']);
      expect(sync.code).toBe(1);
      const report = JSON.parse(sync.stdout) as { failures: Record<string, string> };
      expect(report.failures.notes).toMatch(/does not exist|missing|not found/i);
      const status = JSON.parse((await cli(['status', '--json'])).stdout) as {
        connectors: { documents: number; lastError: { code: string } }[];
      };
      expect(status.connectors[0].documents).toBe(2);
      expect(status.connectors[0].lastError.code).toBe('E_ROOT_UNAVAILABLE');
      expect((await cli(['status'])).stdout).toMatch(/last success: .*ago/);
    } finally {
      renameSync(`${notes}-moved`, notes);
    }
    expect((await cli(['sync'])).code).toBe(0);
  });

  it('pause and resume persist; errors lists per-item problems', async () => {
    expect((await cli(['pause', 'notes'])).code).toBe(0);
    let status = JSON.parse((await cli(['status', '--json'])).stdout) as {
      connectors: { paused: boolean; state: string; nextRunAt: number | null }[];
    };
    expect(status.connectors[0]).toMatchObject({ paused: true, state: 'paused' });
    expect((await cli(['resume', 'notes'])).code).toBe(0);
    status = JSON.parse((await cli(['status', '--json'])).stdout) as typeof status;
    expect(status.connectors[0]).toMatchObject({ paused: false });

    // "Resume all" also resumes a connector paused on its own: the dashboard and the tray offer it exactly then.
    expect((await cli(['pause', 'notes'])).code).toBe(0);
    expect((await cli(['resume'])).code).toBe(0);
    status = JSON.parse((await cli(['status', '--json'])).stdout) as typeof status;
    expect(status.connectors[0]).toMatchObject({ paused: false });
    expect(status.connectors[0].state).not.toBe('paused');

    // "Pause all": no next run is shown while everything is paused, and it comes back with the resume.
    expect((await cli(['pause'])).code).toBe(0);
    status = JSON.parse((await cli(['status', '--json'])).stdout) as typeof status;
    expect(status.connectors[0]).toMatchObject({ paused: false, state: 'paused', nextRunAt: null });
    expect((await cli(['status'])).stdout).toMatch(/next run: +paused\n/);
    // One connector resumed while all are paused still waits, and the CLI says so instead of "resumed."
    expect((await cli(['resume', 'notes'])).stdout).toBe(
      '"Notes" resumed, but all syncing is paused: `jarvis-sync resume` resumes everything.\n',
    );
    expect((await cli(['resume'])).code).toBe(0);
    status = JSON.parse((await cli(['status', '--json'])).stdout) as typeof status;
    expect(status.connectors[0].nextRunAt).toEqual(expect.any(Number));

    writeFileSync(join(notes, 'fake.md'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]));
    await cli(['sync']);
    const errors = json<{ code: string; path: string }[]>(await cli(['errors', 'notes', '--json']));
    expect(errors).toEqual([expect.objectContaining({ code: 'E_BINARY', path: join(notes, 'fake.md') })]);
    expect((await cli(['errors'])).stdout).toMatch(/E_BINARY/);
    // Two more failed syncs of the unchanged file make 3: the next one no longer reads it, until `sync --retry`.
    await cli(['sync']);
    await cli(['sync']);
    await cli(['sync']);
    type Problem = { attempts: number; quarantined: boolean; message: string };
    let [fake] = json<Problem[]>(await cli(['errors', 'notes', '--json']));
    expect(fake).toMatchObject({ attempts: 3, quarantined: true, message: expect.stringMatching(/Not retried/) });
    expect((await cli(['sync', 'notes', '--retry'])).code).toBe(0);
    [fake] = json<Problem[]>(await cli(['errors', 'notes', '--json']));
    expect(fake).toMatchObject({ attempts: 4, quarantined: false });
    // A warning is about a file indexed anyway (here bytes that are not UTF-8): status tells the two kinds apart.
    writeFileSync(join(notes, 'latin.md'), Buffer.from('# Caf\xe9 notes\n', 'latin1'));
    await cli(['sync']);
    expect((await cli(['status'])).stdout).toMatch(/problems: +2 item\(s\) \(1 not indexed, 1 indexed with warnings\)/);
    unlinkSync(join(notes, 'latin.md'));
    unlinkSync(join(notes, 'fake.md'));
    // ~25 runs of the real binary, ~0.7 s each on an idle machine: the default 30 s left no room for a loaded one.
  }, 120_000);

  it('a second writer gets a clear error while read-only commands still work', async () => {
    const holder = spawn(process.execPath, [
      '-e',
      `const fs=require('fs');fs.writeFileSync(${JSON.stringify(join(dataDir, 'jarvis-sync.lock'))}, JSON.stringify({pid: process.pid, owner: 'daemon', host: require('os').hostname(), startedAt: Date.now()}));console.log('ready');setInterval(()=>{},1000)`,
    ]);
    await new Promise((r) => holder.stdout.once('data', r));
    try {
      const sync = await cli(['sync']);
      expect(sync.code).toBe(1);
      expect(sync.stderr).toMatch(/in use by a Jarvis Sync daemon/);
      expect((await cli(['status'])).code).toBe(0);
      expect((await cli(['search', 'armadillo'])).stdout).toMatch(/Alpha/);
    } finally {
      holder.kill('SIGKILL');
      await new Promise((r) => holder.once('exit', r));
    }
    // The killed holder's lock does not block the next writer.
    expect((await cli(['sync'])).code).toBe(0);
  });

  it('remove deletes the connector and, unless asked to keep it, its index', async () => {
    const r = await cli(['remove', 'notes']);
    expect(r.code).toBe(0);
    expect((await cli(['search', 'armadillo', '--json'])).stdout.trim()).toBe('[]');
    expect(JSON.parse((await cli(['list', '--json'])).stdout)).toEqual([]);
    const missing = await cli(['remove', 'notes']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/No connector with id "notes"/);
  });
});

describe('jarvis-sync CLI: a data folder that does not exist', () => {
  it('is read as empty by the reading commands, and never created by them', async () => {
    const typo = join(root, 'no-such-data-folder');
    const status = await cli(['--data-dir', typo, 'status']);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`Data folder: ${typo} (not created yet`);
    for (const command of [['list'], ['search', 'x'], ['errors']]) {
      expect((await cli(['--data-dir', typo, ...command])).code, command[0]).toBe(0);
    }
    // Before, each of these created it.
    expect(existsSync(typo)).toBe(false);
  }, 60_000);
});

describe('jarvis-sync CLI: names and text from the files themselves', () => {
  it('never writes a control sequence from a file name or a note to the terminal', async () => {
    const evilNotes = join(root, 'evil');
    mkdirSync(evilNotes);
    // A name that would turn the terminal red, and a note whose text would retitle the terminal window.
    writeFileSync(join(evilNotes, 'red\x1b[31mflag.md'), '# Title \x1b]0;pwned\x07 here\n\nthe ocelot sleeps\n');
    writeFileSync(join(evilNotes, 'broken.md'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]));
    const run = (args: string[]) => cli(['--data-dir', join(root, 'evil-data'), ...args]);
    expect((await run(['add', 'folder', evilNotes, '--name', 'Evil\x1b[2J'])).code).toBe(0);
    const outputs = [await run(['sync']), await run(['search', 'ocelot']), await run(['errors']), await run(['list'])];
    const search = outputs[1].stdout;
    expect(search).toContain('red\u241b[31mflag.md');
    expect(search).toContain('Title \u241b]0;pwned\u2407 here');
    for (const r of outputs) {
      expect(`${r.stdout}${r.stderr}`).not.toContain('\x1b');
      expect(`${r.stdout}${r.stderr}`).not.toContain('\x07');
    }
  }, 60_000);
});

describe('jarvis-sync CLI: tasks from calendar files', () => {
  it('search --type task finds the tasks of an .ics folder and leaves its events out', async () => {
    const calendars = join(root, 'Calendars');
    mkdirSync(calendars);
    copyFileSync(resolve('test/fixtures/ics/thunderbird-tasks.ics'), join(calendars, 'tasks.ics'));
    const event = ['UID:office@example.com', 'DTSTART:20261130T080000Z', 'SUMMARY:Passport office opens'];
    const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'BEGIN:VEVENT', ...event, 'END:VEVENT', 'END:VCALENDAR', ''];
    writeFileSync(join(calendars, 'events.ics'), lines.join('\r\n'));
    const run = (args: string[]) => cli(['--data-dir', join(root, 'tasks-data'), ...args]);
    expect((await run(['search', '--help'])).stdout).toMatch(/Types: .*\btask\b/);
    expect((await run(['add', 'ics', calendars, '--name', 'Calendars'])).code).toBe(0);
    expect((await run(['sync'])).code).toBe(0);
    type Hit = { title: string; docType: string };
    const found = async (...args: string[]) =>
      json<Hit[]>(await run(['search', 'passport', ...args, '--json']))
        .map((h) => `${h.docType}: ${h.title}`)
        .sort();
    expect(await found('--type', 'task')).toEqual(['task: Done: Get biometric photos', 'task: Renew passport']);
    expect(await found('--type', 'event')).toEqual(['event: Passport office opens']);
    expect(await found()).toHaveLength(3);
  }, 60_000);
});
