import { spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireDataDirLock, DataDirLockedError, dataPaths, defaultDataDir } from '../../../electron/core/data-dir.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'jarvis-lock-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('data folder lock', () => {
  it('refuses a second writer with a message naming the holder, and frees the folder on release', () => {
    const lock = acquireDataDirLock(dir, 'daemon');
    expect(() => acquireDataDirLock(dir, 'cli')).toThrow(DataDirLockedError);
    expect(() => acquireDataDirLock(dir, 'cli')).toThrow(/jarvis-sync serve/);
    lock.release();
    expect(existsSync(dataPaths(dir).lock)).toBe(false);
    acquireDataDirLock(dir, 'cli').release();
  });

  it('takes over a lock left by a process that was killed', async () => {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    const pid = child.pid!;
    writeFileSync(
      dataPaths(dir).lock,
      JSON.stringify({ pid, owner: 'desktop', host: (await import('node:os')).hostname(), startedAt: 1 }),
    );
    expect(() => acquireDataDirLock(dir, 'cli')).toThrow(DataDirLockedError);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const lock = acquireDataDirLock(dir, 'cli');
    expect(JSON.parse(readFileSync(dataPaths(dir).lock, 'utf8'))).toMatchObject({ pid: process.pid, owner: 'cli' });
    lock.release();
  });

  it('takes over an empty lock left by a process killed between creating and writing it, however fresh', () => {
    writeFileSync(dataPaths(dir).lock, '');
    const lock = acquireDataDirLock(dir, 'cli');
    expect(JSON.parse(readFileSync(dataPaths(dir).lock, 'utf8'))).toMatchObject({ pid: process.pid, owner: 'cli' });
    lock.release();
  });

  it('waits for a lock being written by a live process, and then refuses, naming it', async () => {
    // A process that creates the lock, and writes it 300 ms later (as one without hard links would, only faster).
    const script = `
      const fs = require('node:fs');
      const fd = fs.openSync(${JSON.stringify(dataPaths(dir).lock)}, 'wx');
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
      fs.writeSync(fd, JSON.stringify({ pid: process.pid, owner: 'daemon', host: require('node:os').hostname(), startedAt: 1 }));
      fs.closeSync(fd);
      setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['-e', script]);
    try {
      await expect.poll(() => existsSync(dataPaths(dir).lock), { timeout: 10_000, interval: 5 }).toBe(true);
      expect(() => acquireDataDirLock(dir, 'cli')).toThrow(/jarvis-sync serve/);
    } finally {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
  });

  it('is never seen empty and leaves no staging file; one left by a dead process is removed', () => {
    const stray = `${dataPaths(dir).lock}.999999999.tmp`;
    writeFileSync(stray, '{}');
    const lock = acquireDataDirLock(dir, 'daemon');
    expect(readFileSync(dataPaths(dir).lock, 'utf8')).toContain(`"pid":${process.pid}`);
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    lock.release();
  });

  it('takes over an unreadable lock file that is not fresh', () => {
    writeFileSync(dataPaths(dir).lock, 'garbage');
    const old = new Date(Date.now() - 60_000);
    // utimes via fs to age the file
    return import('node:fs').then(({ utimesSync }) => {
      utimesSync(dataPaths(dir).lock, old, old);
      acquireDataDirLock(dir, 'cli').release();
    });
  });
});

describe.skipIf(process.platform === 'win32')('data folder permissions', () => {
  it('creates a new data folder that only its owner can enter', async () => {
    const { SyncService } = await import('../../../electron/core/service.js');
    const dataDir = join(dir, 'new', 'data');
    const service = await SyncService.open({ dataDir, owner: 'cli' });
    await service.stop();
    expect(statSync(dataDir).mode & 0o077).toBe(0);
  });

  it('tightens a data folder an older version left readable by everyone', () => {
    chmodSync(dir, 0o755);
    acquireDataDirLock(dir, 'cli').release();
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });
});

describe('defaultDataDir', () => {
  it('matches the per-user folder Electron uses for "Jarvis Sync" on each platform', () => {
    expect(defaultDataDir({ HOME: '/home/ada' }, 'linux')).toBe('/home/ada/.config/Jarvis Sync');
    expect(defaultDataDir({ HOME: '/home/ada', XDG_CONFIG_HOME: '/cfg' }, 'linux')).toBe('/cfg/Jarvis Sync');
    expect(defaultDataDir({ HOME: '/Users/ada' }, 'darwin')).toBe('/Users/ada/Library/Application Support/Jarvis Sync');
    expect(defaultDataDir({ HOME: 'C:\\Users\\ada', APPDATA: 'C:\\Users\\ada\\AppData\\Roaming' }, 'win32')).toMatch(
      /Roaming.Jarvis Sync$/,
    );
    expect(defaultDataDir({ JARVIS_SYNC_DATA_DIR: '/data', HOME: '/home/ada' }, 'linux')).toBe('/data');
  });
});
