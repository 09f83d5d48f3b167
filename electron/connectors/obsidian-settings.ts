/**
 * Obsidian's own "Excluded files" (Settings → Files and links → Excluded files), honoured by the vault connector: a
 * note the user has excluded in Obsidian is left out of the index too.
 *
 * What Obsidian does, as far as could be checked (no page of Obsidian's own help on it was found; these are public
 * code and issue threads that read the same setting):
 * - The list is stored in the vault as `.obsidian/app.json`, key `userIgnoreFilters`, an array of strings
 *   (e.g. GD4AI/obsidian-llm-wiki#503; Obsidian's folder picker adds a folder as `Folder/`).
 * - An entry that starts and ends with `/` is a regular expression: the text between the slashes goes to
 *   `new RegExp(…)` (no flags, so case-sensitive) and is tested against the file's vault-relative path
 *   (`Projects/Alpha.md`: `/` separators, no leading slash). Any other entry is a plain, case-sensitive prefix of that
 *   path: `Archive` excludes `Archive/…` and also `Archived.md`, `Templates/` only the folder's contents. This is how
 *   plugins that follow the setting by hand match it (`dir.startsWith("/") ? new RegExp(dir.slice(1, -1)) :
 *   path.startsWith(dir)`, and the "Seek" plugin's fallback for `metadataCache.isUserIgnored`, which names both the
 *   folder-prefix and the `/regex/` form). Some tools read the entries as globs instead (Yakitrak/notesmd-cli#106):
 *   that is not Obsidian's rule, and a glob's `*` is taken literally here, as in Obsidian.
 * - Obsidian applies it to search, the graph, the quick switcher and link suggestions; the files stay in the vault.
 *   For an index whose purpose is search, leaving them out is what the setting means.
 *
 * Decisions of this connector:
 * - The file is read at every sync (a first sync's count shares that read), so an edit takes effect at the next
 *   sync, which the change watcher starts within seconds of the edit (it lets this one dot file through for a
 *   vault: core/service.ts `watchOptionsFor`). A missing file or key means no filters. A file that cannot be read
 *   or parsed, or a key of the wrong type, also means no filters, with a warning naming the problem: notes come
 *   back (harmless) rather than garbage excluding anything. Entries that are not strings, or empty, are skipped
 *   with a warning; the others still apply.
 * - Regular expressions come from a file anyone with the vault can write and run on this thread against every path,
 *   so one that could backtrack catastrophically is refused (with a warning) rather than run: see regexProblem.
 * - Paths are compared in NFC (the unit keys): Obsidian shows and stores paths in that form.
 * - The config folder: `.obsidian` unless the vault's owner moved it (Settings → Files and links → Override config
 *   folder, a name starting with a dot: `.obsidian-mobile`, `.config`). Where that choice is kept is not in the vault,
 *   so it is found by what such a folder holds (movedConfigFolder): `.obsidian/app.json` when it exists (the file read
 *   today, so a vault in the default layout costs no more); else the first, by name, of the vault's top-level dot
 *   folders that holds `app.json` beside a file only Obsidian writes there (CONFIG_MARKERS), found by listing the
 *   vault's top level and those folders. A vault whose devices use different folders (the desktop `.obsidian`, a phone
 *   `.obsidian-mobile`) goes by `.obsidian` while it has an app.json. Edits in a moved config folder apply at the
 *   next sync by the interval: the change watcher lets only `.obsidian/app.json` through.
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import type { TreeExcludes } from './folder.js';
import { readTextFile } from './text-file.js';
import { ItemReadError, type ItemIssue, type ItemIssueCode } from './types.js';

/** The code of a problem with the vault's settings file (a warning: it costs no note, only the exclusions). */
export const OBSIDIAN_SETTINGS_ISSUE: ItemIssueCode = 'W_OBSIDIAN_SETTINGS';

/** Obsidian's config folder unless the vault's owner moved it. */
export const DEFAULT_CONFIG_FOLDER = '.obsidian';

/** The settings file that holds the Excluded files, in the config folder. */
const SETTINGS_FILE = 'app.json';

/** Where the setting lives in a vault whose config folder was not moved, relative to the vault. */
export const APP_JSON = join(DEFAULT_CONFIG_FOLDER, SETTINGS_FILE);

/**
 * Files Obsidian keeps in a config folder beside app.json (the workspace of desktop and of mobile, theme, core
 * plugins): one of them with app.json tells the config folder from any other dot folder holding an app.json.
 */
const CONFIG_MARKERS: readonly string[] = [
  'workspace.json',
  'workspace-mobile.json',
  'appearance.json',
  'core-plugins.json',
];

/** Top-level dot folders that are never a moved config folder: Obsidian's bin, version control. */
const NOT_CONFIG_FOLDERS: ReadonlySet<string> = new Set([DEFAULT_CONFIG_FOLDER, '.trash', '.git']);

/** Larger than any settings file Obsidian writes; a bigger one is not read. */
const MAX_SETTINGS_BYTES = 1024 * 1024;

/** Longest regular expression taken (characters between the slashes). */
export const MAX_REGEX_LENGTH = 200;

/** Unbounded quantifiers (`*`, `+`, `{n,}`, or a range wider than WIDE_RANGE) one expression may hold. */
const MAX_UNBOUNDED_QUANTIFIERS = 2;
/** A `{n,m}` whose range is wider than this counts as unbounded. */
const WIDE_RANGE = 16;
/** The product of the ranges of bounded variable quantifiers (`?` is 2, `{1,4}` is 4) one expression may reach. */
const MAX_BOUNDED_PRODUCT = 1024;

export interface UserIgnoreFilters extends TreeExcludes {
  /** Problems with the settings file or its entries, as warnings on the settings file. */
  issues: ItemIssue[];
}

/** No filters: the walk then goes by the spec's rules alone, without a test per file. */
const NO_FILTERS: Omit<UserIgnoreFilters, 'issues'> = { excludesFile: null, excludesDir: null };

/**
 * Reads the app.json of the vault at `root` (in its config folder: the module's notes) and compiles its Excluded
 * files. Never throws but for a cancel.
 */
export async function loadUserIgnoreFilters(root: string, signal?: AbortSignal): Promise<UserIgnoreFilters> {
  let path = join(root, APP_JSON);
  let settings = await readSettings(path, signal);
  if (settings === null) {
    const moved = await movedConfigFolder(root);
    if (moved === null) return { ...NO_FILTERS, issues: [] }; // no settings file: no filters
    path = join(root, moved, SETTINGS_FILE);
    settings = await readSettings(path, signal);
    if (settings === null) return { ...NO_FILTERS, issues: [] }; // removed since the folder was listed
  }
  if (settings.text === null) {
    return { ...NO_FILTERS, issues: [settingsIssue(path, `could not be read (${settings.problem})`)] };
  }
  return compileUserIgnoreFilters(settings.text, path);
}

/** The text of the settings file at `path`, why it could not be read, or null when there is none. */
async function readSettings(
  path: string,
  signal: AbortSignal | undefined,
): Promise<{ text: string; problem: null } | { text: null; problem: string } | null> {
  let problem = 'it kept changing while it was read';
  // Obsidian rewrites app.json whenever a setting changes; a read that meets a write is tried once more.
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      return { text: (await readTextFile(path, { maxBytes: MAX_SETTINGS_BYTES, signal })).text, problem: null };
    } catch (err) {
      if (!(err instanceof ItemReadError)) throw err; // cancelled
      if (err.code === 'E_VANISHED') return null;
      if (err.code === 'W_CHANGED_DURING_READ') continue;
      problem = err.message;
      break;
    }
  }
  return { text: null, problem };
}

/**
 * The first, by name, of the vault's top-level dot folders other than `.obsidian` that holds app.json and one of
 * CONFIG_MARKERS, or null. Asked only of a vault without `.obsidian/app.json`; a folder that cannot be listed is none.
 */
export async function movedConfigFolder(root: string): Promise<string | null> {
  const entries = await fsp.readdir(root, { withFileTypes: true }).catch(() => []);
  const candidates = entries
    .filter((e) => e.isDirectory() && e.name.startsWith('.') && !NOT_CONFIG_FOLDERS.has(e.name))
    .map((e) => e.name)
    .sort();
  for (const name of candidates) {
    const inside = new Set(await fsp.readdir(join(root, name)).catch(() => []));
    if (inside.has(SETTINGS_FILE) && CONFIG_MARKERS.some((marker) => inside.has(marker))) return name;
  }
  return null;
}

/** The filters in the text of an app.json (`path`: where problems are reported). */
export function compileUserIgnoreFilters(text: string, path: string): UserIgnoreFilters {
  // An empty file is what a settings file looks like while Obsidian (or a sync tool) is writing it.
  if (text.trim() === '') return { ...NO_FILTERS, issues: [] };
  let settings: unknown;
  try {
    settings = JSON.parse(text);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    return { ...NO_FILTERS, issues: [settingsIssue(path, `is not valid JSON (${detail})`)] };
  }
  if (settings === null || typeof settings !== 'object' || Array.isArray(settings)) {
    return { ...NO_FILTERS, issues: [settingsIssue(path, 'does not hold an object of settings')] };
  }
  const value: unknown = (settings as Record<string, unknown>).userIgnoreFilters;
  if (value === undefined || value === null) return { ...NO_FILTERS, issues: [] };
  if (!Array.isArray(value)) {
    return {
      ...NO_FILTERS,
      issues: [settingsIssue(path, `has a "userIgnoreFilters" that is not a list (${typeof value})`)],
    };
  }

  const issues: ItemIssue[] = [];
  const prefixes: string[] = [];
  const regexes: RegExp[] = [];
  for (const entry of value) {
    if (typeof entry !== 'string') {
      issues.push(
        settingsIssue(path, `has an Excluded files entry that is not text (${JSON.stringify(entry)})`, 'is skipped'),
      );
      continue;
    }
    if (entry.length >= 2 && entry.startsWith('/') && entry.endsWith('/')) {
      const source = entry.slice(1, -1);
      const problem = regexProblem(source);
      if (problem !== null) {
        issues.push(
          settingsIssue(path, `has an Excluded files pattern ${clip(entry)} that is not used: ${problem}`, null),
        );
        continue;
      }
      regexes.push(new RegExp(source));
      continue;
    }
    // '' would be a prefix of every path: Obsidian's settings never hold one, and it must not empty the index.
    if (entry.trim() === '') {
      issues.push(settingsIssue(path, 'has an empty Excluded files entry', 'is skipped'));
      continue;
    }
    prefixes.push(entry.normalize('NFC'));
  }
  if (prefixes.length === 0 && regexes.length === 0) return { ...NO_FILTERS, issues };
  return {
    excludesFile: (key) => prefixes.some((p) => key.startsWith(p)) || regexes.some((re) => re.test(key)),
    // Every file under a folder starts with `folder/`: a prefix of that excludes them all. A regular expression is
    // only ever tested on files' paths, as Obsidian tests it.
    excludesDir: (key) => {
      const under = `${key}/`;
      return prefixes.some((p) => under.startsWith(p));
    },
    issues,
  };
}

/**
 * Why a regular expression from the settings is not run, or null when it is safe to. JavaScript's engine
 * backtracks: `(a+)+x` takes exponential time on a path of a's, `(a|a)*x` too, and a run of unbounded quantifiers
 * over the same characters a polynomial one (`.*.*.*x` took ~140 ms on a 200-character path). So refused are:
 * backreferences; a quantified group that holds a quantifier or an alternative (`(…)*`, `(…){2,}`); more than
 * MAX_UNBOUNDED_QUANTIFIERS unbounded quantifiers; bounded ones whose ranges multiply past MAX_BOUNDED_PRODUCT; more
 * than MAX_REGEX_LENGTH characters; and what does not compile. What is left backtracks at worst cubically in the
 * path's length (the two quantifiers and the search for a start), a few ms on a 200-character path. Conservative:
 * ordinary filters (`^Daily/\d{4}-\d{2}-\d{2}`, `\.excalidraw\.md$`, `(Archive|Old)/`, `^Projects/.+/drafts/`) pass.
 */
export function regexProblem(source: string): string | null {
  if (source === '') return 'it is empty';
  if (source.length > MAX_REGEX_LENGTH) return `it is longer than ${MAX_REGEX_LENGTH} characters`;
  try {
    new RegExp(source);
  } catch (err) {
    return `it is not a valid regular expression (${err instanceof Error ? err.message : String(err)})`;
  }

  interface Frame {
    quantified: boolean;
    alternation: boolean;
  }
  const stack: Frame[] = [{ quantified: false, alternation: false }];
  let unbounded = 0;
  let boundedProduct = 1;
  /** What the last atom was, for a quantifier that follows it: null when nothing can be quantified. */
  let last: Frame | 'atom' | null = null;

  for (let i = 0; i < source.length;) {
    const c = source[i];
    if (c === '\\') {
      const next = source[i + 1] ?? '';
      if (/[1-9]/.test(next) || (next === 'k' && source[i + 2] === '<')) return 'it uses a backreference';
      i += 2;
      last = 'atom';
      continue;
    }
    if (c === '[') {
      // A class is one atom; in it, quantifier characters are literal. `]` right after `[` or `[^` closes it (JS).
      let j = i + 1;
      if (source[j] === '^') j++;
      while (j < source.length && source[j] !== ']') j += source[j] === '\\' ? 2 : 1;
      i = j + 1;
      last = 'atom';
      continue;
    }
    if (c === '(') {
      stack.push({ quantified: false, alternation: false });
      i++;
      if (source[i] === '?') {
        // (?:  (?=  (?!  (?<=  (?<!  (?<name>
        if (source[i + 1] === '<' && source[i + 2] !== '=' && source[i + 2] !== '!') {
          const close = source.indexOf('>', i);
          i = close < 0 ? source.length : close + 1;
        } else {
          i += source[i + 1] === '<' ? 3 : 2;
        }
      }
      last = null;
      continue;
    }
    if (c === ')') {
      const group = stack.length > 1 ? stack.pop()! : { quantified: false, alternation: false };
      const parent = stack[stack.length - 1];
      parent.quantified ||= group.quantified;
      parent.alternation ||= group.alternation;
      i++;
      last = group;
      continue;
    }
    if (c === '|') {
      stack[stack.length - 1].alternation = true;
      i++;
      last = null;
      continue;
    }
    const quantifier = readQuantifier(source, i);
    if (quantifier !== null) {
      if (last !== null) {
        const range = quantifier.max - quantifier.min;
        if (range > 0) {
          // `( \d+)?` is taken at most once; `(a+)+` or `(a|a)*` can split a run of characters in exponentially many ways.
          if (quantifier.max > 1 && last !== 'atom' && (last.quantified || last.alternation)) {
            return 'it repeats a group that holds a repetition or alternatives (nested quantifiers can take exponential time)';
          }
          if (range > WIDE_RANGE) unbounded++;
          else boundedProduct *= range + 1;
          stack[stack.length - 1].quantified = true;
        }
      }
      i = quantifier.end;
      if (source[i] === '?') i++; // lazy
      last = null;
      continue;
    }
    i++;
    last = 'atom';
  }
  if (unbounded > MAX_UNBOUNDED_QUANTIFIERS) {
    return `it has more than ${MAX_UNBOUNDED_QUANTIFIERS} open-ended repetitions (*, + or {n,}), which can take very long on long paths`;
  }
  if (boundedProduct > MAX_BOUNDED_PRODUCT) return 'it has too many optional or ranged repetitions';
  return null;
}

/** `*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}` at `i` (an invalid brace is a literal, as without the `u` flag). */
function readQuantifier(source: string, i: number): { min: number; max: number; end: number } | null {
  const c = source[i];
  if (c === '*') return { min: 0, max: Infinity, end: i + 1 };
  if (c === '+') return { min: 1, max: Infinity, end: i + 1 };
  if (c === '?') return { min: 0, max: 1, end: i + 1 };
  if (c !== '{') return null;
  const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i));
  if (m === null) return null;
  const min = Number(m[1]);
  const max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
  return { min, max, end: i + m[0].length };
}

function settingsIssue(path: string, problem: string, consequence: string | null = 'are not used'): ItemIssue {
  const what =
    consequence === null
      ? `Obsidian's settings file ${problem}. The other Excluded files entries still apply.`
      : consequence === 'is skipped'
        ? `Obsidian's settings file ${problem}; that entry is skipped.`
        : `Obsidian's settings file ${problem}, so its Excluded files (Settings → Files and links) ${consequence}: ` +
          'notes it excludes are indexed until it is fixed.';
  return { path, code: OBSIDIAN_SETTINGS_ISSUE, message: what, severity: 'warning' };
}

function clip(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}…` : text);
}
