/**
 * A reader thread blocked in a system call that never returns (a hung network mount) keeps Node from exiting: it
 * joins every thread first. The CLI, the daemon and the app therefore end the process with killIfThreadsBlocked once
 * everything is closed. The real case runs in a child process: a read blocked in open() on a FIFO that no one
 * writes to (opened without O_NONBLOCK, through the reader's test option; a dead mount blocks the same way),
 * abandoned after a short timeout.
 */
import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { killIfThreadsBlocked } from '../../../electron/core/blocked-exit.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs('jarvis-blocked-exit-');
const moduleUrl = (path: string) => pathToFileURL(resolve(path)).href;

/** Reads `target` on a reader thread that gives up after 200 ms, prints what it saw, then ends like the CLI does. */
const CHILD = `
import { constants } from 'node:fs';
import { FileReadThread, blockedReaderThreads } from '${moduleUrl('electron/connectors/read-thread.ts')}';
import { killIfThreadsBlocked } from '${moduleUrl('electron/core/blocked-exit.ts')}';
const [target, mode] = process.argv.slice(2);
const reader = new FileReadThread({ timeoutMs: 200, openFlags: constants.O_RDONLY });
const outcome = await reader.read(target, 1024).then(() => 'read', (err) => err.code);
if (outcome === 'read') await reader.close();
process.stdout.write(JSON.stringify({ outcome, blocked: blockedReaderThreads() }) + '\\n');
process.exitCode = 3;
if (mode === 'kill') killIfThreadsBlocked({ warn: (message) => process.stderr.write(message + '\\n') });
`;

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Still running `lingerMs` after its line was printed (then killed by the test). */
  hung: boolean;
}

function runChild(target: string, mode: 'kill' | 'plain', lingerMs: number): Promise<Ended> {
  const script = join(tempDir(), 'child.mts');
  writeFileSync(script, CHILD);
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [resolve('bin/run-ts.mjs'), script, target, mode], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let hung = false;
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes('\n') && timer === undefined) {
        timer = setTimeout(() => {
          hung = true;
          child.kill('SIGKILL');
        }, lingerMs);
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', fail);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, stdout, stderr, hung });
    });
  });
}

/** A child whose read of a FIFO (nobody writes to it) blocks for good, run as runChild does. */
async function runChildBlockedOnFifo(mode: 'kill' | 'plain', lingerMs: number) {
  const fifo = join(tempDir(), 'share.md');
  execFileSync('mkfifo', [fifo]);
  return { fifo, ended: await runChild(fifo, mode, lingerMs) };
}

describe('ending the process while a reader thread is blocked', () => {
  it('without it, the process never exits: Node waits for the blocked thread', async () => {
    const { fifo, ended } = await runChildBlockedOnFifo('plain', 3_000);
    expect(JSON.parse(ended.stdout)).toEqual({ outcome: 'E_READ_TIMEOUT', blocked: [fifo] });
    expect(ended.hung).toBe(true);
  }, 30_000);

  it('ends it at once, saying which read is blocked', async () => {
    const { fifo, ended } = await runChildBlockedOnFifo('kill', 10_000);
    expect(JSON.parse(ended.stdout)).toEqual({ outcome: 'E_READ_TIMEOUT', blocked: [fifo] });
    expect(ended.hung).toBe(false);
    expect(ended.signal).toBe('SIGKILL');
    expect(ended.stderr).toContain(`A file read is still blocked (on ${fifo})`);
  }, 30_000);

  it('leaves a process with no blocked thread to exit the usual way, with its own exit code', async () => {
    const note = join(tempDir(), 'note.md');
    writeFileSync(note, 'a plain note');
    const ended = await runChild(note, 'kill', 10_000);
    expect(JSON.parse(ended.stdout)).toEqual({ outcome: 'read', blocked: [] });
    expect(ended).toMatchObject({ code: 3, signal: null, stderr: '', hung: false });
  }, 30_000);
});

describe('killIfThreadsBlocked', () => {
  it('does nothing when no reader thread is blocked', () => {
    const kill = vi.fn();
    const warn = vi.fn();
    expect(killIfThreadsBlocked({ warn, kill, blocked: () => [] })).toBe(false);
    expect(kill).not.toHaveBeenCalled();
    expect(warn).not.toHaveBeenCalled();
  });

  it('says how many reads are blocked and where, then kills its own process', () => {
    const kill = vi.fn();
    const warn = vi.fn();
    expect(killIfThreadsBlocked({ warn, kill, blocked: () => ['/mnt/nas/a.md', null] })).toBe(true);
    expect(warn).toHaveBeenCalledWith(
      expect.stringMatching(/^2 file reads are still blocked \(on \/mnt\/nas\/a\.md\)/),
    );
    expect(kill).toHaveBeenCalledWith(process.pid, 'SIGKILL');
  });
});
