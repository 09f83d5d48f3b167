/**
 * `jarvis-sync serve`: the sync core as a daemon, with the dashboard on a local, token-protected web page.
 *
 * Start-up: take the data folder (one writer: a second daemon, the desktop app or a CLI `sync` is refused with a
 * clear message, exit 1), start the schedule, bind 127.0.0.1 (anything else needs an explicit --host and gets a
 * warning), then print ONE line on stdout: the dashboard URL, whose fragment carries a per-start token
 * (`http://127.0.0.1:<port>/#token=<token>`; with --json, `{ "url", "port", "dataDir" }`). A fragment is never
 * sent in requests, so the token does not land in any log; the page reads it and sends it as a Bearer header.
 * That line is the only place the token is ever written.
 *
 * SIGINT/SIGTERM: stop the HTTP server, stop the service (≤ 5 s, checkpoints intact, lock released), exit 0.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { networkInterfaces, hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../../shared/logger.js';
import { createContractHandlers, headlessHost } from '../core/handlers.js';
import { killIfThreadsBlocked } from '../core/blocked-exit.js';
import { DataDirLockedError, SyncService } from '../core/service.js';
import { dataPaths } from '../core/data-dir.js';
import type { CliIo } from './cli.js';
import { readTestHooks, storedIntervalSeconds } from './test-hooks.js';
import { allowedHostsFor, createWebBridge } from './web-bridge.js';
import { openLogFile, type LogFile } from './log-file.js';

export interface DaemonOptions {
  dataDir: string;
  port: number;
  /** null: 127.0.0.1. Anything else was asked for explicitly with --host. */
  host: string | null;
  io: CliIo;
  json: boolean;
  /** The built dashboard. Default: out/web of this checkout. */
  staticDir?: string;
  /** Where SIGINT/SIGTERM come from (tests pass an EventEmitter). Default: process. */
  signals?: Pick<NodeJS.Process, 'once' | 'off'>;
}

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_STATIC_DIR = fileURLToPath(new URL('../../out/web', import.meta.url));

/** Runs until SIGINT/SIGTERM; resolves with the exit code. */
export async function runDaemon(opts: DaemonOptions): Promise<number> {
  const { io } = opts;
  const host = opts.host ?? DEFAULT_HOST;
  const signals = opts.signals ?? process;
  if (opts.host !== null && !isLoopback(host)) {
    io.err(
      `Warning: --host ${host} makes the dashboard reachable from other machines. Anyone who gets the URL (with its token) ` +
        'can read and search your whole index — notes, mail and calendars — and change what is synced. ' +
        'The connection is plain HTTP, not encrypted. Prefer the default (127.0.0.1) with an SSH tunnel.\n',
    );
  }

  const logsDir = join(opts.dataDir, 'logs');
  const logFile = openLogFile(logsDir);
  const createLogger = daemonLoggers(io, logFile);
  const log = createLogger('daemon');

  let hooks;
  try {
    hooks = readTestHooks(io.env, () =>
      storedIntervalSeconds(() => JSON.parse(readFileSync(dataPaths(opts.dataDir).settings, 'utf8'))),
    );
  } catch (err) {
    io.err(`jarvis-sync serve: ${(err as Error).message}\n`);
    logFile?.end();
    return 2;
  }
  for (const warning of hooks.warnings) io.err(`${warning}\n`);

  let service: SyncService;
  try {
    service = await SyncService.open({
      dataDir: opts.dataDir,
      owner: 'daemon',
      createLogger,
      logsDir: logFile ? logsDir : null,
      clock: hooks.clock,
      scheduler: hooks.scheduler,
      kinds: hooks.kinds,
      watch: hooks.watch,
    });
  } catch (err) {
    logFile?.end();
    if (err instanceof DataDirLockedError) {
      io.err(`jarvis-sync serve: ${err.message}\n`);
      return 1;
    }
    throw err;
  }

  const token = randomBytes(32).toString('base64url');
  const bridge = createWebBridge({
    handlers: createContractHandlers(service, headlessHost(logFile ? logsDir : null)),
    events: service.events,
    staticDir: opts.staticDir ?? DEFAULT_STATIC_DIR,
    token,
    log: createLogger('web'),
  });

  let port: number;
  try {
    port = (await bridge.listen(opts.port, host)).port;
  } catch (err) {
    await service.stop();
    logFile?.end();
    const code = (err as NodeJS.ErrnoException).code;
    io.err(
      code === 'EADDRINUSE'
        ? `jarvis-sync serve: port ${opts.port} on ${host} is already in use. Pick another with --port (0 picks a free one).\n`
        : `jarvis-sync serve: cannot listen on ${host}:${opts.port} (${(err as Error).message}).\n`,
    );
    return 1;
  }
  if (isWildcard(host)) {
    // A wildcard bind is reached through any local address: accept those as Host, and nothing else.
    bridge.setAllowedHosts(allowedHostsFor(host, port, [...localAddresses(), hostname()]));
  }

  service.start();
  const url = `http://${urlHost(host)}:${port}/#token=${token}`;
  io.out(opts.json ? `${JSON.stringify({ url, port, dataDir: service.paths.dataDir })}\n` : `${url}\n`);
  if (!opts.json)
    io.err(`Jarvis Sync is syncing ${service.paths.dataDir}. Open the URL above for the dashboard; Ctrl-C stops.\n`);
  log.info(`daemon listening on ${host}:${port} (data folder ${service.paths.dataDir})`);

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    const onInt = (): void => done('SIGINT');
    const onTerm = (): void => done('SIGTERM');
    const done = (s: NodeJS.Signals): void => {
      signals.off('SIGINT', onInt);
      signals.off('SIGTERM', onTerm);
      resolve(s);
    };
    signals.once('SIGINT', onInt);
    signals.once('SIGTERM', onTerm);
  });

  log.info(`${signal}: stopping`);
  if (!opts.json) io.err('Stopping…\n');
  // A second Ctrl-C while stopping means "now": the lock is released by the next start (stale-lock takeover).
  const onSecond = (): void => {
    io.err('Stopping now, without waiting for the current sync.\n');
    if (!killIfThreadsBlocked({ warn: (message) => io.err(`${message}\n`) })) process.exit(130);
  };
  signals.once('SIGINT', onSecond);
  try {
    await bridge.close();
    await service.stop();
  } finally {
    signals.off('SIGINT', onSecond);
  }
  log.info('stopped');
  await new Promise<void>((resolve) => (logFile ? logFile.end(resolve) : resolve()));
  if (signals === process) {
    // Everything is closed; if some stray handle still holds the event loop, don't hang around for it.
    setTimeout(() => process.exit(0), 2000).unref();
  }
  return 0;
}

function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || (isIP(h) === 4 && h.startsWith('127.'));
}

function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]';
}

function urlHost(host: string): string {
  if (isWildcard(host)) return DEFAULT_HOST;
  return isIP(host) === 6 ? `[${host}]` : host;
}

function localAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .map((i) => i.address);
}

/** The daemon's log: warnings and errors on stderr (everything with JARVIS_SYNC_DEBUG=1), everything in logs/daemon.log. */
function daemonLoggers(io: CliIo, file: LogFile | null): (scope: string) => Logger {
  const debug = io.env.JARVIS_SYNC_DEBUG === '1';
  return (scope) => {
    const line = (level: string, args: unknown[], toStderr: boolean): void => {
      const text = `${new Date().toISOString()} [${level}] [${scope}] ${args.map(describe).join(' ')}\n`;
      file?.write(text);
      if (toStderr) io.err(text);
    };
    return {
      debug: (...a) => debug && line('debug', a, true),
      info: (...a) => line('info', a, debug),
      warn: (...a) => line('warn', a, true),
      error: (...a) => line('error', a, true),
    };
  };
}

function describe(value: unknown): string {
  if (value instanceof Error) return value.message;
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
