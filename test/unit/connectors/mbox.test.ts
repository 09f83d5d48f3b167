import {
  appendFileSync,
  cpSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  mboxKind,
  MboxConnector,
  type MboxConnectorOptions,
  envelopeTime,
  folderName,
  looksLikeMbox,
  mailStatus,
} from '../../../electron/connectors/mbox.js';
import { formatCursor, parseCursor } from '../../../electron/connectors/mbox-splitter.js';
import {
  ItemReadError,
  SourceUnavailableError,
  type ConnectorContext,
  type ItemIssue,
  type SourceDocument,
  type SourceUnit,
  type UnitRecord,
} from '../../../electron/connectors/types.js';
import { SyncEngine } from '../../../electron/core/engine.js';
import { IngestionPipeline } from '../../../electron/core/pipeline.js';
import { KnowledgeStore } from '../../../electron/core/store.js';
import { silentLogger } from '../../../shared/logger.js';
import { progressShare } from '../../../shared/progress.js';
import type { ConnectorConfig, Progress } from '../../../shared/types.js';
import { useTempDirs } from '../../helpers/temp-dir.js';
import { writeTree } from '../../helpers/tree.js';
import { manifestOf } from '../../helpers/manifest.js';

const tempDir = useTempDirs('jarvis-mbox-');
const FIXTURES = join(import.meta.dirname, '../../fixtures/mbox');

function ctx(): ConnectorContext {
  return { signal: new AbortController().signal, since: null, log: silentLogger, maxFileSizeBytes: 10 * 1024 * 1024 };
}

function config(path: string): ConnectorConfig {
  return {
    id: 'mail',
    kind: 'mbox',
    name: 'Mail',
    path,
    excludes: [],
    intervalSeconds: null,
    paused: false,
    createdAt: 0,
  };
}

function copyFixture(name: string): string {
  const dir = tempDir();
  const dest = join(dir, name.split('/').pop()!);
  cpSync(join(FIXTURES, name), dest, { recursive: true });
  return dest;
}

async function enumerate(conn: MboxConnector) {
  await conn.open(ctx());
  const units: SourceUnit[] = [];
  const issues: ItemIssue[] = [];
  for await (const item of conn.enumerate(ctx())) {
    if ('code' in item) issues.push(item);
    else units.push(item);
  }
  units.sort((a, b) => (a.key < b.key ? -1 : 1));
  return { units, issues };
}

interface ReadResult {
  mode: 'append' | 'replace';
  docs: SourceDocument[];
  issues: ItemIssue[];
  cursors: string[];
  /** How far into the file the read said it was, in order. */
  positions: { done: number; total: number }[];
  /** Event types in order: d(oc), i(ssue), c(ursor); positions are left out. */
  order: string;
  /** What the engine would store for the unit afterwards. */
  record: UnitRecord;
}

async function read(conn: MboxConnector, unit: SourceUnit, previous: UnitRecord | null = null): Promise<ReadResult> {
  const r = await conn.read(unit, previous, ctx());
  const out: ReadResult = {
    mode: r.mode,
    docs: [],
    issues: [],
    cursors: [],
    positions: [],
    order: '',
    record: { key: unit.key, fingerprint: unit.fingerprint, cursor: previous?.cursor ?? null },
  };
  for await (const ev of r.events) {
    if (ev.type === 'position') {
      out.positions.push({ done: ev.done, total: ev.total });
      continue;
    }
    if (ev.type === 'doc') out.docs.push(ev.doc);
    else if (ev.type === 'issue') out.issues.push(ev.issue);
    else out.cursors.push(ev.cursor);
    out.order += ev.type[0];
  }
  out.record.cursor = out.cursors[out.cursors.length - 1] ?? out.record.cursor;
  return out;
}

/** Enumerates a single-file connector and reads its only unit. */
async function readFile(path: string, previous: UnitRecord | null = null, conn = new MboxConnector(config(path))) {
  const { units } = await enumerate(conn);
  expect(units).toHaveLength(1);
  return read(conn, units[0], previous);
}

function msg(i: number, extra = ''): string {
  return `From sender@example.org Mon Jan  1 00:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')} 2024\nMessage-ID: <m${i}@example.org>\nFrom: Sender <sender@example.org>\nSubject: Message ${i}\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n\nBody of message ${i}.${extra}\n\n`;
}

const titles = (r: ReadResult) => r.docs.map((d) => d.title);

/** Writes `text` to a new mailbox file and returns its path. */
function writeTemp(text: string, name = 'Inbox'): string {
  const path = join(tempDir(), name);
  writeFileSync(path, text);
  return path;
}

describe('enumerate', () => {
  it('finds the mboxes of a Thunderbird profile by their first line, skipping indexes, settings and empty folders', async () => {
    const root = copyFixture('thunderbird/Local Folders');
    const { units, issues } = await enumerate(new MboxConnector(config(root)));
    expect(units.map((u) => u.key)).toEqual(['Archives.sbd/2023', 'Inbox']);
    expect(issues).toEqual([]);
    const inbox = units[1];
    expect(inbox.path).toBe(join(root, 'Inbox'));
    expect(inbox.fingerprint).toMatch(/^\d+:[\d.]+:\d+$/);
  });

  it('finds an extension-less mailbox whose start a crash zero-filled, and nothing in a file of zeros', async () => {
    const dir = tempDir();
    writeTree(dir, {
      Inbox: Buffer.concat([Buffer.alloc(4096), Buffer.from(`\n${msg(1)}`)]),
      Sent: Buffer.concat([Buffer.alloc(100), Buffer.from(msg(2))]),
      Zeros: Buffer.alloc(8192),
      Prose: Buffer.concat([Buffer.alloc(10), Buffer.from('\nFrom here on it is prose.\n')]),
    });
    const { units, issues } = await enumerate(new MboxConnector(config(dir)));
    expect(units.map((u) => u.key)).toEqual(['Inbox', 'Sent']);
    expect(issues).toEqual([]);
    expect(titles(await read(new MboxConnector(config(dir)), units[0]))).toEqual(['Message 1']);
    expect(await mboxKind.checkPath(join(dir, 'Inbox'))).toBeNull();
    expect(await mboxKind.checkPath(join(dir, 'Zeros'))).toMatch(/does not look like an mbox/);
  });

  it('finds a Google Takeout mbox by its first line', async () => {
    const root = copyFixture('takeout');
    const { units } = await enumerate(new MboxConnector(config(root)));
    expect(units.map((u) => u.key)).toEqual(['Takeout/Mail/All mail Including Spam and Trash.mbox']);
  });

  it('uses the file name as the key of a single-file connector', async () => {
    const path = copyFixture('crlf.mbox');
    const { units } = await enumerate(new MboxConnector(config(path)));
    expect(units).toEqual([
      {
        key: 'crlf.mbox',
        path,
        fingerprint: expect.stringMatching(/^\d+:[\d.]+:\d+$/) as unknown,
        size: readFileSync(path).length,
      },
    ]);
  });

  it('reports a missing root as unavailable (nothing is deleted)', async () => {
    const dir = tempDir();
    await expect(new MboxConnector(config(join(dir, 'gone'))).open(ctx())).rejects.toBeInstanceOf(
      SourceUnavailableError,
    );
    await expect(new MboxConnector(config(join(dir, 'gone.mbox'))).open(ctx())).rejects.toMatchObject({
      code: 'E_ROOT_UNAVAILABLE',
    });
  });
});

describe('read: a whole file', () => {
  it('indexes a Thunderbird Inbox: flags, folder, scoped ids, skips messages deleted but not compacted', async () => {
    const root = copyFixture('thunderbird/Local Folders');
    const conn = new MboxConnector(config(root));
    const { units } = await enumerate(conn);
    const r = await read(
      conn,
      units.find((u) => u.key === 'Inbox')!,
    );
    expect(r.mode).toBe('replace');
    expect(titles(r)).toEqual(['Quarterly planning notes', 'Re: Quarterly planning notes']);
    expect(r.docs[0].id).toBe('Inbox#5f1c2a90-1b7e-4d0e-9a55-3c2b1e0d7f11@example.org');
    expect(r.docs[0].path).toBe(join(root, 'Inbox'));
    expect(r.docs[0].metadata).toMatchObject({ folder: 'Inbox', flags: ['Seen'] });
    expect(r.docs[1].metadata).toMatchObject({ flags: ['Replied', 'Seen'] });
    expect(r.docs[0].content).toContain('\nFrom the minutes:');
    expect(r.docs[1].content).toContain('\n>From my side: nothing to add.');
    expect(r.issues).toEqual([]);
    // A replace pass reports its cursor once, at the very end.
    expect(r.order).toBe('ddc');
    expect(parseCursor(r.cursors[0])!.offset).toBe(units.find((u) => u.key === 'Inbox')!.size);

    const archive = await read(
      conn,
      units.find((u) => u.key === 'Archives.sbd/2023')!,
    );
    expect(archive.docs[0].metadata).toMatchObject({ folder: 'Archives/2023' });
    expect(archive.docs[0].id).toBe('Archives.sbd/2023#archive-2023-001@example.org');
  });

  it('indexes a CRLF mbox', async () => {
    const r = await readFile(copyFixture('crlf.mbox'));
    expect(titles(r)).toEqual(['First CRLF message', 'Second CRLF message']);
    expect(r.docs[1].content).toBe('From the second message, with a quoted From line.');
  });

  it('indexes the last message even without a trailing blank line', async () => {
    const r = await readFile(copyFixture('no-trailing-blank.mbox'));
    expect(titles(r)).toEqual(['First', 'Last, without the blank line after it']);
    expect(r.issues).toEqual([]);
  });

  it('keeps two different messages that share a Message-ID, and one copy of a message stored twice', async () => {
    const path = join(tempDir(), 'Inbox');
    const reused = (subject: string, body: string, status = '') =>
      `From a@x Mon Jan  1 10:00:00 2024\nMessage-ID: <same@example.org>\n${status}From: a@x\nSubject: ${subject}\nDate: Mon, 1 Jan 2024 10:00:00 +0000\n\n${body}\n\n`;
    writeFileSync(
      path,
      reused('Zebrafish', 'zebrafish swim') +
        msg(1) +
        reused('Zebrafish', 'zebrafish swim', 'X-Mozilla-Status: 0001\n') +
        reused('Another', 'a different message with the same id'),
    );
    const r = await readFile(path);
    // Before, the last message overwrote the first: "zebrafish" was no longer found.
    expect(titles(r)).toEqual(['Zebrafish', 'Message 1', 'Another']);
    expect(new Set(r.docs.map((d) => d.id)).size).toBe(3);
    expect(r.docs[0].id).toBe('Inbox#same@example.org');
    // The same ids on the next full read: nothing is re-added or deleted.
    expect((await readFile(path)).docs.map((d) => d.id)).toEqual(r.docs.map((d) => d.id));
  });

  it('indexes around NUL bytes, with a warning', async () => {
    const path = copyFixture('nul-bytes.mbox');
    const r = await readFile(path);
    expect(titles(r)).toEqual(['Has NULs', 'After a zero-filled gap']);
    expect(r.issues).toEqual([
      expect.objectContaining({ code: 'W_MBOX_MALFORMED', severity: 'warning', path: `${path}#0` }),
    ]);
  });

  it('turns a broken message into one E_PARSE issue and indexes the others; a message without Message-ID gets a stable id', async () => {
    const path = copyFixture('broken.mbox');
    const data = readFileSync(path, 'latin1');
    const r = await readFile(path);
    expect(titles(r)).toEqual(['Good one', 'No Message-ID here', '(no subject)']);
    expect(r.issues).toEqual([
      expect.objectContaining({
        code: 'E_PARSE',
        severity: 'error',
        path: `${path}#${data.indexOf('From MAILER-DAEMON')}`,
      }),
    ]);
    const noId = r.docs[1];
    expect(noId.id).toMatch(/^broken\.mbox#sha256:[0-9a-f]{64}$/);
    const again = await readFile(path);
    expect(again.docs[1].id).toBe(noId.id);
    // The undated message falls back to its From_ line's date.
    expect(r.docs[2].timestamp).toBe(Date.parse('2024-01-11T12:00:00Z'));
  });

  it('reads 8-bit text without a charset as windows-1252, and mislabelled UTF-8 byte by byte, with a W_BAD_UTF8 warning', async () => {
    const first = msg(1);
    const path = writeTemp('');
    writeFileSync(
      path,
      Buffer.concat([
        Buffer.from(first),
        Buffer.from(
          'From sender@example.org Mon Jan  1 00:00:02 2024\nMessage-ID: <l@x>\nFrom: Müller <m@x.de>\nSubject: Grüße\n\närger\n\n',
          'latin1',
        ),
        Buffer.from(
          'From sender@example.org Mon Jan  1 00:00:03 2024\nMessage-ID: <u@x>\nFrom: a@x\nSubject: mislabelled\nContent-Type: text/plain; charset=utf-8\n\närger\n\n',
          'latin1',
        ),
      ]),
    );
    const r = await readFile(path);
    expect(r.docs.map((d) => [d.title, d.author, d.content])).toEqual([
      ['Message 1', 'Sender <sender@example.org>', 'Body of message 1.'],
      ['Grüße', 'Müller <m@x.de>', 'ärger'],
      ['mislabelled', 'a@x', 'ärger'],
    ]);
    const third = readFileSync(path, 'latin1').indexOf('From sender@example.org Mon Jan  1 00:00:03');
    expect(r.issues).toEqual([
      expect.objectContaining({ code: 'W_BAD_UTF8', severity: 'warning', path: `${path}#${third}` }),
    ]);
  });

  it('skips an oversized message with E_TOO_LARGE and keeps going', async () => {
    const dir = tempDir();
    const path = join(dir, 'big.mbox');
    writeFileSync(path, msg(1) + msg(2, 'x'.repeat(5000)) + msg(3));
    const conn = new MboxConnector(config(path), { maxMessageBytes: 2000 });
    const r = await readFile(path, null, conn);
    expect(titles(r)).toEqual(['Message 1', 'Message 3']);
    expect(r.issues).toEqual([expect.objectContaining({ code: 'E_TOO_LARGE', path: `${path}#${msg(1).length}` })]);
  });
});

describe('read: appends, rewrites and the incomplete tail', () => {
  it('reads only the appended message the next time', async () => {
    const path = join(tempDir(), 'Inbox');
    writeFileSync(path, msg(1) + msg(2) + msg(3));
    const first = await readFile(path);
    expect(first.docs).toHaveLength(3);

    appendFileSync(path, msg(4));
    const second = await readFile(path, first.record);
    expect(second.mode).toBe('append');
    expect(titles(second)).toEqual(['Message 4']);
    expect(parseCursor(second.record.cursor)!.offset).toBe(readFileSync(path).length);

    const nothingNew = await readFile(path, second.record);
    expect(nothingNew.mode).toBe('append');
    expect(nothingNew.docs).toEqual([]);
    expect(nothingNew.record.cursor).toBe(second.record.cursor);
  });

  it('reads everything again after a compaction rewrote the file with fewer messages', async () => {
    const path = join(tempDir(), 'Inbox');
    writeFileSync(path, msg(1) + msg(2) + msg(3) + msg(4));
    const first = await readFile(path);

    writeFileSync(path, msg(1) + msg(3) + msg(4)); // message 2 deleted, folder compacted: the file shrank
    const shrunk = await readFile(path, first.record);
    expect(shrunk.mode).toBe('replace');
    expect(titles(shrunk)).toEqual(['Message 1', 'Message 3', 'Message 4']);

    writeFileSync(path, msg(1) + msg(3) + msg(4) + msg(5) + msg(6)); // rewritten and grown: the prefix differs
    const rewritten = await readFile(path, first.record);
    expect(rewritten.mode).toBe('replace');
    expect(titles(rewritten)).toEqual(['Message 1', 'Message 3', 'Message 4', 'Message 5', 'Message 6']);
  });

  it('does not commit a truncated tail, and picks it up (alone) once it is complete', async () => {
    const path = join(tempDir(), 'Inbox');
    const whole = msg(3);
    writeFileSync(path, msg(1) + msg(2) + whole.slice(0, 120));
    const first = await readFile(path);
    expect(titles(first)).toEqual(['Message 1', 'Message 2']);
    expect(first.issues).toEqual([
      expect.objectContaining({
        code: 'W_MBOX_TRUNCATED',
        severity: 'warning',
        path: `${path}#${(msg(1) + msg(2)).length}`,
      }),
    ]);
    expect(parseCursor(first.record.cursor)!.offset).toBe((msg(1) + msg(2)).length);

    appendFileSync(path, whole.slice(120));
    const second = await readFile(path, first.record);
    expect(second.mode).toBe('append');
    expect(titles(second)).toEqual(['Message 3']);
    expect(second.docs[0].content).toBe('Body of message 3.');
    expect(second.issues).toEqual([]);
  });

  it('recovers when a message that looked complete was still being written', async () => {
    const path = join(tempDir(), 'Inbox');
    writeFileSync(path, `${msg(1)}${msg(2).replace('\n\n', '\n\nFirst paragraph.\n').slice(0, -1)}`);
    const first = await readFile(path);
    expect(first.docs[1].content).toBe('First paragraph.\nBody of message 2.');

    appendFileSync(path, 'Second paragraph, written a moment later.\n\n' + msg(3));
    const second = await readFile(path, first.record);
    // The bytes at the old cursor are not a From_ line: the cursor was too early, so the file is read again.
    expect(second.mode).toBe('replace');
    expect(second.docs[1].content).toBe(
      'First paragraph.\nBody of message 2.\nSecond paragraph, written a moment later.',
    );
    expect(second.docs[1].id).toBe(first.docs[1].id);
    expect(titles(second)).toEqual(['Message 1', 'Message 2', 'Message 3']);
  });

  it('emits resume cursors during a long append, and a crash after one resumes from it', async () => {
    const path = join(tempDir(), 'Inbox');
    writeFileSync(path, msg(0));
    const first = await readFile(path);
    appendFileSync(path, Array.from({ length: 250 }, (_, i) => msg(i + 1)).join(''));

    const second = await readFile(path, first.record);
    expect(second.mode).toBe('append');
    expect(second.docs).toHaveLength(250);
    const offsets = second.cursors.map((c) => parseCursor(c)!.offset);
    const boundaries = [101, 201].map((n) => Array.from({ length: n }, (_, i) => msg(i)).join('').length);
    expect(offsets.slice(0, 2)).toEqual(boundaries);
    expect(offsets[offsets.length - 1]).toBe(readFileSync(path).length);
    // Each cursor comes after every doc before its offset: 100 docs, a cursor, 100 docs, a cursor, …
    expect(second.order.indexOf('c')).toBe(100);

    const resumed = await readFile(path, { ...first.record, cursor: second.cursors[0] });
    expect(resumed.mode).toBe('append');
    expect(resumed.docs.map((d) => d.title)).toEqual(Array.from({ length: 150 }, (_, i) => `Message ${i + 101}`));
  });

  it('gives up an append, without yielding anything, when the file is rewritten between read() and reading', async () => {
    const path = join(tempDir(), 'Inbox');
    writeFileSync(path, msg(1) + msg(2));
    const first = await readFile(path);
    appendFileSync(path, msg(3));
    const conn = new MboxConnector(config(path));
    const { units } = await enumerate(conn);
    const r = await conn.read(units[0], first.record, ctx());
    expect(r.mode).toBe('append');
    writeFileSync(path, msg(7) + msg(8) + msg(9));
    const seen: string[] = [];
    const err = await (async () => {
      for await (const ev of r.events) seen.push(ev.type);
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ItemReadError);
    expect((err as ItemReadError).code).toBe('W_CHANGED_DURING_READ');
    expect(seen).toEqual([]);
  });

  it('fails the unit with E_VANISHED when the file is gone', async () => {
    const path = join(tempDir(), 'Inbox');
    writeFileSync(path, msg(1));
    const conn = new MboxConnector(config(path));
    const { units } = await enumerate(conn);
    rmSync(path);
    await expect(conn.read(units[0], null, ctx())).rejects.toMatchObject({ code: 'E_VANISHED' });
  });

  it('reads a file emptied to zero bytes as an empty replace (every message deleted)', async () => {
    const path = join(tempDir(), 'Inbox');
    writeFileSync(path, msg(1));
    const first = await readFile(path);
    truncateSync(path, 0);
    const second = await readFile(path, first.record);
    expect(second.mode).toBe('replace');
    expect(second.docs).toEqual([]);
  });
});

/** A real index in `dir` and an engine syncing the mbox connector on `path` into it. */
/** A message with the status headers Thunderbird rewrites in place (X-Mozilla-Status: read 0001, deleted 0008). */
function withMozillaStatus(text: string, status: string): string {
  return text.replace('\nMessage-ID:', `\nX-Mozilla-Status: ${status}\nX-Mozilla-Status2: 00000000\nMessage-ID:`);
}

/**
 * An Inbox of two messages with these statuses. The second is longer than the 4 KB the resume check hashes, so a
 * status rewritten in the first lies outside that window.
 */
function thunderbirdInbox(firstStatus: string, secondStatus: string): string {
  return (
    withMozillaStatus(msg(1, ' alpha'), firstStatus) +
    withMozillaStatus(msg(2, ` beta ${'filler '.repeat(1000)}`), secondStatus)
  );
}

/** `debug`, when given, collects the engine's (and so the connector's) debug lines. */
function indexOf(dir: string, path: string, opts: MboxConnectorOptions = {}, debug?: string[]) {
  const store = KnowledgeStore.open(join(dir, 'index.sqlite'), { log: silentLogger });
  const log = debug
    ? { ...silentLogger, debug: (...a: unknown[]) => debug.push(a.map(String).join(' ')) }
    : silentLogger;
  const engine = new SyncEngine({ store, pipeline: new IngestionPipeline(store), log });
  const conn = new MboxConnector(config(path), opts);
  let reads = 0;
  const read = conn.read.bind(conn);
  conn.read = (...args) => {
    reads++;
    return read(...args);
  };
  return {
    store,
    sync: () => engine.sync(conn, { signal: new AbortController().signal, trigger: 'manual' }),
    /** How many times the engine asked the connector to read the mailbox. */
    readCount: () => reads,
    /** Titles of the messages a search finds, sorted. */
    found: (q: string) =>
      store
        .search(q, {})
        .map((h) => h.title)
        .sort(),
  };
}

/**
 * indexOf on `Inbox` in a new folder, with a clock the test moves: `at(minutes)` sets it that many minutes after the
 * start, and `at(minutes, text)` also writes the mailbox with that time as its mtime, as a mail program would.
 */
function clockedInbox(opts: MboxConnectorOptions = {}, debug?: string[]) {
  const dir = tempDir();
  const path = join(dir, 'Inbox');
  const start = 1_700_000_000_000;
  let now = start;
  const index = indexOf(dir, path, { ...opts, now: () => now }, debug);
  const at = (minutes: number, text?: string) => {
    now = start + minutes * 60_000;
    if (text === undefined) return;
    writeFileSync(path, text);
    utimesSync(path, now / 1000, now / 1000);
  };
  return { ...index, path, at };
}

describe('through the real engine and store', () => {
  it('indexes, appends one message, and applies a compaction that removed one', async () => {
    const dir = tempDir();
    const path = join(dir, 'Inbox');
    const { store, sync, found } = indexOf(dir, path);
    try {
      writeFileSync(path, msg(1, ' alpha') + msg(2, ' beta') + msg(3, ' gamma'));
      expect(await sync()).toMatchObject({ added: 3, deleted: 0, failed: 0 });

      appendFileSync(path, msg(4, ' delta'));
      expect(await sync()).toMatchObject({ added: 1, updated: 0, deleted: 0 });
      expect(found('delta')).toEqual(['Message 4']);

      writeFileSync(path, msg(1, ' alpha') + msg(3, ' gamma') + msg(4, ' delta'));
      expect(await sync()).toMatchObject({ added: 0, updated: 0, deleted: 1 });
      expect(found('beta')).toEqual([]);
      expect(found('gamma')).toEqual(['Message 3']);
    } finally {
      store.close();
    }
  });

  it('removes a message Thunderbird marked deleted in place (same size, new mtime), and reads it again once undeleted', async () => {
    const dir = tempDir();
    const path = join(dir, 'Inbox');
    let now = 1_700_000_000_000;
    const { store, sync, found } = indexOf(dir, path, { now: () => now });
    try {
      // Each rewrite gets its own mtime, as Thunderbird's write would; full reads are 16 minutes apart.
      const rewrite = (text: string) => {
        now += 16 * 60_000;
        writeFileSync(path, text);
        utimesSync(path, now / 1000, now / 1000);
      };

      rewrite(thunderbirdInbox('0001', '0001'));
      expect(await sync()).toMatchObject({ added: 2, deleted: 0 });

      rewrite(thunderbirdInbox('0009', '0001')); // "Delete" without compacting: flag 0x0008, same size
      expect(await sync()).toMatchObject({ added: 0, deleted: 1 });
      expect(found('alpha')).toEqual([]);
      expect(found('beta')).toEqual(['Message 2']);

      rewrite(thunderbirdInbox('0001', '0001')); // undone
      expect(await sync()).toMatchObject({ added: 1, deleted: 0 });
      expect(found('alpha')).toEqual(['Message 1']);
    } finally {
      store.close();
    }
  });

  it('reads a mailbox rewritten in place in full at most every 15 minutes, and owes the read until then', async () => {
    const { store, sync, found, at } = clockedInbox();
    try {
      at(0, thunderbirdInbox('0000', '0000'));
      expect(await sync()).toMatchObject({ added: 2 });
      at(1, thunderbirdInbox('0001', '0000')); // message 1 read: no full read yet
      expect(await sync()).toMatchObject({ added: 0, updated: 0, deleted: 0 });
      at(2, thunderbirdInbox('0009', '0000')); // and deleted: still owed
      expect(await sync()).toMatchObject({ deleted: 0 });
      expect(found('alpha')).toEqual(['Message 1']);
      // New mail 20 minutes later: the owed full read comes with it.
      at(20, thunderbirdInbox('0009', '0000') + msg(3, ' gamma'));
      expect(await sync()).toMatchObject({ added: 1, deleted: 1 });
      expect(['alpha', 'beta', 'gamma'].flatMap(found)).toEqual(['Message 2', 'Message 3']);
    } finally {
      store.close();
    }
  });
});

describe('a last message without a final newline (as many exporters write it)', () => {
  /** `msg(i)` without the blank line and the newline after its body: the file ends right after its last line. */
  const unterminated = (i: number, extra = '') => msg(i, extra).slice(0, -2);

  it('is indexed, with the cursor at its start, and read again (alone) once the file grows', async () => {
    const path = join(tempDir(), 'Export.mbox');
    writeFileSync(path, msg(1) + msg(2) + unterminated(3));
    const first = await readFile(path);
    expect(titles(first)).toEqual(['Message 1', 'Message 2', 'Message 3']);
    expect(first.docs[2].content).toBe('Body of message 3.');
    expect(first.issues).toEqual([]);
    expect(parseCursor(first.record.cursor)!.offset).toBe((msg(1) + msg(2)).length);

    appendFileSync(path, ' It goes on.\n\n');
    const second = await readFile(path, first.record);
    expect(second.mode).toBe('append');
    expect(titles(second)).toEqual(['Message 3']);
    expect(second.docs[0].id).toBe(first.docs[2].id);
    expect(second.docs[0].content).toBe('Body of message 3. It goes on.');
    expect(parseCursor(second.record.cursor)!.offset).toBe(readFileSync(path).length);
  });

  it('through the engine: every message indexed; more text and a new message later, and no duplicates', async () => {
    const dir = tempDir();
    const path = join(dir, 'Export.mbox');
    const debug: string[] = [];
    const { store, sync, found, readCount } = indexOf(dir, path, {}, debug);
    try {
      writeFileSync(path, msg(1, ' alpha') + msg(2, ' beta') + unterminated(3, ' gamma'));
      expect(await sync()).toMatchObject({ added: 3, updated: 0, failed: 0 });
      expect(found('gamma')).toEqual(['Message 3']);
      expect(store.listItemErrors('mail')).toEqual([]);

      // Unchanged: not read again.
      const reads = readCount();
      expect(await sync()).toMatchObject({ added: 0, updated: 0, deleted: 0 });
      expect(readCount()).toBe(reads);

      // The writer was mid-line after all: the message is read again whole, and replaces what was indexed.
      appendFileSync(path, ' and the rest: zeta.');
      expect(await sync()).toMatchObject({ added: 0, updated: 1, deleted: 0 });
      expect(found('zeta')).toEqual(['Message 3']);

      // A new message after a line end but no blank line (as Python's mailbox appends it): added, once.
      appendFileSync(path, `\n${unterminated(4, ' delta')}`);
      expect(await sync()).toMatchObject({ added: 1, updated: 0, deleted: 0 });
      appendFileSync(path, '\n');
      expect(await sync()).toMatchObject({ added: 0, deleted: 0 });
      expect(['alpha', 'beta', 'gamma', 'zeta', 'delta'].flatMap(found)).toEqual([
        'Message 1',
        'Message 2',
        'Message 3',
        'Message 3',
        'Message 4',
      ]);
      expect(store.counts('mail').documents).toBe(4);
      expect(store.listItemErrors('mail')).toEqual([]);
      expect(debug.filter((l) => l.includes('full read'))).toEqual(['mbox Export.mbox: full read (first read)']);
    } finally {
      store.close();
    }
  });

  it('owes a full read when, read again, it is no longer indexed as it was (marked deleted while new mail came in)', async () => {
    const { store, sync, found, at } = clockedInbox();
    const inbox = (status: string) =>
      withMozillaStatus(msg(1, ' alpha'), '0001') + withMozillaStatus(unterminated(2, ' beta'), status);
    try {
      at(0, inbox('0001'));
      expect(await sync()).toMatchObject({ added: 2 });
      // Message 2 marked deleted in place (after the cursor), and new mail appended: an append pass.
      at(1, `${inbox('0009')}\n\n${msg(3, ' gamma')}`);
      expect(await sync()).toMatchObject({ added: 1, deleted: 0 });
      expect(found('gamma')).toEqual(['Message 3']);
      // Due: read in full, though unchanged since; what was indexed of message 2 goes.
      at(16);
      expect(await sync()).toMatchObject({ added: 0, deleted: 1 });
      expect(['alpha', 'beta', 'gamma'].flatMap(found)).toEqual(['Message 1', 'Message 3']);
    } finally {
      store.close();
    }
  });

  it('is still a truncated tail when the file is cut off inside its header block', async () => {
    const path = join(tempDir(), 'Export.mbox');
    writeFileSync(path, msg(1) + msg(2).slice(0, 90));
    const r = await readFile(path);
    expect(titles(r)).toEqual(['Message 1']);
    expect(r.issues.map((i) => i.code)).toEqual(['W_MBOX_TRUNCATED']);
    expect(parseCursor(r.record.cursor)!.offset).toBe(msg(1).length);
  });
});

describe('a From_ line without a blank line before it', () => {
  it('splits two messages written without one, but not at body lines that start with "From "', async () => {
    const tight = (i: number, extra = '') => msg(i, extra).slice(0, -1);
    const r = await readFile(
      writeTemp(
        tight(1, '\nFrom here on, we meet on Mondays.') +
          tight(2, '\nForwarded:\nFrom MAILER-DAEMON Fri Jul  8 12:08:34 2011\nit could not be delivered') +
          msg(3),
      ),
    );
    expect(titles(r)).toEqual(['Message 1', 'Message 2', 'Message 3']);
    expect(r.docs[0].content).toBe('Body of message 1.\nFrom here on, we meet on Mondays.');
    expect(r.docs[1].content).toContain('\nFrom MAILER-DAEMON Fri Jul  8 12:08:34 2011\nit could not be delivered');
    expect(r.issues).toEqual([]);
  });
});

describe('progress while one large mailbox is read', () => {
  it('says how far into the file the read is, not "0 of 1" until its end', async () => {
    const dir = tempDir();
    const path = join(dir, 'Inbox');
    // ~3.5 MB: a position every MB.
    writeFileSync(path, Array.from({ length: 350 }, (_, i) => msg(i + 1, ` ${'word '.repeat(2000)}`)).join(''));
    const size = statSync(path).size;
    const store = KnowledgeStore.open(join(dir, 'index.sqlite'), { log: silentLogger });
    try {
      // A clock a second on at every look, so the engine reports every change of progress.
      let now = 0;
      const engine = new SyncEngine({
        store,
        pipeline: new IngestionPipeline(store),
        log: silentLogger,
        now: () => (now += 1000),
      });
      const seen: Progress[] = [];
      const result = await engine.sync(new MboxConnector(config(path)), {
        signal: new AbortController().signal,
        trigger: 'manual',
        onProgress: (p) => seen.push(p),
      });
      expect(result).toMatchObject({ added: 350, failed: 0 });
      const parts = seen
        .filter((p) => p.part)
        .map((p) => ({ ...p.part!, done0: p.done, found: p.found, all: p.foundAll }));
      expect(new Set(parts.map((p) => p.done)).size).toBeGreaterThanOrEqual(3);
      for (const [i, part] of parts.entries()) {
        // The one file is found, and found all, from the start of its read; its part grows towards its size.
        expect(part).toMatchObject({ total: size, done0: 0, found: 1, all: true });
        expect(part.done).toBeLessThan(size);
        if (i > 0) expect(part.done).toBeGreaterThanOrEqual(parts[i - 1].done);
      }
      expect(progressShare(seen.filter((p) => p.part)[1])).toBeGreaterThan(0);
      // Once the file is done, so is its part.
      expect(seen.at(-1)).toMatchObject({ done: 1, found: 1, foundAll: true });
      expect(seen.at(-1)!.part).toBeUndefined();
    } finally {
      store.close();
    }
  });
});

describe('a full read put off after a rewrite in place', () => {
  // A rewrite alone keeps the size. With new mail the mailbox grows, and the rewrite is seen by the cursor's prefix
  // digest: in its tail (the bytes after its last complete block; 1 MB blocks), or only by hashing the whole prefix
  // (1 KB blocks put message 1's status header in a complete block).
  for (const { what, minute1, added, prefixBlockBytes } of [
    { what: 'the mailbox otherwise unchanged', minute1: thunderbirdInbox('0009', '0000'), added: 0 },
    {
      what: 'new mail came in too, the rewrite in the digest tail',
      minute1: thunderbirdInbox('0009', '0000') + msg(3, ' gamma'),
      added: 1,
    },
    {
      what: 'new mail came in too, the rewrite further back',
      minute1: thunderbirdInbox('0009', '0000') + msg(3, ' gamma'),
      added: 1,
      prefixBlockBytes: 1024,
    },
  ]) {
    it(`is done once due, though the mailbox did not change again, and not asked for before (${what})`, async () => {
      const { store, sync, found, readCount, at } = clockedInbox({ prefixBlockBytes });
      try {
        at(0, thunderbirdInbox('0000', '0000'));
        expect(await sync()).toMatchObject({ added: 2 });

        // Marked deleted a minute after that full read: put off, and owed.
        at(1, minute1);
        expect(await sync()).toMatchObject({ added, deleted: 0 });
        expect(found('alpha')).toEqual(['Message 1']);

        // Nothing changed and the full read is not due: the mailbox is not even asked for.
        at(10);
        const readsBefore = readCount();
        expect(await sync()).toMatchObject({ added: 0, updated: 0, deleted: 0 });
        expect(readCount()).toBe(readsBefore);

        // Due: read in full, though the file is as it was at minute 1.
        at(16);
        expect(await sync()).toMatchObject({ added: 0, deleted: 1 });
        expect(found('alpha')).toEqual([]);
        expect(found('beta')).toEqual(['Message 2']);

        // Nothing is owed any more.
        at(40);
        const readsAfter = readCount();
        expect(await sync()).toMatchObject({ added: 0, updated: 0, deleted: 0 });
        expect(readCount()).toBe(readsAfter);
      } finally {
        store.close();
      }
    });
  }

  it('checks the prefix of a mailbox that only grew without reading its messages again', async () => {
    const debug: string[] = [];
    const { store, sync, readCount, path, at } = clockedInbox({ prefixBlockBytes: 1024 }, debug);
    try {
      at(0, thunderbirdInbox('0000', '0000'));
      expect(await sync()).toMatchObject({ added: 2 });
      at(1);
      appendFileSync(path, msg(3, ' gamma'));
      expect(await sync()).toMatchObject({ added: 1 });

      at(16);
      const reads = readCount();
      expect(await sync()).toMatchObject({ added: 0, updated: 0, deleted: 0 });
      expect(readCount()).toBe(reads + 1); // checked...
      expect(debug.filter((line) => line.includes('full read'))).toEqual(['mbox Inbox: full read (first read)']); // ...not read

      at(40);
      expect(await sync()).toMatchObject({ added: 0, updated: 0, deleted: 0 });
      expect(readCount()).toBe(reads + 1); // and no check is owed any more
    } finally {
      store.close();
    }
  });
});

describe('a cursor written before prefix digests', () => {
  it('appends the new mail, and owes one full read that gives the mailbox a digest', async () => {
    const path = join(tempDir(), 'Inbox');
    let now = 1_700_000_000_000;
    const conn = new MboxConnector(config(path), { now: () => now });
    writeFileSync(path, msg(1) + msg(2));
    const first = await readFile(path, null, conn);
    const { prefix: _digest, ...old } = parseCursor(first.record.cursor)!;
    const before = { ...first.record, cursor: formatCursor(old) };

    now += 60_000;
    appendFileSync(path, msg(3));
    const grown = await readFile(path, before, conn);
    expect(grown.mode).toBe('append');
    expect(titles(grown)).toEqual(['Message 3']);
    expect(parseCursor(grown.record.cursor)).toMatchObject({ pending: true });
    expect(parseCursor(grown.record.cursor)!.prefix).toBeUndefined();

    now += 15 * 60_000;
    const full = await readFile(path, grown.record, conn);
    expect(full.mode).toBe('replace');
    expect(parseCursor(full.record.cursor)!.prefix).toBeDefined();
    expect(parseCursor(full.record.cursor)!.pending).toBeUndefined();
  });
});

describe('a mailbox that stops looking like one', () => {
  it('keeps what was indexed from it, with an E_NOT_MBOX error, until it is a mailbox again', async () => {
    const dir = tempDir();
    const root = join(dir, 'Local Folders');
    writeTree(root, {
      Inbox: msg(1, ' alpha') + msg(2, ' beta'),
      Archive: msg(3, ' gamma'),
      'Archive.msf': '// <!-- <mdb:mork:z v="1.4"/> -->',
      readme: 'From here on it is prose, not mail.\n',
    });
    const { store, sync, found } = indexOf(dir, root);
    try {
      const errors = () => store.listItemErrors('mail').map((e) => [e.code, e.path.slice(root.length + 1)]);

      expect(await sync()).toMatchObject({ added: 3, deleted: 0, failed: 0 });
      expect(errors()).toEqual([]);

      // A crash zero-filled the start of the Inbox; Thunderbird then appended a message.
      writeFileSync(
        join(root, 'Inbox'),
        Buffer.concat([Buffer.alloc(4096), Buffer.from(`\n${msg(1, ' alpha')}${msg(2, ' beta')}${msg(4, ' delta')}`)]),
      );
      // The Archive was overwritten with something that is not mail.
      writeFileSync(join(root, 'Archive'), 'garbage left by a broken backup tool\n'.repeat(10));
      expect(await sync()).toMatchObject({ added: 1, deleted: 0, failed: 1 });
      expect(['alpha', 'beta', 'gamma', 'delta'].flatMap(found)).toEqual([
        'Message 1',
        'Message 2',
        'Message 3',
        'Message 4',
      ]);
      expect(errors()).toEqual([['E_NOT_MBOX', 'Archive']]);

      // Still damaged on the next sync (unchanged): still kept.
      expect(await sync()).toMatchObject({ deleted: 0 });
      expect(found('gamma')).toEqual(['Message 3']);

      writeFileSync(join(root, 'Archive'), msg(5, ' epsilon'));
      expect(await sync()).toMatchObject({ added: 1, deleted: 1 });
      expect(found('gamma')).toEqual([]);
      expect(found('epsilon')).toEqual(['Message 5']);
      expect(errors()).toEqual([]);
    } finally {
      store.close();
    }
  });

  it('keeps the messages of a file named .mbox that was zero-filled or overwritten, until it holds mail again', async () => {
    const dir = tempDir();
    const path = join(dir, 'Archive.mbox');
    writeFileSync(path, msg(1, ' alpha') + msg(2, ' beta'));
    const { store, sync, found } = indexOf(dir, path);
    try {
      const errors = () => store.listItemErrors('mail').map((e) => e.code);
      expect(await sync()).toMatchObject({ added: 2, deleted: 0 });

      for (const damage of [Buffer.alloc(8192), Buffer.from('not mail at all\n'.repeat(100))]) {
        writeFileSync(path, damage);
        expect(await sync()).toMatchObject({ deleted: 0, failed: 1 });
        expect(['alpha', 'beta'].flatMap(found)).toEqual(['Message 1', 'Message 2']);
        expect(errors()).toContain('E_NOT_MBOX');
      }

      writeFileSync(path, msg(2, ' beta'));
      expect(await sync()).toMatchObject({ deleted: 1, failed: 0 });
      expect(['alpha', 'beta'].flatMap(found)).toEqual(['Message 2']);
      expect(errors()).toEqual([]);
    } finally {
      store.close();
    }
  });
});

describe('problems of single messages, through the real engine and store', () => {
  it('stay listed while the mailbox is unchanged or only grows, and go once a full read no longer finds them', async () => {
    const dir = tempDir();
    const path = join(dir, 'Inbox');
    writeFileSync(path, msg(1, ' alpha') + msg(2, ' beta\u0000nul') + msg(3, ' gamma'));
    const { store, sync } = indexOf(dir, path);
    try {
      const problems = () => store.listItemErrors('mail').map((e) => e.code);
      await sync();
      expect(problems()).toEqual(['W_MBOX_MALFORMED']);
      await sync();
      expect(problems()).toEqual(['W_MBOX_MALFORMED']);
      appendFileSync(path, msg(4, ' delta'));
      expect(await sync()).toMatchObject({ added: 1 });
      expect(problems()).toEqual(['W_MBOX_MALFORMED']);
      writeFileSync(path, msg(1, ' alpha') + msg(2, ' beta') + msg(3, ' gamma') + msg(4, ' delta')); // compacted
      await sync();
      expect(problems()).toEqual([]);
    } finally {
      store.close();
    }
  });
});

describe('damaged mailboxes, through the real engine and store', () => {
  it('keeps the messages of a first sync cut off midway when the mailbox is then damaged (no manifest row yet)', async () => {
    const dir = tempDir();
    const root = join(dir, 'Local Folders');
    let text = '';
    for (let i = 0; i < 600; i++) text += msg(i, ` word${i}`);
    writeTree(root, { Inbox: text });
    const { store, sync } = indexOf(dir, root);
    try {
      const abort = new AbortController();
      const engine = new SyncEngine({ store, pipeline: new IngestionPipeline(store), log: silentLogger });
      const conn = mboxKind.create(config(root));
      await expect(
        engine.sync(conn, {
          signal: abort.signal,
          trigger: 'manual',
          onProgress: () => {
            if (store.counts('mail').documents >= 100) abort.abort();
          },
        }),
      ).rejects.toThrow();
      const indexed = store.counts('mail').documents;
      expect(indexed).toBeGreaterThanOrEqual(100);
      expect(manifestOf(store, 'mail').has('Inbox')).toBe(false);

      writeFileSync(join(root, 'Inbox'), Buffer.alloc(64 * 1024)); // zero-filled by the same crash
      expect(await sync()).toMatchObject({ deleted: 0, failed: 1 });
      expect(store.counts('mail').documents).toBe(indexed);
      expect(store.listItemErrors('mail').map((e) => e.code)).toEqual(['E_NOT_MBOX']);
    } finally {
      store.close();
    }
  });

  it('reads an indexed mailbox whose start was zeroed in place, so new mail is still indexed', async () => {
    const dir = tempDir();
    const root = join(dir, 'Local Folders');
    // Message 2 is longer than the 4 KB the resume check hashes, so the damage lies outside that window.
    const before = msg(1, ' alpha') + msg(2, ` beta ${'filler '.repeat(1000)}`);
    writeTree(root, { Inbox: before });
    const { store, sync, found } = indexOf(dir, root);
    try {
      expect(await sync()).toMatchObject({ added: 2 });
      // A crash zeroed the first 100 bytes over the existing ones (mid-header), and then new mail arrived.
      const damaged = Buffer.from(before + msg(3, ' gamma'));
      damaged.fill(0, 0, 100);
      writeFileSync(join(root, 'Inbox'), damaged);
      expect(await sync()).toMatchObject({ added: 1, deleted: 0, failed: 0 });
      expect(['alpha', 'beta', 'gamma'].flatMap(found)).toEqual(['Message 1', 'Message 2', 'Message 3']);
    } finally {
      store.close();
    }
  });

  it('a new mailbox whose first message is still being written is truncated, not "no mailbox"', async () => {
    const dir = tempDir();
    const path = join(dir, 'Drafts.mbox');
    writeFileSync(path, msg(1).slice(0, 120));
    const { store, sync } = indexOf(dir, path);
    try {
      expect(await sync()).toMatchObject({ added: 0, failed: 0 });
      expect(store.listItemErrors('mail').map((e) => [e.code, e.severity])).toEqual([['W_MBOX_TRUNCATED', 'warning']]);
    } finally {
      store.close();
    }
  });

  it('stops reading a damaged mailbox after 3 syncs that found no message, until it changes', async () => {
    const dir = tempDir();
    const path = join(dir, 'Archive.mbox');
    writeFileSync(path, msg(1, ' alpha'));
    const { store, sync, found } = indexOf(dir, path);
    try {
      await sync();
      writeFileSync(path, Buffer.alloc(4096));
      for (let i = 0; i < 4; i++) expect(await sync()).toMatchObject({ deleted: 0, failed: 1 });
      expect(store.listItemErrors('mail')).toMatchObject([{ code: 'E_NOT_MBOX', attempts: 3, quarantined: true }]);
      expect(found('alpha')).toEqual(['Message 1']);
    } finally {
      store.close();
    }
  });
});

describe('checkPath', () => {
  it('accepts an mbox file, an empty file and a folder with mboxes; explains what is wrong otherwise', async () => {
    const dir = tempDir();
    writeTree(dir, {
      'box.mbox': msg(1),
      empty: '',
      'notes.txt': 'From here on this is just text.\nNothing else.\n',
      'no-mail/readme.md': '# nothing here',
      'mail/Inbox': msg(1),
    });
    expect(await mboxKind.checkPath(join(dir, 'box.mbox'))).toBeNull();
    expect(await mboxKind.checkPath(join(dir, 'empty'))).toBeNull();
    expect(await mboxKind.checkPath(join(dir, 'mail'))).toBeNull();
    expect(await mboxKind.checkPath(join(FIXTURES, 'thunderbird/Local Folders'))).toBeNull();
    expect(await mboxKind.checkPath(join(dir, 'notes.txt'))).toMatch(/does not look like an mbox/);
    expect(await mboxKind.checkPath(join(dir, 'no-mail'))).toMatch(/No mbox mailboxes were found/);
    expect(await mboxKind.checkPath(join(dir, 'missing'))).toMatch(/does not exist/);
  });
});

describe('helpers', () => {
  it('reads Thunderbird, mutt and Takeout status headers', () => {
    expect(mailStatus(Buffer.from('X-Mozilla-Status: 0001\nSubject: x\n\nX-Mozilla-Status: 0008\n'))).toEqual({
      flags: ['Seen'],
      expunged: false,
    });
    expect(mailStatus(Buffer.from('X-Mozilla-Status: 1009\n\n'))).toEqual({
      flags: ['Passed', 'Seen'],
      expunged: true,
    });
    expect(mailStatus(Buffer.from('Status: RO\r\nX-Status: AF\r\n\r\n'))).toEqual({
      flags: ['Flagged', 'Replied', 'Seen'],
      expunged: false,
    });
    expect(mailStatus(Buffer.from('Subject: none\n\n'))).toEqual({ flags: [], expunged: false });
  });

  it('names folders the way mail programs show them', () => {
    expect(folderName('Inbox')).toBe('Inbox');
    expect(folderName('Archives.sbd/2023')).toBe('Archives/2023');
    expect(folderName('Takeout/Mail/Sent.mbox')).toBe('Takeout/Mail/Sent');
    // Apple Mail's "Export Mailbox": a folder named for the mailbox, holding a file named mbox.
    expect(folderName('Export/Inbox.mbox/mbox')).toBe('Export/Inbox');
    expect(folderName('Export/Work.mbox/Clients.mbox/mbox')).toBe('Export/Work/Clients');
    expect(folderName('Mail/mbox')).toBe('Mail/mbox');
  });

  it('reads the From_ line date as UTC unless it names a zone', () => {
    expect(envelopeTime('From - Mon Mar 04 09:15:02 2024')).toBe(Date.parse('2024-03-04T09:15:02Z'));
    expect(envelopeTime('From x@xxx Wed Mar 06 14:23:52 +0100 2024')).toBe(Date.parse('2024-03-06T13:23:52Z'));
    expect(envelopeTime('From here on')).toBeNull();
    // Zone names outside RFC 5322, and UUCP's "remote from", as old mailers wrote them.
    expect(envelopeTime('From x@y Mon Mar  4 10:00:00 CET 2024')).toBe(Date.parse('2024-03-04T09:00:00Z'));
    expect(envelopeTime('From x@y Mon Jul  1 10:00:00 MET DST 1996')).toBe(Date.parse('1996-07-01T08:00:00Z'));
    expect(envelopeTime('From x@y Sat Jan  1 00:00:00 2000 remote from uunet')).toBe(
      Date.parse('2000-01-01T00:00:00Z'),
    );
  });

  it('sniffs an mbox from its first line', () => {
    expect(looksLikeMbox(Buffer.from('From - Mon Mar 04 09:15:02 2024\nX: y\n'))).toBe(true);
    expect(looksLikeMbox(Buffer.from('From someone\nSubject: undated envelope\n'))).toBe(true);
    expect(looksLikeMbox(Buffer.from('From here on it is prose.\nMore prose.\n'))).toBe(false);
    expect(looksLikeMbox(Buffer.from('Subject: an .eml file\n\nbody\n'))).toBe(false);
  });
});
