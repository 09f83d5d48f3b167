/** `jarvis-sync serve` as a real child process: the URL line, the token, stopping, and the data-folder lock. */
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dataPaths } from '../../../electron/core/data-dir.js';
import type { AppState } from '../../../shared/types.js';
import { runServeToExit, startDaemon, type DaemonProcess } from '../../helpers/daemon.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs('jarvis-daemon-');
const running: DaemonProcess[] = [];

afterEach(async () => {
  for (const d of running.splice(0)) await d.stop('SIGKILL');
});

async function start(
  dataDir: string,
  opts: { env?: Record<string, string>; args?: string[] } = {},
): Promise<DaemonProcess> {
  const d = await startDaemon({ dataDir, ...opts });
  running.push(d);
  return d;
}

describe('jarvis-sync serve', () => {
  it('prints one URL line with a fresh token, serves the API with it, and stops on SIGTERM with the lock released', async () => {
    const dataDir = join(tempDir(), 'data');
    const d = await start(dataDir);
    expect(d.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=[A-Za-z0-9_-]{43}$/);
    expect(d.stdout().trim().split('\n')).toHaveLength(1);
    expect(existsSync(dataPaths(dataDir).lock)).toBe(true);

    const state = await d.api<AppState>('state:get');
    expect(state.dataDir).toBe(dataDir);
    const refused = await fetch(`${d.origin}/api/state:get`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '[]',
    });
    expect(refused.status).toBe(401);
    const page = await fetch(`${d.origin}/`);
    expect(page.status).toBe(200);

    const stopped = await d.stop('SIGTERM');
    expect(stopped.code).toBe(0);
    expect(stopped.ms).toBeLessThan(5000);
    expect(existsSync(dataPaths(dataDir).lock)).toBe(false);
    // The token is written once, in the URL line, and nowhere else.
    expect(d.stderr()).not.toContain(d.token);
    expect(readFileSync(join(dataDir, 'logs', 'daemon.log'), 'utf8')).not.toContain(d.token);
  });

  it('gives each start its own token', async () => {
    const dataDir = join(tempDir(), 'data');
    const a = await start(dataDir);
    await a.stop();
    const b = await start(dataDir);
    expect(b.token).not.toBe(a.token);
    // The old token is worthless now.
    const res = await fetch(`${b.origin}/api/state:get`, {
      method: 'POST',
      headers: { authorization: `Bearer ${a.token}`, 'content-type': 'application/json' },
      body: '[]',
    });
    expect(res.status).toBe(401);
  });

  it('stops within 5 s on SIGINT too, even in the middle of a sync', async () => {
    const root = tempDir();
    const dataDir = join(root, 'data');
    const notes = join(root, 'notes');
    mkdirSync(notes);
    for (let i = 0; i < 40; i++) writeFileSync(join(notes, `n${i}.md`), `# Note ${i}\n\nbody ${i}\n`);
    const d = await start(dataDir, { env: { JARVIS_SYNC_READ_DELAY_MS: '200' } });
    expect(d.stderr()).toContain('TEST HOOK');
    await d.api('connector:add', { kind: 'folder', path: notes, name: 'Notes' });
    await expect
      .poll(async () => (await d.api<AppState>('state:get')).connectors[0]?.state, { timeout: 10_000 })
      .toBe('syncing');
    const stopped = await d.stop('SIGINT');
    expect(stopped.code).toBe(0);
    expect(stopped.ms).toBeLessThan(5000);
    expect(existsSync(dataPaths(dataDir).lock)).toBe(false);
  });

  it('refuses a second daemon on the same data folder with a clear message (exit 1)', async () => {
    const dataDir = join(tempDir(), 'data');
    const first = await start(dataDir);
    const second = await runServeToExit({ dataDir });
    expect(second.code).toBe(1);
    expect(second.stdout).toBe('');
    expect(second.stderr).toContain('is in use by a Jarvis Sync daemon (jarvis-sync serve)');
    expect(second.stderr).toContain(String(first.child.pid));
    // The first one is unharmed.
    expect((await first.api<AppState>('state:get')).dataDir).toBe(dataDir);
  });

  it('prints one JSON line with --json', async () => {
    const dataDir = join(tempDir(), 'data');
    const d = await start(dataDir, { args: ['--json'] });
    const line = JSON.parse(d.stdout().trim()) as { url: string; port: number; dataDir: string };
    expect(line).toEqual({ url: d.url, port: d.port, dataDir });
  });

  it('warns when told to listen beyond loopback', async () => {
    const dataDir = join(tempDir(), 'data');
    const d = await start(dataDir, { args: ['--host', '0.0.0.0'] });
    expect(d.stderr()).toMatch(/Warning: --host 0\.0\.0\.0 makes the dashboard reachable from other machines/);
    expect(d.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    expect((await d.api<AppState>('state:get')).dataDir).toBe(dataDir);
  });

  it('says when the port is taken (exit 1)', async () => {
    const first = await start(join(tempDir(), 'a'));
    const other = join(tempDir(), 'b');
    const res = await runServeToExit({ dataDir: other, args: ['--port', String(first.port)] });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`port ${first.port} on 127.0.0.1 is already in use`);
    expect(existsSync(dataPaths(other).lock)).toBe(false);
  });
});
