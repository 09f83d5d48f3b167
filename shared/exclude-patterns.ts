/**
 * What makes an exclude pattern unusable, checked alike by the dashboard's form and by the core for every other
 * client (the CLI, a hand-edited call): a pattern that can never match excludes nothing, and the user believes the
 * files are left out.
 */
export function excludePatternProblem(glob: string): string | null {
  if (/^([A-Za-z]:)?[\\/]/.test(glob)) {
    return `“${glob}”: patterns are matched against paths inside the connector, so they cannot start with a slash or a drive.`;
  }
  if (glob.includes('\\')) return `“${glob}”: use forward slashes (/) in patterns.`;
  if (!balanced(glob, '[', ']') || !balanced(glob, '{', '}')) return `“${glob}”: a bracket is not closed.`;
  return null;
}

function balanced(s: string, open: string, close: string): boolean {
  let depth = 0;
  for (const ch of s) {
    if (ch === open) depth += 1;
    else if (ch === close && --depth < 0) return false;
  }
  return depth === 0;
}
