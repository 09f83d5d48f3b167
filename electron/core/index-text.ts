/**
 * Text as the full-text index holds it, and a query's text in the same form, so that the two meet.
 *
 * FTS5's tokenizer (`porter unicode61 remove_diacritics 2`) folds case and Latin diacritics only. Before it sees any
 * text, three things happen here, to indexed text (title, heading, body, tags) and to what people search for alike:
 *
 * 1. NFKC: compatibility forms become the characters they stand for: full-width Latin letters and digits (common in
 *    Japanese text, "ＡＢＣ１２３"), ligatures ("ﬁle"), superscripts, circled and half-width forms, compatibility
 *    ideographs. A symbol that becomes letters or digits (™ → TM, ㎏ → kg) stays a word of its own, as it was a
 *    separator before: "Apple™" must still be found by "apple".
 * 2. ß and ẞ become "ss", as Unicode's full case folding has it, so "strasse" finds "Straße" and "Straße" finds
 *    "STRASSE". (The other characters that only full case folding changes, such as ŉ or ǰ, are too rare to matter;
 *    the tokenizer already folds final sigma and dotted capital I.)
 * 3. Scripts written without spaces between words: Chinese, Japanese and Korean (cjk.ts), and Thai, Lao, Khmer and
 *    Myanmar, are indexed as overlapping pairs ("日本 本語 語の …"), as search engines do for these scripts. Thai and
 *    its neighbours write vowels and tone marks as combining characters, which the tokenizer takes for separators
 *    ("ง่าย" was the two words "ง" and "าย"): their pairs are of units, a letter with the marks that follow it, and
 *    each mark is written as a private-use character of plane 15 (U+F0000 + its code point), which the tokenizer
 *    keeps inside the word, so "ไม่" (not) and "ไม้" (wood) stay apart.
 *
 * None of it changes chunk_text, which keeps the text as written, for snippets and rebuilds. Text that is all ASCII
 * (most of it) costs one scan, as before.
 */
import { CJK_CLASS, MAYBE_CJK_RANGES, TOKEN_CHAR } from './cjk.js';

export { TOKEN_CHAR };

const NON_ASCII = /[\u0080-\uFFFF]/;
/** Letters and marks of the scripts of Southeast Asia written without spaces between words. */
const SEA_CHAR = '(?:(?=[\\p{L}\\p{M}])[\\p{Script=Thai}\\p{Script=Lao}\\p{Script=Khmer}\\p{Script=Myanmar}])';
/** A run indexed as pairs: CJK characters (as cjk.ts), or letters and marks of those scripts. */
const PAIRED_RUN = new RegExp(`[${CJK_CLASS}]+|${SEA_CHAR}+`, 'gu');
const CJK_START = new RegExp(`^[${CJK_CLASS}]`, 'u');
const PAIRED_CHAR = new RegExp(`[${CJK_CLASS}]|${SEA_CHAR}`, 'u');
const SEA_CHAR_ONE = new RegExp(SEA_CHAR, 'u');
const SEA_RANGES = '\\u0E00-\\u0EFF\\u1000-\\u109F\\u1780-\\u17FF\\u19E0-\\u19FF\\uA9E0-\\uA9FF\\uAA60-\\uAA7F';
const MAYBE_SEA = new RegExp(`[${SEA_RANGES}]`);
// Thai, Lao; Myanmar; Khmer and its symbols; Myanmar extended B and A: a range test first, as cjk.ts does.
const MAYBE_PAIRED = new RegExp(`[${MAYBE_CJK_RANGES}${SEA_RANGES}]`);
/** A unit of a paired run: a character with the combining marks that follow it (or marks with nothing before). */
const UNIT = /\P{M}\p{M}*|\p{M}+/gu;
const MARK = /\p{M}/gu;
const HAS_MARK = /\p{M}/u;
/** Where the marks of paired scripts are written in indexed text: plane 15's private use area (a token character). */
const MARK_BASE = 0xf0000;

/**
 * The symbols that NFKC turns into letters or digits (™ → TM, ㎏ → kg, ㍻ → 平成, ⼈ → 人, 🄰 → A): every character
 * that is no letter, digit, mark or private-use character and whose NFKC form holds one (index-text.test.ts checks
 * the list against the runtime's Unicode data). Before it, a cheap test for their blocks, which leaves out
 * the CJK punctuation and kana that Japanese text is full of.
 */
const MAYBE_COMPAT_SYMBOL = /[\u20A8-\u2FFF\u3190-\u33FF\uFDFC\uD833\uD83C]/;
export const COMPAT_SYMBOLS =
  /[\u20A8\u2100\u2101\u2103\u2105\u2106\u2109\u2116\u2120-\u2122\u213B\u249C-\u24E9\u2E9F\u2EF3\u2F00-\u2FD5\u3196-\u319F\u3200-\u321E\u322A-\u3247\u3250\u3260-\u327E\u328A-\u32B0\u32C0-\u33FF\uFDFC\u{1CCD6}-\u{1CCEF}\u{1F110}-\u{1F12E}\u{1F130}-\u{1F14F}\u{1F16A}-\u{1F16C}\u{1F190}\u{1F200}-\u{1F202}\u{1F210}-\u{1F23B}\u{1F240}-\u{1F248}\u{1F250}\u{1F251}]/gu;
const SHARP_S = /[ßẞ]/;
const SHARP_S_ALL = /[ßẞ]/g;
/** A run of token characters as the tokenizer reads them (letters, digits, private use). */
const TOKEN_RUN = /[\p{L}\p{N}\p{Co}]+/gu;
const TOKEN_ONLY = /^[\p{L}\p{N}\p{Co}]+$/u;

/** Whether `text` holds a character other than ASCII: text without any is indexed as it is. */
export function hasNonAscii(text: string): boolean {
  return NON_ASCII.test(text);
}

/** Whether `text` holds a character that is indexed as pairs (CJK, Thai, Lao, Khmer, Myanmar). */
export function hasPairedScript(text: string): boolean {
  return NON_ASCII.test(text) && MAYBE_PAIRED.test(text) && PAIRED_CHAR.test(text);
}

/**
 * Steps 1 and 2 of the module comment: NFKC, with symbols that turn into letters or digits set apart by spaces, and
 * ß/ẞ as "ss". Text that is all ASCII is returned as it is.
 */
export function foldText(text: string): string {
  if (!NON_ASCII.test(text)) return text;
  // Cheaper than any test for the characters it changes: V8 returns the string itself when it is normalised already.
  let folded = text.normalize('NFKC');
  if (folded !== text && MAYBE_COMPAT_SYMBOL.test(text)) {
    folded = text.replace(COMPAT_SYMBOLS, (symbol) => ` ${symbol} `).normalize('NFKC');
  }
  return SHARP_S.test(folded) ? folded.replace(SHARP_S_ALL, 'ss') : folded;
}

/**
 * The text as FTS5 is given it: folded (foldText), then each run of a paired script as its overlapping pairs and then
 * its last unit alone, set apart by spaces (a run of one stays one). The last unit alone is what a search for it
 * finds where it only ends a run ("す" in "です。"): as the first of a pair, which a one-unit query looks for, it
 * stands nowhere.
 */
export function indexText(text: string): string {
  if (!NON_ASCII.test(text)) return text;
  const folded = foldText(text);
  if (!hasPairedScript(folded)) return folded;
  return folded.replace(PAIRED_RUN, (run) => ` ${runTokens(run, true)} `);
}

/** What a query's text becomes for FTS5 (queryText). */
export interface IndexQuery {
  text: string;
  /**
   * The text ends in a run of one unit, which the index holds as the start of pairs, or in a run of Thai, Lao, Khmer
   * or Myanmar: match it as a prefix.
   */
  prefix: boolean;
}

/**
 * A query's text (a word or a phrase) in the form indexText gives indexed text, so that it matches wherever its
 * characters stand in a row. A run's last unit alone is written only where more of the query follows the run: the
 * text it matches then ends its run there too, while a query that ends in a run may match inside a longer one.
 */
export function queryText(text: string): IndexQuery {
  if (!NON_ASCII.test(text)) return { text, prefix: false };
  const folded = foldText(text);
  if (!hasPairedScript(folded)) return { text: folded, prefix: false };
  let prefix = false;
  const transformed = folded.replace(PAIRED_RUN, (run: string, offset: number) => {
    const continues = TOKEN_CHAR.test(folded.slice(offset + run.length));
    // Only the last run can end the text; a one-unit run there is then looked for as a prefix, and so is a run of
    // Thai and its neighbours, whose last unit may have more marks in the text than typed ("ไม" finds "ไม่").
    prefix = !continues && (unitsOf(run).length === 1 || !CJK_START.test(run));
    return ` ${runTokens(run, continues)} `;
  });
  return { text: transformed, prefix };
}

/**
 * The runs of paired scripts in `text`, as written: what a snippet highlights, since the pairs the index matched are
 * not tokens of the text shown.
 */
export function pairedRuns(text: string): string[] {
  if (!hasPairedScript(text)) return [];
  return text.match(PAIRED_RUN) ?? [];
}

/**
 * A body for the snippet table (store.ts, snippetsFor), which FTS5 highlights by token position in the body as
 * written: each word folded as foldText folds it, as long as it stays one word, and everything else as it is, so
 * the words keep their places and a search for "strasse" lights up "Straße". Paired runs are left as written: their
 * matches are found in JavaScript.
 */
export function snippetIndexText(body: string): string {
  if (!NON_ASCII.test(body)) return body;
  return body.replace(TOKEN_RUN, (word) => {
    if (!NON_ASCII.test(word) || PAIRED_CHAR.test(word)) return word;
    const folded = foldText(word);
    return folded !== word && TOKEN_ONLY.test(folded) ? folded : word;
  });
}

/**
 * Whether FTS5 reads indexText(text) as other words than the form before it (cjk.ts, cjkIndexText): a chunk indexed
 * before with such text must be indexed again. Punctuation that NFKC changes (full-width commas) changes no word.
 */
export function indexTextChanged(text: string): boolean {
  if (!NON_ASCII.test(text)) return false;
  // Thai and its neighbours were not paired before (a run of one letter without marks, indexed the same, is too rare
  // to tell apart). Otherwise the pairs of CJK runs, which consist of words' letters, change only with the words.
  if (hasSeaScript(text)) return true;
  const folded = foldText(text);
  return folded !== text && wordsOf(folded) !== wordsOf(text);
}

function hasSeaScript(text: string): boolean {
  return MAYBE_SEA.test(text) && SEA_CHAR_ONE.test(text);
}

function wordsOf(text: string): string {
  return (text.match(TOKEN_RUN) ?? []).join(' ');
}

/**
 * A run's units as indexed: code points (supplementary Han characters are two UTF-16 units), each with the combining
 * marks after it, written as private-use characters, which the tokenizer keeps in the word.
 */
function unitsOf(run: string): string[] {
  if (!HAS_MARK.test(run)) return Array.from(run);
  return (run.match(UNIT) ?? []).map((unit) =>
    unit.replace(MARK, (mark) => String.fromCodePoint(MARK_BASE + mark.codePointAt(0)!)),
  );
}

/** A run's overlapping pairs of units, then (`withLast`) its last unit alone; a run of one is itself. */
function runTokens(run: string, withLast: boolean): string {
  const units = unitsOf(run);
  if (units.length === 1) return units[0];
  const out: string[] = [];
  for (let i = 0; i + 1 < units.length; i++) out.push(units[i] + units[i + 1]);
  if (withLast) out.push(units[units.length - 1]);
  return out.join(' ');
}
