/** Reduces an HTML file to the plain text that gets indexed, plus its <title>. */
import type * as HtmlToTextModule from 'html-to-text';
import type { HtmlToTextOptions, SelectorDefinition } from 'html-to-text';
import { TextDecoder } from 'node:util';
import { lazyModule, lazyValue } from './lazy-module.js';
import { decodeText, foundInvalidUtf8, windows1252Fixup, type DecodedText } from './text-file.js';

const htmlToText = lazyModule<typeof HtmlToTextModule>('html-to-text');

/** What every converter here shares: link text without its URL; no images, scripts or styles; headings as written. */
export const TEXT_SELECTORS: readonly SelectorDefinition[] = [
  { selector: 'a', options: { ignoreHref: true } },
  { selector: 'img', format: 'skip' },
  { selector: 'script', format: 'skip' },
  { selector: 'style', format: 'skip' },
  { selector: 'noscript', format: 'skip' },
  ...['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((selector) => ({ selector, options: { uppercase: false } })),
];

/**
 * A converter compiled with `options` on its first use (html-to-text is loaded then), and reused after: compiling
 * is a large part of converting one small document.
 */
export function lazyHtmlConverter(options: HtmlToTextOptions): () => (html: string) => string {
  return lazyValue(() => htmlToText().compile(options));
}

const toText = lazyHtmlConverter({
  wordwrap: false,
  // Our own size cap applies before this; the library's default truncates at 16 MB and writes to stderr.
  // Formatting recurses per element: a depth cap keeps pathological nesting from overflowing the stack.
  limits: { maxInputLength: 512 * 1024 * 1024, maxDepth: 256 },
  selectors: [...TEXT_SELECTORS, { selector: 'table', format: 'dataTable', options: { uppercaseHeaderCells: false } }],
});
const TITLE = /<title\b[^>]*>([\s\S]*?)<\/title\s*>/i;

export interface HtmlText {
  /** The document's <title>, entity-decoded and whitespace-collapsed; null when missing or empty. */
  title: string | null;
  text: string;
}

export function htmlToPlainText(html: string): HtmlText {
  const match = TITLE.exec(html);
  const title = match ? toText()(`<p>${match[1]}</p>`).replace(/\s+/g, ' ').trim() : '';
  return { title: title === '' ? null : title, text: toText()(html).trim() };
}

/**
 * An HTML file's text: UTF-8 (or what a byte-order mark says) as every text file, and otherwise the charset its
 * `<meta>` declares (`<meta charset="windows-1252">`, `<meta http-equiv="Content-Type" content="…; charset=…">`),
 * looked for in the first 1,024 bytes as browsers do. Pages saved years ago are often Latin-1 or Windows-1252; read as
 * UTF-8, every accented word would be lost to search. A file that is valid UTF-8 is read as UTF-8 whatever its meta
 * says: a stale declaration after a re-save is far likelier than Windows-1252 text that happens to be valid UTF-8.
 */
export function decodeHtmlFile(bytes: Buffer, path: string): DecodedText {
  const decoded = decodeText(bytes, path);
  // A UTF-8 byte-order mark says UTF-8 whatever the meta says.
  if (!foundInvalidUtf8(decoded) || bytes[0] === 0xef) return decoded;
  const decoder = declaredDecoder(bytes.subarray(0, 1024).toString('latin1'));
  if (!decoder) return decoded;
  const text = decoder.decode(bytes);
  return {
    text: decoder.encoding === 'windows-1252' ? windows1252Fixup(text) : text,
    issues: [],
  };
}

const META_CHARSET = /<meta\s[^>]*?charset\s*=\s*["']?\s*([\w:.+-]+)/i;

function declaredDecoder(head: string): TextDecoder | null {
  const label = META_CHARSET.exec(head)?.[1];
  if (!label) return null;
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(label);
  } catch {
    return null; // a charset this runtime does not know
  }
  // The HTML standard reads a meta that declares UTF-16 as UTF-8; declared UTF-8 that is not valid stays W_BAD_UTF8.
  return decoder.encoding.startsWith('utf-') ? null : decoder;
}
