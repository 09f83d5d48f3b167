// A real SyncService over a real folder: a file whose read keeps failing while it stays the same is quarantined
// (not read again) after 3 syncs, stays listed as a problem, and is read again once it changes or the user asks.
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SyncService } from '../../../electron/core/service.js';
import { CONNECTOR_MODULES } from '../../../electron/connectors/registry.js';
import { withRead } from '../../../electron/connectors/types.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs('jarvis-quarantine-');
const services: SyncService[] = [];

afterEach(async () => {
  for (const s of services.splice(0)) await s.stop();
});

/** Reads of each file, by name, across every service of the test. */
let reads: Map<string, number>;
const kinds = CONNECTOR_MODULES.map((m) =>
  withRead(m, (inner, unit, previous, ctx) => {
    const name = unit.path.slice(unit.path.lastIndexOf('/') + 1);
    reads.set(name, (reads.get(name) ?? 0) + 1);
    return inner.read(unit, previous, ctx);
  }),
);

async function open(dataDir: string): Promise<SyncService> {
  const service = await SyncService.open({ dataDir, owner: 'daemon', kinds });
  services.push(service);
  return service;
}

/** A 64 KB ".md" that is binary (a NUL in its first 8 KB), as a renamed image would be. */
function binary(): Buffer {
  const bytes = Buffer.alloc(64 * 1024, 0x41);
  bytes[10] = 0;
  return bytes;
}

async function setup() {
  reads = new Map();
  const root = tempDir();
  const notes = join(root, 'notes');
  mkdirSync(notes);
  writeFileSync(join(notes, 'good.md'), '# Good\n\nheron words\n');
  writeFileSync(join(notes, 'photo.md'), binary());
  const dataDir = join(root, 'data');
  const service = await open(dataDir);
  const { id } = await service.addConnector({ kind: 'folder', path: notes, name: 'Notes' }, { syncNow: false });
  return { service, id, notes, dataDir, photo: join(notes, 'photo.md') };
}

/** Syncs `n` times; returns how often photo.md was read meanwhile. */
async function syncTimes(service: SyncService, id: string, n: number): Promise<number> {
  const before = reads.get('photo.md') ?? 0;
  for (let i = 0; i < n; i++) {
    const report = await service.syncNow([id]);
    expect(report.failures).toEqual({});
  }
  return (reads.get('photo.md') ?? 0) - before;
}

const photoProblem = (service: SyncService, id: string) =>
  service.itemErrors(id).find((e) => e.path.endsWith('photo.md'));

/** Moves the file's mtime, as saving it again would: its fingerprint changes. */
function touch(path: string, secondsAhead: number): void {
  const t = new Date(Date.now() + secondsAhead * 1000);
  utimesSync(path, t, t);
}

describe('quarantine of a file whose read keeps failing', () => {
  it('a binary .md fails 3 syncs, then is not read, and stays listed as a problem that says why', async () => {
    const { service, id } = await setup();
    expect(await syncTimes(service, id, 3)).toBe(3);
    expect(photoProblem(service, id)).toMatchObject({ code: 'E_BINARY', attempts: 3, quarantined: true });

    expect(await syncTimes(service, id, 2)).toBe(0);
    const problem = photoProblem(service, id)!;
    expect(problem).toMatchObject({ severity: 'error', attempts: 3, quarantined: true });
    expect(problem.message).toBe(
      'This file holds binary data (it is not text), so it is not indexed. Not retried automatically: it failed 3 ' +
        'times in a row and the file has not changed since. It is read again when the file changes, or when you ' +
        'retry it.',
    );
    // The connector still counts it, and the run still reports it as an item that was not indexed.
    expect(service.getConnector(id)).toMatchObject({ itemErrors: 1, lastResult: { failed: 1 } });
    expect(service.search('heron', {}).map((h) => h.title)).toEqual(['Good']);
  });

  it('a file that changes is read again: touched it counts afresh, fixed it is indexed', async () => {
    const { service, id, photo } = await setup();
    await syncTimes(service, id, 3);
    expect(photoProblem(service, id)?.quarantined).toBe(true);
    touch(photo, 60);
    expect(await syncTimes(service, id, 1)).toBe(1);
    expect(photoProblem(service, id)).toMatchObject({ attempts: 4, quarantined: false });

    writeFileSync(photo, '# Photo notes\n\nkestrel\n');
    touch(photo, 120);
    expect(await syncTimes(service, id, 1)).toBe(1);
    expect(service.search('kestrel', {}).map((h) => h.title)).toEqual(['Photo notes']);
  });

  it('is read again after a reset of the connector', async () => {
    const { service, id } = await setup();
    await syncTimes(service, id, 3);
    expect(photoProblem(service, id)?.quarantined).toBe(true);
    service.resetCheckpoint(id);
    expect(await syncTimes(service, id, 1)).toBe(1);
    expect(photoProblem(service, id)).toMatchObject({ attempts: 4, quarantined: false });
  });

  it('Retry on the problem reads that file again now, and only that one', async () => {
    const { service, id, notes, photo } = await setup();
    writeFileSync(join(notes, 'other.md'), binary());
    await syncTimes(service, id, 3);
    expect(service.itemErrors(id).map((e) => e.quarantined)).toEqual([true, true]);
    service.start();
    expect(service.retryItem(id, photo).accepted).toBe(true);
    await vi.waitFor(() => expect(photoProblem(service, id)).toMatchObject({ attempts: 4 }), {
      timeout: 20_000,
      interval: 20,
    });
    expect(reads.get('photo.md')).toBe(4);
    expect(reads.get('other.md')).toBe(3);
    expect(service.itemErrors(id).find((e) => e.path.endsWith('other.md'))).toMatchObject({ quarantined: true });
  });

  it('stays quarantined after the app restarts', async () => {
    const { service, id, dataDir } = await setup();
    await syncTimes(service, id, 3);
    await service.stop();
    services.length = 0;

    const again = await open(dataDir);
    expect(await syncTimes(again, id, 1)).toBe(0);
    expect(photoProblem(again, id)).toMatchObject({ attempts: 3, quarantined: true });
  });

  it('never quarantines a warning: a file with invalid UTF-8 is indexed and read each time it changes', async () => {
    const { service, id, notes } = await setup();
    const latin1 = join(notes, 'latin1.md');
    writeFileSync(latin1, Buffer.from('# Caf\xe9\n\nplover\n', 'latin1'));
    for (let i = 1; i <= 4; i++) {
      touch(latin1, 60 * i);
      await syncTimes(service, id, 1);
    }
    expect(reads.get('latin1.md')).toBe(4);
    expect(service.itemErrors(id).find((e) => e.path === latin1)).toMatchObject({
      code: 'W_BAD_UTF8',
      severity: 'warning',
      quarantined: false,
    });
    expect(service.search('plover', {})).toHaveLength(1);
  });
});
