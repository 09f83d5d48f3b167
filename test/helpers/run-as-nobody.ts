/**
 * Runs a TypeScript (or plain .mjs) script in a child process as uid/gid 65534 ("nobody").
 *
 * CI runs as root, and root ignores file permissions, so `chmod 000` alone cannot produce EACCES. A child running
 * as nobody meets the permissions for real. The script prints its findings (usually JSON) on stdout.
 */
import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const NOBODY = 65534;

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface ChildResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** True when this process may switch user for a child (it is root), i.e. permission tests can run. */
export function canRunAsNobody(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

export function runAsNobody(script: string, args: string[] = []): Promise<ChildResult> {
  const entry = resolve(repoRoot, script);
  const argv = entry.endsWith('.ts') ? [resolve(repoRoot, 'bin/run-ts.mjs'), entry, ...args] : [entry, ...args];
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, argv, {
      cwd: repoRoot,
      uid: NOBODY,
      gid: NOBODY,
      // nobody has no home; tsx and node may want a writable cache location.
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/tmp', TMPDIR: '/tmp' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

/** Runs the script as nobody and parses its stdout as JSON; fails with the child's stderr when it did not succeed. */
export async function runAsNobodyJson<T>(script: string, args: string[] = []): Promise<T> {
  const result = await runAsNobody(script, args);
  if (result.code !== 0) {
    throw new Error(`child exited with ${String(result.code)}:\n${result.stderr}\n${result.stdout}`);
  }
  return JSON.parse(result.stdout) as T;
}
