/**
 * Real temporary directories for tests that touch the filesystem. `useTempDirs()` registers the cleanup with
 * Vitest, so each test gets fresh directories and nothing leaks between tests.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';

/**
 * Creates a directory under the system temp dir. It is made world-readable (mkdtemp creates it 0700) so a child
 * process running as another user (see run-as-nobody.ts) can reach what the test puts inside.
 */
export function makeTempDir(prefix = 'jarvis-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  return dir;
}

export function removeTempDir(dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  } catch {
    // Trees deeper than PATH_MAX defeat rmSync; GNU rm walks them relative to open directories.
    execFileSync('rm', ['-rf', '--', dir]);
  }
}

export function useTempDirs(prefix?: string): () => string {
  const made: string[] = [];
  afterEach(() => {
    for (const dir of made.splice(0)) removeTempDir(dir);
  });
  return () => {
    const dir = makeTempDir(prefix);
    made.push(dir);
    return dir;
  };
}
