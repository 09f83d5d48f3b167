import { globProblem } from './glob.js';

/**
 * What makes an exclude pattern unusable, checked alike by the dashboard's form and by the core for every other
 * client (the CLI, a hand-edited call): a pattern that can never match excludes nothing, and the user believes the
 * files are left out. Patterns are matched by shared/glob.ts, in time linear in the pattern times the path, so no
 * shape of wildcards needs refusing for its cost; only braces that expand too far (costlyPatternProblem).
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
  return costlyPatternProblem(glob);
}

/**
 * The part of excludePatternProblem that would make a pattern unsafe to compile at all: braces expanding to too many
 * patterns. Also applied to the patterns connectors.json holds, which were stored before any check.
 */
export function costlyPatternProblem(glob: string): string | null {
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
