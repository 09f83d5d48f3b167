/** Human-readable text for the CLI. */
import type { ConnectorStatus, SyncCounts } from '../../shared/types.js';
import { SCHEDULER_DEFAULTS } from '../core/scheduler.js';

export function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
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
function nextRunText(c: ConnectorStatus, now: number): string {
  if (c.paused || c.state === 'paused') return 'paused';
  if (c.nextRunAt !== null && c.nextRunAt >= now) return formatRelative(c.nextRunAt, now);
  const what = c.lastSuccessAt === null ? 'first sync' : 'due';
  return `${what}: ${AFTER_APP_START} (or \`jarvis-sync sync ${c.id}\`)`;
}

export function formatStatusLine(c: ConnectorStatus, now: number): string[] {
  const lines = [
    '',
    // As the dashboard and the tray say it: an idle connector that never synced has nothing indexed yet.
    `${c.name} (${c.id}) — ${c.kind} — ${c.state === 'idle' && c.lastSuccessAt === null ? 'not synced yet' : c.state}${c.paused ? ' (paused)' : ''}`,
    `  path:          ${c.path}`,
    `  indexed:       ${c.documents.toLocaleString('en-US')} documents, ${c.chunks.toLocaleString('en-US')} chunks`,
    `  last success:  ${formatRelative(c.lastSuccessAt, now)}`,
    `  last attempt:  ${formatRelative(c.lastAttemptAt, now)}`,
    `  next run:      ${nextRunText(c, now)}`,
  ];
  if (c.lastResult) lines.push(`  last result:   ${formatCounts(c.lastResult)}`);
  if (c.itemErrors > 0) {
    const errors = c.itemErrors - c.itemWarnings;
    const notIndexed = errors > 0 ? `${errors} not indexed, ` : '';
    const split = c.itemWarnings > 0 ? ` (${notIndexed}${c.itemWarnings} indexed with warnings)` : '';
    lines.push(`  problems:      ${c.itemErrors} item(s)${split} — see \`jarvis-sync errors ${c.id}\``);
  }
  if (c.lastError) lines.push(`  error:         ${c.lastError.message} [${c.lastError.code}]`);
  return lines;
}
