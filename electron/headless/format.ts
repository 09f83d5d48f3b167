/**
 * Human-readable text for the CLI.
 *
 * Everything printed here that comes from the user's files or the index (paths, titles, snippets, connector names
 * and ids, error messages) goes through `terminalSafe`: a note named `evil\x1b[31m.md`, or a title holding
 * `\x1b]0;…\x07`, must not recolour, retitle or rewrite the user's terminal, and a newline or carriage return in a
 * name must not forge or hide lines of output. `--json` output does not come through here: JSON escapes already.
 */
import { ONLY_EXCLUSIONS_HINT, onlyExclusions } from '../../shared/search-query.js';
import { spanText } from '../../shared/date-span.js';
import type { ConnectorStatus, Highlight, ItemError, SearchHit, SyncCounts } from '../../shared/types.js';
import { SCHEDULER_DEFAULTS } from '../core/scheduler.js';

// C0 controls (tab and newline included: the format emits its own newlines), DEL, C1 controls (U+009B is a
// one-character CSI, U+009D an OSC), and the bidi embeddings, overrides and isolates (which reorder what follows).
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/**
 * `text` with nothing a terminal would act on. Each unsafe character is replaced by a visible one, so the name
 * stays recognisable and a forged one stands out:
 * - C0 controls and DEL by their Unicode control picture (U+2400 + code, U+2421): ESC → ␛, BEL → ␇, LF → ␊,
 *   CR → ␍, TAB → ␉, NUL → ␀, DEL → ␡ (one column each, as the character they stand for was meant to be);
 * - C1 controls and bidi controls, which have no picture, by their code point: `<U+009B>`, `<U+202E>`.
 */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, (ch) => {
    const code = ch.charCodeAt(0);
    if (code < 0x20) return String.fromCharCode(0x2400 + code);
    if (code === 0x7f) return '\u2421';
    return `<U+${code.toString(16).toUpperCase().padStart(4, '0')}>`;
  });
}

/** terminalSafe for a message whose own line breaks are meant (an error naming a file over two lines). */
export function terminalSafeLines(text: string): string {
  return text.split('\n').map(terminalSafe).join('\n');
}

/** `text` (made terminal-safe) padded with spaces to `width` columns. */
export function pad(text: string, width: number): string {
  const safe = terminalSafe(text);
  return safe.length >= width ? safe : safe + ' '.repeat(width - safe.length);
}

/**
 * A search snippet on one line: runs of whitespace become one space, the matched ranges are bold when `color`
 * (the only escape sequences in the output, added here after the text was made terminal-safe).
 */
export function formatSnippet(snippet: string, highlights: readonly Highlight[], color: boolean): string {
  return withBold(snippet, highlights, color, (part) => terminalSafe(part.replace(/\s+/g, ' ')));
}

/** `text` made `safe` piece by piece, its `highlights` in bold on a terminal that shows colour. */
function withBold(
  text: string,
  highlights: readonly Highlight[],
  color: boolean,
  safe: (part: string) => string,
): string {
  if (!color || highlights.length === 0) return safe(text);
  let out = '';
  let at = 0;
  for (const [s, e] of highlights) {
    if (s < at || e < s) continue; // out of order or overlapping: not highlighted rather than garbled
    out += safe(text.slice(at, s)) + `\x1b[1m${safe(text.slice(s, e))}\x1b[22m`;
    at = e;
  }
  return out + safe(text.slice(at));
}

/** "2026-12-01" in the machine's time zone: a mail's or an event's day, as the dashboard's results show it. */
function localDate(epochMs: number): string {
  const d = new Date(epochMs);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`;
}

/**
 * What `jarvis-sync search` prints for a human: like the dashboard's results, each with its source, type, date and
 * author, so that two mails or events with one subject can be told apart. `filters`: the options that narrowed the
 * search as typed (`--since 7d`), named when nothing was found, as they may be why.
 */
export function formatSearchResults(
  query: string,
  hits: readonly SearchHit[],
  color: boolean,
  filters: readonly string[] = [],
): string {
  if (hits.length === 0)
    return (
      `No results for "${terminalSafe(query)}"${filters.length ? ` with ${terminalSafe(filters.join(' '))}` : ''}.\n` +
      (onlyExclusions(query) ? `${ONLY_EXCLUSIONS_HINT}\n` : '')
    );
  return hits
    .map(
      (h, i) =>
        `${i + 1}. ${withBold(h.title, h.titleHighlights, color, terminalSafe)}  [${[
          h.source,
          h.docType,
          h.timestamp !== null ? spanText(h.timestamp, h.timestampEnd, localDate) : null,
          h.author,
        ]
          .filter((part): part is string => part !== null && part !== '')
          .map((part) => terminalSafe(part))
          .join(' · ')}]\n` +
        `   ${terminalSafe(h.path ?? h.docId)}\n` +
        `   ${formatSnippet(h.snippet, h.highlights, color)}\n`,
    )
    .join('\n');
}

/** What `jarvis-sync errors` prints for a human. */
export function formatItemErrors(errors: readonly ItemError[]): string {
  if (errors.length === 0) return 'No problems recorded.\n';
  return errors
    .map(
      (e) =>
        `${e.severity === 'error' ? 'error  ' : 'warning'} ${pad(e.code, 22)} ${terminalSafe(e.path)}\n` +
        `        ${terminalSafe(e.message)}${e.attempts > 1 ? ` (seen ${e.attempts} times)` : ''}\n`,
    )
    .join('');
}

/** What `jarvis-sync list` prints for a human. */
export function formatConnectorList(connectors: readonly ConnectorStatus[]): string {
  if (connectors.length === 0) return 'No connectors yet. Add one: jarvis-sync add folder ~/Notes\n';
  return connectors
    .map((c) => `${pad(c.id, 16)} ${pad(c.kind, 8)} ${pad(c.name, 20)} ${terminalSafe(c.path)}\n`)
    .join('');
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}

export function formatRelative(at: number | null, now: number): string {
  if (at === null) return 'never';
  const d = at - now;
  const abs = Math.abs(d);
  const unit =
    abs < 60_000
      ? `${Math.round(abs / 1000)} s`
      : abs < 3_600_000
        ? `${Math.round(abs / 60_000)} min`
        : abs < 86_400_000
          ? `${Math.round(abs / 3_600_000)} h`
          : `${Math.round(abs / 86_400_000)} d`;
  return d >= 0 ? `in ${unit}` : `${unit} ago`;
}

export function formatCounts(c: SyncCounts): string {
  return `${c.added} added, ${c.updated} updated, ${c.deleted} deleted, ${c.unchanged} unchanged, ${c.failed} failed, ${c.chunks} chunks`;
}

/** When the app or the daemon runs a connector never synced, or one overdue (scheduler.ts: firstRunDelayMs, catch-up). */
export const AFTER_APP_START = `${SCHEDULER_DEFAULTS.catchUpDelayMs / 1000} s after the app or daemon starts`;

/**
 * The CLI reads the index without the scheduler, so a next run it cannot time is the one the app or the daemon makes
 * after it starts (scheduler.ts: a first sync, or the catch-up of one missed) rather than "never" or "5 min ago".
 */
function nextRunText(c: ConnectorStatus, now: number, scheduledBy: string | null): string {
  if (c.paused || c.state === 'paused') return 'paused';
  // Its retries, backoff and catch-ups are in that process only: a time worked out from the index would be a guess.
  if (scheduledBy !== null) return `as ${scheduledBy} schedules it (its dashboard shows when)`;
  if (c.nextRunAt !== null && c.nextRunAt >= now) return formatRelative(c.nextRunAt, now);
  const what = c.lastSuccessAt === null ? 'first sync' : 'due';
  return `${what}: ${AFTER_APP_START} (or \`jarvis-sync sync ${terminalSafe(c.id)}\`)`;
}

/** `scheduledBy`: the app or daemon that has the data folder open and times the runs, if one does. */
export function formatStatusLine(c: ConnectorStatus, now: number, scheduledBy: string | null = null): string[] {
  const name = terminalSafe(c.name);
  const id = terminalSafe(c.id);
  const lines = [
    '',
    // As the dashboard and the tray say it: an idle connector that never synced has nothing indexed yet.
    `${name} (${id}) — ${terminalSafe(c.kind)} — ${c.state === 'idle' && c.lastSuccessAt === null ? 'not synced yet' : c.state}${c.paused && c.state !== 'paused' ? ' (paused)' : ''}`,
    `  path:          ${terminalSafe(c.path)}`,
    `  indexed:       ${c.documents.toLocaleString('en-US')} documents, ${c.chunks.toLocaleString('en-US')} chunks`,
    `  last success:  ${formatRelative(c.lastSuccessAt, now)}`,
    `  last attempt:  ${formatRelative(c.lastAttemptAt, now)}`,
    `  next run:      ${nextRunText(c, now, scheduledBy)}`,
  ];
  if (c.lastResult) lines.push(`  last result:   ${formatCounts(c.lastResult)}`);
  if (c.itemErrors > 0) {
    const errors = c.itemErrors - c.itemWarnings;
    const notIndexed = errors > 0 ? `${errors} not indexed, ` : '';
    const split = c.itemWarnings > 0 ? ` (${notIndexed}${c.itemWarnings} indexed with warnings)` : '';
    lines.push(`  problems:      ${c.itemErrors} item(s)${split} — see \`jarvis-sync errors ${id}\``);
  }
  if (c.lastError) {
    lines.push(`  error:         ${terminalSafe(c.lastError.message)} [${terminalSafe(c.lastError.code)}]`);
  }
  return lines;
}
