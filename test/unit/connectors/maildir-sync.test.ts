// A real Maildir on disk synced by the real engine into a real index: what a person who reads their mail in a mail
// program (which renames the files it reads) sees of the next syncs.
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../shared/logger.js';
import { SyncEngine } from '../../../electron/core/engine.js';
import { IngestionPipeline } from '../../../electron/core/pipeline.js';
import { KnowledgeStore } from '../../../electron/core/store.js';
import { maildirKind } from '../../../electron/connectors/maildir.js';
import type { Connector } from '../../../electron/connectors/types.js';
import { testConfig } from '../../helpers/connector-run.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs('jarvis-maildir-sync-');
const stores: KnowledgeStore[] = [];

afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

const message = (id: string, subject: string, body: string) =>
  `From: ann@example.org\nTo: bo@example.org\nSubject: ${subject}\nMessage-ID: <${id}@example.org>\n` +
  `Date: Mon, 4 Mar 2024 09:15:01 +0000\n\n${body}\n`;

function mailWorld() {
  const root = tempDir();
  const maildir = join(root, 'Mail');
  for (const folder of ['', '.Work']) {
    for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(maildir, folder, sub), { recursive: true });
  }
  const store = KnowledgeStore.open(join(root, 'index.sqlite'), { log: silentLogger });
  stores.push(store);
  const engine = new SyncEngine({ store, pipeline: new IngestionPipeline(store), log: silentLogger });
  const connector = maildirKind.create(testConfig('maildir', maildir));
  const sync = (c: Connector = connector) =>
    engine.sync(c, { signal: new AbortController().signal, trigger: 'manual' });
  const found = (q: string) => store.search(q, {}).map((h) => ({ id: h.docId, path: h.path }));
  return { maildir, connector, sync, found };
}

describe('Maildir synced by the engine: reading mail renames its files', () => {
  it('a flag change and the move from new/ to cur/ update the same message; new and deleted mail still count', async () => {
    const { maildir, sync, found } = mailWorld();
    writeFileSync(join(maildir, 'new', '1709543701.M1P1.host'), message('orchard', 'Orchard', 'the orchard'));
    writeFileSync(join(maildir, '.Work', 'cur', '1709543702.M2P1.host:2,S'), message('budget', 'Budget', 'the budget'));
    expect(await sync()).toMatchObject({ added: 2, deleted: 0, failed: 0 });
    const [orchard] = found('orchard');
    const [budget] = found('budget');

    // Opened (new/ → cur/, Seen) and answered (Seen → Replied, Seen) in a mail program.
    renameSync(join(maildir, 'new', '1709543701.M1P1.host'), join(maildir, 'cur', '1709543701.M1P1.host:2,S'));
    renameSync(
      join(maildir, '.Work', 'cur', '1709543702.M2P1.host:2,S'),
      join(maildir, '.Work', 'cur', '1709543702.M2P1.host:2,RS'),
    );
    expect(await sync()).toMatchObject({ added: 0, deleted: 0, updated: 2, failed: 0 });
    expect(found('orchard')).toEqual([{ id: orchard.id, path: join(maildir, 'cur', '1709543701.M1P1.host:2,S') }]);
    expect(found('budget')).toEqual([
      { id: budget.id, path: join(maildir, '.Work', 'cur', '1709543702.M2P1.host:2,RS') },
    ]);
    expect(await sync()).toMatchObject({ added: 0, updated: 0, deleted: 0, unchanged: 2 });

    writeFileSync(join(maildir, 'new', '1709543703.M3P1.host'), message('vineyard', 'Vineyard', 'the vineyard'));
    rmSync(join(maildir, '.Work', 'cur', '1709543702.M2P1.host:2,RS'));
    expect(await sync()).toMatchObject({ added: 1, deleted: 1, updated: 0, unchanged: 1 });
    expect(found('vineyard')).toHaveLength(1);
    expect(found('budget')).toEqual([]);
  });

  it('a message read in a mail program between the listing and its read is indexed under its new name, not failed', async () => {
    const { maildir, connector, sync, found } = mailWorld();
    writeFileSync(join(maildir, 'new', '1709543701.M1P1.host'), message('orchard', 'Orchard', 'the orchard'));
    // The mail program renames the file after the walk listed it and before the engine reads it.
    const listing = connector.enumerate.bind(connector);
    const readWhileListed: Connector = Object.assign(Object.create(connector) as Connector, {
      async *enumerate(ctx: Parameters<Connector['enumerate']>[0]) {
        for await (const item of listing(ctx)) {
          renameSync(join(maildir, 'new', '1709543701.M1P1.host'), join(maildir, 'cur', '1709543701.M1P1.host:2,S'));
          yield item;
        }
      },
    });
    expect(await sync(readWhileListed)).toMatchObject({ added: 1, failed: 0 });
    expect(found('orchard')).toMatchObject([{ path: join(maildir, 'cur', '1709543701.M1P1.host:2,S') }]);
    expect(await sync()).toMatchObject({ added: 0, deleted: 0, failed: 0 });
    expect(found('orchard')).toHaveLength(1);
  });
});
