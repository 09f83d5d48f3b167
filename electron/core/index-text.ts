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
 * 4. Marks people leave out when they type (schema 13): Greek tonos, dialytika and the polytonic accents and
 *    breathings ("αθηνα" finds "Αθήνα"; the tokenizer folds Latin diacritics only, and final sigma already), ё as е
 *    (Russian writes е for ё all the time), and Arabic harakat and tatweel and Hebrew points and cantillation, which
 *    everyday text leaves out and the tokenizer took for separators ("مَكْتَبَة" was five one-letter words). And the
 *    spellings people type for one another (schema.ts, LETTER_REINDEX_KEY): alef with hamza or madda, and alef wasla,
 *    as alef (أ إ آ ٱ → ا), alef maksura and the Persian yeh as yeh (ى ی → ي), the Persian kaf as kaf (ک → ك), teh
 *    marbuta as heh (ة → ه), and Devanagari nukta left out (क़ → क, ऩ → न), as search engines fold them.
 * 5. Indic scripts (Devanagari to Sinhala) separate words with spaces, but write vowels, virama and anusvara as
 *    combining marks, which split each word for the tokenizer ("नमस्ते" was "नमस" and "त", and "हिन्दी" matched
 *    "हे न दो"): the marks are written as private-use characters of plane 15, as Thai's are, so each word is one
 *    token and its vowels tell it apart; the zero-width joiners inside a word are dropped.
 *
 * None of it changes chunk_text, which keeps the text as written, for snippets and rebuilds. Text that is all ASCII
 * (most of it) costs one scan, as before; other text pays for steps 4 and 5 a range test each. A snippet is cut from
 * the text as written, with the marks that the index keeps inside a word standing in as letters (snippetText), so
 * that FTS5 highlights such a word whole.
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
 * Where step 4 may change text: Greek (most of its words have an accent), ё and the other Cyrillic letters it folds,
 * the Hebrew and Arabic marks, the Arabic letters it folds and the Devanagari nukta. A few ranges, so the scan stays
 * cheap (~3 µs per 1,000 characters of Russian): a class of each character the loop changes took 8 times longer on
 * text that holds none.
 */
const MAYBE_SCRIPT_FOLD =
  // eslint-disable-next-line no-misleading-character-class -- ranges of code points, marks among them on purpose
  /[\u0386-\u03CE\u0400\u0401\u040D\u0450\u0451\u045D\u0591-\u05C7\u0610-\u061A\u0622\u0623\u0625\u0629\u0640\u0649\u064B-\u065F\u0670\u0671\u06A9\u06CC\u06D6-\u06ED\u08D3-\u08FF\u0929\u0931\u0934\u093C\u1F00-\u1FFC]/;
/** The code points below which everything step 4 changes lies. */
const SCRIPT_FOLD_END = 0x2000;
/**
 * What step 4 changes, by code point, to what it becomes (nothing, for the marks). Built from the runtime's Unicode
 * data rather than listed: every Greek letter whose decomposition has an accent, breathing or iota subscript, as its
 * letter; the Arabic and Hebrew nonspacing marks of their blocks, and tatweel (a letter to the tokenizer: "كتـــاب" is
 * "كتاب" stretched). Cyrillic by hand: only ё is written as е so often that the two must meet; й, ї, ґ, ў, є, ѓ and
 * ќ are letters of their alphabets (Russian, Ukrainian, Belarusian, Macedonian) and are searched for as such, while ѐ
 * and ѝ are е and и with a stress accent, written to tell two words apart, not letters of any alphabet. The Arabic
 * letters and the nukta by hand too (LETTER_FOLDS).
 */
const SCRIPT_FOLDS: (string | undefined)[] = new Array<string | undefined>(SCRIPT_FOLD_END).fill(undefined);
/** The Arabic and Hebrew marks step 4 drops: the letters on both sides of them are one word in the index. */
const DROPPED_MARKS = new Uint8Array(SCRIPT_FOLD_END);
/** Which re-index a character that step 4 folds came with (scriptFoldsChange, letterFoldsChange). */
const FOLDED_WITH = new Uint8Array(SCRIPT_FOLD_END);
const MARK_FOLD = 1;
const LETTER_FOLD = 2;
function addFold(cp: number, to: string, kind: number): void {
  SCRIPT_FOLDS[cp] = to;
  FOLDED_WITH[cp] = kind;
}
for (const [from, to] of ['ЁЕ', 'ёе', 'ЀЕ', 'ѐе', 'ЍИ', 'ѝи']) addFold(from.charCodeAt(0), to, MARK_FOLD);
addFold(0x0640, '', MARK_FOLD);
for (const [from, to] of [
  [0x0386, 0x03ce],
  [0x1f00, 0x1ffc],
]) {
  for (let cp = from; cp <= to; cp++) {
    const c = String.fromCharCode(cp);
    if (!/\p{L}/u.test(c)) continue;
    const base = c.normalize('NFD').replace(/[\u0300-\u036F]/g, '');
    if (base !== c && base.length === 1) addFold(cp, base, MARK_FOLD);
  }
}
for (const [from, to] of [
  [0x0591, 0x05c7],
  [0x0610, 0x061a],
  [0x064b, 0x065f],
  [0x0670, 0x0670],
  [0x06d6, 0x06ed],
  [0x08d3, 0x08ff],
]) {
  for (let cp = from; cp <= to; cp++) {
    if (!/\p{Mn}/u.test(String.fromCharCode(cp))) continue;
    addFold(cp, '', MARK_FOLD);
    DROPPED_MARKS[cp] = 1;
  }
}
/**
 * Letters that people write for one another, as the letter they meet in (after NFKC, which composes alef and a
 * combining hamza into أ and splits क़ into क and the nukta): alef with hamza above or below, with madda, and alef
 * wasla; alef maksura and the Persian yeh; the Persian kaf; teh marbuta, which everyday typing and search engines
 * write as heh; and the Devanagari letters with a nukta that NFKC keeps composed (ऩ ऱ ऴ).
 */
const LETTER_FOLDS = ['أا', 'إا', 'آا', 'ٱا', 'ىي', 'یي', 'کك', 'ةه', 'ऩन', 'ऱर', 'ऴळ'];
for (const [from, to] of LETTER_FOLDS) addFold(from.charCodeAt(0), to, LETTER_FOLD);
// The nukta (क़ as क): Hindi writes it for sounds borrowed from Persian and English, and leaves it out as often.
addFold(0x093c, '', LETTER_FOLD);
/**
 * Where the letter folds may change text before NFKC: their letters, combining hamza and madda (which NFKC composes
 * with alef) and the Devanagari letters with a nukta (which it splits); presentation forms are MAYBE_BEFORE_NFKC.
 */
const MAYBE_LETTER_FOLD =
  // eslint-disable-next-line no-misleading-character-class -- ranges of code points, marks among them on purpose
  /[\u0622\u0623\u0625\u0629\u0649\u0653-\u0655\u0671\u06A9\u06CC\u0929\u0931\u0934\u093C\u0958-\u095F]/;

/** Devanagari to Sinhala, Vedic extensions, Devanagari extended: a range test first. */
// eslint-disable-next-line no-misleading-character-class -- ranges of code points, marks among them on purpose
const MAYBE_INDIC = /[\u0900-\u0DFF\u1CD0-\u1CFF\uA8E0-\uA8FF]/;
/** Where step 5 looks: below the end of Devanagari extended. */
const INDIC_END = 0xa900;
/** 1 for a letter or digit of those blocks, 2 for a mark (which the index writes as a private-use character). */
const INDIC = new Uint8Array(INDIC_END);
for (const [from, to] of [
  [0x0900, 0x0dff],
  [0x1cd0, 0x1cff],
  [0xa8e0, 0xa8ff],
]) {
  for (let cp = from; cp <= to; cp++) {
    const c = String.fromCharCode(cp);
    if (/\p{M}/u.test(c)) INDIC[cp] = 2;
    else if (/[\p{L}\p{N}]/u.test(c)) INDIC[cp] = 1;
  }
}
const ZWNJ = 0x200c;
const ZWJ = 0x200d;

/**
 * How the snippet body shows a mark that the index keeps inside its word (snippetText): the Arabic and Hebrew marks
 * step 4 drops, the Indic marks, and the joiners inside an Indic word. To the tokenizer each of them separates words,
 * so FTS5 could highlight only the pieces between them. Shown as a private-use character of the Basic Multilingual
 * Plane instead (a token character, one UTF-16 unit like the mark), the word is one token and the ranges FTS5 marks
 * stay right once the marks are put back (writtenSnippet).
 */
const SHOWN_MARK_BASE = 0xe100;
/** The shown mark (SHOWN_MARK_BASE + n) of each such code point below INDIC_END, 0 for none. */
const SHOWN_MARK_OF = new Uint16Array(INDIC_END);
/** The code point each shown mark stands for. */
const WRITTEN_MARKS: number[] = [];
for (let cp = 0; cp < INDIC_END; cp++) {
  const joined = (cp < SCRIPT_FOLD_END && DROPPED_MARKS[cp] === 1) || INDIC[cp] === 2 || cp === ZWNJ || cp === ZWJ;
  if (!joined) continue;
  SHOWN_MARK_OF[cp] = SHOWN_MARK_BASE + WRITTEN_MARKS.length;
  WRITTEN_MARKS.push(cp);
}
const SHOWN_MARK_END = SHOWN_MARK_BASE + WRITTEN_MARKS.length;
const SHOWN_MARK = new RegExp(`[${String.fromCharCode(SHOWN_MARK_BASE)}-${String.fromCharCode(SHOWN_MARK_END - 1)}]`);
const SHOWN_MARKS = new RegExp(SHOWN_MARK.source, 'g');
/** Where the snippet body may hold a mark to show as a letter: the Arabic and Hebrew marks, Indic text. */
const MAYBE_JOINED_MARK =
  // eslint-disable-next-line no-misleading-character-class -- ranges of code points, marks among them on purpose
  /[\u0591-\u05C7\u0610-\u061A\u064B-\u065F\u0670\u06D6-\u06ED\u08D3-\u08FF\u0900-\u0DFF\u1CD0-\u1CFF\uA8E0-\uA8FF]/;

/**
 * Appended in the snippet body to a piece of a word that the index holds whole (snippetText): a private-use
 * character no query holds (it would be the mark U+0000), so the piece stays one token there and matches nothing.
 */
const PIECE = String.fromCodePoint(MARK_BASE);

/**
 * The symbols that NFKC turns into letters or digits (™ → TM, ㎏ → kg, ㍻ → 平成, ⼈ → 人, 🄰 → A): every character
 * that is no letter, digit, mark or private-use character and whose NFKC form holds one (index-text.test.ts checks
 * the list against the runtime's Unicode data). Before it, a cheap test for their blocks, which leaves out
 * the CJK punctuation and kana that Japanese text is full of.
 */
const MAYBE_COMPAT_SYMBOL = /[\u20A8-\u2FFF\u3190-\u33FF\uFDFC\uD833\uD83C]/;
export const COMPAT_SYMBOLS =
  /[\u20A8\u2100\u2101\u2103\u2105\u2106\u2109\u2116\u2120-\u2122\u213B\u249C-\u24E9\u2E9F\u2EF3\u2F00-\u2FD5\u3196-\u319F\u3200-\u321E\u322A-\u3247\u3250\u3260-\u327E\u328A-\u32B0\u32C0-\u33FF\uFDFC\u{1CCD6}-\u{1CCEF}\u{1F110}-\u{1F12E}\u{1F130}-\u{1F14F}\u{1F16A}-\u{1F16C}\u{1F190}\u{1F200}-\u{1F202}\u{1F210}-\u{1F23B}\u{1F240}-\u{1F248}\u{1F250}\u{1F251}]/gu;
/** Characters whose NFKC form may hold what steps 4 and 5 rewrite: combining accents, Hebrew and Arabic forms. */
const MAYBE_BEFORE_NFKC = /[\u0300-\u036F\uFB1D-\uFDFF\uFE70-\uFEFF]/;
const SHARP_S = /[ßẞ]/;
const SHARP_S_ALL = /[ßẞ]/g;
/** A run of token characters as the tokenizer reads them (letters, digits, private use). */
const TOKEN_RUN = /[\p{L}\p{N}\p{Co}]+/gu;
const TOKEN_ONLY = /^[\p{L}\p{N}\p{Co}]+$/u;
const TOKEN_START = /^[\p{L}\p{N}\p{Co}]/u;
const TOKEN_END = /[\p{L}\p{N}\p{Co}]$/u;

/** Whether `text` holds a character other than ASCII: text without any is indexed as it is. */
export function hasNonAscii(text: string): boolean {
  return NON_ASCII.test(text);
}

/** Whether `text` holds a character that is indexed as pairs (CJK, Thai, Lao, Khmer, Myanmar). */
export function hasPairedScript(text: string): boolean {
  return NON_ASCII.test(text) && MAYBE_PAIRED.test(text) && PAIRED_CHAR.test(text);
}

/**
 * Steps 1, 2 and 4 of the module comment: NFKC, with symbols that turn into letters or digits set apart by spaces,
 * ß/ẞ as "ss", and the marks people leave out (Greek accents, ё, Arabic and Hebrew marks) left out. Each word stays
 * one word, except where Arabic or Hebrew marks split it for the tokenizer. Text that is all ASCII is returned as it is.
 */
export function foldText(text: string): string {
  if (!NON_ASCII.test(text)) return text;
  return foldScripts(foldCompatible(text));
}

/** Steps 1 and 2: the form of schema 12, which indexTextChanged compares with the form before it. */
function foldCompatible(text: string): string {
  // Cheaper than any test for the characters it changes: V8 returns the string itself when it is normalised already.
  let folded = text.normalize('NFKC');
  if (folded !== text && MAYBE_COMPAT_SYMBOL.test(text)) {
    folded = text.replace(COMPAT_SYMBOLS, (symbol) => ` ${symbol} `).normalize('NFKC');
  }
  return SHARP_S.test(folded) ? folded.replace(SHARP_S_ALL, 'ss') : folded;
}

/** Step 4, on text already in NFKC. A loop rather than a replace: a callback per accented letter cost twice as much. */
function foldScripts(text: string): string {
  if (!MAYBE_SCRIPT_FOLD.test(text)) return text;
  let out = '';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x0386 || c >= SCRIPT_FOLD_END) continue;
    const to = SCRIPT_FOLDS[c];
    if (to === undefined) continue;
    out += text.slice(from, i) + to;
    from = i + 1;
  }
  return from === 0 ? text : out + text.slice(from);
}

/** Step 5: Indic marks as private-use characters, joiners between Indic characters dropped. */
function keepIndicMarks(text: string): string {
  if (!MAYBE_INDIC.test(text)) return text;
  let out = '';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x0900 || c >= INDIC_END) continue;
    if (INDIC[c] === 2) {
      out += text.slice(from, i) + String.fromCodePoint(MARK_BASE + c);
      from = i + 1;
    } else if ((c === ZWJ || c === ZWNJ) && i > 0 && INDIC[text.charCodeAt(i - 1)] && joinsIndic(text, i)) {
      out += text.slice(from, i);
      from = i + 1;
    }
  }
  return from === 0 ? text : out + text.slice(from);
}

/** Whether the joiners from `i` on are followed by an Indic character. */
function joinsIndic(text: string, i: number): boolean {
  let j = i;
  while (text.charCodeAt(j) === ZWJ || text.charCodeAt(j) === ZWNJ) j++;
  const next = text.charCodeAt(j);
  return next < INDIC_END && INDIC[next] !== 0;
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
  if (!hasPairedScript(folded)) return keepIndicMarks(folded);
  return keepIndicMarks(folded.replace(PAIRED_RUN, (run) => ` ${runTokens(run, true)} `));
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
  if (!hasPairedScript(folded)) return { text: keepIndicMarks(folded), prefix: false };
  let prefix = false;
  const transformed = folded.replace(PAIRED_RUN, (run: string, offset: number) => {
    const continues = TOKEN_CHAR.test(folded.slice(offset + run.length));
    // Only the last run can end the text; a one-unit run there is then looked for as a prefix, and so is a run of
    // Thai and its neighbours, whose last unit may have more marks in the text than typed ("ไม" finds "ไม่").
    prefix = !continues && (unitsOf(run).length === 1 || !CJK_START.test(run));
    return ` ${runTokens(run, continues)} `;
  });
  return { text: keepIndicMarks(transformed), prefix };
}

/**
 * The runs of paired scripts in `text`, as written: what a snippet highlights, since the pairs the index matched are
 * not tokens of the text shown.
 */
export function pairedRuns(text: string): string[] {
  return hasPairedScript(text) ? (text.match(PAIRED_RUN) ?? []) : [];
}

/** A body for the snippet tables (store.ts, snippetsFor): the text FTS5 cuts and highlights, and what it indexes. */
export interface SnippetText {
  /**
   * The body as written, but for the marks that the index keeps inside a word (the Arabic and Hebrew marks, the
   * Indic ones), shown as private-use letters, so each such word is one token here as it is in the index: FTS5
   * highlights it whole, marks included (writtenSnippet puts them back). The body itself when it has none, or when
   * it holds those private-use characters itself.
   */
  shown: string;
  /**
   * Each word of `shown` folded as indexText folds it, as long as it stays one word, and everything else as it is,
   * so the words keep their places and a search for "strasse" lights up "Straße". Paired runs are left as written:
   * their matches are found in JavaScript.
   */
  indexed: string;
}

/** The snippet tables' text of a body (SnippetText). */
export function snippetText(body: string): SnippetText {
  if (!NON_ASCII.test(body)) return { shown: body, indexed: body };
  const shown = showJoinedMarks(body);
  // Marks left as written split their words: the index holds each whole, so a piece lit up alone would be a match
  // that is not one.
  const pieces = shown === body && MAYBE_JOINED_MARK.test(body);
  const indexed = shown.replace(TOKEN_RUN, (word, offset: number) => {
    if (!NON_ASCII.test(word) || PAIRED_CHAR.test(word)) return word;
    if (pieces && isPiece(body, offset, offset + word.length)) return word + PIECE;
    const written = SHOWN_MARK.test(word) ? writtenSnippet(word) : word;
    const folded = keepIndicMarks(foldText(written));
    // A word that folding empties (marks alone) or splits keeps a token of its own that matches nothing.
    return TOKEN_ONLY.test(folded) ? folded : word;
  });
  return { shown, indexed };
}

/** A snippet cut from `SnippetText.shown`, with its marks as written: the same length, so ranges in it stay right. */
export function writtenSnippet(shown: string): string {
  if (!SHOWN_MARK.test(shown)) return shown;
  return shown.replace(SHOWN_MARKS, (c) => String.fromCharCode(WRITTEN_MARKS[c.charCodeAt(0) - SHOWN_MARK_BASE]));
}

/** SnippetText.shown: the marks the index keeps inside words as private-use letters, and joiners step 5 drops. */
function showJoinedMarks(body: string): string {
  if (!MAYBE_JOINED_MARK.test(body) || SHOWN_MARK.test(body)) return body;
  let out = '';
  let from = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    if (c < 0x0591 || c >= INDIC_END || SHOWN_MARK_OF[c] === 0) continue;
    if ((c === ZWJ || c === ZWNJ) && !(i > 0 && INDIC[body.charCodeAt(i - 1)] && joinsIndic(body, i))) continue;
    out += body.slice(from, i) + String.fromCharCode(SHOWN_MARK_OF[c]);
    from = i + 1;
  }
  return from === 0 ? body : out + body.slice(from);
}

/**
 * Whether the word at [start, end) of `text` is, to the index, part of a longer word: next to an Indic mark (which the
 * index keeps inside the word), or joined to another word through Arabic or Hebrew marks (which it drops).
 */
function isPiece(text: string, start: number, end: number): boolean {
  if (isIndicMark(text.charCodeAt(start - 1)) || isIndicMark(text.charCodeAt(end))) return true;
  let after = end;
  while (isDroppedMark(text.charCodeAt(after))) after++;
  if (after > end && TOKEN_START.test(text.slice(after, after + 2))) return true;
  let before = start;
  while (before > 0 && isDroppedMark(text.charCodeAt(before - 1))) before--;
  return before < start && TOKEN_END.test(text.slice(Math.max(0, before - 2), before));
}

function isIndicMark(c: number): boolean {
  return c < INDIC_END && INDIC[c] === 2;
}

function isDroppedMark(c: number): boolean {
  return c < SCRIPT_FOLD_END && DROPPED_MARKS[c] === 1;
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
  const folded = foldCompatible(text);
  return folded !== text && wordsOf(folded) !== wordsOf(text);
}

/**
 * Whether steps 4 and 5 change how FTS5 reads indexText(text), against the form of schema 12 (step 1 to 3): a chunk
 * indexed before with such text must be indexed again. True for any character they rewrite, also where that changes
 * no word (a mark at the end of an Arabic word), which is rare enough to index again for nothing.
 */
export function scriptFoldsChange(text: string): boolean {
  if (!NON_ASCII.test(text)) return false;
  // Before NFKC too: it composes a combining accent into a letter step 4 folds ("е\u0308", as macOS writes file names,
  // is ё), and turns Arabic and Hebrew presentation forms into letters and marks.
  if (!MAYBE_SCRIPT_FOLD.test(text) && !MAYBE_INDIC.test(text) && !MAYBE_BEFORE_NFKC.test(text)) return false;
  const folded = foldCompatible(text);
  return foldsWith(folded, MARK_FOLD) || keepIndicMarks(folded) !== folded;
}

/**
 * Whether the letter folds of step 4 (alef, yeh, kaf, teh marbuta, nukta) change how FTS5 reads indexText(text),
 * against the form before them: a chunk indexed before with such text must be indexed again (schema.ts,
 * LETTER_REINDEX_KEY).
 */
export function letterFoldsChange(text: string): boolean {
  if (!NON_ASCII.test(text)) return false;
  // Before NFKC too: it composes alef and a combining hamza or madda, splits क़, and turns presentation forms into
  // letters.
  if (!MAYBE_LETTER_FOLD.test(text) && !MAYBE_BEFORE_NFKC.test(text)) return false;
  return foldsWith(foldCompatible(text), LETTER_FOLD);
}

/** Whether `text` (in NFKC) holds a character that step 4 folds since the re-index of `kind` (FOLDED_WITH). */
function foldsWith(text: string, kind: number): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < SCRIPT_FOLD_END && FOLDED_WITH[c] === kind) return true;
  }
  return false;
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
