/**
 * Chinese, Japanese and Korean text in the full-text index.
 *
 * These scripts do not separate words with spaces, so FTS5's unicode61 tokenizer reads a whole clause
 * ("日本語のテキストです") as ONE token, and a search for any word inside it ("日本語", "テキスト") found nothing.
 * As search engines do for these scripts (Lucene's CJK bigram filter, Elasticsearch's `cjk` analyzer), every run of
 * CJK characters is indexed as its overlapping pairs ("日本 本語 語の …"), and a query's runs become phrases of the
 * same pairs, which match wherever the query's characters stand in a row. The transform is applied to the text handed
 * to FTS5 only: chunk_text keeps the text as written, for snippets and rebuilds.
 */

// Han (with its iteration mark 々), Hiragana, Katakana (with the prolonged sound mark ー, which is Script=Common) and
// Hangul: the scripts written without spaces between words, or (Korean) with spaces between words that inflect.
const CJK_CLASS = '\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}\\p{Script=Hangul}\\u30FC\\u3005';
const CJK_RUN = new RegExp(`[${CJK_CLASS}]+`, 'gu');
const CJK_CHAR = new RegExp(`[${CJK_CLASS}]`, 'u');
/** The unicode61 tokenizer's default token characters: letters, numbers and private-use code points. */
export const TOKEN_CHAR = /[\p{L}\p{N}\p{Co}]/u;
// A plain range test first, so text without any of these scripts (most of it) costs one fast scan: CJK symbols and
// punctuation to Katakana, Han extension A to the unified block, Hangul syllables and jamo, compatibility ideographs,
// half-width Katakana, and the surrogates of the supplementary Han planes.
const MAYBE_CJK =
  /[\u1100-\u11FF\u3005\u3040-\u30FF\u3130-\u318F\u3400-\u4DBF\u4E00-\u9FFF\uAC00-\uD7AF\uF900-\uFAFF\uFF66-\uFF9F\uD840-\uD87F]/;

export function hasCjk(text: string): boolean {
  return MAYBE_CJK.test(text) && CJK_CHAR.test(text);
}

/**
 * The text as FTS5 is given it: each CJK run as its overlapping pairs and then its last character alone, set apart by
 * spaces (a run of one stays one). The last character alone is what a search for it finds where it only ends a run
 * ("す" in "です。"): as the first of a pair, which a one-character query looks for, it stands nowhere.
 */
export function cjkIndexText(text: string): string {
  if (!hasCjk(text)) return text;
  return text.replace(CJK_RUN, (run) => ` ${runTokens(run, true)} `);
}

/** What a query's text becomes for FTS5 (cjkQueryText). */
export interface CjkQuery {
  text: string;
  /** The text ends in a run of one character, which the index holds as the start of pairs: match it as a prefix. */
  prefix: boolean;
}

/**
 * A query's text (a word or a phrase) in the form cjkIndexText gives indexed text, so that it matches wherever its
 * characters stand in a row. A run's last character alone is written only where more of the query follows the run:
 * the text it matches then ends its run there too, while a query that ends in a run may match inside a longer one.
 */
export function cjkQueryText(text: string): CjkQuery {
  if (!hasCjk(text)) return { text, prefix: false };
  let prefix = false;
  const transformed = text.replace(CJK_RUN, (run: string, offset: number) => {
    const continues = TOKEN_CHAR.test(text.slice(offset + run.length));
    // Only the last run can end the text; a one-character run there is then looked for as a prefix.
    prefix = !continues && Array.from(run).length === 1;
    return ` ${runTokens(run, continues)} `;
  });
  return { text: transformed, prefix };
}

/**
 * The runs of CJK characters in `text`, as written: what a snippet highlights, since the pairs the index matched are
 * not tokens of the text shown.
 */
export function cjkRuns(text: string): string[] {
  if (!hasCjk(text)) return [];
  return text.match(CJK_RUN) ?? [];
}

/** A run's overlapping pairs, then (`withLast`) its last character alone; a run of one is itself. */
function runTokens(run: string, withLast: boolean): string {
  const chars = Array.from(run); // code points: supplementary Han characters are two UTF-16 units
  if (chars.length === 1) return run;
  const out: string[] = [];
  for (let i = 0; i + 1 < chars.length; i++) out.push(chars[i] + chars[i + 1]);
  if (withLast) out.push(chars[chars.length - 1]);
  return out.join(' ');
}
