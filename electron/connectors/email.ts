/**
 * One RFC 5322 / MIME message → one SourceDocument. Shared by the mbox and Maildir connectors.
 *
 * Parsing uses mailparser's streaming MailParser rather than simpleParser: simpleParser buffers every attachment
 * (and inlines cid: images into the HTML as data: URLs), which for a mailbox of 200k messages is pure waste. Here
 * attachments are drained as they stream by; only small text attachments are kept, and only as text.
 */
import { createHash } from 'node:crypto';
import type {
  AddressObject,
  AttachmentStream,
  EmailAddress,
  HeaderLines,
  Headers,
  MessageText,
  StructuredHeader,
} from 'mailparser';
import type * as MailparserModule from 'mailparser';
import { TEXT_SELECTORS, lazyHtmlConverter } from './html.js';
import { lazyModule, lazyModuleInSteps, type Dependency } from './lazy-module.js';
import type { SourceDocument } from './types.js';

/**
 * The mail parser's heaviest dependencies, loaded a turn each before it (lazyModuleInSteps). Timed in plain Node:
 * iconv-lite ~35 ms, encoding-japanese ~14, libmime ~44 after them (its charset tables), htmlparser2 ~28,
 * html-to-text ~11 after it, he ~10, then mailparser ~34: the longest task ~45 ms instead of one of 120–150 ms.
 * libmime has its own iconv-lite (another version than the one at the top of node_modules), hence the chains.
 * `test/unit/connectors/lazy-module.test.ts` checks that mailparser loads each of them itself, so an upgrade that
 * drops or moves one shows up there.
 */
export const MAIL_PARSER_DEPENDENCIES: readonly Dependency[] = [
  ['libmime', 'iconv-lite'],
  ['libmime', 'encoding-japanese'],
  'libmime',
  ['html-to-text', 'htmlparser2'],
  'html-to-text',
  'he',
];

const mailparser = lazyModuleInSteps<typeof MailparserModule>('mailparser', MAIL_PARSER_DEPENDENCIES);
// Both are loaded by the time a message is parsed (they are among the mail parser's dependencies above).
const libmime = lazyModule<{ decodeWords(text: string): string }>('libmime');
const he = lazyModule<{ decode(html: string): string }>('he');

/** Text attachments larger than this are listed but not indexed. */
export const DEFAULT_MAX_ATTACHMENT_TEXT_BYTES = 1024 * 1024;
/** All indexed attachment text of one message together stays under this. */
const MAX_TOTAL_ATTACHMENT_TEXT_BYTES = 4 * 1024 * 1024;
/**
 * Past these, HTML goes through a linear tag stripper instead of html-to-text. The converter runs synchronously on
 * the main thread at roughly a millisecond per KB of table-heavy newsletter HTML, and its parser is quadratic in
 * nesting depth; for a search index the stripper's text is nearly as good.
 */
const MAX_HTML_FOR_CONVERTER = 256 * 1024;
const MAX_TAGS_FOR_CONVERTER = 4_000;

const TEXT_ATTACHMENT_EXTENSIONS = new Set([
  'txt',
  'text',
  'md',
  'markdown',
  'csv',
  'tsv',
  'ics',
  'vcs',
  'vcf',
  'log',
  'json',
  'xml',
  'yaml',
  'yml',
  'rst',
  'org',
]);

/**
 * Headers left out of the fallback identity hash: mail programs rewrite them in place (Thunderbird's
 * X-Mozilla-Status on every read/unread, mutt's Status/X-Status, Content-Length/Lines added by mbox writers), so
 * including them would give the same message a new identity each time it is read or the folder is compacted.
 */
const VOLATILE_HEADERS = new Set([
  'x-mozilla-status',
  'x-mozilla-status2',
  'x-mozilla-keys',
  'status',
  'x-status',
  'x-keywords',
  'x-uid',
  'x-imap',
  'x-imapbase',
  'content-length',
  'lines',
]);

export interface EmailContext {
  /** The file the message lives in (the mbox, or the Maildir message file): SourceDocument.path. */
  path: string;
  /** Human folder name ("Inbox", "Archive/2023"). */
  folder: string;
  /** Message flags in Maildir vocabulary (Seen, Replied, Flagged, Trashed, Draft, Passed). */
  flags?: string[];
  /** Used when the message has no usable Date header (e.g. the mbox From_ line's date). */
  fallbackTimestamp?: number | null;
  maxAttachmentTextBytes?: number;
}

/** The message could not be parsed at all. */
export class EmailParseError extends Error {
  readonly code = 'E_PARSE' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EmailParseError';
  }
}

interface TextAttachment {
  name: string;
  text: string;
}

interface Parsed {
  headers: Headers;
  headerLines: HeaderLines;
  text: MessageText | null;
  attachments: string[];
  texts: TextAttachment[];
}

export async function parseEmail(raw: Buffer, ctx: EmailContext): Promise<SourceDocument> {
  if (!mailparser.loaded) await mailparser.ready();
  let parsed: Parsed;
  try {
    parsed = await runParser(raw, ctx.maxAttachmentTextBytes ?? DEFAULT_MAX_ATTACHMENT_TEXT_BYTES);
  } catch (err) {
    throw new EmailParseError(`The message could not be parsed: ${errorMessage(err)}`, { cause: err });
  }
  const { headers, headerLines } = parsed;
  // mailparser accepts anything; a "message" without a single header field is garbage (a torn write, binary data).
  if (!headerLines.some((l) => l.key !== '' && /^[!-9;-~]+:/.test(l.line))) {
    throw new EmailParseError('The message has no header fields; it is not an e-mail message.');
  }

  const messageId = firstMessageId(stringHeader(headers, 'message-id'));
  const id = messageId ?? `sha256:${headerHash(raw)}`;
  const references = listHeader(headers, 'references').flatMap(bracketedIds);
  const inReplyTo = firstMessageId(stringHeader(headers, 'in-reply-to'));
  const threadId = references[0] ?? inReplyTo ?? id;

  const subject = (stringHeader(headers, 'subject') ?? '').replace(/\s+/g, ' ').trim();
  const from = addresses(headers.get('from'));
  const participants = dedupe([...addresses(headers.get('to')), ...addresses(headers.get('cc'))].map(formatAddress));

  let body = (parsed.text?.text ?? '').trim();
  if (body === '' && parsed.text?.html) body = htmlToPlain(parsed.text.html);
  const parts = [body];
  for (const t of parsed.texts) parts.push(`Attachment: ${t.name}\n${t.text.trim()}`);
  const content = parts.filter((p) => p !== '').join('\n\n');

  const metadata: Record<string, unknown> = {
    folder: ctx.folder,
    flags: ctx.flags ?? [],
    attachments: parsed.attachments,
    messageId: messageId ?? null,
  };
  const labels = stringHeader(headers, 'x-gmail-labels');
  if (labels) metadata.labels = splitLabels(labels);
  const gmThread = stringHeader(headers, 'x-gm-thrid');
  if (gmThread) metadata.gmThreadId = gmThread.trim();

  const doc: SourceDocument = {
    id,
    title: subject === '' ? '(no subject)' : subject,
    content,
    docType: 'email',
    path: ctx.path,
    author: from[0] ? formatAddress(from[0]) : null,
    participants,
    timestamp: dateOf(headerLines) ?? ctx.fallbackTimestamp ?? null,
    threadId,
    metadata,
  };
  if (Array.isArray(metadata.labels) && metadata.labels.length > 0) doc.tags = metadata.labels as string[];
  return doc;
}

function runParser(raw: Buffer, maxAttachmentText: number): Promise<Parsed> {
  return new Promise<Parsed>((resolve, reject) => {
    const parser = new (mailparser.get().MailParser)({
      // HTML is reduced to text here, only when there is no plain text part, and with our own limits.
      skipHtmlToText: true,
      skipTextToHtml: true,
      skipTextLinks: true,
      skipImageLinks: true,
      checksumAlgo: false,
    });
    const result: Parsed = { headers: new Map(), headerLines: [], text: null, attachments: [], texts: [] };
    let textBudget = MAX_TOTAL_ATTACHMENT_TEXT_BYTES;
    let settled = false;
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      parser.destroy();
      reject(err instanceof Error ? err : new Error(String(err)));
    };
    parser.on('headers', (h: Headers) => {
      result.headers = h;
    });
    parser.on('headerLines', (l: HeaderLines) => {
      result.headerLines = l;
    });
    parser.on('error', fail);
    parser.on('data', (d: AttachmentStream | MessageText) => {
      if (d.type === 'text') {
        result.text = d;
        return;
      }
      const name = attachmentName(d);
      if (name !== null) result.attachments.push(name);
      const keep = name !== null && isTextAttachment(d, name);
      const limit = Math.min(maxAttachmentText, textBudget);
      const chunks: Buffer[] = [];
      let size = 0;
      let tooBig = false;
      d.content.on('data', (chunk: Buffer) => {
        if (!keep || tooBig) return;
        size += chunk.length;
        if (size > limit) {
          tooBig = true;
          chunks.length = 0;
        } else chunks.push(chunk);
      });
      d.content.on('error', fail);
      d.content.on('end', () => {
        if (keep && !tooBig && name !== null) {
          const text = decodeAttachment(Buffer.concat(chunks), d);
          if (text !== null) {
            textBudget -= size;
            result.texts.push({ name, text });
          }
        }
        d.release?.();
      });
    });
    parser.on('end', () => {
      if (settled) return;
      settled = true;
      resolve(result);
    });
    parser.end(raw);
  });
}

function attachmentName(a: AttachmentStream): string | null {
  // Embedded images of an HTML body (cid: parts of multipart/related) are layout, not attachments.
  if (a.related) return null;
  if (a.filename) return a.filename;
  if (a.contentDisposition === 'attachment' || a.contentType === 'message/rfc822') return `(unnamed ${a.contentType})`;
  return null;
}

function isTextAttachment(a: AttachmentStream, name: string): boolean {
  const type = a.contentType.toLowerCase();
  if (type.startsWith('text/')) return true;
  const ext = /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase();
  if (ext === undefined || !TEXT_ATTACHMENT_EXTENSIONS.has(ext)) return false;
  return (
    type === 'application/octet-stream' ||
    type === 'application/json' ||
    type === 'application/xml' ||
    type.endsWith('+xml')
  );
}

function decodeAttachment(bytes: Buffer, a: AttachmentStream): string | null {
  if (bytes.indexOf(0) >= 0) return null; // binary, whatever its name says
  // For content-type, mailparser's header value is a StructuredHeader ({ value, params }).
  const ct = a.headers.get('content-type') as Partial<StructuredHeader> | undefined;
  const charset = typeof ct?.params?.charset === 'string' ? ct.params.charset : undefined;
  let text: string;
  try {
    text = new TextDecoder(charset ?? 'utf-8').decode(bytes);
  } catch {
    text = new TextDecoder('utf-8').decode(bytes);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (a.contentType.toLowerCase() === 'text/html') text = htmlToPlain(text);
  return text;
}

/**
 * Mail HTML uses tables for layout, so tables are plain blocks here (not html-to-text's data tables), and headings
 * keep their case. Compiled once: building the converter per message is a large part of its cost.
 */
const convertHtml = lazyHtmlConverter({
  wordwrap: false,
  limits: { maxDepth: 256 },
  selectors: [
    ...TEXT_SELECTORS,
    { selector: 'table', format: 'block' },
    ...['tr', 'td', 'th'].map((selector) => ({
      selector,
      format: 'block',
      options: { leadingLineBreaks: 1, trailingLineBreaks: 1 },
    })),
  ],
});

export function htmlToPlain(html: string): string {
  if (html.length > MAX_HTML_FOR_CONVERTER || countTags(html) > MAX_TAGS_FOR_CONVERTER) return stripTags(html);
  try {
    return convertHtml()(html).trim();
  } catch {
    return stripTags(html);
  }
}

function countTags(html: string): number {
  let n = 0;
  for (let i = html.indexOf('<'); i >= 0; i = html.indexOf('<', i + 1)) n++;
  return n;
}

const BLOCK_TAGS = new Set(['br', 'p', 'div', 'tr', 'li', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'table', 'blockquote']);
const SKIPPED_CONTENT_TAGS = new Set(['style', 'script', 'head']);

/**
 * Fallback for HTML too large or too deep for the converter. A single forward scan (no backtracking regexes: this
 * path exists for hostile input) that drops tags, comments and style/script contents and keeps line structure.
 */
function stripTags(html: string): string {
  const lower = html.toLowerCase();
  const out: string[] = [];
  const n = html.length;
  let i = 0;
  while (i < n) {
    const lt = html.indexOf('<', i);
    if (lt < 0) {
      out.push(html.slice(i));
      break;
    }
    out.push(html.slice(i, lt));
    if (html.startsWith('<!--', lt)) {
      const end = html.indexOf('-->', lt + 4);
      i = end < 0 ? n : end + 3;
      out.push(' ');
      continue;
    }
    const gt = html.indexOf('>', lt + 1);
    if (gt < 0) break;
    const name = /^<\/?([a-z][a-z0-9]*)/.exec(lower.slice(lt, Math.min(gt + 1, lt + 16)))?.[1] ?? '';
    i = gt + 1;
    if (SKIPPED_CONTENT_TAGS.has(name) && lower[lt + 1] !== '/') {
      const close = lower.indexOf(`</${name}`, i);
      const closeEnd = close < 0 ? -1 : html.indexOf('>', close);
      i = closeEnd < 0 ? n : closeEnd + 1;
    }
    out.push(BLOCK_TAGS.has(name) ? '\n' : ' ');
  }
  return he()
    .decode(out.join(''))
    .replace(/[ \t\u00a0]+/g, ' ')
    .replace(/ ?\n[ \n]*/g, '\n')
    .trim();
}

function stringHeader(headers: Headers, key: string): string | null {
  const v = headers.get(key);
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && typeof v[0] === 'string') return v[0];
  return null;
}

function listHeader(headers: Headers, key: string): string[] {
  const v = headers.get(key);
  return typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/**
 * The message ids in a header value, without their angle brackets, in order. Mailers add comments (`<a@x> (a@x's
 * message of …)`) and several ids to In-Reply-To, and mailparser wraps each word of References in brackets of its
 * own (`<(comment)>`): only a bracketed token without spaces or parentheses is an id.
 */
function bracketedIds(v: string): string[] {
  return [...v.matchAll(/<([^<>\s()]+)>/g)].map((m) => m[1]);
}

/** The first id of a Message-ID or In-Reply-To value; a bare `abc@host` without brackets is taken as it is. */
function firstMessageId(v: string | null): string | null {
  if (!v) return null;
  const bracketed = bracketedIds(v)[0];
  if (bracketed) return bracketed;
  const bare = v.trim().replace(/^<+|>+$/g, '');
  return bare === '' || /[\s<>]/.test(bare) ? null : bare;
}

function addresses(v: unknown): EmailAddress[] {
  const objs = (Array.isArray(v) ? v : v ? [v] : []) as AddressObject[];
  const out: EmailAddress[] = [];
  const visit = (a: EmailAddress) => {
    if (a.group) a.group.forEach(visit);
    else if (a.address || a.name) out.push(a);
  };
  for (const o of objs) if (o && Array.isArray(o.value)) o.value.forEach(visit);
  return out;
}

function formatAddress(a: EmailAddress): string {
  const name = (a.name ?? '').trim();
  const addr = (a.address ?? '').trim();
  if (name && addr && name !== addr) return `${name} <${addr}>`;
  return addr || name;
}

function dedupe(xs: string[]): string[] {
  return [...new Set(xs.filter((x) => x !== ''))];
}

/**
 * Google Takeout's X-Gmail-Labels: labels separated by commas; a label holding a comma is quoted, and when any label
 * is not ASCII the whole value is one RFC 2047 encoded-word (`=?UTF-8?Q?=C3=85pnet,Kategori:_Reklame?=`), which
 * mailparser leaves as it is in a header it does not know.
 */
function splitLabels(v: string): string[] {
  const decoded = libmime().decodeWords(v);
  const labels = decoded.match(/\s*"(?:[^"\\]|\\.)*"\s*(?=,|$)|[^,]+/g) ?? [];
  return dedupe(
    labels.map((l) =>
      l
        .trim()
        .replace(/^"([\s\S]*)"$/, '$1')
        .replace(/\\(.)/g, '$1')
        .trim(),
    ),
  );
}

/**
 * The Date header's time, or null. Read from the raw line because mailparser substitutes "now" for a date it
 * cannot parse, which would give an undated message a different timestamp on every read.
 */
function dateOf(lines: HeaderLines): number | null {
  const line = lines.find((l) => l.key === 'date');
  if (!line) return null;
  return parseMailDate(line.line.slice(line.line.indexOf(':') + 1));
}

export function parseMailDate(value: string): number | null {
  const v = value.replace(/\s+/g, ' ').trim();
  if (v === '') return null;
  let t = Date.parse(v);
  if (Number.isNaN(t))
    t = Date.parse(
      v
        .replace(/\([^)]*\)/g, ' ')
        .replace(/\s+/g, ' ')
        .trim(),
    );
  return Number.isNaN(t) ? null : t;
}

/** sha256 of the header block (up to the first blank line), line endings normalised, volatile headers left out. */
export function headerHash(raw: Buffer): string {
  let end = raw.length;
  const lf = raw.indexOf('\n\n');
  const crlf = raw.indexOf('\r\n\r\n');
  if (lf >= 0) end = lf;
  if (crlf >= 0 && crlf < end) end = crlf;
  const text = raw.toString('latin1', 0, end).replace(/\r\n/g, '\n');
  const hash = createHash('sha256');
  let skipping = false;
  for (const line of text.split('\n')) {
    const continuation = line.startsWith(' ') || line.startsWith('\t');
    if (!continuation) {
      const colon = line.indexOf(':');
      skipping = colon > 0 && VOLATILE_HEADERS.has(line.slice(0, colon).trim().toLowerCase());
    }
    if (!skipping) hash.update(line + '\n', 'latin1');
  }
  return hash.digest('hex');
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
