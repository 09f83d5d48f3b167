/** Form validation for connector and settings edits. Each returns the value to send, or a message to show. */
import { excludePatternProblem } from '../shared/exclude-patterns.js';
import { SETTINGS_LIMITS } from '../shared/settings.js';

export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

export const MAX_INTERVAL_MINUTES = 7 * 24 * 60;

export function checkName(text: string): Checked<string> {
  const name = text.trim();
  if (!name) return { ok: false, message: 'Give the connector a name.' };
  if (name.length > 80) return { ok: false, message: 'Keep the name under 80 characters.' };
  return { ok: true, value: name };
}

/** Minutes as typed by a person; `optional` allows empty (meaning "use the default"). */
export function checkMinutes(text: string, optional: true): Checked<number | null>;
export function checkMinutes(text: string, optional: false): Checked<number>;
export function checkMinutes(text: string, optional: boolean): Checked<number | null> {
  const t = text.trim();
  if (!t) return optional ? { ok: true, value: null } : { ok: false, message: 'Enter a number of minutes.' };
  const n = Number(t);
  if (!Number.isInteger(n)) return { ok: false, message: 'Enter a whole number of minutes.' };
  if (n < 1) return { ok: false, message: 'The interval must be at least 1 minute.' };
  if (n > MAX_INTERVAL_MINUTES) return { ok: false, message: 'The interval can be at most 7 days (10080 minutes).' };
  return { ok: true, value: n };
}

export function checkFileSizeMb(text: string): Checked<number> {
  const t = text.trim();
  const n = Number(t);
  if (!t || !Number.isFinite(n)) return { ok: false, message: 'Enter a size in MB.' };
  const { min, max } = SETTINGS_LIMITS.maxFileSizeMb;
  if (n < min) return { ok: false, message: `The size must be at least ${min} MB.` };
  if (n > max) return { ok: false, message: `The size can be at most ${max} MB: larger text files cannot be indexed.` };
  return { ok: true, value: n };
}

/** Exclude globs, one per line: blank lines dropped, duplicates removed; relative POSIX patterns only. */
export function checkExcludes(text: string): Checked<string[]> {
  const globs = [
    ...new Set(
      text
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter(Boolean),
    ),
  ];
  for (const g of globs) {
    const problem = excludePatternProblem(g);
    if (problem) return { ok: false, message: problem };
  }
  return { ok: true, value: globs };
}
