/**
 * Fault injection at the SyncService level. Every fault must leave the app running (the service answers state
 * and search), make the error visible on the connector (and, where the error can be stored, in `jarvis-sync
 * status`), and lose nothing: once the fault is gone, a sync converges exactly on the source (verifyConvergence),
 * including the changes made while the fault lasted.
 *
 * Faults: the index busy (a second connection holding BEGIN IMMEDIATE), full (max_page_count on the writer; a real
 * ENOSPC on a tiny tmpfs where mounting works), read-only (the index file or the whole data folder, as uid 65534;
 * a `{readonly: true}` service), corrupt or foreign (moved aside, rebuilt, the user told — at open, or while
 * running), settings/connectors files truncated, invalid or zero-filled (last good copy or defaults, the user
 * told), and the source root missing, replaced by an empty folder or unreadable (connector error, no deletion).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ReadOnlyServiceError, SyncService } from '../../electron/core/service.js';
import { KnowledgeStore } from '../../electron/core/store.js';
import { NoteCorpus } from '../helpers/corpus.js';
import { canRunAsNobody, NOBODY } from '../helpers/run-as-nobody.js';
import { cliStatus, runCli } from './cli.js';
import { recordingLogger, removeTempDir, runTsJson, tempDir, verifyConvergence } from './lib.js';
import type { ServiceChildReport } from './service-child.js';
import { runAndWait } from './service-wait.js';

export interface FaultScenario {
  name: string;
  /** Why it cannot run here (not root, no tmpfs), or null. */
  unavailable(): string | null;
  /** Throws (assert) on failure; returns a one-line summary of what was observed. */
  run(root: string): Promise<string>;
}

const NOTES = 120;

interface Synced {
  corpus: NoteCorpus;
  dataDir: string;
  db: string;
}

/** A corpus and a data folder whose 'notes' connector has synced once; the service is stopped. */
async function synced(root: string, opts: { dataDir?: string; notes?: number } = {}): Promise<Synced> {
  const corpus = new NoteCorpus(join(root, 'notes'), 5);
  corpus.add(opts.notes ?? NOTES);
  const dataDir = opts.dataDir ?? join(root, 'data');
  const service = await SyncService.open({ dataDir });
  try {
    await service.addConnector({ kind: 'folder', path: corpus.root, name: 'Notes' }, { syncNow: false });
    const report = await service.syncNow(null);
    assert.deepEqual(report.failures, {});
    service.setSettings({ intervalSeconds: 7200 });
  } finally {
    await service.stop();
  }
  return { corpus, dataDir, db: join(dataDir, 'index.sqlite') };
}

function anyWord(corpus: NoteCorpus): string {
  return corpus.notes.values().next().value!;
}

/** The app still answers: state and search work, and a word indexed before the fault is still found. */
function assertResponsive(service: SyncService, word: string): void {
  assert.ok(service.getState().connectors.length > 0);
  assert.equal(service.search(word, {}).length, 1, `"${word}" (indexed before the fault) is no longer found`);
}

async function openStarted(dataDir: string, warnings: string[] = []): Promise<SyncService> {
  const service = await SyncService.open({ dataDir, createLogger: recordingLogger(warnings) });
  service.start();
  return service;
}

/** A clean sync after the fault converges on the source, the changes made meanwhile included. */
async function recoverAndVerify(dataDir: string, corpus: NoteCorpus): Promise<number> {
  const service = await SyncService.open({ dataDir });
  try {
    const report = await service.syncNow(null);
    assert.deepEqual(report.failures, {}, 'the sync after the fault failed');
    return (await verifyConvergence(service, corpus, 'notes')).documents;
  } finally {
    await service.stop();
  }
}

function asNobody(dataDir: string, search: string[] = []): Promise<ServiceChildReport> {
  return runTsJson<ServiceChildReport>(
    'test/reliability/service-child.ts',
    [dataDir, ...search.flatMap((w) => ['--search', w])],
    {
      uid: NOBODY,
    },
  );
}

async function waitFor<T>(probe: () => T | null, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== null) return value;
    if (Date.now() > deadline) assert.fail(what);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function chownTree(path: string, uid: number): void {
  execFileSync('chown', ['-R', `${uid}:${uid}`, path]);
}

const rootOnly = () => (canRunAsNobody() ? null : 'needs root to run a child as uid 65534');
const always = () => null;

// ── the index busy, full, read-only ────────────────────────────────────────────────────────────────────────────

const busy: FaultScenario = {
  name: 'index busy: a second connection holds BEGIN IMMEDIATE',
  unavailable: always,
  async run(root) {
    const { corpus, dataDir, db } = await synced(root);
    corpus.mutate(15);
    const blocker = new Database(db);
    let released = false;
    const service = await openStarted(dataDir);
    try {
      blocker.exec('BEGIN IMMEDIATE');
      const failed = await runAndWait(service, 'notes');
      assert.equal(failed.state, 'error');
      assert.equal(failed.lastError?.code, 'SQLITE_BUSY');
      assert.match(failed.lastError.message, /busy/i);
      assertResponsive(service, anyWord(corpus));
      assert.equal(service.getConnector('notes').documents, NOTES, 'documents changed while the index was busy');
      blocker.exec('ROLLBACK');
      released = true;
      const ok = await runAndWait(service, 'notes');
      assert.equal(ok.lastError, null);
      assert.equal(ok.state, 'idle');
    } finally {
      if (!released) blocker.exec('ROLLBACK');
      await service.stop();
    }
    // Held when the app starts: it starts all the same (read-only, with a notice), search answers, the syncs report
    // the lock, and once it is released the app takes the index and catches up without a restart.
    blocker.exec('BEGIN IMMEDIATE');
    let heldAtStart: SyncService | null = null;
    try {
      const indexedWord = anyWord(corpus);
      corpus.mutate(10);
      heldAtStart = await SyncService.open({ dataDir, indexLockRetryMs: 100 });
      heldAtStart.start();
      const notice = heldAtStart.getState().notices.find((n) => /holds the lock of the index/.test(n.message));
      assert.ok(notice, 'no notice that another program holds the index');
      // Taken before the mutations: while locked, the index still holds what it held.
      assert.equal(heldAtStart.search(indexedWord, {}).length, 1, 'what was indexed is not found while locked');
      const report = await heldAtStart.syncNow(['notes']);
      assert.match(report.failures.notes ?? '', /busy/i);
      blocker.exec('ROLLBACK');
      const service = heldAtStart;
      await waitFor(
        () => (service.getState().notices.some((n) => n.id === notice.id) ? null : true),
        'the notice stayed after the lock was released',
      );
      const caughtUp = await waitFor(() => {
        const c = service.getConnector('notes');
        return c.state === 'idle' && c.lastError === null ? c : null;
      }, 'no sync after the lock was released');
      assert.equal(caughtUp.documents, corpus.notes.size);
    } finally {
      if (blocker.inTransaction) blocker.exec('ROLLBACK');
      await heldAtStart?.stop();
    }
    // The CLI says so too: `sync` while another program holds the write lock waits the 5 s busy timeout, opens the
    // index read-only, reports the lock on each connector and exits 1.
    blocker.exec('BEGIN IMMEDIATE');
    try {
      corpus.mutate(5);
      const cli = await runCli(['sync', '--json'], dataDir);
      assert.equal(cli.code, 1, cli.stderr);
      assert.match(cli.stderr + cli.stdout, /locked|busy/i);
    } finally {
      blocker.exec('ROLLBACK');
      blocker.close();
    }
    const docs = await recoverAndVerify(dataDir, corpus);
    return `SQLITE_BUSY on the connector and in \`jarvis-sync sync\`; held at start: opened read-only, caught up once released; recovered, ${docs} documents exact`;
  },
};

/** Captures the KnowledgeStore a SyncService opens in this process (test-only access to its connection). */
async function withCapturedStore<T>(fn: (store: () => Database.Database) => Promise<T>): Promise<T> {
  const original = KnowledgeStore.open.bind(KnowledgeStore);
  let captured: KnowledgeStore | null = null;
  KnowledgeStore.open = (file, opts) => {
    const store = original(file, opts);
    if (!opts.readonly) captured = store;
    return store;
  };
  try {
    return await fn(() => {
      if (!captured) throw new Error('no store was opened');
      return (captured as unknown as { db: Database.Database }).db;
    });
  } finally {
    KnowledgeStore.open = original;
  }
}

const full: FaultScenario = {
  name: 'index full: PRAGMA max_page_count on the writer connection',
  unavailable: always,
  async run(root) {
    const { corpus, dataDir } = await synced(root);
    return withCapturedStore(async (writer) => {
      const service = await openStarted(dataDir);
      try {
        const db = writer();
        const pages = db.pragma('page_count', { simple: true }) as number;
        db.pragma(`max_page_count = ${pages + 2}`);
        corpus.add(300);
        corpus.mutate(20);
        const failed = await runAndWait(service, 'notes');
        assert.equal(failed.state, 'error');
        assert.equal(failed.lastError?.code, 'SQLITE_FULL');
        assertResponsive(service, anyWord(corpus));
        const cli = await cliStatus(dataDir);
        assert.equal(cli.code, 1, 'jarvis-sync status exits 1 when a connector has an error');
        assert.equal(
          cli.status.connectors[0]?.lastError?.code,
          'SQLITE_FULL',
          'the error is not in `jarvis-sync status`',
        );
        db.pragma('max_page_count = 1073741823');
        const ok = await runAndWait(service, 'notes');
        assert.equal(ok.lastError, null);
        assert.equal(ok.documents, corpus.notes.size);
      } finally {
        await service.stop();
      }
      const docs = await recoverAndVerify(dataDir, corpus);
      return `SQLITE_FULL on the connector and in \`jarvis-sync status\`; after freeing space ${docs} documents exact`;
    });
  },
};

function tmpfsProbe(): string | null {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return 'needs root on Linux to mount a tmpfs';
  const dir = tempDir('jarvis-tmpfs-probe-');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { stdio: 'ignore' });
    execFileSync('umount', [dir], { stdio: 'ignore' });
    return null;
  } catch {
    return 'mount -t tmpfs is not permitted here';
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
let tmpfsAvailability: string | null | undefined;

const diskFull: FaultScenario = {
  name: 'disk full: the data folder on a 3 MB tmpfs (real ENOSPC)',
  unavailable: () => (tmpfsAvailability === undefined ? (tmpfsAvailability = tmpfsProbe()) : tmpfsAvailability),
  async run(root) {
    const dataDir = join(root, 'data');
    mkdirSync(dataDir);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', dataDir]);
    try {
      const { corpus } = await synced(root, { dataDir, notes: 40 });
      const service = await openStarted(dataDir);
      let code: string | undefined;
      try {
        corpus.add(2500);
        const failed = await runAndWait(service, 'notes');
        assert.equal(failed.state, 'error');
        code = failed.lastError?.code;
        assert.ok(
          code === 'SQLITE_FULL' || code?.startsWith('SQLITE_IOERR') || code === 'ENOSPC',
          `unexpected error ${code}`,
        );
        assertResponsive(service, anyWord(corpus));
      } finally {
        await service.stop();
      }
      execFileSync('mount', ['-o', 'remount,size=256m', dataDir]);
      const docs = await recoverAndVerify(dataDir, corpus);
      return `${code} on the connector; after the disk grew ${docs} documents exact`;
    } finally {
      execFileSync('umount', ['-l', dataDir]);
    }
  },
};

const readonlyFile: FaultScenario = {
  name: 'index file read-only (the app runs as uid 65534, index.sqlite owned by root)',
  unavailable: rootOnly,
  async run(root) {
    const { corpus, dataDir, db } = await synced(root);
    chownTree(dataDir, NOBODY);
    chownSync(db, 0, 0);
    chmodSync(db, 0o644);
    corpus.mutate(10);
    const word = anyWord(corpus);
    const r = await asNobody(dataDir, [word]);
    assert.equal(r.openError, null, 'the app refused to start on a read-only index');
    assert.deepEqual(r.crashes, []);
    assert.ok(
      r.notices.some((n) => n.level === 'error' && /not writable/.test(n.message)),
      'no notice about the read-only index',
    );
    const c = r.connectors[0];
    assert.equal(c.state, 'error');
    assert.match(c.lastError?.code ?? '', /^SQLITE_READONLY/);
    assert.equal(c.documents, NOTES, 'the indexed documents are no longer readable');
    assert.equal(r.search[word]?.length, 1, 'search stopped working');
    // The CLI says so too.
    const cli = await runCli(['sync', '--json'], dataDir, { uid: NOBODY });
    assert.equal(cli.code, 1);
    assert.match(cli.stdout, /not writable/);
    chownSync(db, NOBODY, NOBODY);
    const docs = await recoverAndVerify(dataDir, corpus);
    return `opened read-only with a notice; ${c.lastError!.code} on the connector and in \`jarvis-sync sync\`; ${docs} documents exact once writable`;
  },
};

const readonlyDir: FaultScenario = {
  name: 'data folder read-only (the app runs as uid 65534, the folder owned by root)',
  unavailable: rootOnly,
  async run(root) {
    const { corpus, dataDir, db } = await synced(root);
    // Readable by others but not writable, as a folder left by an older version (data folders are 0700 since; a
    // private one the app cannot even enter shows no connectors, which is not this scenario).
    chmodSync(dataDir, 0o755);
    corpus.mutate(10);
    const before = statSync(db).size;
    const r = await asNobody(dataDir);
    assert.equal(r.openError, null, 'the app refused to start in a read-only data folder');
    assert.deepEqual(r.crashes, []);
    assert.ok(
      r.notices.some((n) => n.level === 'error' && /not writable/.test(n.message)),
      'no notice about the read-only folder',
    );
    const c = r.connectors[0];
    assert.equal(c.state, 'error');
    assert.match(c.lastError?.code ?? '', /^SQLITE_READONLY/);
    assert.equal(statSync(db).size, before);
    const docs = await recoverAndVerify(dataDir, corpus);
    return `opened with a notice, ${c.lastError!.code} on the connector, index untouched; ${docs} documents exact once writable`;
  },
};

const readonlyService: FaultScenario = {
  name: 'service opened {readonly: true} (CLI status/search beside a running app)',
  unavailable: always,
  async run(root) {
    const { corpus, dataDir } = await synced(root);
    const service = await SyncService.open({ dataDir, readonly: true });
    try {
      assertResponsive(service, anyWord(corpus));
      assert.throws(() => service.runNow('notes'), ReadOnlyServiceError);
      await assert.rejects(service.syncNow(null), ReadOnlyServiceError);
    } finally {
      await service.stop();
    }
    return 'state and search work; writes refused with ReadOnlyServiceError';
  },
};

// ── the index corrupt or foreign ─────────────────────────────────────────────────────────────────────────────

type Damage = 'garbage' | 'zero-filled' | 'foreign-db' | 'bad-header' | 'truncated' | 'damaged-pages';

function damage(db: string, how: Damage): void {
  const size = statSync(db).size;
  switch (how) {
    case 'garbage':
      writeFileSync(db, randomBytes(8192));
      break;
    case 'zero-filled':
      writeFileSync(db, Buffer.alloc(size));
      break;
    case 'foreign-db': {
      rmSync(db);
      const other = new Database(db);
      other.exec("CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES ('someone else''s data')");
      other.close();
      break;
    }
    case 'bad-header': {
      const fd = openSync(db, 'r+');
      writeSync(fd, Buffer.from('NOT A DATABASE!!'), 0, 16, 0);
      closeSync(fd);
      break;
    }
    case 'truncated':
      truncateSync(db, Math.floor(size / 2));
      break;
    case 'damaged-pages': {
      // Valid header, garbage in the b-tree pages after page 2: SQLite only notices when it reads them.
      const fd = openSync(db, 'r+');
      const junk = randomBytes(4096 * 6);
      writeSync(fd, junk, 0, junk.length, 4096 * 2);
      closeSync(fd);
      break;
    }
  }
}

function corruptIndex(how: Damage, via: 'app' | 'cli' = 'app'): FaultScenario {
  return {
    name: `index ${how}${via === 'cli' ? ' (found by `jarvis-sync sync`)' : ''}`,
    unavailable: always,
    async run(root) {
      const { corpus, dataDir, db } = await synced(root);
      corpus.mutate(10);
      damage(db, how);
      if (via === 'cli') {
        const cli = await runCli(['sync', '--json'], dataDir);
        assert.equal(cli.code, 0, `jarvis-sync sync failed on a ${how} index:\n${cli.stderr}\n${cli.stdout}`);
        assert.ok(
          readdirSync(dataDir).some((f) => f.startsWith('index.sqlite.corrupt-')),
          'the damaged file was not kept aside',
        );
        const docs = await recoverAndVerify(dataDir, corpus);
        return `\`jarvis-sync sync\` moved it aside and rebuilt ${docs} documents`;
      }
      const warnings: string[] = [];
      const service = await openStarted(dataDir, warnings);
      try {
        // Whatever the damage, the state can be read (the UI does not go blank).
        assert.ok(service.getState().connectors.length === 1);
        // Damage found at open is repaired at once; damage after a clean shutdown surfaces at the first read or
        // write, and the service then repairs and resyncs by itself.
        await runAndWait(service, 'notes');
        const rebuilt = await waitFor(
          () => {
            const c = service.getConnector('notes');
            return c.state === 'idle' && c.documents === corpus.notes.size ? c : null;
          },
          `the index was not rebuilt: ${JSON.stringify(service.getConnector('notes'))}`,
        );
        const notice = service.getState().notices.find((n) => /damaged/.test(n.message));
        assert.ok(notice, `the user was not told: notices ${JSON.stringify(service.getState().notices)}`);
        assert.match(notice.message, /corrupt-/);
        const aside = readdirSync(dataDir).filter((f) => f.startsWith('index.sqlite.corrupt-'));
        assert.ok(aside.length >= 1, 'the damaged file was not moved aside');
        assert.equal(rebuilt.documents, corpus.notes.size, 'the index was not rebuilt from the sources');
      } finally {
        await service.stop();
      }
      const docs = await recoverAndVerify(dataDir, corpus);
      return `moved aside, notice shown, rebuilt ${docs} documents exact`;
    },
  };
}

// ── settings and connectors files ──────────────────────────────────────────────────────────────────────────────

type FileDamage = 'truncated' | 'invalid-json' | 'zero-filled';

function damageJson(path: string, how: FileDamage): void {
  const text = readFileSync(path, 'utf8');
  if (how === 'truncated') writeFileSync(path, text.slice(0, Math.floor(text.length / 2)));
  else if (how === 'invalid-json') writeFileSync(path, '{"intervalSeconds": 60,}');
  else writeFileSync(path, Buffer.alloc(text.length));
}

function configFile(
  file: 'settings' | 'connectors',
  how: FileDamage,
  backup: 'good' | 'missing' | 'damaged',
): FaultScenario {
  return {
    name: `${file}.json ${how}, backup ${backup}`,
    unavailable: always,
    async run(root) {
      const { corpus, dataDir } = await synced(root);
      const path = join(dataDir, `${file}.json`);
      damageJson(path, how);
      if (backup === 'missing') rmSync(`${path}.bak`);
      if (backup === 'damaged') damageJson(`${path}.bak`, how === 'zero-filled' ? 'invalid-json' : 'zero-filled');
      const damagedBackup = backup === 'damaged' ? readFileSync(`${path}.bak`) : null;
      const service = await SyncService.open({ dataDir });
      let restored: boolean;
      try {
        const notices = service.getState().notices;
        const notice = notices.find((n) => n.message.includes(`${file}.json`));
        assert.ok(notice, `no notice for the damaged ${file}.json: ${JSON.stringify(notices)}`);
        assert.ok(
          readdirSync(dataDir).some((f) => f.startsWith(`${file}.json.corrupt-`)),
          'the damaged file was not kept',
        );
        restored = backup === 'good';
        assert.equal(notice.level, restored ? 'warning' : 'error');
        if (file === 'settings') {
          assert.equal(service.getSettings().intervalSeconds, restored ? 7200 : 3600);
          assert.equal(service.getState().connectors.length, 1);
        } else {
          assert.equal(service.getState().connectors.length, restored ? 1 : 0);
        }
        // The index itself is untouched either way.
        assert.equal(service.search(anyWord(corpus), {}).length, 1);
        if (damagedBackup !== null) {
          // Defaults must never become the "last good copy": the damaged one is kept aside, byte for byte.
          const aside = readdirSync(dataDir).find((f) => f.startsWith(`${file}.json.bak.corrupt-`));
          assert.ok(aside, 'the damaged backup was not kept');
          assert.deepEqual(readFileSync(join(dataDir, aside)), damagedBackup, 'the damaged backup was changed');
        }
      } finally {
        await service.stop();
      }
      // The next start finds the same configuration again (a restored copy was put back in place).
      const again = await SyncService.open({ dataDir, readonly: true });
      try {
        assert.deepEqual(again.getState().notices, [], 'the next start reported a problem again');
        if (file === 'settings') assert.equal(again.getSettings().intervalSeconds, restored ? 7200 : 3600);
        else
          assert.equal(
            again.getState().connectors.length,
            restored ? 1 : 0,
            'the next start lost the restored connectors',
          );
      } finally {
        await again.stop();
      }
      if (file === 'connectors' && !restored) return 'defaults (no connectors) with an error notice; index untouched';
      corpus.mutate(5);
      const docs = await recoverAndVerify(dataDir, corpus);
      return `${restored ? 'last good copy restored (warning notice)' : 'defaults with an error notice'}; ${docs} documents exact`;
    },
  };
}

// ── the source root ────────────────────────────────────────────────────────────────────────────────────────────

function sourceRoot(how: 'missing' | 'replaced-by-empty-folder'): FaultScenario {
  return {
    name: `source root ${how}`,
    unavailable: always,
    async run(root) {
      const { corpus, dataDir } = await synced(root);
      const away = `${corpus.root}.away`;
      renameSync(corpus.root, away);
      if (how === 'replaced-by-empty-folder') mkdirSync(corpus.root);
      const expected = how === 'missing' ? 'E_ROOT_UNAVAILABLE' : 'E_MASS_DELETE_GUARD';
      const service = await openStarted(dataDir);
      try {
        const failed = await runAndWait(service, 'notes');
        assert.equal(failed.state, 'error');
        assert.equal(failed.lastError?.code, expected);
        assert.equal(failed.documents, NOTES, 'documents were deleted');
        assertResponsive(service, anyWord(corpus));
        const cli = await cliStatus(dataDir);
        assert.equal(cli.code, 1);
        assert.equal(cli.status.connectors[0]?.lastError?.code, expected, 'the error is not in `jarvis-sync status`');
        assert.equal(cli.status.connectors[0]?.documents, NOTES);
        if (how === 'replaced-by-empty-folder') rmSync(corpus.root, { recursive: true });
        renameSync(away, corpus.root);
        corpus.mutate(10);
        const ok = await runAndWait(service, 'notes');
        assert.equal(ok.lastError, null);
      } finally {
        await service.stop();
      }
      const docs = await recoverAndVerify(dataDir, corpus);
      return `${expected} on the connector and in \`jarvis-sync status\`, 0 deletions; ${docs} documents exact when back`;
    },
  };
}

function unreadable(what: 'root' | 'subfolder'): FaultScenario {
  return {
    name: `source ${what} unreadable (the app runs as uid 65534)`,
    unavailable: rootOnly,
    async run(root) {
      const { corpus, dataDir } = await synced(root);
      chownTree(dataDir, NOBODY);
      const target = what === 'root' ? corpus.root : join(corpus.root, 'd3');
      const hidden = [...corpus.notes].find(([rel]) => rel.startsWith('d3/'))!;
      chmodSync(target, 0o700);
      let r: ServiceChildReport;
      try {
        r = await asNobody(dataDir, [hidden[1]]);
      } finally {
        chmodSync(target, 0o755);
      }
      assert.equal(r.openError, null);
      assert.deepEqual(r.crashes, []);
      const c = r.connectors[0];
      assert.equal(c.documents, NOTES, 'documents were deleted');
      assert.equal(r.search[hidden[1]]?.length, 1, 'the last good version of an unreadable file is no longer found');
      if (what === 'root') {
        assert.equal(c.state, 'error');
        assert.equal(c.lastError?.code, 'E_ROOT_UNREADABLE');
        const cli = await cliStatus(dataDir);
        assert.equal(
          cli.status.connectors[0]?.lastError?.code,
          'E_ROOT_UNREADABLE',
          'the error is not in `jarvis-sync status`',
        );
      } else {
        assert.equal(c.lastError, null, 'one unreadable folder must not fail the connector');
        assert.ok(
          r.itemErrors.some((e) => e.code === 'EACCES' && e.path.endsWith('d3')),
          JSON.stringify(r.itemErrors),
        );
      }
      chownTree(dataDir, 0);
      const docs = await recoverAndVerify(dataDir, corpus);
      return `${what === 'root' ? 'E_ROOT_UNREADABLE on the connector and in `jarvis-sync status`' : 'EACCES item error, connector healthy'}, 0 deletions; ${docs} documents exact once readable`;
    },
  };
}

export const FAULT_SCENARIOS: readonly FaultScenario[] = [
  busy,
  full,
  diskFull,
  readonlyFile,
  readonlyDir,
  readonlyService,
  ...(['garbage', 'zero-filled', 'foreign-db', 'bad-header', 'truncated', 'damaged-pages'] as const).map((d) =>
    corruptIndex(d),
  ),
  corruptIndex('damaged-pages', 'cli'),
  ...(['settings', 'connectors'] as const).flatMap((file) =>
    (['truncated', 'invalid-json', 'zero-filled'] as const).flatMap((how) =>
      (['good', 'missing', 'damaged'] as const).map((backup) => configFile(file, how, backup)),
    ),
  ),
  sourceRoot('missing'),
  sourceRoot('replaced-by-empty-folder'),
  unreadable('root'),
  unreadable('subfolder'),
];

/** Runs one scenario in a fresh temp folder. */
export async function runFault(s: FaultScenario): Promise<string> {
  const root = tempDir('jarvis-fault-');
  try {
    return await s.run(root);
  } finally {
    removeTempDir(root);
  }
}
