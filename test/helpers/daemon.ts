/**
 * Spawns a real `jarvis-sync serve` (bin/jarvis-sync.mjs) on a data folder, waits for its one URL line, and
 * stops it with SIGTERM. Used by the daemon unit tests and the end-to-end tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/jarvis-sync.mjs', import.meta.url));

export interface DaemonProcess {
  child: ChildProcess;
  /** The dashboard URL as printed, with its `#token=…`. */
  url: string;
  /** `http://127.0.0.1:<port>` */
  origin: string;
  port: number;
  token: string;
  /** Everything written so far. */
  stdout(): string;
  stderr(): string;
  /** An authorised API call, as the dashboard makes it. Resolves with the `result`, rejects with the message. */
  api<T = unknown>(channel: string, ...args: unknown[]): Promise<T>;
  /** SIGTERM, then resolves with the exit code and how long the stop took. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
}

export interface SpawnOptions {
  dataDir: string;
  env?: Record<string, string>;
  args?: string[];
  /** How long to wait for the URL line. */
  timeoutMs?: number;
}

/** Starts a daemon; rejects (with its stderr) if it exits or prints nothing within the timeout. */
export async function startDaemon(opts: SpawnOptions): Promise<DaemonProcess> {
  const child = spawnServe(opts);
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
  const exited = once(child, 'exit');
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the daemon printed no URL within ${opts.timeoutMs ?? 30_000} ms.\nstderr:\n${err}`));
    }, opts.timeoutMs ?? 30_000);
    const onData = (): void => {
      const line = out.split('\n').find((l, i, all) => i < all.length - 1 && l.trim() !== '');
      if (line === undefined) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      resolve(line.trim());
    };
    child.stdout!.on('data', onData);
    void exited.then(([code]) => {
      clearTimeout(timer);
      reject(new Error(`the daemon exited (${String(code)}) before printing its URL.\nstderr:\n${err}`));
    });
  });
  const json = opts.args?.includes('--json');
  const printed = json ? (JSON.parse(url) as { url: string }).url : url;
  const parsed = new URL(printed);
  const token = new URLSearchParams(parsed.hash.slice(1)).get('token') ?? '';
  const origin = parsed.origin;
  return {
    child,
    url: printed,
    origin,
    port: Number(parsed.port),
    token,
    stdout: () => out,
    stderr: () => err,
    async api<T>(channel: string, ...args: unknown[]): Promise<T> {
      const res = await fetch(`${origin}/api/${channel}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(args),
      });
      const body = (await res.json()) as { ok: boolean; result: T; error?: { message: string } };
      if (!body.ok) throw new Error(body.error?.message ?? `HTTP ${res.status}`);
      return body.result;
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      const started = Date.now();
      if (child.exitCode !== null || child.signalCode !== null) {
        return { code: child.exitCode, signal: child.signalCode, ms: 0 };
      }
      child.kill(signal);
      const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const [code, sig] = (await exited) as [number | null, NodeJS.Signals | null];
      clearTimeout(kill);
      return { code, signal: sig, ms: Date.now() - started };
    },
  };
}

/** Runs `serve` expecting it to fail at start; resolves with its exit code and output. */
export async function runServeToExit(
  opts: SpawnOptions,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawnServe(opts);
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stdout: out, stderr: err };
}

function spawnServe(opts: SpawnOptions): ChildProcess {
  return spawn(process.execPath, [BIN, 'serve', '--port', '0', '--data-dir', opts.dataDir, ...(opts.args ?? [])], {
    cwd: REPO_ROOT,
    env: { ...process.env, JARVIS_SYNC_DEBUG: '', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}
