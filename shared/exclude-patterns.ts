import type { ExcludePreview } from './contract.js';
import { globProblem } from './glob.js';
import type { ConnectorKind } from './types.js';

/**
 * What makes an exclude pattern unusable, checked alike by the dashboard's form and by the core for every other
 * client (the CLI, a hand-edited call): a pattern that can never match excludes nothing, and the user believes the
 * files are left out. Patterns are matched by shared/glob.ts, in time linear in the pattern times the path, so no
 * shape of wildcards needs refusing for its cost; only braces that expand too far (glob.ts, globProblem).
 */
export function excludePatternProblem(glob: string): string | null {
  if (/^([A-Za-z]:)?[\\/]/.test(glob)) {
    return `“${glob}”: patterns are matched against paths inside the connector, so they cannot start with a slash or a drive.`;
  }
  if (glob.includes('\\')) return `“${glob}”: use forward slashes (/) in patterns.`;
  if (glob.startsWith('!')) {
    return `“${glob}”: a pattern cannot start with ! (patterns only leave files out; to keep some files of an excluded folder, exclude the others by name).`;
  }
  if (!balanced(glob, '[', ']') || !balanced(glob, '{', '}')) return `“${glob}”: a bracket is not closed.`;
  return globProblem(glob);
}

function balanced(s: string, open: string, close: string): boolean {
  let depth = 0;
  for (const ch of s) {
    if (ch === open) depth += 1;
    else if (ch === close && --depth < 0) return false;
  }
  return depth === 0;
}

/**
 * What exclude patterns being edited do, in one line: "Leaves out 56 of 1,234 files: drafts/a.md, …" (the dashboard's
 * Edit dialog, `jarvis-sync edit`). While the count stopped early (a huge folder) the figures are lower bounds
 * ("1,234+", "at least 56").
 */
export function excludePreviewText(
  p: ExcludePreview,
  kind: ConnectorKind,
  patterns: number,
  formatNumber: (n: number) => string = String,
): string {
  const total = `${formatNumber(p.files)}${p.complete ? '' : '+'} ${kind === 'maildir' ? 'messages' : 'files'}`;
  if (patterns === 0) return `Syncs all ${total}.`;
  if (p.leftOut === 0)
    return p.complete ? `Leaves out none of the ${total}.` : `Leaves out none of the first ${total}.`;
  const count = p.complete ? formatNumber(p.leftOut) : `at least ${formatNumber(p.leftOut)}`;
  const more = p.leftOut > p.leftOutExamples.length ? ', …' : '';
  return `Leaves out ${count} of ${total}: ${p.leftOutExamples.join(', ')}${more}`;
}
