/**
 * `jarvis-sync`: the command-line front end over the same SyncService as the desktop app.
 * Exit codes: 0 success, 1 a connector failed or the data folder is busy, 2 usage error.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Logger } from '../../shared/logger.js';
import { partPercentText, progressTotalText } from '../../shared/progress.js';
import { excludePreviewText } from '../../shared/exclude-patterns.js';
import { CONNECTOR_KINDS, DOC_TYPES, type ConnectorKind, type ConnectorStatus, type DocType, type Notice, type Progress, type RunResult, type UpdateConnectorInput } from '../../shared/types.js';
import { defaultDataDir } from '../core/data-dir.js';
import { DataDirLockedError, ReadOnlyServiceError, SyncService, UserInputError } from '../core/service.js';
import {
  AFTER_APP_START,
  formatConnectorList,
  formatCounts,
  formatDuration,
  formatItemErrors,
  formatSearchResults,
  formatStatusLine,
  pad,
  terminalSafe,
  terminalSafeLines,
} from './format.js';

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** True when stdout and stderr are a terminal: enables live progress. */
  interactive: boolean;
  env: NodeJS.ProcessEnv;
  now: () => number;
}

const defaultIo = (): CliIo => ({
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  interactive: Boolean(process.stdout.isTTY && process.stderr.isTTY),
  env: process.env,
  now: Date.now,
});

class UsageError extends Error {}

const COMMON = {
  'data-dir': { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies ParseArgsConfig['options'];

interface CommandSpec {
  usage: string;
  summary: string;
  options?: ParseArgsConfig['options'];
  details?: string;
  /** `-word` is a word of the positionals (a search's "leave out"), not an unknown option. */
  queryWords?: boolean;
  run(ctx: CommandContext): Promise<number>;
}

interface CommandContext {
  io: CliIo;
  positionals: string[];
  values: Record<string, string | boolean | string[] | undefined>;
  dataDir: string;
  json: boolean;
}

const HELP_FOOTER = `
Every command takes:
  --data-dir DIR   the data folder (default: $JARVIS_SYNC_DATA_DIR, else the desktop app's folder)
  --json           machine-readable output
  -h, --help       help for the command
Exit codes: 0 success, 1 a connector failed or the data folder is in use, 2 usage error.`;

function print(io: CliIo, json: boolean, value: unknown, human: () => string): void {
  io.out(json ? `${JSON.stringify(value, null, 2)}\n` : human());
}

function statusJson(c: ConnectorStatus) {
  return {
    id: c.id,
    kind: c.kind,
    name: c.name,
    path: c.path,
    state: c.state,
    paused: c.paused,
    documents: c.documents,
    chunks: c.chunks,
    lastSuccessAt: c.lastSuccessAt,
    lastAttemptAt: c.lastAttemptAt,
    nextRunAt: c.nextRunAt,
    lastResult: c.lastResult,
    lastError: c.lastError,
  };
}

async function withService<T>(ctx: CommandContext, mode: 'read' | 'write', fn: (s: SyncService) => Promise<T> | T): Promise<T> {
  const service = await SyncService.open({
    dataDir: ctx.dataDir,
    readonly: mode === 'read',
    owner: 'cli',
    createLogger: () => cliLogger(ctx.io),
  });
  try {
    return await fn(service);
  } finally {
    await service.stop();
  }
}

function cliLogger(io: CliIo): Logger {
  const debug = io.env.JARVIS_SYNC_DEBUG === '1';
  const line = (level: string, args: unknown[]) => io.err(`[${level}] ${args.map(String).join(' ')}\n`);
  return {
    debug: (...a) => debug && line('debug', a),
    info: (...a) => debug && line('info', a),
    warn: (...a) => debug && line('warn', a),
    error: (...a) => line('error', a),
  };
}

/** Edits (insert, delete, substitute, swap two neighbours) that turn `a` into `b`. */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) rows[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      rows[i][j] = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) rows[i][j] = Math.min(rows[i][j], rows[i - 2][j - 2] + 1);
    }
  }
  return rows[a.length][b.length];
}

/** The candidate `typed` is most likely a typo of, if one is close enough to be worth suggesting. */
function closest(typed: string, candidates: Iterable<string>): string | null {
  const lower = typed.toLowerCase();
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best !== null && bestDistance <= Math.max(1, Math.floor(typed.length / 3)) ? best : null;
}

/** " Did you mean …?", to end a message with, or nothing when no candidate is close. */
function didYouMean(typed: string, candidates: Iterable<string>, shown: (candidate: string) => string = (c) => `"${c}"`): string {
  const match = closest(typed, candidates);
  return match === null ? '' : ` Did you mean ${shown(match)}?`;
}

/**
 * Throws, with the likely meant id, unless `id` names a connector (or, given `ids`, one of those). A name typed for
 * an id, or an id in the wrong case, would otherwise read as a connector that does not exist.
 */
function checkConnectorId(service: SyncService, id: string, ids: readonly string[] = service.getState().connectors.map((c) => c.id)): void {
  if (ids.includes(id)) return;
  const connectors = service.getState().connectors.filter((c) => ids.includes(c.id));
  const named = connectors.find((c) => c.name === id) ?? connectors.find((c) => c.name.toLowerCase() === id.toLowerCase());
  const hint = named ? ` The connector named "${named.name}" has the id "${named.id}".` : didYouMean(id, ids);
  throw new UserInputError(`No connector with id "${id}".${hint} See \`jarvis-sync list\`.`);
}

/** `~` and `~/…` as the shell expands them, which it does not after a `=` (`--data-dir=~/x`) or inside quotes. */
function expandHome(path: string, env: NodeJS.ProcessEnv): string {
  return path === '~' || path.startsWith('~/') ? join(env.HOME ?? homedir(), path.slice(1)) : path;
}

function oneOrNone(ctx: CommandContext, what: string): string | null {
  if (ctx.positionals.length > 1) throw new UsageError(`expected at most one ${what}, got ${ctx.positionals.length}`);
  return ctx.positionals[0] ?? null;
}

function intOption(value: unknown, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  // Digits only: Number() would also take "1e3", "0x100" and " 120".
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}`);
  return n;
}

const MAX_SEARCH_LIMIT = 200;

const DATE_FORMS =
  'a date (2026-11-01, local time), a date and time (2026-11-01T09:30, 2026-11-01T09:30Z, 2026-11-01T09:30+01:00), ' +
  'an age: 12h, 7d, 2w, 3m (months), 1y; or now';

/** `new Date(y, m, d, …)` in local time, but for every year: the constructor reads 0–99 as 1900–1999. */
function localTime(year: number, monthIndex: number, day: number, hours = 0, minutes = 0, seconds = 0, ms = 0): Date {
  const d = new Date(2000, 0, 1);
  d.setFullYear(year, monthIndex, day);
  d.setHours(hours, minutes, seconds, ms);
  return d;
}

/** `months` calendar months before `now`, on the same day or, past the end of a shorter month, on its last day. */
function monthsBefore(now: number, months: number): number {
  const then = new Date(now);
  const day = then.getDate();
  then.setDate(1);
  then.setMonth(then.getMonth() - months);
  const daysInMonth = localTime(then.getFullYear(), then.getMonth() + 1, 0).getDate();
  then.setDate(Math.min(day, daysInMonth));
  return then.getTime();
}

const AGE_MS: Record<string, number> = { h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/**
 * A --since or --until bound as epoch ms. A date is a day in local time, as search results show it: --since from its
 * first millisecond, --until to its last, so `--until 2026-11-01` keeps what happened that day. A date and time without
 * an offset is local time too. An age counts back from `now`, months and years by the calendar.
 */
export function dateBound(value: string, option: 'since' | 'until', now: number): number {
  const bad = (why: string) => new UsageError(`--${option} ${JSON.stringify(value)} ${why}: give ${DATE_FORMS}`);
  if (value === 'now') return now;
  const age = /^(\d{1,6})([hdwmy])$/.exec(value);
  if (age) {
    const [count, unit] = [Number(age[1]), age[2]];
    const at = unit === 'm' || unit === 'y' ? monthsBefore(now, unit === 'y' ? count * 12 : count) : now - count * AGE_MS[unit];
    if (!Number.isFinite(at) || Number.isNaN(new Date(at).getTime())) throw bad('is too far back');
    return at;
  }
  const when = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/i.exec(value);
  if (!when) throw bad('is not a date');
  const [year, month, day, hours, minutes, seconds] = when.slice(1, 7).map((part) => (part === undefined ? 0 : Number(part)));
  const ms = when[7] === undefined ? 0 : Number(when[7].padEnd(3, '0'));
  const zone = when[8];
  const local = localTime(year, month - 1, day, hours, minutes, seconds, ms);
  // The Date constructor rolls 2026-02-30 over into March, and 25:00 into the next day: check it did not.
  const sameDay = local.getFullYear() === year && local.getMonth() === month - 1 && local.getDate() === day;
  if (!sameDay || hours > 23 || minutes > 59 || seconds > 59) throw bad('is not a real date');
  if (when[4] === undefined) return option === 'since' ? local.getTime() : localTime(year, month - 1, day + 1).getTime() - 1;
  if (zone === undefined) return local.getTime();
  const utcMidnight = new Date(0);
  utcMidnight.setUTCFullYear(year, month - 1, day);
  const utc = utcMidnight.getTime() + ((hours * 60 + minutes) * 60 + seconds) * 1000 + ms;
  const offset = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
  if (!offset) return utc; // Z
  const offsetMs = (Number(offset[2]) * 60 + Number(offset[3])) * 60_000;
  return offset[1] === '+' ? utc - offsetMs : utc + offsetMs;
}

/** --host as typed: `[::1]`, as an IPv6 address is written in a URL, is the address ::1 (listen() wants it bare). */
export function hostOption(value: unknown): string | null {
  return typeof value === 'string' ? value.replace(/^\[(.*)\]$/, '$1') : null;
}

function showNotices(ctx: CommandContext, service: SyncService, levels: readonly Notice['level'][] = ['error', 'warning', 'info']): void {
  if (ctx.json) return;
  for (const n of service.getState().notices) if (levels.includes(n.level)) ctx.io.err(`${n.level}: ${terminalSafe(n.message)}\n`);
}

const COMMANDS: Record<string, CommandSpec> = {
  add: {
    usage: 'add <kind> <path> [--name NAME] [--exclude GLOB]… [--interval SECONDS]',
    summary: 'add a source to keep in sync',
    details: `Kinds: ${CONNECTOR_KINDS.join(', ')}.\n  folder    a folder of notes and documents (.md .markdown .txt .org .rst .html .htm)\n  obsidian  an Obsidian vault (a folder with .obsidian/)\n  mbox      an mbox file or a folder of them (Thunderbird, Google Takeout)\n  maildir   a Maildir or Maildir++ tree\n  ics       an .ics calendar file or a folder of them\nThe first sync runs with \`jarvis-sync sync\`, or ${AFTER_APP_START}.`,
    options: { name: { type: 'string' }, exclude: { type: 'string', multiple: true }, interval: { type: 'string' } },
    async run(ctx) {
      const [kind, path, ...rest] = ctx.positionals;
      if (!kind || !path || rest.length) throw new UsageError('add takes a kind and a path');
      if (!(CONNECTOR_KINDS as readonly string[]).includes(kind)) {
        throw new UsageError(`unknown kind "${kind}" (kinds: ${CONNECTOR_KINDS.join(', ')}).${didYouMean(kind, CONNECTOR_KINDS)}`);
      }
      const interval = intOption(ctx.values.interval, 'interval', 60, 7 * 24 * 3600);
      return withService(ctx, 'write', async (service) => {
        const added = await service.addConnector(
          {
            kind: kind as ConnectorKind,
            path: expandHome(path, ctx.io.env),
            name: ctx.values.name as string | undefined,
            excludes: (ctx.values.exclude as string[] | undefined) ?? [],
            intervalSeconds: interval ?? null,
          },
          { syncNow: false },
        );
        // Added as a plain folder, a vault is searched without its note titles, aliases, tags and canvases.
        if (!ctx.json && added.kind === 'folder' && existsSync(join(added.path, '.obsidian'))) {
          ctx.io.err(
            'Note: this folder is an Obsidian vault. Added as kind obsidian instead (`jarvis-sync remove <id>`, then\n' +
              '`jarvis-sync add obsidian <path>`), its notes are also found by their titles, aliases and tags, and its canvases are indexed.\n',
          );
        }
        print(ctx.io, ctx.json, { ...statusJson(added), excludes: added.excludes, intervalSeconds: added.intervalSeconds }, () => `Added ${added.kind} connector "${terminalSafe(added.name)}" (id ${terminalSafe(added.id)}) for ${terminalSafe(added.path)}.\nRun \`jarvis-sync sync ${terminalSafe(added.id)}\` to index it now, or it syncs ${AFTER_APP_START}.\n`);
        return 0;
      });
    },
  },
  list: {
    usage: 'list',
    summary: 'list connectors',
    async run(ctx) {
      if (ctx.positionals.length) throw new UsageError('list takes no arguments');
      return withService(ctx, 'read', (service) => {
        const connectors = service.getState().connectors;
        print(ctx.io, ctx.json, connectors.map(statusJson), () => formatConnectorList(connectors));
        return 0;
      });
    },
  },
  status: {
    usage: 'status',
    summary: 'show every connector: state, counts, last success, next run, last error',
    async run(ctx) {
      if (ctx.positionals.length) throw new UsageError('status takes no arguments');
      return withService(ctx, 'read', (service) => {
        const state = service.getState();
        showNotices(ctx, service);
        const value = { dataDir: state.dataDir, dbPath: state.dbPath, paused: state.paused, connectors: state.connectors.map(statusJson) };
        print(ctx.io, ctx.json, value, () => {
          const now = ctx.io.now();
          const created = existsSync(state.dataDir) ? '' : ' (not created yet: nothing was added or synced with it)';
          const lines = [`Data folder: ${state.dataDir}${created}${state.paused ? '   (all syncing paused)' : ''}`];
          const writer = service.writerElsewhere;
          const who = !writer ? null : writer.owner === 'desktop' ? 'the desktop app' : writer.owner === 'daemon' ? 'the daemon' : 'a `jarvis-sync sync`';
          if (writer) lines.push(`Open in ${who} (pid ${writer.pid}): what it is syncing shows as "syncing" here; its dashboard has the live progress and the next runs.`);
          if (state.connectors.length === 0) lines.push('No connectors yet. Add one: jarvis-sync add folder ~/Notes');
          for (const c of state.connectors) lines.push(...formatStatusLine(c, now, who));
          return `${lines.join('\n')}\n`;
        });
        return state.connectors.some((c) => c.lastError) ? 1 : 0;
      });
    },
  },
  sync: {
    usage: 'sync [id] [--retry]',
    summary: 'sync one connector, or all, now, and wait',
    details:
      'On a terminal, shows live progress. Paused connectors are synced too: this is an explicit request.\n' +
      '--retry also reads the files no longer retried automatically (they failed 3 syncs in a row unchanged).',
    options: { retry: { type: 'boolean', default: false } },
    async run(ctx) {
      const id = oneOrNone(ctx, 'connector id');
      return withService(ctx, 'write', async (service) => {
        // Names and ids as they may be printed: a hand-edited connectors.json may hold anything.
        const names = new Map(service.getState().connectors.map((c) => [c.id, terminalSafe(c.name)]));
        if (id !== null) checkConnectorId(service, id);
        if (ctx.values.retry === true) for (const cid of id ? [id] : names.keys()) service.releaseQuarantine(cid, null);
        if (names.size === 0) {
          print(ctx.io, ctx.json, { results: {}, failures: {} }, () => 'No connectors yet. Add one: jarvis-sync add folder ~/Notes\n');
          return 0;
        }
        const live = ctx.io.interactive && !ctx.json;
        const abort = new AbortController();
        const onSigint = () => abort.abort('interrupted');
        process.once('SIGINT', onSigint);
        let lastDraw = 0;
        const draw = (cid: string, p: Progress) => {
          const now = ctx.io.now();
          if (now - lastDraw < 100) return;
          lastDraw = now;
          const total = progressTotalText(p);
          const item = p.currentItem ? ` · ${terminalSafe(truncateMiddle(p.currentItem, 50))}` : '';
          const part = partPercentText(p);
          ctx.io.err(`\r\x1b[2K${names.get(cid)}: ${p.done} / ${total}${part} · ${formatDuration(now - p.startedAt)}${item}`);
        };
        try {
          const report = await service.syncNow(id ? [id] : null, {
            signal: abort.signal,
            onProgress: live ? draw : undefined,
            onStart: live ? (cid) => ctx.io.err(`\r\x1b[2K${names.get(cid)}: starting…`) : undefined,
          });
          if (live) ctx.io.err('\r\x1b[2K');
          // The app merges the full-text index's segments in idle time; a one-shot sync has none, so it finishes
          // them before exiting, without the app's pauses between steps (well under a second after most syncs,
          // ~3 s after a first sync of 50,000 notes). An interrupt stops waiting.
          if (!report.cancelled) {
            await Promise.race([
              service.whenIndexCompacted({ hurry: true }),
              new Promise((resolve) => abort.signal.addEventListener('abort', resolve, { once: true })),
            ]);
          }
          const results: Record<string, RunResult> = report.results;
          print(ctx.io, ctx.json, { results, failures: report.failures }, () => {
            const lines: string[] = [];
            for (const [cid, r] of Object.entries(results)) {
              lines.push(`${names.get(cid)} (${terminalSafe(cid)}): ${formatCounts(r)} in ${formatDuration(r.durationMs)}`);
              if (r.failed > 0) lines.push(`  ${r.failed} failed: \`jarvis-sync errors ${terminalSafe(cid)}\` says why`);
            }
            for (const [cid, message] of Object.entries(report.failures)) lines.push(`${names.get(cid)} (${terminalSafe(cid)}): FAILED — ${terminalSafe(message)}`);
            if (report.cancelled) lines.push('Interrupted: what was synced so far is saved; the next sync resumes.');
            return `${lines.join('\n')}\n`;
          });
          if (report.cancelled) return 130;
          return Object.keys(report.failures).length ? 1 : 0;
        } finally {
          process.off('SIGINT', onSigint);
        }
      });
    },
  },
  search: {
    usage: 'search <query> [--source ID] [--type TYPE] [--since WHEN] [--until WHEN] [--limit N]',
    summary: 'search the index',
    details:
      'Any text is a valid query; "quoted phrases" match as phrases, a trailing * matches a prefix, a OR b finds either, -word leaves out what has it.\n' +
      `Types: ${DOC_TYPES.join(', ')}.\n` +
      "--since WHEN and --until WHEN keep what is dated in that range (a note: its file's last change; a mail: when it\n" +
      'was sent; an event: from its start to its end, a repeating one to its last occurrence; a task: when it is due),\n' +
      'and leave out what has no date. --since now finds what is upcoming. WHEN is\n' +
      '  a date           2026-11-01 (local time; --until includes that whole day)\n' +
      '  a date and time  2026-11-01T09:30 (local time), 2026-11-01T09:30Z, 2026-11-01T09:30+01:00\n' +
      '  an age           12h, 7d, 2w, 3m (months), 1y: that long ago\n' +
      '  now              --since now: what is upcoming (events, tasks due); --until now: what is past',
    options: { source: { type: 'string' }, type: { type: 'string' }, since: { type: 'string' }, until: { type: 'string' }, limit: { type: 'string' } },
    queryWords: true,
    async run(ctx) {
      const query = ctx.positionals.join(' ');
      if (query.trim() === '') throw new UsageError('search needs a query');
      const type = ctx.values.type as string | undefined;
      if (type !== undefined && !(DOC_TYPES as readonly string[]).includes(type)) {
        throw new UsageError(`unknown type "${type}" (types: ${DOC_TYPES.join(', ')}).${didYouMean(type, DOC_TYPES)}`);
      }
      const limit = intOption(ctx.values.limit, 'limit', 1, MAX_SEARCH_LIMIT) ?? 10;
      const now = ctx.io.now();
      const since = typeof ctx.values.since === 'string' ? dateBound(ctx.values.since, 'since', now) : undefined;
      const until = typeof ctx.values.until === 'string' ? dateBound(ctx.values.until, 'until', now) : undefined;
      if (since !== undefined && until !== undefined && since > until) {
        throw new UsageError(`--since ${ctx.values.since as string} is after --until ${ctx.values.until as string}: nothing could match`);
      }
      return withService(ctx, 'read', (service) => {
        const source = ctx.values.source as string | undefined;
        // A connector's name given for its id would find nothing, and look like no document matched.
        if (source !== undefined) checkConnectorId(service, source, service.searchableSources());
        // An empty result may be the index's state (damaged, locked, unreadable) and not the query's: say so.
        showNotices(ctx, service, ['error', 'warning']);
        const hits = service.search(query, { source, docType: type as DocType | undefined, since, until, limit });
        const value = hits.map((h) => ({
          docId: h.docId,
          title: h.title,
          source: h.source,
          docType: h.docType,
          path: h.path,
          // Whole milliseconds: a note's date is its file's mtime, which the file system keeps finer.
          timestamp: h.timestamp === null ? null : Math.floor(h.timestamp),
          author: h.author,
          snippet: h.snippet,
          score: h.score,
        }));
        const filters = (['source', 'type', 'since', 'until'] as const).flatMap((o) => (typeof ctx.values[o] === 'string' ? [`--${o} ${ctx.values[o]}`] : []));
        // A full page may not be all: say so, as the dashboard's "Show more" does.
        const narrower = limit < MAX_SEARCH_LIMIT ? `--limit N shows up to ${MAX_SEARCH_LIMIT}` : 'narrow the search with --source, --type, --since or --until';
        const more = hits.length < limit ? '' : `\n${limit} shown; there may be more: ${narrower}.\n`;
        print(ctx.io, ctx.json, value, () => formatSearchResults(query, hits, ctx.io.interactive, filters) + more);
        return 0;
      });
    },
  },
  errors: {
    usage: 'errors [id]',
    summary: 'list the per-item problems of the last sync (unreadable, binary, too large, …)',
    async run(ctx) {
      const id = oneOrNone(ctx, 'connector id');
      return withService(ctx, 'read', (service) => {
        if (id !== null) checkConnectorId(service, id);
        showNotices(ctx, service, ['error', 'warning']);
        const errors = service.itemErrors(id);
        print(ctx.io, ctx.json, errors, () => formatItemErrors(errors));
        return 0;
      });
    },
  },
  edit: {
    usage: 'edit <id> [--name NAME] [--exclude GLOB]… [--no-excludes] [--interval SECONDS|default]',
    summary: "change a connector's name, exclude patterns or interval",
    details:
      '--exclude replaces the exclude patterns (give each one); --no-excludes removes them all. New patterns are\n' +
      'checked as in `add`, and what they leave out of the folder is printed. --interval default goes back to the\n' +
      "settings' interval. The changes apply at the next sync (`jarvis-sync sync <id>`).",
    options: {
      name: { type: 'string' },
      exclude: { type: 'string', multiple: true },
      'no-excludes': { type: 'boolean', default: false },
      interval: { type: 'string' },
    },
    async run(ctx) {
      const id = oneOrNone(ctx, 'connector id');
      if (!id) throw new UsageError('edit needs a connector id');
      const excludes = ctx.values.exclude as string[] | undefined;
      const noExcludes = ctx.values['no-excludes'] === true;
      if (excludes && noExcludes) throw new UsageError('give --exclude or --no-excludes, not both');
      const input: UpdateConnectorInput = {};
      if (typeof ctx.values.name === 'string') {
        // The core keeps the current name for a blank one: "Updated" would then report a change that was not made.
        if (ctx.values.name.trim() === '') throw new UsageError('--name cannot be empty');
        input.name = ctx.values.name;
      }
      if (excludes || noExcludes) input.excludes = excludes ?? [];
      if (ctx.values.interval === 'default') input.intervalSeconds = null;
      else if (ctx.values.interval !== undefined) input.intervalSeconds = intOption(ctx.values.interval, 'interval', 60, 7 * 24 * 3600);
      if (Object.keys(input).length === 0) throw new UsageError('edit needs --name, --exclude, --no-excludes or --interval');
      return withService(ctx, 'write', async (service) => {
        checkConnectorId(service, id);
        const before = service.getConnector(id);
        const preview = input.excludes ? await service.previewExcludes(before.kind, before.path, input.excludes) : null;
        const updated = service.updateConnector(id, input);
        print(ctx.io, ctx.json, { ...statusJson(updated), excludes: updated.excludes, intervalSeconds: updated.intervalSeconds, excludePreview: preview }, () => {
          const lines = [`Updated "${terminalSafe(updated.name)}" (${terminalSafe(updated.id)}).`];
          if (preview && input.excludes) lines.push(terminalSafe(excludePreviewText(preview, updated.kind, input.excludes.length, (n) => n.toLocaleString('en-US'))));
          lines.push(`The changes apply at its next sync: \`jarvis-sync sync ${terminalSafe(updated.id)}\`.`);
          return `${lines.join('\n')}\n`;
        });
        return 0;
      });
    },
  },
  remove: {
    usage: 'remove <id> [--keep-index]',
    summary: 'remove a connector (and its indexed documents, unless --keep-index)',
    options: { 'keep-index': { type: 'boolean', default: false } },
    async run(ctx) {
      const id = oneOrNone(ctx, 'connector id');
      if (!id) throw new UsageError('remove needs a connector id');
      return withService(ctx, 'write', async (service) => {
        checkConnectorId(service, id);
        const name = service.getConnector(id).name;
        const keepIndex = ctx.values['keep-index'] === true;
        await service.removeConnector(id, { keepIndex });
        print(ctx.io, ctx.json, { removed: id, keptIndex: keepIndex }, () => `Removed "${terminalSafe(name)}" (${terminalSafe(id)})${keepIndex ? '; its indexed documents were kept' : ' and its indexed documents'}.\n`);
        return 0;
      });
    },
  },
  pause: {
    usage: 'pause [id]',
    summary: 'pause scheduled syncing of one connector, or of all',
    async run(ctx) {
      return pauseOrResume(ctx, true);
    },
  },
  resume: {
    usage: 'resume [id]',
    summary: 'resume scheduled syncing of one connector, or of all',
    async run(ctx) {
      return pauseOrResume(ctx, false);
    },
  },
  serve: {
    usage: 'serve [--port P] [--host H]',
    summary: 'run the sync daemon with the dashboard on a local, token-protected web page',
    details: 'Listens on 127.0.0.1 (--port 0 picks a free port). Prints the dashboard URL, which carries a per-start token.\nBinding another address needs --host and prints a warning. Stops cleanly on Ctrl-C / SIGTERM.',
    options: { port: { type: 'string' }, host: { type: 'string' } },
    async run(ctx) {
      if (ctx.positionals.length) throw new UsageError('serve takes no arguments');
      const port = intOption(ctx.values.port, 'port', 0, 65535) ?? 8765;
      const { runDaemon } = await import('./daemon.js');
      return runDaemon({ dataDir: ctx.dataDir, port, host: hostOption(ctx.values.host), io: ctx.io, json: ctx.json });
    },
  },
};

async function pauseOrResume(ctx: CommandContext, paused: boolean): Promise<number> {
  const id = oneOrNone(ctx, 'connector id');
  return withService(ctx, 'write', (service) => {
    if (id !== null) checkConnectorId(service, id);
    const state = paused ? service.pause(id) : service.resume(id);
    const what = id === null ? 'All syncing' : `"${terminalSafe(service.getConnector(id).name)}"`;
    // One connector resumed while everything is paused still waits: say so rather than claim it runs.
    const stillHeld = !paused && id !== null && state.paused ? ', but all syncing is paused: `jarvis-sync resume` resumes everything' : '';
    print(ctx.io, ctx.json, { paused: id === null ? state.paused : service.getConnector(id).paused, id }, () => `${what} ${paused ? 'paused' : 'resumed'}${stillHeld}.\n`);
    return 0;
  });
}

function truncateMiddle(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max / 2 - 1)}…${text.slice(-(max / 2))}`;
}

const USAGE_COLUMN = 58;

function globalHelp(): string {
  const version = packageVersion();
  const lines = [`jarvis-sync ${version} — keep a local, searchable index of your notes, mail and calendars in sync.`, '', 'Usage: jarvis-sync <command> [options]', '', 'Commands:'];
  // A usage too long for its column has its summary on the next line, in the column, rather than pushed out of it.
  for (const spec of Object.values(COMMANDS)) {
    lines.push(spec.usage.length < USAGE_COLUMN ? `  ${pad(spec.usage, USAGE_COLUMN)} ${spec.summary}` : `  ${spec.usage}\n  ${' '.repeat(USAGE_COLUMN)} ${spec.summary}`);
  }
  return `${lines.join('\n')}\n${HELP_FOOTER}\n`;
}

function commandHelp(spec: CommandSpec): string {
  return `Usage: jarvis-sync ${spec.usage}\n\n${spec.summary[0].toUpperCase()}${spec.summary.slice(1)}.\n${spec.details ? `\n${spec.details}\n` : ''}${HELP_FOOTER}\n`;
}

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'dev';
  }
}

/** Lets the common options come before the command too: `jarvis-sync --data-dir D status`. */
function hoistCommonOptions(argv: string[]): string[] {
  const leading: string[] = [];
  let i = 0;
  while (i < argv.length) {
    const arg = argv[i];
    if (arg === '--json' || arg.startsWith('--data-dir=')) {
      leading.push(arg);
      i++;
    } else if (arg === '--data-dir' && i + 1 < argv.length) {
      leading.push(arg, argv[i + 1]);
      i += 2;
    } else break;
  }
  // Only common options: no command was given.
  if (i >= argv.length) return [];
  if (leading.length === 0) return argv;
  return [argv[i], ...leading, ...argv.slice(i + 1)];
}

/**
 * `args` with the words of a query that start with "-" (`meeting -lunch`) moved after a `--`, where parseArgs takes
 * them as positionals: it would otherwise refuse them as unknown options ("-l"). Options keep their values.
 */
function queryWordsAsPositionals(args: string[], options: NonNullable<ParseArgsConfig['options']>): string[] {
  const optionArgs: string[] = [];
  const words: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') {
      words.push(...args.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      if (options[arg.slice(2)]?.type !== 'string') optionArgs.push(arg);
      // Left as typed, parseArgs says the value is missing (after the `--`, it would call it "ambiguous").
      else if (i + 1 === args.length) return args;
      else optionArgs.push(arg, args[++i]);
    } else if (arg === '-h') optionArgs.push(arg);
    else words.push(arg);
  }
  return [...optionArgs, '--', ...words];
}

/** What parseArgs says of an unknown option, put plainly and with the option likely meant. */
function unknownOptionMessage(args: string[], options: NonNullable<ParseArgsConfig['options']>): string | null {
  const { tokens } = parseArgs({ args, options, allowPositionals: true, strict: false, tokens: true });
  const unknown = tokens.find((t) => t.kind === 'option' && !Object.hasOwn(options, t.name));
  if (unknown?.kind !== 'option') return null;
  const typed = args[unknown.index].split('=')[0];
  const names = Object.keys(options).map((o) => `--${o}`);
  return `unknown option ${typed} (options: ${names.join(', ')}).${didYouMean(typed.replace(/^-+/, ''), Object.keys(options), (o) => `--${o}`)}`;
}

export async function main(argv: string[], io: CliIo = defaultIo()): Promise<number> {
  const [name, ...rest] = hoistCommonOptions(argv);
  const helpTopic = name === 'help' ? rest.find((arg) => Object.hasOwn(COMMANDS, arg)) : undefined;
  if (helpTopic !== undefined) {
    io.out(commandHelp(COMMANDS[helpTopic]));
    return 0;
  }
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(globalHelp());
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-v') {
    io.out(`${packageVersion()}\n`);
    return 0;
  }
  // Own keys only: "constructor" or "toString" are no commands either.
  const spec = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!spec) {
    const suggestion = didYouMean(name, Object.keys(COMMANDS), (c) => `\`jarvis-sync ${c}\``);
    io.err(`jarvis-sync: unknown command "${terminalSafe(name)}".${suggestion} Run \`jarvis-sync --help\` for the list.\n`);
    return 2;
  }
  const options = { ...COMMON, ...spec.options };
  const args = spec.queryWords ? queryWordsAsPositionals(rest, options) : rest;
  let ctx: CommandContext;
  try {
    const parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
    if (parsed.values.help) {
      io.out(commandHelp(spec));
      return 0;
    }
    ctx = {
      io,
      positionals: parsed.positionals,
      values: parsed.values,
      dataDir: parsed.values['data-dir'] === undefined ? defaultDataDir(io.env) : resolve(expandHome(parsed.values['data-dir'], io.env)),
      json: parsed.values.json === true,
    };
  } catch (err) {
    const unknown = (err as NodeJS.ErrnoException).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? unknownOptionMessage(args, options) : null;
    io.err(`jarvis-sync ${name}: ${terminalSafeLines(unknown ?? (err as Error).message)}\nUsage: jarvis-sync ${spec.usage}\n`);
    return 2;
  }
  try {
    return await spec.run(ctx);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`jarvis-sync ${name}: ${terminalSafeLines(err.message)}\nUsage: jarvis-sync ${spec.usage}\n`);
      return 2;
    }
    if (err instanceof UserInputError) {
      io.err(`jarvis-sync ${name}: ${terminalSafeLines(err.message)}\n`);
      return 2;
    }
    if (err instanceof DataDirLockedError || err instanceof ReadOnlyServiceError) {
      io.err(`jarvis-sync ${name}: ${terminalSafeLines(err.message)}\n`);
      return 1;
    }
    io.err(`jarvis-sync ${name}: ${terminalSafeLines((err as Error).message ?? String(err))}\n`);
    if (io.env.JARVIS_SYNC_DEBUG === '1') io.err(`${(err as Error).stack ?? ''}\n`);
    return 1;
  }
}

