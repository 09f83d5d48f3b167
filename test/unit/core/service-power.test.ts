// "Pause syncing while on battery" holds back the syncs nobody asked for; a "Sync now" the user started runs to the
// end, and the state says why automatic syncs wait.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SyncService } from '../../../electron/core/service.js';
import { MemorySource, memoryKind } from '../../helpers/memory-connector.js';
import { useTempDirs } from '../../helpers/temp-dir.js';
import { FakeClock, HOUR, SEC, flush } from './scheduler/helpers.js';

const tempDir = useTempDirs('jarvis-service-power-');
const services: SyncService[] = [];

afterEach(async () => {
  for (const s of services.splice(0)) await s.stop();
});

async function setup(notes: number) {
  const source = new MemorySource();
  for (let i = 0; i < notes; i++) source.setNote(`n${i}.md`, `note ${i}`);
  const clock = new FakeClock();
  const service = await SyncService.open({
    dataDir: join(tempDir(), 'data'),
    clock,
    kinds: [memoryKind(new Map([['/mem/notes', source]]))],
    writer: 'inline',
    scheduler: { jitterRatio: 0 },
  });
  services.push(service);
  service.setSettings({ pauseOnBattery: true, watchForChanges: false });
  const { id } = await service.addConnector({ kind: 'folder', path: '/mem/notes', name: 'Notes' }, { syncNow: false });
  service.start();
  return { source, clock, service, id };
}

describe('SyncService on battery power', () => {
  it('a "Sync now" started on AC finishes after the power cord is pulled; automatic syncs wait, and say so', async () => {
    const { source, clock, service, id } = await setup(300);
    let release: (() => void) | null = null;
    source.beforeRead = () => {
      if (source.reads.length === 150) return new Promise<void>((resolve) => (release = resolve));
    };
    expect(service.runNow(id)).toEqual({ accepted: true });
    for (let i = 0; i < 500 && !release; i++) await flush();
    expect(service.getConnector(id).state).toBe('syncing');

    service.setOnBattery(true);
    release!();
    // The rest of the run takes as many turns of the event loop as it has batches, and batches are sized by the
    // measured write time: on a loaded machine there are more of them than one advance() flushes.
    for (let i = 0; i < 5_000 && service.history(id, 1)[0]?.outcome === 'running'; i++) await flush();
    await clock.advance(SEC);
    expect(service.history(id, 5).map((r) => r.outcome)).toEqual(['success']);
    const state = service.getState();
    expect(state).toMatchObject({ paused: false, holdReason: 'battery' });
    expect(state.connectors[0]).toMatchObject({ state: 'idle', paused: false, documents: 300, nextRunAt: null });

    // Hours on battery: no scheduled run.
    await clock.advance(3 * HOUR);
    expect(service.history(id, 5)).toHaveLength(1);

    service.setOnBattery(false);
    expect(service.getState().holdReason).toBeNull();
    expect(service.getConnector(id).nextRunAt).not.toBeNull();
    await clock.advance(HOUR);
    expect(service.history(id, 5)).toHaveLength(2);
  });

  it('with the setting off, or on AC, nothing is held', async () => {
    const { service } = await setup(1);
    expect(service.getState().holdReason).toBeNull();
    service.setSettings({ pauseOnBattery: false });
    service.setOnBattery(true);
    expect(service.getState().holdReason).toBeNull();
    service.setSettings({ pauseOnBattery: true });
    expect(service.getState().holdReason).toBe('battery');
  });
});
