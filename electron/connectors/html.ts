/** Reduces an HTML file to the plain text that gets indexed, plus its <title>. */
import type * as HtmlToTextModule from 'html-to-text';
import type { HtmlToTextOptions } from 'html-to-text';
import { lazyModule, lazyValue } from './lazy-module.js';

const htmlToText = lazyModule<typeof HtmlToTextModule>('html-to-text');

const OPTIONS: HtmlToTextOptions = {
  wordwrap: false,
  // Our own size cap applies before this; the library's default truncates at 16 MB and writes to stderr.
  // Formatting recurses per element: a depth cap keeps pathological nesting from overflowing the stack.
  limits: { maxInputLength: 512 * 1024 * 1024, maxDepth: 256 },
  selectors: [
    { selector: 'a', options: { ignoreHref: true } },
    { selector: 'img', format: 'skip' },
    { selector: 'script', format: 'skip' },
    { selector: 'style', format: 'skip' },
    { selector: 'noscript', format: 'skip' },
    { selector: 'h1', options: { uppercase: false } },
    { selector: 'h2', options: { uppercase: false } },
    { selector: 'h3', options: { uppercase: false } },
    { selector: 'h4', options: { uppercase: false } },
    { selector: 'h5', options: { uppercase: false } },
    { selector: 'h6', options: { uppercase: false } },
    { selector: 'table', format: 'dataTable', options: { uppercaseHeaderCells: false } },
  ],
};

const toText = lazyValue(() => htmlToText().compile(OPTIONS));
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
