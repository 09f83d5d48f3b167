/**
 * What makes an exclude pattern unusable, checked alike by the dashboard's form and by the core for every other
 * client (the CLI, a hand-edited call): a pattern that can never match excludes nothing, and the user believes the
 * files are left out; and a pattern that backtracks (costlyPatternProblem).
 *
 * Patterns are compiled by picomatch to regular expressions, which backtrack, and matched against every file name and
 * path on the main thread: one pattern could hold the whole process (API, scheduler, even SIGTERM) for minutes.
 * Measured on one name of 255 characters: 3 `*` in a part ~12 ms, 4 ~75 ms; `*a*a*a*a*a*a*b` (7) ~3.7 s on 60
 * characters; `(a|aa)+b` (picomatch passes parentheses through as regex groups) ~15 s on 40; `**` 3 times ~0.4 s on
 * a path 1,000 folders deep; `{a,aa}` 22 times ~0.25 s on 60 characters.
 */
export const MAX_STARS_PER_PART = 3;
export const MAX_GLOBSTARS = 2;
export const MAX_BRACE_GROUPS_PER_PART = 3;

export function excludePatternProblem(glob: string): string | null {
  if (/^([A-Za-z]:)?[\\/]/.test(glob)) {
    return `“${glob}”: patterns are matched against paths inside the connector, so they cannot start with a slash or a drive.`;
  }
  if (glob.includes('\\')) return `“${glob}”: use forward slashes (/) in patterns.`;
  if (!balanced(glob, '[', ']') || !balanced(glob, '{', '}')) return `“${glob}”: a bracket is not closed.`;
  return costlyPatternProblem(glob);
}

/**
 * The part of excludePatternProblem about time: what makes a pattern unsafe to compile at all (regex groups, too many
 * wildcards). Also applied to the patterns connectors.json holds, which were stored before these rules.
 */
export function costlyPatternProblem(glob: string): string | null {
  const shape = patternShape(glob);
  if (shape.groups) {
    return `“${glob}”: parentheses and | are not supported (they would be read as extended globs such as @(a|b)); to match one in a name, put it in brackets: [(] [)] [|].`;
  }
  if (shape.starsPerPart > MAX_STARS_PER_PART) {
    return `“${glob}”: at most ${MAX_STARS_PER_PART} * between two slashes (** is not counted): more can take seconds to match a long file name. Split it into several patterns.`;
  }
  if (shape.globstars > MAX_GLOBSTARS) {
    return `“${glob}”: at most ${MAX_GLOBSTARS} ** in a pattern: more can take seconds to match a deep path.`;
  }
  if (shape.bracesPerPart > MAX_BRACE_GROUPS_PER_PART) {
    return `“${glob}”: at most ${MAX_BRACE_GROUPS_PER_PART} {…} groups between two slashes: more can take seconds to match a long file name.`;
  }
  return null;
}

/** What a pattern holds outside brackets (`[…]`, where every character stands for itself). */
function patternShape(glob: string): {
  groups: boolean;
  starsPerPart: number;
  globstars: number;
  bracesPerPart: number;
} {
  let groups = false;
  let starsPerPart = 0;
  let globstars = 0;
  let bracesPerPart = 0;
  for (const part of glob.split('/')) {
    if (part === '**') {
      globstars += 1;
      continue;
    }
    let stars = 0;
    let braces = 0;
    let inBracket = false;
    for (let i = 0; i < part.length; i++) {
      const ch = part[i];
      if (inBracket) {
        // `[]…]` and `[!]…]`: a ] right after the opening holds itself.
        if (ch === ']' && !(part[i - 1] === '[' || (part[i - 2] === '[' && '!^'.includes(part[i - 1])))) {
          inBracket = false;
        }
      } else if (ch === '[') inBracket = true;
      else if (ch === '(' || ch === ')' || ch === '|') groups = true;
      else if (ch === '{') braces += 1;
      else if (ch === '*' && part[i - 1] !== '*') stars += 1;
    }
    starsPerPart = Math.max(starsPerPart, stars);
    bracesPerPart = Math.max(bracesPerPart, braces);
  }
  return { groups, starsPerPart, globstars, bracesPerPart };
}

function balanced(s: string, open: string, close: string): boolean {
  let depth = 0;
  for (const ch of s) {
    if (ch === open) depth += 1;
    else if (ch === close && --depth < 0) return false;
  }
  return depth === 0;
}
