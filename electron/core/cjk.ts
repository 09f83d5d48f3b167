/**
 * Chinese, Japanese and Korean text in the full-text index, as indexed up to schema 11. The index's text is now
 * index-text.ts's indexText, which pairs these runs as cjkIndexText does here (and more scripts besides, after
 * normalising the text). cjkIndexText is that older form, no longer written: the tests of the re-index and the fuzz
 * build indexes in it; the product uses hasCjk and the character class.
 *
 * These scripts do not separate words with spaces, so FTS5's unicode61 tokenizer reads a whole clause
 * ("日本語のテキストです") as ONE token, and a search for any word inside it ("日本語", "テキスト") found nothing.
 * As search engines do for these scripts (Lucene's CJK bigram filter, Elasticsearch's `cjk` analyzer), every run of
 * CJK characters is indexed as its overlapping pairs ("日本 本語 語の …"), and a query's runs become phrases of the
 * same pairs, which match wherever the query's characters stand in a row.
 */

// Han (with its iteration mark 々), Hiragana, Katakana (with the prolonged sound mark ー, which is Script=Common) and
// Hangul: the scripts written without spaces between words, or (Korean) with spaces between words that inflect.
export const CJK_CLASS = '\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}\\p{Script=Hangul}\\u30FC\\u3005';
const CJK_RUN = new RegExp(`[${CJK_CLASS}]+`, 'gu');
const CJK_CHAR = new RegExp(`[${CJK_CLASS}]`, 'u');
/** The unicode61 tokenizer's default token characters: letters, numbers and private-use code points. */
export const TOKEN_CHAR = /[\p{L}\p{N}\p{Co}]/u;
// A plain range test first, so text without any of these scripts (most of it) costs one fast scan: CJK symbols and
// punctuation to Katakana, Han extension A to the unified block, Hangul syllables and jamo, compatibility ideographs,
// half-width Katakana, and the surrogates of the supplementary Han planes.
export const MAYBE_CJK_RANGES =
  '\\u1100-\\u11FF\\u3005\\u3040-\\u30FF\\u3130-\\u318F\\u3400-\\u4DBF\\u4E00-\\u9FFF\\uAC00-\\uD7AF\\uF900-\\uFAFF\\uFF66-\\uFF9F\\uD840-\\uD87F';
const MAYBE_CJK = new RegExp(`[${MAYBE_CJK_RANGES}]`);

export function hasCjk(text: string): boolean {
  return MAYBE_CJK.test(text) && CJK_CHAR.test(text);
}

/**
 * The text as FTS5 was given it up to schema 11 (see the module comment): each CJK run as its overlapping pairs and
 * then its last character alone, set apart by spaces (a run of one stays one). The last character alone is what a
 * search for it finds where it only ends a run ("す" in "です。"): as the first of a pair, which a one-character query
 * looks for, it stands nowhere.
 */
export function cjkIndexText(text: string): string {
  if (!hasCjk(text)) return text;
  return text.replace(CJK_RUN, (run) => ` ${runTokens(run, true)} `);
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
