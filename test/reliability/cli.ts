/** Runs the real CLI (bin/jarvis-sync.mjs) against a data folder, optionally as another user. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { childIdentity, REPO_ROOT } from './lib.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], dataDir: string, opts: { uid?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/jarvis-sync.mjs'), ...args], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...childIdentity(opts.uid, { JARVIS_SYNC_DATA_DIR: dataDir }),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

export interface CliStatus {
  connectors: { id: string; state: string; documents: number; lastError: { code: string; message: string } | null }[];
}

/** `jarvis-sync status --json` (read-only: works beside a running service). */
export async function cliStatus(dataDir: string): Promise<{ code: number; status: CliStatus; stderr: string }> {
  const r = await runCli(['status', '--json'], dataDir);
  return { code: r.code, status: JSON.parse(r.stdout) as CliStatus, stderr: r.stderr };
}
