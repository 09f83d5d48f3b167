import { cpSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  MAILDIR_READER_VERSION,
  MaildirConnector,
  deliveryTime,
  liftKeepPrefix,
  maildirFolderName,
  maildirKind,
  parseMaildirName,
} from '../../../electron/connectors/maildir.js';
import {
  ItemReadError,
  type ConnectorContext,
  type ItemIssue,
  type SourceDocument,
  type SourceUnit,
} from '../../../electron/connectors/types.js';
import { silentLogger } from '../../../shared/logger.js';
import type { ConnectorConfig } from '../../../shared/types.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../../../electron/connectors/mbox-splitter.js';
import { useTempDirs } from '../../helpers/temp-dir.js';
import { writeTree } from '../../helpers/tree.js';

const tempDir = useTempDirs('jarvis-maildir-');
const FIXTURE = join(import.meta.dirname, '../../fixtures/maildir/Maildir');

function ctx(): ConnectorContext {
  return { signal: new AbortController().signal, since: null, log: silentLogger, maxFileSizeBytes: 10 * 1024 * 1024 };
}

function config(path: string): ConnectorConfig {
  return {
    id: 'md',
    kind: 'maildir',
    name: 'Mail',
    path,
    excludes: [],
    intervalSeconds: null,
    paused: false,
    createdAt: 0,
  };
}

function copyFixture(): string {
  const root = join(tempDir(), 'Maildir');
  cpSync(FIXTURE, root, { recursive: true });
  return root;
}

async function enumerate(root: string) {
  const conn = new MaildirConnector(config(root));
  await conn.open(ctx());
  const units = new Map<string, SourceUnit>();
  const issues: ItemIssue[] = [];
  for await (const item of conn.enumerate(ctx())) {
    if ('code' in item) issues.push(item);
    else units.set(item.key, item);
  }
  return { conn, units, issues, keys: [...units.keys()].sort() };
}

async function readDoc(conn: MaildirConnector, unit: SourceUnit): Promise<SourceDocument> {
  const r = await conn.read(unit, null, ctx());
  expect(r.mode).toBe('replace');
  const docs: SourceDocument[] = [];
  for await (const ev of r.events) if (ev.type === 'doc') docs.push(ev.doc);
  expect(docs).toHaveLength(1);
  return docs[0];
}

const INBOX_1 = '1709550000.M101P2001.mail.example.com,S=254,W=262';
const INBOX_2 = '1709553600.M102P2001.mail.example.com,S=250,W=258';
const INBOX_NEW = '1709557200.M103P2001.mail.example.com,S=240,W=248';
const WORK_1 = '1709640000.M201P2002.mail.example.com,S=260,W=268';
const PROJ_1 = '1709726400.M301P2003.mail.example.com,S=230,W=238';
const DRAFT_1 = '1709730000.M401P2004.mail.example.com,S=200,W=208';

describe('Maildir file names', () => {
  it('splits the stable base from the flags, for ":" and "!" separators', () => {
    expect(parseMaildirName(`${INBOX_1}:2,S`)).toEqual({ base: INBOX_1, flagLetters: 'S', flags: ['Seen'] });
    expect(parseMaildirName(`${INBOX_1}!2,FRS`)).toEqual({
      base: INBOX_1,
      flagLetters: 'FRS',
      flags: ['Flagged', 'Replied', 'Seen'],
    });
    expect(parseMaildirName(`${INBOX_1}:2,`)).toEqual({ base: INBOX_1, flagLetters: '', flags: [] });
    expect(parseMaildirName(INBOX_1)).toEqual({ base: INBOX_1, flagLetters: '', flags: [] });
    expect(parseMaildirName('123.abc:2,DPTab')).toEqual({
      base: '123.abc',
      flagLetters: 'DPTab',
      flags: ['Draft', 'Passed', 'Trashed'],
    });
    expect(parseMaildirName('123.abc:1,experimental')).toEqual({ base: '123.abc', flagLetters: '', flags: [] });
    // Letters in another order are the same flags, so the fingerprint does not change.
    expect(parseMaildirName('x:2,SR').flagLetters).toBe(parseMaildirName('x:2,RS').flagLetters);
  });

  it('names folders for people', () => {
    expect(maildirFolderName('')).toBe('INBOX');
    expect(maildirFolderName('.Work')).toBe('Work');
    expect(maildirFolderName('.Work.Projects')).toBe('Work/Projects');
    expect(maildirFolderName('Archive/2023')).toBe('Archive/2023');
    // IMAP's modified UTF-7, as Dovecot and mbsync write folder names on disk.
    expect(maildirFolderName('.Entw&APw-rfe')).toBe('Entwürfe');
    expect(maildirFolderName('.&BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1-.2024')).toBe('Отправленные/2024');
    expect(maildirFolderName('Archiv/Gel&APY-scht')).toBe('Archiv/Gelöscht');
    expect(maildirFolderName('.Tom &- Jerry')).toBe('Tom & Jerry');
    expect(maildirFolderName('.R&D')).toBe('R&D');
    expect(maildirFolderName('.R&A-')).toBe('R&A-');
  });

  it('lifts the walker\'s "protect this folder" prefix from cur/new to the folder key', () => {
    const base: ItemIssue = { path: '/x', code: 'EACCES', message: 'denied', severity: 'error' };
    expect(liftKeepPrefix({ ...base, keepPrefix: '.Work/cur' }).keepPrefix).toBe('.Work');
    expect(liftKeepPrefix({ ...base, keepPrefix: 'new' }).keepPrefix).toBe('');
    expect(liftKeepPrefix({ ...base, keepPrefix: '.Work' }).keepPrefix).toBe('.Work');
    expect(liftKeepPrefix({ ...base, keepPrefix: `.Work/cur/${WORK_1}:2,S` }).keepPrefix).toBe(`.Work/${WORK_1}`);
    expect(liftKeepPrefix(base)).toEqual(base);
  });
});

describe('MaildirConnector', () => {
  it('enumerates cur/ and new/ of a Maildir++ tree; tmp/, control files and dot files are not messages', async () => {
    const { keys, issues } = await enumerate(copyFixture());
    expect(keys).toEqual(
      [`.Drafts/${DRAFT_1}`, `.Work.Projects/${PROJ_1}`, `.Work/${WORK_1}`, INBOX_1, INBOX_2, INBOX_NEW].sort(),
    );
    expect(issues).toEqual([]);
  });

  it('reads a message with its folder, flags and scoped id', async () => {
    const root = copyFixture();
    const { conn, units } = await enumerate(root);
    const inbox = await readDoc(conn, units.get(INBOX_2)!);
    expect(inbox).toMatchObject({
      id: `${INBOX_2}#md-inbox-2@example.org`,
      title: 'Re: Seed catalogue',
      content: 'Ordered the tomatoes.',
      docType: 'email',
      path: join(root, 'cur', `${INBOX_2}!2,FRS`),
      author: 'alice@example.org',
      participants: ['bob@example.com'],
      timestamp: Date.parse('2024-03-04T12:00:00Z'),
      metadata: { folder: 'INBOX', flags: ['Flagged', 'Replied', 'Seen'] },
    });
    expect((await readDoc(conn, units.get(INBOX_NEW)!)).metadata).toMatchObject({
      folder: 'INBOX',
      flags: [],
    });
    expect((await readDoc(conn, units.get(`.Work.Projects/${PROJ_1}`)!)).metadata).toMatchObject({
      folder: 'Work/Projects',
    });
    expect((await readDoc(conn, units.get(`.Drafts/${DRAFT_1}`)!)).metadata).toMatchObject({
      folder: 'Drafts',
      flags: ['Draft', 'Seen'],
    });
  });

  it('keeps the key when flags change (":2,S" → ":2,RS"); the fingerprint changes so the flags are re-read', async () => {
    const root = copyFixture();
    const cur = join(root, '.Work', 'cur');
    renameSync(join(cur, `${WORK_1}!2,RS`), join(cur, `${WORK_1}:2,S`));
    const before = await enumerate(root);
    const key = `.Work/${WORK_1}`;
    expect((await readDoc(before.conn, before.units.get(key)!)).metadata).toMatchObject({ flags: ['Seen'] });

    renameSync(join(cur, `${WORK_1}:2,S`), join(cur, `${WORK_1}:2,RS`));
    const after = await enumerate(root);
    expect(after.keys).toEqual(before.keys);
    expect(after.units.get(key)!.fingerprint).not.toBe(before.units.get(key)!.fingerprint);
    // Mail indexed by an earlier reader (its fingerprint without the version) is read once more.
    const { size, mtimeMs, ino } = statSync(join(cur, `${WORK_1}:2,RS`));
    expect(after.units.get(key)!.fingerprint).toBe(`${size}:${mtimeMs}:${ino}:RS:maildir${MAILDIR_READER_VERSION}`);
    const doc = await readDoc(after.conn, after.units.get(key)!);
    expect(doc.metadata).toMatchObject({ flags: ['Replied', 'Seen'] });
    expect(doc.id).toBe(`${key}#md-work-1@example.org`);
  });

  it('keeps the key when a message moves from new/ to cur/', async () => {
    const root = copyFixture();
    const before = await enumerate(root);
    renameSync(join(root, 'new', INBOX_NEW), join(root, 'cur', `${INBOX_NEW}:2,S`));
    const after = await enumerate(root);
    expect(after.keys).toEqual(before.keys);
    expect(after.units.get(INBOX_NEW)!.path).toBe(join(root, 'cur', `${INBOX_NEW}:2,S`));
    expect((await readDoc(after.conn, after.units.get(INBOX_NEW)!)).metadata).toMatchObject({
      flags: ['Seen'],
    });
  });

  it('drops deleted messages from the enumeration, which is how the engine deletes them', async () => {
    const root = copyFixture();
    rmSync(join(root, 'cur', `${INBOX_1}!2,S`));
    const { keys } = await enumerate(root);
    expect(keys).not.toContain(INBOX_1);
    expect(keys).toContain(INBOX_2);
  });

  it('reads a nested ("fs" layout) tree of Maildirs', async () => {
    const root = tempDir();
    const m = (id: string) => `Message-ID: <${id}>\nSubject: ${id}\nFrom: a@example.org\n\nbody\n`;
    writeTree(root, {
      'cur/1.a:2,S': m('top'),
      'Archive/2023/cur/2.b:2,': m('old'),
      'Archive/2023/new/3.c': m('new'),
      'Archive/2023/tmp/4.d': m('tmp'),
    });
    const { conn, units, keys } = await enumerate(root);
    expect(keys).toEqual(['1.a', 'Archive/2023/2.b', 'Archive/2023/3.c']);
    expect((await readDoc(conn, units.get('Archive/2023/2.b')!)).metadata).toMatchObject({ folder: 'Archive/2023' });
  });

  it('fails an unparseable message with E_PARSE, and a vanished one with E_VANISHED', async () => {
    const root = copyFixture();
    writeFileSync(join(root, 'cur', '1800000000.M9P9.host:2,S'), 'garbage without any header\n\nat all\n');
    const { conn, units } = await enumerate(root);
    const err = await conn.read(units.get('1800000000.M9P9.host')!, null, ctx()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ItemReadError);
    expect((err as ItemReadError).code).toBe('E_PARSE');

    rmSync(join(root, 'cur', `${INBOX_1}!2,S`));
    await expect(conn.read(units.get(INBOX_1)!, null, ctx())).rejects.toMatchObject({ code: 'E_VANISHED' });
  });

  it("reads a message Dovecot's zlib plugin stored gzip-compressed, and names a format it cannot read", async () => {
    const root = tempDir();
    const message = 'Message-ID: <gz@x>\nSubject: Compressed quokka\nFrom: a@example.org\n\nquokka body\n';
    writeTree(root, { 'cur/1700000001.M1P1.host,S=70:2,S': '', 'cur/1700000002.M2P1.host:2,S': '' });
    writeFileSync(join(root, 'cur/1700000001.M1P1.host,S=70:2,S'), gzipSync(message));
    writeFileSync(
      join(root, 'cur/1700000002.M2P1.host:2,S'),
      Buffer.concat([Buffer.from('28b52ffd', 'hex'), gzipSync(message)]),
    );
    const { conn, units } = await enumerate(root);
    const doc = await readDoc(conn, units.get('1700000001.M1P1.host,S=70')!);
    expect(doc).toMatchObject({
      title: 'Compressed quokka',
      content: 'quokka body',
      id: '1700000001.M1P1.host,S=70#gz@x',
    });
    await expect(conn.read(units.get('1700000002.M2P1.host')!, null, ctx())).rejects.toMatchObject({
      code: 'E_PARSE',
      message: expect.stringContaining('zstd'),
    });

    // Over the message size limit once decompressed (a few KB on disk): said so, not read.
    const huge = Buffer.concat([Buffer.from(message), Buffer.alloc(DEFAULT_MAX_MESSAGE_BYTES, 'a')]);
    writeFileSync(join(root, 'cur/1700000001.M1P1.host,S=70:2,S'), gzipSync(huge));
    const again = await enumerate(root);
    await expect(again.conn.read(again.units.get('1700000001.M1P1.host,S=70')!, null, ctx())).rejects.toMatchObject({
      code: 'E_TOO_LARGE',
    });
  });

  it('dates a message without a usable Date by its delivery time in the file name', async () => {
    const root = tempDir();
    writeTree(root, {
      'cur/1700000001.M1P1.host:2,S': 'Message-ID: <undated@x>\nSubject: undated\nFrom: a@example.org\n\nbody\n',
      'cur/1700000002.M2P1.host:2,S':
        'Message-ID: <garbled@x>\nSubject: garbled\nDate: sometime last week\nFrom: a@example.org\n\nbody\n',
      'new/1700000003.M3P1.host':
        'Message-ID: <zoned@x>\nSubject: zoned\nDate: Tue, 4 Jun 2024 09:15:01 CEST\nFrom: a@example.org\n\nbody\n',
      'cur/weird-name:2,S': 'Message-ID: <weird@x>\nSubject: weird\nFrom: a@example.org\n\nbody\n',
    });
    const { conn, units } = await enumerate(root);
    expect((await readDoc(conn, units.get('1700000001.M1P1.host')!)).timestamp).toBe(1700000001000);
    expect((await readDoc(conn, units.get('1700000002.M2P1.host')!)).timestamp).toBe(1700000002000);
    expect((await readDoc(conn, units.get('1700000003.M3P1.host')!)).timestamp).toBe(
      Date.parse('2024-06-04T07:15:01Z'),
    );
    expect((await readDoc(conn, units.get('weird-name')!)).timestamp).toBeNull();
    expect(deliveryTime('1709550000.M101P2001.mail.example.com,S=254,W=262')).toBe(1709550000000);
    expect(deliveryTime('1709550000_1.2001.host')).toBe(1709550000000);
    expect(deliveryTime('msg-1709550000')).toBeNull();
  });

  it('reads 8-bit headers and body without a charset as windows-1252, and mislabelled UTF-8 byte by byte, with a W_BAD_UTF8 warning', async () => {
    const root = tempDir();
    writeTree(root, {});
    const latin1 = join(root, 'cur', '1700000001.M1P1.host:2,S');
    const mislabelled = join(root, 'cur', '1700000002.M2P1.host:2,S');
    mkdirSync(join(root, 'cur'), { recursive: true });
    writeFileSync(latin1, Buffer.from('Message-ID: <l@x>\nSubject: Grüße\nFrom: Müller <m@x.de>\n\närger\n', 'latin1'));
    writeFileSync(
      mislabelled,
      Buffer.from('Message-ID: <m@x>\nSubject: s\nContent-Type: text/plain; charset=utf-8\n\närger\n', 'latin1'),
    );
    const { conn, units } = await enumerate(root);
    const r = await conn.read(units.get('1700000001.M1P1.host')!, null, ctx());
    const events = [];
    for await (const ev of r.events) events.push(ev);
    expect(events).toEqual([
      { type: 'doc', doc: expect.objectContaining({ title: 'Grüße', author: 'Müller <m@x.de>', content: 'ärger' }) },
    ]);
    const bad = await conn.read(units.get('1700000002.M2P1.host')!, null, ctx());
    const badEvents = [];
    for await (const ev of bad.events) badEvents.push(ev);
    expect(badEvents).toEqual([
      { type: 'doc', doc: expect.objectContaining({ content: 'ärger' }) },
      { type: 'issue', issue: expect.objectContaining({ code: 'W_BAD_UTF8', severity: 'warning', path: mislabelled }) },
    ]);
  });

  it('checks a path: a Maildir, a Maildir++ root, a nested tree; anything else is explained', async () => {
    const dir = tempDir();
    writeTree(dir, { 'plain/cur/': '', 'plusplus/.Work/cur/': '', 'nested/Archive/new/': '', 'notes/a.md': '# a' });
    expect(await maildirKind.checkPath(join(dir, 'plain'))).toBeNull();
    expect(await maildirKind.checkPath(join(dir, 'plusplus'))).toBeNull();
    expect(await maildirKind.checkPath(join(dir, 'nested'))).toBeNull();
    expect(await maildirKind.checkPath(FIXTURE)).toBeNull();
    expect(await maildirKind.checkPath(join(dir, 'notes'))).toMatch(/not a Maildir/);
    expect(await maildirKind.checkPath(join(dir, 'missing'))).toMatch(/does not exist/);
    expect(readdirSync(dir)).toHaveLength(4);
  });
});
