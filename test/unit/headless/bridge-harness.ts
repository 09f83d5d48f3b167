/**
 * A real web bridge over a real SyncService on a temp data folder, bound to 127.0.0.1:<free port>, and a raw
 * HTTP client that can forge what a browser would not let a page forge (Host, Origin, raw paths).
 */
import { request as httpRequest } from 'node:http';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createContractHandlers, headlessHost } from '../../../electron/core/handlers.js';
import { SyncService } from '../../../electron/core/service.js';
import { createWebBridge, type WebBridge } from '../../../electron/headless/web-bridge.js';
import { silentLogger } from '../../../shared/logger.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';

export const TOKEN = 'test-token-0123456789abcdefghijklmnopqrstuv';

export interface Harness {
  service: SyncService;
  bridge: WebBridge;
  port: number;
  /** `127.0.0.1:<port>` */
  host: string;
  origin: string;
  root: string;
  staticDir: string;
  /** A folder with notes, usable as a connector path. */
  notes: string;
  close(): Promise<void>;
}

export async function startHarness(
  opts: { staticDir?: 'none'; maxBodyBytes?: number; heartbeatMs?: number; maxEventBacklogBytes?: number } = {},
): Promise<Harness> {
  const root = makeTempDir('jarvis-bridge-');
  const dataDir = join(root, 'data');
  const staticDir = join(root, 'web');
  const notes = join(root, 'notes');
  mkdirSync(join(staticDir, 'assets'), { recursive: true });
  mkdirSync(notes);
  writeFileSync(
    join(staticDir, 'index.html'),
    '<!doctype html><title>Jarvis Sync</title><script type="module" src="/assets/app.js"></script>',
  );
  writeFileSync(join(staticDir, 'assets', 'app.js'), 'console.log("dashboard")');
  writeFileSync(join(staticDir, 'assets', 'app.css'), 'body{}');
  writeFileSync(join(root, 'secret.txt'), 'TOP SECRET');
  symlinkSync(join(root, 'secret.txt'), join(staticDir, 'link-out.txt'));
  writeFileSync(join(notes, 'a.md'), '# Alpha\n\napples and pears\n');

  const service = await SyncService.open({ dataDir, owner: 'daemon', pushIntervalMs: 20 });
  service.start();
  const bridge = createWebBridge({
    handlers: createContractHandlers(service, headlessHost(null)),
    events: service.events,
    staticDir: opts.staticDir === 'none' ? join(root, 'not-built') : staticDir,
    token: TOKEN,
    log: silentLogger,
    maxBodyBytes: opts.maxBodyBytes,
    heartbeatMs: opts.heartbeatMs,
    maxEventBacklogBytes: opts.maxEventBacklogBytes,
  });
  const { port } = await bridge.listen(0, '127.0.0.1');
  const host = `127.0.0.1:${port}`;
  return {
    service,
    bridge,
    port,
    host,
    origin: `http://${host}`,
    root,
    staticDir,
    notes,
    async close() {
      await bridge.close();
      await service.stop();
      removeTempDir(root);
    },
  };
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json<T = { ok: boolean; result?: unknown; error?: { name: string; message: string } }>(): T;
}

/** One raw HTTP request; `path` is sent exactly as given (no normalisation). */
export function raw(
  port: number,
  opts: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: opts.method ?? 'GET',
        path: opts.path,
        headers: { host: `127.0.0.1:${port}`, ...opts.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: <T>() => JSON.parse(text) as T });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

/** An authorised API call, as the dashboard makes it. */
export function call(
  h: Harness,
  channel: string,
  args: unknown[],
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  return raw(h.port, {
    method: 'POST',
    path: `/api/${channel}`,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(args),
  });
}
