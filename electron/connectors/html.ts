/** Reduces an HTML file to the plain text that gets indexed, plus its <title>. */
import type * as HtmlToTextModule from 'html-to-text';
import type { HtmlToTextOptions, SelectorDefinition } from 'html-to-text';
import { lazyModule, lazyValue } from './lazy-module.js';

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
