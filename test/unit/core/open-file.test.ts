// "Open" in the dashboard: a real SyncService indexes a real folder, then the dashboard asks to open documents and
// problems. Only what the index lists, still inside its folder, a regular file, neither executable nor runnable by
// its type, reaches the OS.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { OpenTarget } from '../../../shared/contract.js';
import { parseInvokeArgs } from '../../../shared/contract-parsers.js';
import { createContractHandlers, headlessHost } from '../../../electron/core/handlers.js';
import {
  OpenRefusedError,
  fileOfProblem,
  isTextNoteName,
  programSignature,
  runnableExtension,
} from '../../../electron/core/open-file.js';
import { SyncService } from '../../../electron/core/service.js';
import { createDesktopHost } from '../../../electron/shell/host.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs('jarvis-open-file-');
let service: SyncService | null = null;

afterEach(async () => {
  await service?.stop();
  service = null;
});

/** A notes folder beside a private one, indexed by a real service. */
async function indexedNotes(files: Record<string, string>, opts: { before?: (notes: string) => void } = {}) {
  const root = tempDir();
  const notes = join(root, 'notes');
  const outside = join(root, 'private');
  mkdirSync(notes);
  mkdirSync(outside);
  writeFileSync(join(outside, 'secret.md'), '# Secret\n');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(notes, name), text);
  opts.before?.(notes);
  mkdirSync(join(root, 'data'));
  writeFileSync(join(root, 'data', 'settings.json'), JSON.stringify({ watchForChanges: false }));
  service = await SyncService.open({ dataDir: join(root, 'data'), owner: 'daemon' });
  const { id } = await service.addConnector({ kind: 'folder', path: notes, name: 'Notes' }, { syncNow: false });
  await service.syncNow([id]);
  const s = service;
  const doc = (name: string): Extract<OpenTarget, { kind: 'document' }> => {
    const hit = s.search('').find((h) => h.path === join(notes, name)) ?? s.search(name.replace(/\.[^.]+$/, ''))[0];
    if (!hit || hit.path !== join(notes, name)) throw new Error(`${name} is not in the index`);
    return { kind: 'document', connectorId: id, docId: hit.docId };
  };
  return { root, notes, outside, id, service: s, doc };
}

const refusal = async (promise: Promise<unknown>): Promise<string> => {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OpenRefusedError);
  return (err as Error).message;
};

describe('SyncService.fileToOpen', () => {
  it('answers the real path of an indexed note and of a listed problem', async () => {
    const { notes, id, service, doc } = await indexedNotes({
      'plan.md': '# Plan\n\nthe garden\n',
      'broken.md': '---\ntitle: [unclosed\n---\nthe broken garden\n',
    });
    await expect(service.fileToOpen(doc('plan.md'))).resolves.toBe(realpathSync(join(notes, 'plan.md')));
    const [problem] = service.itemErrors(id);
    expect(problem).toMatchObject({ code: 'W_BAD_FRONTMATTER', path: join(notes, 'broken.md') });
    await expect(service.fileToOpen({ kind: 'problem', connectorId: id, path: problem.path })).resolves.toBe(
      realpathSync(join(notes, 'broken.md')),
    );
  });

  it('opens the calendar file of a problem with one of its events, also when its name holds a "#"', async () => {
    const event = (uid: string) =>
      `BEGIN:VEVENT\r\nUID:${uid}\r\nDTSTART:20250203T100000Z\r\nDTEND:20250203T090000Z\r\nSUMMARY:Backwards\r\nEND:VEVENT\r\n`;
    const calendar = (uid: string) => `BEGIN:VCALENDAR\r\nVERSION:2.0\r\n${event(uid)}END:VCALENDAR\r\n`;
    const root = tempDir();
    const calendars = join(root, 'calendars');
    mkdirSync(calendars);
    writeFileSync(join(calendars, 'work.ics'), calendar('e1'));
    writeFileSync(join(calendars, 'team #2.ics'), calendar('e2#part'));
    service = await SyncService.open({ dataDir: join(root, 'data'), owner: 'daemon' });
    const { id } = await service.addConnector({ kind: 'ics', path: calendars, name: 'Cal' }, { syncNow: false });
    await service.syncNow([id]);
    const problems = service.itemErrors(id).map((e) => e.path);
    expect(problems.sort()).toEqual([join(calendars, 'team #2.ics#e2#part'), join(calendars, 'work.ics#e1')]);
    for (const [problem, file] of [
      [join(calendars, 'work.ics#e1'), 'work.ics'],
      [join(calendars, 'team #2.ics#e2#part'), 'team #2.ics'],
    ]) {
      await expect(service.fileToOpen({ kind: 'problem', connectorId: id, path: problem })).resolves.toBe(
        realpathSync(join(calendars, file)),
      );
    }
  });

  it('opens nothing the index does not list, even inside the folder', async () => {
    const { root, notes, id, service, doc } = await indexedNotes({ 'plan.md': '# Plan\n\nthe garden\n' });
    writeFileSync(join(notes, 'later.md'), '# Added after the sync\n');
    expect(await refusal(service.fileToOpen({ kind: 'problem', connectorId: id, path: join(notes, 'later.md') }))).toBe(
      'The problem is no longer listed.',
    );
    expect(await refusal(service.fileToOpen({ kind: 'problem', connectorId: id, path: '/etc/passwd' }))).toBe(
      'The problem is no longer listed.',
    );
    for (const docId of [`${id}:later.md`, 'later.md', `${id}:${join(notes, 'plan.md')}`]) {
      expect(await refusal(service.fileToOpen({ kind: 'document', connectorId: id, docId }))).toBe(
        'The document is no longer in the index.',
      );
    }
    expect(await refusal(service.fileToOpen({ ...doc('plan.md'), connectorId: 'elsewhere' }))).toBe(
      'Its connector was removed.',
    );
    // Registering a connector on a wide folder gives the page nothing new to name: only indexed files.
    const wide = await service.addConnector(
      { kind: 'folder', path: root, name: 'Everything', excludes: ['notes/**'] },
      { syncNow: false },
    );
    expect(
      await refusal(
        service.fileToOpen({ kind: 'problem', connectorId: wide.id, path: join(root, 'private', 'secret.md') }),
      ),
    ).toBe('The problem is no longer listed.');
  });

  it('refuses an indexed note that is now a link leading out of its folder', async () => {
    const { notes, outside, service, doc } = await indexedNotes({ 'plan.md': '# Plan\n\nthe garden\n' });
    const target = doc('plan.md');
    rmSync(join(notes, 'plan.md'));
    symlinkSync(join(outside, 'secret.md'), join(notes, 'plan.md'));
    expect(await refusal(service.fileToOpen(target))).toBe(
      'It leads out of its synced folder (through a link), so it is not opened.',
    );
  });

  it('refuses a note marked executable', async () => {
    const { notes, service, doc } = await indexedNotes(
      { 'run.md': '#!/bin/sh\n# Run\n\nthe garden\n', 'plan.md': '# Plan\n\nthe garden\n' },
      { before: (dir) => chmodSync(join(dir, 'run.md'), 0o755) },
    );
    expect(await refusal(service.fileToOpen(doc('run.md')))).toBe(
      'The file is marked as executable, and programs are never opened from here.',
    );
    const plan = doc('plan.md');
    chmodSync(join(notes, 'plan.md'), 0o744);
    expect(await refusal(service.fileToOpen(plan))).toMatch(/marked as executable/);
  });

  it('refuses a runnable type reached through a link inside the folder', async () => {
    const { notes, service, doc } = await indexedNotes({ 'plan.md': '# Plan\n\nthe garden\n' });
    const plan = doc('plan.md');
    writeFileSync(join(notes, 'launcher.desktop'), '[Desktop Entry]\nExec=xterm\n');
    rmSync(join(notes, 'plan.md'));
    symlinkSync(join(notes, 'launcher.desktop'), join(notes, 'plan.md'));
    expect(await refusal(service.fileToOpen(plan))).toBe(
      'A .desktop file can run as a program, and programs are never opened from here.',
    );
  });

  it('refuses what is no longer a file: a folder, or nothing', async () => {
    const { notes, service, doc } = await indexedNotes({ 'a.md': '# A\n\ngarden\n', 'b.md': '# B\n\ngarden\n' });
    const [a, b] = [doc('a.md'), doc('b.md')];
    rmSync(join(notes, 'a.md'));
    mkdirSync(join(notes, 'a.md'));
    rmSync(join(notes, 'b.md'));
    expect(await refusal(service.fileToOpen(a))).toBe('It is a folder, not a file.');
    expect(await refusal(service.fileToOpen(b))).toBe('The file no longer exists.');
  });

  it('opens notes of a connector whose folder is itself a link', async () => {
    const root = tempDir();
    mkdirSync(join(root, 'real-notes'));
    writeFileSync(join(root, 'real-notes', 'plan.md'), '# Plan\n\nthe garden\n');
    symlinkSync(join(root, 'real-notes'), join(root, 'notes'));
    service = await SyncService.open({ dataDir: join(root, 'data'), owner: 'daemon' });
    const { id } = await service.addConnector({ kind: 'folder', path: join(root, 'notes') }, { syncNow: false });
    await service.syncNow([id]);
    const [hit] = service.search('garden');
    await expect(service.fileToOpen({ kind: 'document', connectorId: id, docId: hit.docId })).resolves.toBe(
      realpathSync(join(root, 'real-notes', 'plan.md')),
    );
  });
});

/** A real service with one connector of `kind` on `path`, synced once. */
async function indexedSource(kind: 'folder' | 'mbox' | 'ics' | 'maildir', path: string, dataDir: string) {
  mkdirSync(dataDir);
  writeFileSync(join(dataDir, 'settings.json'), JSON.stringify({ watchForChanges: false }));
  service = await SyncService.open({ dataDir, owner: 'daemon' });
  const { id } = await service.addConnector({ kind, path, name: 'Source' }, { syncNow: false });
  await service.syncNow([id]);
  const s = service;
  const problem = (path: string): OpenTarget => ({ kind: 'problem', connectorId: id, path });
  return { id, service: s, problem };
}

const message = (id: string, body: string) =>
  `From alice@example.org Wed Jan 10 10:00:00 2024\nMessage-ID: <${id}@example.org>\nDate: Wed, 10 Jan 2024 10:00:00 +0000\nFrom: alice@example.org\nSubject: ${id}\n\n${body}\n\n`;

describe('SyncService.fileToOpen: the file of a listed problem', () => {
  it('opens a problem of a folder at its own path, never a file at a shorter one', async () => {
    const root = tempDir();
    const vault = join(root, 'vault');
    mkdirSync(vault);
    writeFileSync(join(vault, 'plan.md'), '# Plan\n\nthe garden\n');
    // Files the index never lists (no note extension), each a prefix of a problem's path up to a "#".
    for (const name of ['Meeting notes', 'Loop', 'Pipe']) writeFileSync(join(vault, name), 'never listed\n');
    symlinkSync(join(vault, 'gone.md'), join(vault, 'Meeting notes#2024.md'));
    symlinkSync(join(vault, 'Loop#1.md'), join(vault, 'Loop#1.md'));
    execFileSync('mkfifo', [join(vault, 'Pipe#1.md')]);
    const { id, service, problem } = await indexedSource('folder', vault, join(root, 'data'));
    const listed = service.itemErrors(id).map((e) => e.path);
    expect(listed.sort()).toEqual(['Loop#1.md', 'Meeting notes#2024.md', 'Pipe#1.md'].map((n) => join(vault, n)));
    expect(await refusal(service.fileToOpen(problem(join(vault, 'Meeting notes#2024.md'))))).toBe(
      'The file no longer exists.',
    );
    expect(await refusal(service.fileToOpen(problem(join(vault, 'Loop#1.md'))))).toMatch(/cannot be reached \(ELOOP\)/);
    expect(await refusal(service.fileToOpen(problem(join(vault, 'Pipe#1.md'))))).toBe(
      'It is not a regular file (a device, pipe or socket).',
    );
  });

  it('opens the mailbox of a problem with one of its messages, and only a mailbox the index holds', async () => {
    const root = tempDir();
    const mail = join(root, 'mail');
    mkdirSync(mail);
    const box = join(mail, 'notes#1.mbox');
    writeFileSync(box, message('a', 'Before\0\0the gap.') + message('b', 'Fine.'));
    // Not a mailbox, so no unit: the prefix up to the first "#" of the problem's path.
    writeFileSync(join(mail, 'notes'), 'never listed\n');
    const { id, service, problem } = await indexedSource('mbox', mail, join(root, 'data'));
    const [nul] = service.itemErrors(id);
    expect(nul).toMatchObject({ code: 'W_MBOX_MALFORMED', path: `${box}#0` });
    await expect(service.fileToOpen(problem(nul.path))).resolves.toBe(realpathSync(box));
    // A file on disk spelled like the problem is no unit of the connector: the problem is about the mailbox.
    writeFileSync(`${box}#0`, 'never listed\n');
    await expect(service.fileToOpen(problem(nul.path))).resolves.toBe(realpathSync(box));
    // The mailbox gone (the problem stays listed until the next sync): nothing else is opened in its place.
    rmSync(box);
    rmSync(`${box}#0`);
    expect(await refusal(service.fileToOpen(problem(nul.path)))).toBe('The file no longer exists.');
    execFileSync('mkfifo', [box]);
    expect(await refusal(service.fileToOpen(problem(nul.path)))).toBe(
      'It is not a regular file (a device, pipe or socket).',
    );
  });

  it('opens the mailbox of a connector on one file', async () => {
    const root = tempDir();
    const box = join(root, 'inbox#2.mbox');
    writeFileSync(box, message('a', 'Before\0\0the gap.'));
    writeFileSync(join(root, 'inbox'), 'never listed\n');
    const { id, service, problem } = await indexedSource('mbox', box, join(root, 'data'));
    const [nul] = service.itemErrors(id);
    expect(nul.path).toBe(`${box}#0`);
    await expect(service.fileToOpen(problem(nul.path))).resolves.toBe(realpathSync(box));
    rmSync(box);
    execFileSync('mkfifo', [box]);
    expect(await refusal(service.fileToOpen(problem(nul.path)))).toBe(
      'It is not a regular file (a device, pipe or socket).',
    );
  });
});

describe('fileOfProblem', () => {
  const units = new Set(['a.ics', 'team #2.ics', 'sub/x#y.ics', 'inbox.mbox']);
  const isUnit = (key: string) => units.has(key);
  it('maps a part to its unit, by the index only', () => {
    const ics = { kind: 'ics' as const, path: '/cal' };
    expect(fileOfProblem('/cal/a.ics#uid#2024', ics, isUnit, 'linux')).toBe('/cal/a.ics');
    expect(fileOfProblem('/cal/team #2.ics#e2#part', ics, isUnit, 'linux')).toBe('/cal/team #2.ics');
    expect(fileOfProblem('/cal/sub/x#y.ics#z', ics, isUnit, 'linux')).toBe('/cal/sub/x#y.ics');
    expect(fileOfProblem('/cal/b.ics#uid', ics, isUnit, 'linux')).toBe('/cal/b.ics#uid');
    expect(fileOfProblem('/elsewhere/a.ics#uid', ics, isUnit, 'linux')).toBe('/elsewhere/a.ics#uid');
    expect(fileOfProblem('C:\\cal\\sub\\x#y.ics#z', { kind: 'ics', path: 'C:\\cal' }, isUnit, 'win32')).toBe(
      'C:\\cal\\sub\\x#y.ics',
    );
    expect(fileOfProblem('/m/inbox.mbox#120', { kind: 'mbox', path: '/m/inbox.mbox' }, isUnit, 'linux')).toBe(
      '/m/inbox.mbox',
    );
  });

  it('never maps a problem of a kind whose units are whole files', () => {
    for (const kind of ['folder', 'obsidian', 'maildir'] as const) {
      expect(fileOfProblem('/v/a.ics#uid', { kind, path: '/v' }, () => true, 'linux')).toBe('/v/a.ics#uid');
    }
  });
});

/** A Maildir holding one message whose text is `body`, indexed: the message's file, its connector and service. */
async function indexedMessage(body: string) {
  const root = tempDir();
  const maildir = join(root, 'Maildir');
  for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(maildir, sub), { recursive: true });
  const file = join(maildir, 'cur', '1700000000.M1P2.host:2,S');
  writeFileSync(file, message('m', body).replace(/^From .*\n/, ''));
  return { file, ...(await indexedSource('maildir', maildir, join(root, 'data'))) };
}

describe('programs by their content', () => {
  it('refuses an indexed message that now holds a program, whatever its name', async () => {
    const { file, id, service } = await indexedMessage('the garden');
    const [hit] = service.search('garden');
    expect(hit.path).toBe(file);
    const target: OpenTarget = { kind: 'document', connectorId: id, docId: hit.docId };
    await expect(service.fileToOpen(target)).resolves.toBe(realpathSync(file));
    const pe = Buffer.alloc(256);
    pe.write('MZ\x90\0', 'latin1');
    writeFileSync(file, pe);
    expect(await refusal(service.fileToOpen(target))).toBe(
      'The file holds a Windows program, and programs are never opened from here.',
    );
    for (const [head, what] of [
      ['\x7fELF\x02\x01\x01', 'a Linux program'],
      ['#!/usr/bin/env python3\nprint(1)\n', 'a script'],
      ['# a comment\n[Desktop Entry]\nExec=xterm\n', 'a desktop launcher'],
    ]) {
      writeFileSync(file, head, 'latin1');
      expect(await refusal(service.fileToOpen(target))).toBe(
        `The file holds ${what}, and programs are never opened from here.`,
      );
    }
  });

  it('opens a text note that begins like a program or a script, and never a program named as a note', async () => {
    const { notes, id, service, doc } = await indexedNotes({
      'MZ-3 trip.md': 'MZ-3 trip\n\nthe garden at the lake\n',
      'backup.md': '#!/bin/sh\n# Backup\n\nrsync the garden photos\n',
      'urgent.txt': '#!urgent call about the garden\n',
      'bom.markdown': '\ufeff#! garden list\n',
    });
    for (const name of ['MZ-3 trip.md', 'backup.md', 'urgent.txt', 'bom.markdown']) {
      await expect(service.fileToOpen(doc(name))).resolves.toBe(realpathSync(join(notes, name)));
    }
    // The same notes, now holding a program (NUL bytes in its header), or a launcher some openers take by content.
    const trip = doc('MZ-3 trip.md');
    const pe = Buffer.alloc(256);
    pe.write('MZ\x90\0', 'latin1');
    writeFileSync(join(notes, 'MZ-3 trip.md'), pe);
    expect(await refusal(service.fileToOpen(trip))).toBe(
      'The file holds a Windows program, and programs are never opened from here.',
    );
    writeFileSync(join(notes, 'urgent.txt'), '[InternetShortcut]\nURL=file:///usr/bin/xterm\n');
    expect(await refusal(service.fileToOpen(doc('urgent.txt')))).toBe(
      'The file holds an Internet shortcut, and programs are never opened from here.',
    );
    // A problem listed for a note that is a program (binary) is not opened either.
    writeFileSync(join(notes, 'tool.md'), pe);
    await service.syncNow([id]);
    const binary = service.itemErrors(id).find((e) => e.path === join(notes, 'tool.md'));
    expect(binary).toMatchObject({ code: 'E_BINARY' });
    expect(await refusal(service.fileToOpen({ kind: 'problem', connectorId: id, path: binary!.path }))).toBe(
      'The file holds a Windows program, and programs are never opened from here.',
    );
  });

  it('still refuses a text that begins like a program when its name is no note', async () => {
    const { file, id, service } = await indexedMessage('the garden');
    const target: OpenTarget = { kind: 'document', connectorId: id, docId: service.search('garden')[0].docId };
    writeFileSync(file, 'MZ-3 trip\n\nthe garden\n');
    expect(await refusal(service.fileToOpen(target))).toBe(
      'The file holds a Windows program, and programs are never opened from here.',
    );
  });

  it('knows the starts of programs and launchers, and reads past no note', () => {
    const sig = (hex: string) => programSignature(Buffer.from(hex, 'hex'));
    expect(sig('cffaedfe07000001')).toBe('a macOS program');
    expect(sig('feedfacf01000007')).toBe('a macOS program');
    expect(sig('cafebabe0000003f')).toBe('a macOS or Java program');
    expect(sig('d0cf11e0a1b11ae100000000')).toBe('an installer or a document with macros');
    expect(programSignature(Buffer.from('\ufeff#!/bin/sh\n'))).toBe('a script');
    expect(programSignature(Buffer.from('[Flatpak Ref]\nUrl=https://example.org/repo\n'))).toBe('a Flatpak installer');
    expect(programSignature(Buffer.from('[InternetShortcut]\nURL=file:///tmp/x\n'))).toBe('an Internet shortcut');
    expect(programSignature(Buffer.from('# Plan\n\nthe garden\n'))).toBeNull();
    expect(programSignature(Buffer.from('From alice@example.org Wed Jan 10 10:00:00 2024\n'))).toBeNull();
    expect(programSignature(Buffer.from('BEGIN:VCALENDAR\r\nVERSION:2.0\r\n'))).toBeNull();
    // A note about launchers, past where the MIME database looks for one.
    expect(
      programSignature(Buffer.from(`# Launchers on Linux\n\nA launcher file looks like this:\n\n[Desktop Entry]\n`)),
    ).toBeNull();
    expect(programSignature(Buffer.alloc(0))).toBeNull();
    // Named as a text note: a program's start in text is none, a program's header (NUL bytes) still is.
    expect(programSignature(Buffer.from('#!/bin/sh\necho\n'), true)).toBeNull();
    expect(programSignature(Buffer.from('MZ\x90\0\x03\0', 'latin1'), true)).toBe('a Windows program');
    expect(programSignature(Buffer.from('[Desktop Entry]\nExec=xterm\n'), true)).toBe('a desktop launcher');
    expect(isTextNoteName('C:\\Notes\\plan.MD. ', 'win32')).toBe(true);
    expect(isTextNoteName('/home/ada/Notes/plan.md/.', 'linux')).toBe(true);
    expect(isTextNoteName('/home/ada/Notes/1700000000.M1P2.host:2,S', 'linux')).toBe(false);
  });
});

describe('shell:open-item through the contract', () => {
  it('the desktop hands the OS only the checked real path, and a refusal reaches the caller', async () => {
    const { notes, service, doc } = await indexedNotes(
      { 'plan.md': '# Plan\n\nthe garden\n', 'run.md': '# Run\n\ngarden\n' },
      { before: (dir) => chmodSync(join(dir, 'run.md'), 0o755) },
    );
    const opened: string[] = [];
    const host = createDesktopHost({
      dialog: { showOpenDialog: () => Promise.reject(new Error('not used')) },
      shell: {
        openPath: (p: string) => {
          opened.push(p);
          return Promise.resolve('');
        },
      },
      logsDir: join(notes, '..', 'logs'),
      window: () => null,
      startAtLogin: { supported: false, get: () => null, set: () => null, refresh() {} },
    });
    const handlers = createContractHandlers(service, host);
    const openItem = async (raw: unknown) => handlers['shell:open-item'](...parseInvokeArgs('shell:open-item', [raw]));
    await openItem(doc('plan.md'));
    await expect(openItem(doc('run.md'))).rejects.toThrow(/marked as executable/);
    await expect(openItem('/usr/bin/xterm')).rejects.toThrow(/target must be an object/);
    expect(opened).toEqual([realpathSync(join(notes, 'plan.md'))]);
  });

  it('a headless daemon refuses before it looks anything up', async () => {
    const { service, doc } = await indexedNotes({ 'plan.md': '# Plan\n\nthe garden\n' });
    const handlers = createContractHandlers(service, headlessHost());
    await expect(handlers['shell:open-item'](doc('plan.md'))).rejects.toThrow(/not available in headless mode/);
    await expect(handlers['shell:open-item']({ ...doc('plan.md'), docId: 'nope' })).rejects.toThrow(
      /not available in headless mode/,
    );
  });
});

describe('runnableExtension', () => {
  it('judges what the OS would open, not how the path is spelled', () => {
    expect(runnableExtension('/Users/ada/Notes/Evil.app/.', 'darwin')).toBe('.app');
    expect(runnableExtension('/Users/ada/Notes/Evil.APP/', 'darwin')).toBe('.app');
    expect(runnableExtension('C:\\Users\\ada\\Notes\\evil.exe.', 'win32')).toBe('.exe');
    expect(runnableExtension('C:\\Users\\ada\\Notes\\evil.exe ', 'win32')).toBe('.exe');
    for (const ext of [
      ...['py', 'msc', 'scpt', 'settingcontent-ms', 'iso', 'docm', 'desktop', 'AppImage', 'lnk'],
      ...['chm', 'application', 'appref-ms', 'scf', 'website', 'rdp', 'xll', 'xlam', 'library-ms', 'search-ms'],
      ...['diagcab', 'msix', 'appx', 'appinstaller', 'ps1xml', 'psc1', 'mht'],
      ...['pyz', 'pyzw', 'pyc', 'pyo', 'msu', 'theme', 'themepack', 'deskthemepack', 'wsb', 'ws', 'xnk'],
      ...['appcontent-ms', 'vsto', 'vsmacros', 'ppkg', 'printerexport', 'mcf', 'grp', 'iqy', 'slk'],
      ...['doc', 'xls', 'ppt', 'dot', 'xlt', 'pot', 'xla', 'ppa', 'pps', 'XLSB'],
      ...['inetloc', 'fileloc', 'webloc', 'mobileconfig', 'webarchive', 'flatpakref', 'flatpakrepo', 'flatpak'],
    ]) {
      expect(runnableExtension(`/home/ada/Notes/x.${ext}`, 'linux')).toBe(`.${ext.toLowerCase()}`);
    }
    expect(runnableExtension('/home/ada/Notes/x.md', 'linux')).toBeNull();
    expect(runnableExtension('C:\\Users\\ada\\Notes\\x.md', 'win32')).toBeNull();
  });
});
