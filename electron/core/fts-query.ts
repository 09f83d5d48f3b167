/**
 * Turns whatever a person types into the search box into an FTS5 MATCH expression that cannot fail.
 *
 * Upstream passed user text straight to MATCH, so `2020-10-27`, `foo"bar` or `NEAR(` raised a syntax error and
 * the search returned nothing. Here every term becomes a quoted FTS5 string, so FTS5 operators, column filters
 * and punctuation lose their meaning and are handled by the tokenizer like any other separator.
 */
import { TOKEN_CHAR, queryText } from './index-text.js';

/** Beyond this many terms a query stops narrowing anything and only costs time (a pasted page of text). */
const MAX_TERMS = 32;
/** A single "word" longer than this is not a word someone searches for; cut it rather than build a huge phrase. */
const MAX_TERM_CHARS = 200;
/** Only this much of the input is looked at; the term cap is reached long before in any real query. */
const MAX_INPUT_CHARS = 8_192;
/** A prefix query on one character would expand to a large share of the vocabulary. */
const MIN_PREFIX_TOKEN_CHARS = 2;

// NUL and other controls would end the string early on the C side or confuse the FTS5 parser.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/g;
const WHITESPACE = /\s+/u;

/** A term without a token character tokenizes to nothing, so it is dropped instead of becoming an empty phrase. */
function hasTokenChar(text: string): boolean {
  return TOKEN_CHAR.test(text);
}

/** Length in code points of the last token of `term`: the one FTS5 applies a trailing `*` to. */
function lastTokenLength(term: string): number {
  const codePoints = Array.from(term);
  let i = codePoints.length - 1;
  while (i >= 0 && !TOKEN_CHAR.test(codePoints[i])) i--;
  let length = 0;
  while (i >= 0 && TOKEN_CHAR.test(codePoints[i])) {
    length++;
    i--;
  }
  return length;
}

function quote(text: string): string {
  return `"${text.replaceAll('"', '""')}"`;
}

function clip(text: string): string {
  if (text.length <= MAX_TERM_CHARS) return text;
  // Never cut a surrogate pair in half: a lone surrogate would be re-encoded as U+FFFD.
  const end = /[\uD800-\uDBFF]/.test(text[MAX_TERM_CHARS - 1] ?? '') ? MAX_TERM_CHARS - 1 : MAX_TERM_CHARS;
  return text.slice(0, end);
}

/**
 * Converts free text into a safe FTS5 query, or null when nothing searchable remains.
 * The terms of `toFtsTerms`, ANDed.
 */
export function toFtsQuery(text: string): string | null {
  const terms = toFtsTerms(text);
  return terms.length > 0 ? terms.join(' ') : null;
}

/**
 * Splits free text into safe FTS5 terms (each a quoted string, optionally followed by `*`); [] when nothing
 * searchable remains. Every word is a term here, `OR`, `AND` and `-word` included (parseSearchQuery reads those).
 *
 * Guarantees: never throws, and the result never makes SQLite raise a syntax error. Each whitespace-separated
 * word becomes a quoted string (so punctuation inside it only separates tokens: `2020-10-27` matches the three
 * numbers in sequence); `"quoted phrases"` stay phrases; a word ending in `*` whose last token has at least two
 * letters or digits becomes a prefix query. An unmatched `"` is ignored. At most 32 terms are kept. Each term is in
 * the form text is indexed in (index-text.ts): normalised (NFKC, ß as "ss"), and runs of Chinese, Japanese, Korean,
 * Thai, Lao, Khmer or Myanmar characters as phrases of their character pairs.
 */
export function toFtsTerms(text: string): string[] {
  return readWords(text).map((w) => w.term);
}

/** A query as a person means it: what every result has, and what none may have. */
export interface SearchQuery {
  /** Each a safe FTS5 expression every result matches: a quoted term or prefix, or `(a OR b …)` of them. */
  terms: string[];
  /** Safe FTS5 terms no result has anywhere (words typed as `-word`). */
  excluded: string[];
}

/**
 * The few operators people type into any search box, read as they mean them; everything else as toFtsTerms:
 * `OR` (upper case, between two words or phrases) matches either, `AND` (upper case) is what words do anyway,
 * and `-word` or `-"a phrase"` leaves out what has it. Lower-case "or" and "and", an `OR` with nothing on one
 * side, a lone `-` and a hyphen inside a word (`e-mail`) are plain text. A query of exclusions only leaves
 * nothing to search for, so it finds nothing.
 */
export function parseSearchQuery(text: string, widenPrefix?: PrefixWidener): SearchQuery {
  const groups: string[][] = [];
  const excluded: string[] = [];
  let orPending = false;
  let lastWasTerm = false;
  for (const word of readWords(text, true, widenPrefix)) {
    if (word.operator === 'AND') continue;
    if (word.operator === 'OR') {
      orPending = lastWasTerm;
      continue;
    }
    if (word.negated) {
      excluded.push(word.term);
      orPending = lastWasTerm = false;
      continue;
    }
    if (orPending) groups[groups.length - 1].push(word.term);
    else groups.push([word.term]);
    orPending = false;
    lastWasTerm = true;
  }
  if (groups.length === 0) {
    // Only operators (`AND`, `OR AND`): then they are the words looked for, not nothing.
    if (excluded.length === 0) return { terms: readWords(text, false, widenPrefix).map((w) => w.term), excluded: [] };
    return { terms: [], excluded: [] };
  }
  return { terms: groups.map((g) => (g.length === 1 ? g[0] : `(${g.join(' OR ')})`)), excluded };
}

/**
 * Words (as typed, each one token) whose stems a prefix query should match too, besides the terms that begin with
 * the prefix; see prefixCompletions. The store answers it: only the index's tokenizer knows the stems.
 */
export type PrefixWidener = (prefix: string) => string[];

/**
 * Endings the Porter stemmer takes off English words, spelled as typed. The index holds stems, and a prefix is
 * matched against them: "meetin*" found nothing, as "meeting" is indexed as "meet"; "organiz*" missed
 * "organization" ("organ"). A word the prefix may be the start of ends in one of these, and its stem is what the
 * prefix must also find.
 */
// prettier-ignore
const STEMMED_ENDINGS = [
  'ing', 'ings', 'ed', 'er', 'ers', 'es', 'ies', 'ied', 'ion', 'ions', 'ional', 'ation', 'ations', 'ational',
  'ization', 'izations', 'ize', 'izes', 'ized', 'izing', 'ness', 'iness', 'ment', 'ments', 'ement', 'ence', 'ences',
  'ance', 'ances', 'ency', 'ancy', 'able', 'ible', 'ful', 'fully', 'ous', 'ously', 'ive', 'ively', 'iveness',
  'ity', 'ities', 'ical', 'ically', 'ism', 'ate', 'ated', 'ates', 'ating', 'ator', 'al', 'ally', 'ly', 'ily',
  'ent', 'ant',
];

/** A prefix widened by its completions: one ASCII word, long enough that its completions say something. */
const WIDENED_PREFIX = /^[a-z]{4,}$/;

/**
 * Words a prefix may be the start of, for their stems: the prefix followed by each ending, or by its rest when the
 * prefix already ends inside it ("meetin" + "g", "organiz" + "ation"). Each keeps at least 3 letters before the
 * ending. Empty for a prefix that is not one plain ASCII word of 4 letters or more.
 */
export function prefixCompletions(prefix: string): string[] {
  const p = prefix.toLowerCase();
  if (!WIDENED_PREFIX.test(p)) return [];
  const words = new Set<string>();
  for (const ending of STEMMED_ENDINGS) {
    for (let typed = 0; typed < ending.length && p.length - typed >= 3; typed++) {
      if (p.endsWith(ending.slice(0, typed))) words.add(p + ending.slice(typed));
    }
  }
  return [...words];
}

interface QueryWord {
  term: string;
  /** Typed with a leading `-` (only when operators are read). */
  negated?: boolean;
  /** A bare upper-case AND or OR outside quotes (only when operators are read). */
  operator?: 'AND' | 'OR';
}

function readWords(text: string, operators = false, widenPrefix?: PrefixWidener): QueryWord[] {
  if (typeof text !== 'string' || text.length === 0) return [];
  const input = (text.length > MAX_INPUT_CHARS ? text.slice(0, MAX_INPUT_CHARS) : text).replace(CONTROL_CHARS, ' ');

  // Splitting on `"` alternates between text outside quotes (even parts) and phrases (odd parts). With an odd
  // number of quotes the last part has no closing quote and is read as plain words.
  const parts = input.split('"');
  const unclosedPhrase = parts.length % 2 === 0;
  const words: QueryWord[] = [];
  let negateNextPhrase = false;

  for (let i = 0; i < parts.length && words.length < MAX_TERMS; i++) {
    const part = parts[i];
    const isPhrase = i % 2 === 1 && !(unclosedPhrase && i === parts.length - 1);
    if (isPhrase) {
      const indexed = queryText(clip(part.trim()));
      const negated = negateNextPhrase;
      negateNextPhrase = false;
      if (!hasTokenChar(indexed.text)) continue;
      words.push({ term: indexed.prefix ? `${quote(indexed.text)}*` : quote(indexed.text), negated });
      continue;
    }
    // `-"a phrase"`: the part before the quote ends with a `-` of its own.
    negateNextPhrase = operators && /(^|\s)-$/u.test(part);
    for (const raw of part.split(WHITESPACE)) {
      if (words.length >= MAX_TERMS) break;
      if (raw.length === 0) continue;
      if (operators && (raw === 'AND' || raw === 'OR')) {
        words.push({ term: quote(raw), operator: raw });
        continue;
      }
      const negated = operators && raw.length > 1 && raw.startsWith('-');
      const word = negated ? raw.slice(1) : raw;
      let end = word.length;
      while (end > 0 && word.charCodeAt(end - 1) === 42 /* * */) end--;
      const indexed = queryText(clip(word.slice(0, end)));
      if (!hasTokenChar(indexed.text)) continue;
      const isPrefix = (end < word.length && lastTokenLength(indexed.text) >= MIN_PREFIX_TOKEN_CHARS) || indexed.prefix;
      const widened = isPrefix && !indexed.prefix && widenPrefix ? widenPrefix(indexed.text) : [];
      const term = isPrefix ? `${quote(indexed.text)}*` : quote(indexed.text);
      words.push({ term: widened.length > 0 ? `(${[term, ...widened.map(quote)].join(' OR ')})` : term, negated });
    }
  }
  return words;
}
