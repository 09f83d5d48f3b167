// A unit read in parts (an mbox that grew: an append pass) keeps the problems its earlier reads reported for the parts
// not read again; not one about the part the pass did read again.
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MboxConnector } from '../../../electron/connectors/mbox.js';
import { SyncEngine } from '../../../electron/core/engine.js';
import { IngestionPipeline } from '../../../electron/core/pipeline.js';
import { KnowledgeStore } from '../../../electron/core/store.js';
import { silentLogger } from '../../../shared/logger.js';
import { testConfig } from '../../helpers/connector-run.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs('jarvis-append-issues-');
let store: KnowledgeStore | null = null;
afterEach(() => store?.close());

const message = (i: number, body: string) =>
  `From sender@example.org Mon Jan  1 00:00:0${i} 2024\nMessage-ID: <m${i}@example.org>\nFrom: Sender <sender@example.org>\nSubject: Message ${i}\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n\n${body}\n\n`;

describe('problems of a mailbox read in parts', () => {
  it('a last message cut in its headers is no longer reported once an append pass has read it whole', async () => {
    const dir = tempDir();
    const path = join(dir, 'Inbox');
    const second = message(2, 'The walrus arrived.');
    const cut = second.indexOf('Subject:') + 5;
    writeFileSync(path, message(1, 'The heron left.') + second.slice(0, cut));
    store = KnowledgeStore.open(join(dir, 'index.sqlite'), { log: silentLogger });
    const s = store;
    const engine = new SyncEngine({ store: s, pipeline: new IngestionPipeline(s), log: silentLogger });
    const connector = new MboxConnector(testConfig('mbox', path, { id: 'mail' }));
    const sync = () => engine.sync(connector, { signal: new AbortController().signal, trigger: 'manual' });
    const problems = () => s.listItemErrors('mail').map((e) => e.code);

    expect(await sync()).toMatchObject({ added: 1 });
    expect(problems()).toEqual(['W_MBOX_TRUNCATED']);

    // The mail program finishes writing it: an append pass reads it from its start.
    appendFileSync(path, second.slice(cut));
    expect(await sync()).toMatchObject({ added: 1, deleted: 0 });
    expect(s.search('walrus', {}).map((h) => h.title)).toEqual(['Message 2']);
    // Before: the warning was carried over to the grown file, listed until the next full read.
    expect(problems()).toEqual([]);
  });
});
