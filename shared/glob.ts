/**
 * Glob patterns for excludes, matched in time proportional to the pattern's length times the path's, whatever the
 * pattern. A library that compiles globs to regular expressions (picomatch, minimatch) makes `*a*a*a*a*b` a
 * backtracking regex that held the main thread for seconds on one long name; here a `*` only ever resumes from the last
 * `*` met (the classic wildcard algorithm), and `**` the same over whole path parts.
 *
 * Syntax, as in shells and .gitignore: `*` (any run of characters within a part), `?` (one character), `[abc]`,
 * `[a-z]`, `[!a]` or `[^a]`, `[[:digit:]]`; a part that is exactly `**` matches any number of parts, none included
 * (`a/**` matches `a` itself); `{a,b}` and `{1..3}` are alternatives, expanded before matching (at most
 * MAX_GLOB_ALTERNATIVES in all). Every other character, parentheses and `|` included, stands for itself; a bracket or
 * brace that is not closed too. Names that start with a dot are matched like any other.
 */

export const MAX_GLOB_ALTERNATIVES = 256;

/** One character of a part: a literal (its UTF-16 code) or ANY_CHAR (`?`), or a bracket expression. */
type CharTest = number | CharClass;
/** A CharTest or STAR. */
type PartToken = CharTest;

const ANY_CHAR = -1;
const STAR = -2;

interface CharClass {
  negated: boolean;
  test: (code: number) => boolean;
}

/**
 * A part with wildcards. `head` and `tail` are its literal characters before the first wildcard and after the last
 * one, and `minLength` the characters it needs at least: most names are told apart by these alone, without the loop.
 */
interface WildPart {
  tokens: PartToken[];
  head: string;
  tail: string;
  minLength: number;
}

/** A part of a pattern: `**`, a literal name, or one with wildcards. */
type PatternPart = typeof GLOBSTAR | string | WildPart;
const GLOBSTAR = 0;

/**
 * The alternatives of a pattern's `{…}` groups, nested ones included; null when there are more than `limit`.
 * A group without a top-level comma or range (`{a}`) or without a closing brace stands for itself.
 */
export function expandBraces(glob: string, limit = MAX_GLOB_ALTERNATIVES): string[] | null {
  const group = firstBraceGroup(glob);
  if (group === null) return [glob];
  const prefix = glob.slice(0, group.start);
  const suffix = glob.slice(group.end + 1);
  const out: string[] = [];
  for (const alternative of group.alternatives) {
    const expanded = expandBraces(prefix + alternative + suffix, limit - out.length);
    if (expanded === null) return null;
    out.push(...expanded);
    if (out.length > limit) return null;
  }
  return out;
}

interface BraceGroup {
  start: number;
  end: number;
  alternatives: string[];
}

function firstBraceGroup(glob: string): BraceGroup | null {
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i];
    if (ch === '[') {
      const close = bracketEnd(glob, i);
      if (close !== -1) i = close;
    } else if (ch === '{') {
      const group = braceGroupAt(glob, i);
      if (group) return group;
    }
  }
  return null;
}

/** The group opening at `start`, or null when it is not one (no closing brace, or `{a}`). */
function braceGroupAt(glob: string, start: number): BraceGroup | null {
  let depth = 0;
  const commas: number[] = [];
  for (let i = start; i < glob.length; i++) {
    const ch = glob[i];
    if (ch === '[') {
      const close = bracketEnd(glob, i);
      if (close !== -1) i = close;
    } else if (ch === '{') depth += 1;
    else if (ch === ',' && depth === 1) commas.push(i);
    else if (ch === '}' && --depth === 0) {
      const body = glob.slice(start + 1, i);
      if (commas.length === 0) {
        const range = expandRange(body);
        return range === null ? null : { start, end: i, alternatives: range };
      }
      const cuts = [start, ...commas, i];
      const alternatives = cuts.slice(1).map((cut, k) => glob.slice(cuts[k] + 1, cut));
      return { start, end: i, alternatives };
    }
  }
  return null;
}

/** `1..3`, `01..10`, `a..e`, with an optional step (`1..9..2`); null when `body` is not a range. */
function expandRange(body: string): string[] | null {
  const m = /^(-?\d+|[A-Za-z])\.\.(-?\d+|[A-Za-z])(?:\.\.(-?\d+))?$/.exec(body);
  if (!m) return null;
  const [, from, to, stepText] = m;
  const numeric = /\d/.test(from);
  if (numeric !== /\d/.test(to)) return null;
  const a = numeric ? Number(from) : from.charCodeAt(0);
  const b = numeric ? Number(to) : to.charCodeAt(0);
  const step = Math.abs(Number(stepText ?? 1)) || 1;
  // Past the limit the pattern is refused anyway: stop one beyond it rather than build a million strings.
  const count = Math.min(Math.floor(Math.abs(b - a) / step) + 1, MAX_GLOB_ALTERNATIVES + 1);
  const width = numeric && (/^-?0\d/.test(from) || /^-?0\d/.test(to)) ? Math.max(from.length, to.length) : 0;
  const out: string[] = [];
  for (let k = 0; k < count; k++) {
    const v = a + (a <= b ? k : -k) * step;
    if (!numeric) out.push(String.fromCharCode(v));
    else
      out.push(
        width > 0 ? (v < 0 ? '-' + String(-v).padStart(width - 1, '0') : String(v).padStart(width, '0')) : String(v),
      );
  }
  return out;
}

/** The index of the `]` closing the bracket expression opening at `open`, or -1 when it is not closed. */
function bracketEnd(glob: string, open: number): number {
  let i = open + 1;
  if (glob[i] === '!' || glob[i] === '^') i += 1;
  if (glob[i] === ']') i += 1; // `[]a]`: a ] first stands for itself
  for (; i < glob.length; i++) {
    if (glob[i] === '[' && glob[i + 1] === ':') {
      const end = glob.indexOf(':]', i + 2);
      if (end !== -1) {
        i = end + 1;
        continue;
      }
    }
    if (glob[i] === ']') return i;
  }
  return -1;
}

const POSIX_CLASSES: Record<string, RegExp> = {
  alnum: /[\p{L}\p{N}]/u,
  alpha: /\p{L}/u,
  digit: /[0-9]/,
  lower: /\p{Ll}/u,
  upper: /\p{Lu}/u,
  space: /\s/,
  punct: /[\p{P}\p{S}]/u,
  xdigit: /[0-9A-Fa-f]/,
  word: /[\p{L}\p{N}_]/u,
};

function charClass(body: string): CharClass {
  let i = 0;
  const negated = body[0] === '!' || body[0] === '^';
  if (negated) i = 1;
  const singles = new Set<number>();
  const ranges: [number, number][] = [];
  const named: RegExp[] = [];
  for (; i < body.length; i++) {
    if (body[i] === '[' && body[i + 1] === ':') {
      const end = body.indexOf(':]', i + 2);
      const re = end === -1 ? undefined : POSIX_CLASSES[body.slice(i + 2, end)];
      if (re) {
        named.push(re);
        i = end + 1;
        continue;
      }
    }
    const code = body.charCodeAt(i);
    if (body[i + 1] === '-' && i + 2 < body.length) {
      ranges.push([code, body.charCodeAt(i + 2)]);
      i += 2;
    } else singles.add(code);
  }
  const has = (code: number): boolean =>
    singles.has(code) ||
    ranges.some(([lo, hi]) => code >= lo && code <= hi) ||
    named.some((re) => re.test(String.fromCharCode(code)));
  return { negated, test: (code) => code !== 0x2f && has(code) !== negated };
}

function tokenizePart(part: string): PatternPart {
  if (part === '**') return GLOBSTAR;
  const tokens: PartToken[] = [];
  let literal = true;
  for (let i = 0; i < part.length; i++) {
    const ch = part[i];
    if (ch === '*') {
      literal = false;
      if (tokens[tokens.length - 1] !== STAR) tokens.push(STAR);
    } else if (ch === '?') {
      literal = false;
      tokens.push(ANY_CHAR);
    } else if (ch === '[' && bracketEnd(part, i) !== -1) {
      literal = false;
      const close = bracketEnd(part, i);
      tokens.push(charClass(part.slice(i + 1, close)));
      i = close;
    } else tokens.push(part.charCodeAt(i));
  }
  if (literal) return part;
  const isLiteral = (t: PartToken): t is number => typeof t === 'number' && t >= 0;
  let h = 0;
  while (isLiteral(tokens[h])) h += 1;
  let t = tokens.length;
  while (t > h && isLiteral(tokens[t - 1])) t -= 1;
  const text = (from: number, to: number): string => String.fromCharCode(...(tokens.slice(from, to) as number[]));
  return {
    tokens,
    head: text(0, h),
    tail: text(t, tokens.length),
    minLength: tokens.filter((token) => token !== STAR).length,
  };
}

function charMatches(test: CharTest, code: number): boolean {
  if (typeof test === 'number') return test === ANY_CHAR ? code !== 0x2f : test === code;
  return test.test(code);
}

/** Whether `tokens` match all of `s`: on a mismatch, the last `*` takes one more character, and no earlier one is revisited. */
function partMatches(part: PatternPart, s: string): boolean {
  if (typeof part === 'string') return part === s;
  if (part === GLOBSTAR) return true;
  if (s.length < part.minLength || !s.startsWith(part.head) || !s.endsWith(part.tail)) return false;
  const { tokens } = part;
  let t = 0;
  let i = 0;
  let starT = -1;
  let starI = 0;
  while (i < s.length) {
    if (t < tokens.length) {
      const token = tokens[t];
      if (token === STAR) {
        starT = t++;
        starI = i;
        continue;
      }
      if (charMatches(token, s.charCodeAt(i))) {
        t += 1;
        i += 1;
        continue;
      }
    }
    if (starT === -1) return false;
    t = starT + 1;
    i = ++starI;
  }
  while (t < tokens.length && tokens[t] === STAR) t += 1;
  return t === tokens.length;
}

/** The same algorithm over path parts, with `**` as the star. */
function partsMatch(pattern: readonly PatternPart[], parts: readonly string[]): boolean {
  let p = 0;
  let i = 0;
  let starP = -1;
  let starI = 0;
  while (i < parts.length) {
    if (p < pattern.length) {
      if (pattern[p] === GLOBSTAR) {
        starP = p++;
        starI = i;
        continue;
      }
      if (partMatches(pattern[p], parts[i])) {
        p += 1;
        i += 1;
        continue;
      }
    }
    if (starP === -1) return false;
    p = starP + 1;
    i = ++starI;
  }
  while (p < pattern.length && pattern[p] === GLOBSTAR) p += 1;
  return p === pattern.length;
}

/**
 * A matcher for `globs` against `/`-separated paths (or single names). Patterns whose braces expand past
 * MAX_GLOB_ALTERNATIVES are left out: callers refuse them first (globProblem).
 */
export function compileGlobs(globs: readonly string[]): (path: string) => boolean {
  const compiled: PatternPart[][] = [];
  for (const glob of globs) {
    for (const alternative of expandBraces(glob) ?? []) compiled.push(alternative.split('/').map(tokenizePart));
  }
  if (compiled.length === 0) return () => false;
  return (path) => {
    const parts = path.split('/');
    return compiled.some((pattern) => partsMatch(pattern, parts));
  };
}

/** Why `glob` cannot be compiled, or null. */
export function globProblem(glob: string): string | null {
  if (expandBraces(glob) === null) {
    return `“${glob}”: its {…} groups make more than ${MAX_GLOB_ALTERNATIVES} patterns. Split it into several patterns.`;
  }
  return null;
}
