/** The daemon's log file stays bounded however long the daemon runs: it is rotated while written, not only at start. */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLogFile } from '../../../electron/headless/log-file.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs('jarvis-log-file-');

function end(log: { end(done?: () => void): void }): Promise<void> {
  return new Promise((resolve) => log.end(resolve));
}

const line = (i: number): string => `2026-01-01T00:00:00.000Z [info] [scheduler] line ${String(i).padStart(6, '0')}\n`;

describe('openLogFile', () => {
  it('rotates a log that passes its size limit while it is written, keeping one older file and the newest lines', async () => {
    const dir = tempDir();
    const max = 2_000;
    const log = openLogFile(dir, 'daemon', max)!;
    const lines = 1_000; // ~70 KB: 35 times the limit, as a daemon that runs for weeks writes
    for (let i = 0; i < lines; i++) log.write(line(i));
    await end(log);

    expect(readdirSync(dir).sort()).toEqual(['daemon.1.log', 'daemon.log']);
    const current = readFileSync(join(dir, 'daemon.log'), 'utf8');
    const older = readFileSync(join(dir, 'daemon.1.log'), 'utf8');
    expect(statSync(join(dir, 'daemon.log')).size).toBeLessThanOrEqual(max + line(0).length);
    expect(statSync(join(dir, 'daemon.1.log')).size).toBeLessThanOrEqual(max + line(0).length);
    // The newest line is in the current file, and the two files hold whole lines, in order, with no gap.
    expect(current.endsWith(line(lines - 1))).toBe(true);
    const kept = (older + current).split('\n').filter(Boolean);
    const first = Number(/line (\d+)/.exec(kept[0])![1]);
    expect(kept).toEqual(Array.from({ length: lines - first }, (_, k) => line(first + k).trimEnd()));
  });

  it('rotates an oversized log left by an earlier run before writing to it, and appends to a small one', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'daemon.log'), 'x'.repeat(3_000) + '\n');
    const log = openLogFile(dir, 'daemon', 2_000)!;
    log.write(line(1));
    await end(log);
    expect(readFileSync(join(dir, 'daemon.log'), 'utf8')).toBe(line(1));
    expect(statSync(join(dir, 'daemon.1.log')).size).toBe(3_001);

    const again = openLogFile(dir, 'daemon', 2_000)!;
    again.write(line(2));
    await end(again);
    expect(readFileSync(join(dir, 'daemon.log'), 'utf8')).toBe(line(1) + line(2));
  });
});
