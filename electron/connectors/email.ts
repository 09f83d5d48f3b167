/**
 * One RFC 5322 / MIME message → one SourceDocument. Shared by the mbox and Maildir connectors.
 *
 * Parsing uses mailparser's streaming MailParser rather than simpleParser: simpleParser buffers every attachment
 * (and inlines cid: images into the HTML as data: URLs), which for a mailbox of 200k messages is pure waste. Here
 * attachments are drained as they stream by; only small text attachments are kept, and only as text.
 */
import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
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
import { readIcsText } from './ics-events.js';
import { lazyModule, lazyModuleInSteps, lazyValue, resolveDependency, type Dependency } from './lazy-module.js';
import { readTnef, type TnefContent } from './tnef.js';
import { decodeUtf8Leniently } from './text-file.js';
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
const libmime = lazyModule<{ decodeWords(text: string): string; normalizeCharset(charset: string): string }>('libmime');
const he = lazyModule<{ decode(html: string): string }>('he');
/** The iconv-lite the parser's libmime decodes with: the charsets it knows are the ones the parser reads. */
const iconv = lazyValue(() =>
  lazyModule<{ getCodec(charset: string): unknown; decode(bytes: Buffer, charset: string): string }>(
    resolveDependency('libmime', 'iconv-lite'),
  )(),
);

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

/**
 * What the parse kept of an attachment: a text file's text (name '' for an invitation's event, which is no file), or
 * a forwarded message's bytes (parsed after).
 */
type KeptPart =
  | { kind: 'text'; name: string; text: string }
  | { kind: 'message'; name: string; bytes: Buffer }
  | { kind: 'signed'; name: string; bytes: Buffer }
  | ({ kind: 'tnef'; name: string } & TnefContent);

interface Parsed {
  headers: Headers;
  headerLines: HeaderLines;
  text: MessageText | null;
  attachments: string[];
  parts: KeptPart[];
  /** MIME nodes the parser found, the message's own included (0 when the count is not available). */
  nodes: number;
  /** A part declared UTF-8 held bytes that are not: they were read as windows-1252. */
  mislabelled: boolean;
}

/** A warning about a message that was indexed, for the connector to report as an issue of it. */
export interface EmailWarning {
  code: 'W_BAD_UTF8';
  message: string;
}

export interface ParsedEmail {
  doc: SourceDocument;
  warnings: EmailWarning[];
}

/** One message's fields and text, for the document or, for a forwarded one, for the text of the one holding it. */
interface MessageFields {
  headers: Headers;
  headerLines: HeaderLines;
  subject: string;
  from: EmailAddress[];
  participants: string[];
  content: string;
}

/**
 * How deep forwarded messages (message/rfc822 parts, .eml attachments) are read: a message forwarded inside a
 * forwarded message inside the one indexed is read; one level further down is only listed as an attachment.
 */
const MAX_FORWARD_DEPTH = 3;

export async function parseEmail(raw: Buffer, ctx: EmailContext): Promise<SourceDocument> {
  return (await parseEmailWithWarnings(raw, ctx)).doc;
}

/** parseEmail, with the warnings about the message (text that could not be decoded) for the connector to report. */
export async function parseEmailWithWarnings(raw: Buffer, ctx: EmailContext): Promise<ParsedEmail> {
  if (!mailparser.loaded) await mailparser.ready();
  const message = await readMessage(
    raw,
    ctx.maxAttachmentTextBytes ?? DEFAULT_MAX_ATTACHMENT_TEXT_BYTES,
    MAX_TOTAL_ATTACHMENT_TEXT_BYTES,
    0,
  );
  const { headers, headerLines, subject, from, participants, content } = message;

  const messageId = firstMessageId(stringHeader(headers, 'message-id'));
  const id = messageId ?? `sha256:${headerHash(raw)}`;
  const references = listHeader(headers, 'references').flatMap(bracketedIds);
  const inReplyTo = firstMessageId(stringHeader(headers, 'in-reply-to'));
  const threadId = references[0] ?? inReplyTo ?? id;

  const metadata: Record<string, unknown> = {
    folder: ctx.folder,
    flags: ctx.flags ?? [],
    attachments: message.attachments,
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
  const warnings: EmailWarning[] = [];
  if (message.mislabelled) {
    warnings.push({
      code: 'W_BAD_UTF8',
      message:
        'Some text in this message is not the UTF-8 it declares; it was read as Windows-1252 (Western European), the usual encoding of such mail.',
    });
  } else if (hasUndecodableText(doc, raw)) {
    warnings.push({
      code: 'W_BAD_UTF8',
      message:
        'Some bytes in this message are not valid in the character set it declares; they were replaced with "\uFFFD" in the index.',
    });
  }
  return { doc, warnings };
}

/**
 * Parses one message (the one indexed, or one forwarded inside it at `depth`) into its fields and text: the body
 * (plain text, else the HTML reduced to text, else for a multipart whose boundary never appears the raw body), then
 * each kept text attachment and forwarded message in order.
 */
async function readMessage(
  raw: Buffer,
  maxAttachmentText: number,
  textBudget: number,
  depth: number,
): Promise<MessageFields & { attachments: string[]; mislabelled: boolean }> {
  let parsed: Parsed;
  try {
    parsed = await runParser(raw, maxAttachmentText, textBudget, depth);
  } catch (err) {
    throw new EmailParseError(`The message could not be parsed: ${errorMessage(err)}`, { cause: err });
  }
  const { headers, headerLines } = parsed;
  // mailparser accepts anything; a "message" without a single header field is garbage (a torn write, binary data).
  if (!headerLines.some((l) => l.key !== '' && /^[!-9;-~]+:/.test(l.line))) {
    throw new EmailParseError('The message has no header fields; it is not an e-mail message.');
  }

  const subject = (stringHeader(headers, 'subject') ?? '').replace(/\s+/g, ' ').trim();
  const from = addresses(headers.get('from'));
  const participants = dedupe([...addresses(headers.get('to')), ...addresses(headers.get('cc'))].map(formatAddress));

  let body = withoutClearsignArmor(parsed.text?.text ?? '').trim();
  if (body === '' && parsed.text?.html) body = htmlToPlain(parsed.text.html);
  if (body === '' && parsed.parts.length === 0 && parsed.attachments.length === 0 && parsed.nodes <= 1) {
    // A multipart whose declared boundary never appears: mailparser takes it all for the preamble and finds no part,
    // but mail programs show the body as it is, so its words are indexed as they are.
    const type = (headers.get('content-type') as Partial<StructuredHeader> | undefined)?.value ?? '';
    if (/^multipart\//i.test(type)) body = rawBodyText(raw, maxAttachmentText);
  }
  const texts = [body];
  let mislabelled = parsed.mislabelled;
  let attachments = parsed.attachments;
  for (const part of parsed.parts) {
    if (part.kind === 'text')
      texts.push(part.name === '' ? part.text.trim() : `Attachment: ${part.name}\n${part.text.trim()}`);
    else if (part.kind === 'signed') {
      // The message itself, signed: its text and attachments are the message's, smime.p7m only their wrapping.
      let signed;
      try {
        signed = await readMessage(part.bytes, maxAttachmentText, part.bytes.length, depth + 1);
      } catch {
        continue;
      }
      texts.push(signed.content);
      attachments = [...attachments.filter((name) => name !== part.name), ...signed.attachments];
      mislabelled ||= signed.mislabelled;
    } else if (part.kind === 'tnef') {
      // Outlook writes the body both as the message's text and into winmail.dat (as RTF): it is indexed once.
      if (!spaced(body).includes(spaced(part.body))) texts.push(part.body);
      for (const file of part.texts) texts.push(`Attachment: ${file.name}\n${file.text.trim()}`);
      // Mail programs other than Outlook list winmail.dat itself; Outlook lists the files in it.
      attachments = [...attachments, ...part.files];
    } else {
      const forwarded = await forwardedText(part.bytes, maxAttachmentText, depth + 1);
      texts.push(forwarded.text);
      mislabelled ||= forwarded.mislabelled;
    }
  }
  // The names of the attachments whose text is not indexed (a PDF, a photo): "the mail with quarterly-report.pdf".
  const withText = new Set(
    parsed.parts.flatMap((part) => (part.kind === 'tnef' ? part.texts.map((file) => file.name) : [part.name])),
  );
  const inTnef = parsed.parts.flatMap((part) => (part.kind === 'tnef' ? part.files : []));
  // (A signed part's own attachments are named in its text already.)
  const named = dedupe([...parsed.attachments, ...inTnef].filter((name) => !withText.has(name)));
  if (named.length > 0) texts.push(`Attachments: ${named.join(', ')}`);
  const content = texts.filter((p) => p !== '').join('\n\n');
  return {
    headers,
    headerLines,
    subject,
    from,
    participants,
    content,
    attachments,
    mislabelled,
  };
}

/** Text with its runs of white space as one space, for comparing two renderings of the same text. */
function spaced(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

const CLEARSIGN_BEGIN = '-----BEGIN PGP SIGNED MESSAGE-----';
const SIGNATURE_BEGIN = '\n-----BEGIN PGP SIGNATURE-----';
const SIGNATURE_END = '-----END PGP SIGNATURE-----';

/**
 * The text of an inline PGP-signed (clearsigned, RFC 4880 §7) body as mail programs show it: without the armor
 * lines, the "Hash:" header and the signature block, which would otherwise be the snippet of every such mail, and
 * with its dash-escaped lines ("- -----") as written.
 */
function withoutClearsignArmor(text: string): string {
  let out = '';
  let from = 0;
  for (;;) {
    const begin = text.indexOf(CLEARSIGN_BEGIN, from);
    if (begin < 0 || (begin > 0 && text[begin - 1] !== '\n')) break;
    const signature = text.indexOf(SIGNATURE_BEGIN, begin);
    const end = signature < 0 ? -1 : text.indexOf(SIGNATURE_END, signature);
    // The armor header lines ("Hash: SHA256") end at the first blank line.
    const headerEnd = end < 0 ? null : /\r?\n\r?\n/.exec(text.slice(begin, signature));
    if (headerEnd === null) break;
    const signed = text.slice(begin + headerEnd.index + headerEnd[0].length, signature).replace(/^- /gm, '');
    out += text.slice(from, begin) + signed;
    from = end + SIGNATURE_END.length;
  }
  return from === 0 ? text : out + text.slice(from);
}

/**
 * A forwarded message as text of the message holding it: "Forwarded message: <subject>", its From, To and Date,
 * then its own text (with its attachments and forwarded messages). '' when it is not a message at all. `mislabelled`:
 * some of its text said UTF-8 and was not (Parsed.mislabelled).
 */
async function forwardedText(
  bytes: Buffer,
  maxAttachmentText: number,
  depth: number,
): Promise<{ text: string; mislabelled: boolean }> {
  let m: MessageFields & { mislabelled: boolean };
  try {
    // Its own attachments draw on the bytes it was given, so it adds no more than they to the total.
    m = await readMessage(bytes, maxAttachmentText, bytes.length, depth);
  } catch {
    return { text: '', mislabelled: false };
  }
  const lines = [`Forwarded message: ${m.subject === '' ? '(no subject)' : m.subject}`];
  if (m.from.length > 0) lines.push(`From: ${m.from.map(formatAddress).join(', ')}`);
  if (m.participants.length > 0) lines.push(`To: ${m.participants.join(', ')}`);
  const date = rawHeaderValue(m.headerLines, 'date');
  if (date) lines.push(`Date: ${date}`);
  const text = m.content === '' ? lines.join('\n') : `${lines.join('\n')}\n${m.content}`;
  return { text, mislabelled: m.mislabelled };
}

/** The internals of mailparser 3.14's MailParser that parse8bit hooks (see there). */
interface MailParserInternals {
  libmime?: {
    decodeWord?: (charset: string, encoding: string, text: string) => string;
    decodeWords?: (text: unknown) => string;
  };
  createNode?: (node: unknown) => {
    headers?: Headers;
    charset?: string | false;
    encoding?: string;
    isAttachment?: boolean;
    disposition?: string;
    decoder?: unknown;
  };
  processHeaders?: (lines: HeaderLines) => unknown;
  decoder?: { decodeStream(charset: string): NodeJS.ReadWriteStream };
}

/** A charset name no real part declares: the hooked decoder reads it as "UTF-8 if valid, else windows-1252". */
const UNDECLARED_CHARSET = 'x-jarvis-undeclared';
/** The same for a part that declares UTF-8, which the parser is told of when it is not (Parsed.mislabelled). */
const DECLARED_UTF8 = 'x-jarvis-declared-utf-8';

/**
 * Makes the parser read 8-bit text the way mail programs do. mailparser decodes header bytes outside RFC 2047
 * encoded-words, and the body of a part that declares no charset (or US-ASCII), as UTF-8, so the Latin-1 or
 * windows-1252 bytes of older mailers came out as U+FFFD. Here a header line that holds bytes that are not valid
 * UTF-8 is decoded as windows-1252 (a superset of Latin-1 for text) before mailparser reads it, and such a part's
 * body as UTF-8 when it is valid UTF-8, else as windows-1252. A part that declares UTF-8 is read the same way, byte
 * by byte (decodeUtf8Leniently: Latin-1 sent as "charset=utf-8" by a misconfigured mailer, often base64 or
 * quoted-printable, so no raw byte shows it), and the parser notes it. A part that declares another charset keeps
 * being decoded by it. RFC 2047 encoded-words that say UTF-8 are read the same way (libmime.decodeWord), and so noted.
 * The hooks are on mailparser's internal methods (createNode, processHeaders, decoder, libmime; the version is pinned):
 * if one is missing, parsing goes on without it, and text left with U+FFFD is reported as W_BAD_UTF8. Counts the
 * MIME nodes in `counter`.
 *
 * `utf8`: the raw message is valid UTF-8 (most are: checked once, at memory speed). Then its headers, and the bodies
 * sent as they are (7bit, 8bit, binary), are valid UTF-8 too, and only the bodies that a transfer encoding may hide
 * other bytes in (quoted-printable, base64) need the check, which costs a stream per part.
 */
function parse8bit(parser: object, counter: { nodes: number; mislabelled: boolean }, raw: Buffer, utf8: boolean): void {
  const p = parser as MailParserInternals;
  const { createNode, processHeaders, decoder } = p;
  const words = p.libmime;
  const decodeWord = words?.decodeWord;
  if (words && typeof decodeWord === 'function') {
    // Encoded-words (Subject, display names, file names) that say UTF-8 over Latin-1 bytes, as the bodies above;
    // UTF-7 ones, which libmime leaves encoded; and ones in a charset nobody knows ("x-unknown"), which libmime reads
    // as UTF-8, as a part that declares none. decodeWords joins the adjacent words of one charset before it calls
    // this, so a character split across two words is whole here.
    words.decodeWord = function (this: unknown, charset: string, encoding: string, text: string) {
      const reading = charsetReading(charset);
      if (reading === 'known') return decodeWord.call(this, charset, encoding, text);
      const bytes = encodedWordBytes(encoding, text);
      if (bytes === null) return decodeWord.call(this, charset, encoding, text);
      if (reading === 'utf-7') return iconv().decode(bytes, 'utf7');
      if (reading === 'unknown') return decodeUtf8Leniently(bytes);
      if (isUtf8(bytes)) return decodeWord.call(this, charset, encoding, text);
      counter.mislabelled = true;
      return decodeUtf8Leniently(bytes);
    };
  }
  const decodeWords = words?.decodeWords;
  if (words && typeof decodeWords === 'function') {
    words.decodeWords = function (this: unknown, text: unknown) {
      return decodeWords.call(this, typeof text === 'string' ? withPlainCharsetNames(text) : text);
    };
  }
  // ESC: ISO-2022-JP is 7-bit, so a message with raw Japanese headers can be valid UTF-8 (ASCII) all the same.
  if ((!utf8 || raw.indexOf(0x1b) >= 0) && typeof processHeaders === 'function') {
    let messageCharset: string | null | undefined;
    p.processHeaders = function (this: unknown, lines: HeaderLines) {
      if (!lines.some((l) => RAW_8BIT.test(l.line))) return processHeaders.call(this, lines);
      // A part's own charset, else the message's: the one its text is in, which mail programs read such headers by.
      const charset =
        declaredCharset(lines.find((l) => l.key === 'content-type')?.line ?? '') ??
        (messageCharset ??= rawHeaderCharset(raw));
      return processHeaders.call(
        this,
        lines.map((l) => rawHeaderLine(l, charset)),
      );
    };
  }
  if (typeof createNode !== 'function') return;
  const canDecode = typeof decoder?.decodeStream === 'function';
  p.createNode = function (this: unknown, node: unknown) {
    const created = createNode.call(this, node);
    counter.nodes++;
    const part = node as { filename?: unknown };
    if (
      typeof part.filename === 'string' &&
      (part.filename.includes('\uFFFD') || ENCODED_WORD.test(part.filename)) &&
      created.headers instanceof Map
    ) {
      // The splitter decoded the file name with a decoder of its own (which leaves a word in "ISO-8859-1." encoded);
      // the parser's (above) read the same header.
      const param = (key: string, name: string): unknown =>
        (created.headers?.get(key) as Partial<StructuredHeader> | undefined)?.params?.[name];
      const name = param('content-disposition', 'filename') ?? param('content-type', 'name');
      if (typeof name === 'string' && !name.includes('\uFFFD')) part.filename = name;
    }
    if (
      canDecode &&
      created.decoder &&
      !created.isAttachment &&
      created.disposition === 'inline' &&
      (!utf8 || created.encoding === 'quoted-printable' || created.encoding === 'base64')
    ) {
      if (!created.charset || /^(?:us-?)?ascii$/i.test(created.charset)) created.charset = UNDECLARED_CHARSET;
      else if (/^utf-?8$/i.test(created.charset)) created.charset = DECLARED_UTF8;
    }
    return created;
  };
  if (canDecode) {
    p.decoder = {
      decodeStream: (charset) => {
        if (charset === UNDECLARED_CHARSET) return utf8OrWindows1252();
        if (charset === DECLARED_UTF8) return utf8OrWindows1252(() => (counter.mislabelled = true));
        if (UTF7.test(charset)) return wholeTextDecoder((bytes) => iconv().decode(bytes, 'utf7'));
        const stream = decoder.decodeStream(charset);
        // A charset the decoder does not know (mutt's "unknown-8bit", "x-unknown", "ansi") is read as UTF-8, which
        // turned the Latin-1 of such mail into U+FFFD: it is read as a part that declares none.
        return (stream as { supported?: boolean }).supported === false ? utf8OrWindows1252() : stream;
      },
    };
  }
}

const NON_ASCII = /[\u0080-\uffff]/;
/** Header text that is not plain ASCII: 8-bit bytes, or the escape sequences of ISO-2022-JP (7-bit, but no ASCII). */
// eslint-disable-next-line no-control-regex -- ESC starts ISO-2022-JP's escape sequences
const RAW_8BIT = /[\u0080-\uffff]|\x1b[$(]/;
// eslint-disable-next-line no-control-regex -- as above
const ISO_2022_JP = /\x1b(?:\$[@B]|\([BJ])/;

/** The charset parameter of a Content-Type value or header line, lower-cased; null when there is none. */
function declaredCharset(contentType: string): string | null {
  return /\bcharset\s*=\s*"?([\w.:+-]+)/i.exec(contentType)?.[1]?.toLowerCase() ?? null;
}

/**
 * The charset to read a message's raw 8-bit (not RFC 2047) header text by: the first charset the message declares
 * (its own, or its first text part's), unless that is UTF-8 or ASCII; null when there is none to go by.
 */
function rawHeaderCharset(raw: Buffer): string | null {
  const head = raw.toString('latin1', 0, Math.min(raw.length, HEADER_CHARSET_SCAN_BYTES));
  const charset = declaredCharset(head);
  return charset === null || /^(?:utf-?8|(?:us-?)?ascii)$/.test(charset) ? null : charset;
}
const HEADER_CHARSET_SCAN_BYTES = 64 * 1024;

/**
 * UTF-7 (RFC 2152) by its names. Old Outlook Express and Windows Mobile mail still arrives in it; libmime refuses it
 * (a way to smuggle markup past an HTML filter, which indexed text is not) and so left it as "+AOk-".
 */
const UTF7 = /^(?:x-)?(?:unicode-1-1-)?utf-?7$|^csunicode11utf7$/i;
/** The Japanese charsets libmime decodes with encoding-japanese, which its iconv-lite does not know. */
const JAPANESE_CHARSET = /^jis|^iso-?2022-?jp|^eucjp/i;

/**
 * How an encoded-word's charset (an RFC 2231 language after '*' left out) is read: by libmime ('known', 'utf-8'), as
 * UTF-7, or as text whose charset is not known ('unknown': UTF-8 if valid, else windows-1252).
 */
function charsetReading(charset: string): 'known' | 'utf-8' | 'utf-7' | 'unknown' {
  const name = charset.split('*')[0];
  if (/^utf-?8$/i.test(name)) return 'utf-8';
  if (UTF7.test(name)) return 'utf-7';
  if (JAPANESE_CHARSET.test(name)) return 'known';
  try {
    iconv().getCodec(libmime().normalizeCharset(name));
    return 'known';
  } catch {
    return 'unknown';
  }
}

/** An RFC 2047 encoded-word, whatever its charset's name: the charset, Q or B, the encoded text. */
const ENCODED_WORD = /=\?([^?\s]*)\?([QqBb])\?([^?]*)\?=/;

/**
 * Text with its encoded-words' charset names as libmime finds them: it takes only letters, digits, '_', '-' and '*',
 * so a word in "ISO-8859-1." (a trailing dot, from some webmail), "ANSI_X3.4-1968" (glibc's ASCII) or a quoted
 * name stayed encoded. The other characters are left out of the name (iconv-lite ignores them when it looks a name
 * up), with its RFC 2231 language; a word whose name is then empty is read as one of an unknown charset.
 */
function withPlainCharsetNames(text: string): string {
  if (!text.includes('=?')) return text;
  return text.replace(new RegExp(ENCODED_WORD, 'g'), (word, charset: string, encoding: string, encoded: string) => {
    if (/^[\w*-]+$/.test(charset)) return word;
    const plain = charset.split('*')[0].replace(/[^\w-]/g, '');
    return `=?${plain === '' ? 'x-unknown' : plain}?${encoding}?${encoded}?=`;
  });
}

/**
 * The bytes an encoded-word's text stands for (RFC 2047 Q or B, as libmime reads them), or null when it is not
 * clean base64: a broken one decodes to junk, which is no Latin-1 text to recover.
 */
function encodedWordBytes(encoding: string, text: string): Buffer | null {
  if (/^b$/i.test(encoding)) {
    if (!/^[A-Za-z0-9+/=]*$/.test(text)) return null;
    // Joined words keep their padding inside: each padded segment is decoded on its own.
    return Buffer.concat((text.match(/[^=]+=*/g) ?? []).map((segment) => Buffer.from(segment, 'base64')));
  }
  if (!/^q$/i.test(encoding)) return null;
  const q = Buffer.from(text.replace(/=\s+([0-9a-fA-F])/g, '=$1').replace(/[_\s]/g, ' '));
  const bytes: number[] = [];
  for (let i = 0; i < q.length; i++) {
    const hex = q[i] === 0x3d ? /^[0-9a-fA-F]{2}$/.exec(q.toString('latin1', i + 1, i + 3)) : null;
    if (hex) {
      bytes.push(parseInt(hex[0], 16));
      i += 2;
    } else bytes.push(q[i]);
  }
  return Buffer.from(bytes);
}

/**
 * A raw header line (a "binary" string: a character per byte) as UTF-8 bytes, which is what the parser reads it as:
 * ISO-2022-JP text by that encoding, bytes that are not UTF-8 by `charset` when one is declared and known, else as
 * windows-1252.
 */
function rawHeaderLine<T extends { line: string }>(l: T, charset: string | null): T {
  if (!RAW_8BIT.test(l.line)) return l;
  const bytes = Buffer.from(l.line, 'latin1');
  let text: string | null = null;
  if (!NON_ASCII.test(l.line)) {
    if (!ISO_2022_JP.test(l.line)) return l;
    text = decodeAs(bytes, 'iso-2022-jp');
  } else if (isUtf8(bytes)) return l;
  else if (charset !== null && charset !== 'iso-2022-jp') text = decodeAs(bytes, charset);
  text ??= decodeUtf8Leniently(bytes);
  return { ...l, line: Buffer.from(text, 'utf8').toString('latin1') };
}

/** The bytes in a charset; null when it is not one the runtime knows, or they are not valid in it. */
function decodeAs(bytes: Buffer, charset: string): string | null {
  try {
    return new TextDecoder(charset, { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

/**
 * A stream that passes UTF-8 on as it is and reads the bytes that are not UTF-8 as windows-1252
 * (decodeUtf8Leniently); `onInvalid` is told when there were any.
 */
function utf8OrWindows1252(onInvalid?: () => void): Transform {
  return wholeTextDecoder((bytes) => {
    if (onInvalid && !isUtf8(bytes)) onInvalid();
    return decodeUtf8Leniently(bytes);
  });
}

/** A stream that decodes all of a part's bytes at once, at their end. */
function wholeTextDecoder(decode: (bytes: Buffer) => string): Transform {
  const chunks: Buffer[] = [];
  return new Transform({
    transform(chunk: Buffer | string, _enc, done) {
      chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk);
      done();
    },
    flush(done) {
      done(null, decode(Buffer.concat(chunks)));
    },
  });
}

function runParser(raw: Buffer, maxAttachmentText: number, totalText: number, depth: number): Promise<Parsed> {
  return new Promise<Parsed>((resolve, reject) => {
    const parser = new (mailparser.get().MailParser)({
      // HTML is reduced to text here, only when there is no plain text part, and with our own limits.
      skipHtmlToText: true,
      skipTextToHtml: true,
      skipTextLinks: true,
      skipImageLinks: true,
      checksumAlgo: false,
    });
    const result: Parsed = {
      headers: new Map(),
      headerLines: [],
      text: null,
      attachments: [],
      parts: [],
      nodes: 0,
      mislabelled: false,
    };
    parse8bit(parser, result, raw, isUtf8(raw));
    let textBudget = totalText;
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
      const forwarded = name !== null && depth < MAX_FORWARD_DEPTH && isForwardedMessage(d, name);
      // An invitation's event is a text/calendar alternative of the body, without a name (Outlook, Gmail): only
      // there are its title, place and time as the calendar shows them.
      const calendar = !forwarded && !d.related && isCalendar(d, name);
      const signed = name !== null && depth < MAX_FORWARD_DEPTH && isSignedData(d, name);
      const tnef = name !== null && !signed && isTnef(d, name);
      const keep = forwarded || calendar || signed || tnef || (name !== null && isTextAttachment(d, name));
      // A signed message's body is inside its signature blob, and Outlook's in its winmail.dat, both bounded by the
      // message's own size.
      const limit = signed || tnef ? Infinity : Math.min(maxAttachmentText, textBudget);
      const chunks: Buffer[] = [];
      let size = 0;
      let tooBig = false;
      d.content.on('data', (chunk: Buffer) => {
        if (!keep || tooBig) return;
        if (size + chunk.length <= limit) {
          chunks.push(chunk);
          size += chunk.length;
        } else if (forwarded) {
          // A forwarded message's headers and text come before its attachments: the part within the limit is read.
          chunks.push(chunk.subarray(0, limit - size));
          size = limit;
          tooBig = true;
        } else {
          tooBig = true;
          chunks.length = 0;
        }
      });
      d.content.on('error', fail);
      d.content.on('end', () => {
        if (forwarded && size > 0) {
          textBudget -= size;
          result.parts.push({ kind: 'message', name, bytes: Buffer.concat(chunks) });
        } else if (signed) {
          const content = signedContent(Buffer.concat(chunks));
          if (content !== null) result.parts.push({ kind: 'signed', name, bytes: content });
        } else if (tnef) {
          const content = readTnef(Buffer.concat(chunks), {
            maxTextBytes: Math.min(maxAttachmentText, textBudget),
            decode: decodeCodepage,
            htmlToText: htmlToPlain,
            isTextFile: hasTextFileExtension,
          });
          if (content !== null) {
            textBudget -= content.texts.reduce((sum, t) => sum + t.text.length, 0);
            result.parts.push({ kind: 'tnef', name, ...content });
          }
        } else if (keep && !tooBig) {
          let text = decodeAttachment(Buffer.concat(chunks), d);
          if (text !== null && calendar) {
            text = calendarText(text);
            // Gmail sends the invitation twice: as the body's alternative and as invite.ics.
            if (result.parts.some((part) => part.kind === 'text' && part.text === text)) text = null;
          }
          if (text !== null) {
            textBudget -= size;
            result.parts.push({ kind: 'text', name: name ?? '', text });
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

const SIGNATURE_TYPES = new Set([
  'application/pkcs7-signature',
  'application/x-pkcs7-signature',
  'application/pgp-signature',
]);

function attachmentName(a: AttachmentStream): string | null {
  // Embedded images of an HTML body (cid: parts of multipart/related) are layout, not attachments; nor is the
  // signature of a signed message (smime.p7s, signature.asc), which mail programs show as a mark, not as a file.
  if (a.related || SIGNATURE_TYPES.has(a.contentType.toLowerCase())) return null;
  if (a.filename) return a.filename;
  if (a.contentDisposition === 'attachment' || a.contentType === 'message/rfc822') return `(unnamed ${a.contentType})`;
  return null;
}

function hasTextFileExtension(name: string): boolean {
  const ext = /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase();
  return ext !== undefined && TEXT_ATTACHMENT_EXTENSIONS.has(ext);
}

function isTextAttachment(a: AttachmentStream, name: string): boolean {
  const type = a.contentType.toLowerCase();
  if (type.startsWith('text/')) return true;
  if (!hasTextFileExtension(name)) return false;
  return (
    type === 'application/octet-stream' ||
    type === 'application/json' ||
    type === 'application/xml' ||
    type.endsWith('+xml')
  );
}

/**
 * An S/MIME message signed "opaque" (smime.p7m, signed-data): the message is inside the signature, where mail
 * programs show it from. Enveloped (encrypted) data is not: its text cannot be read without the key.
 */
function isSignedData(a: AttachmentStream, name: string): boolean {
  const type = a.contentType.toLowerCase();
  if (type !== 'application/pkcs7-mime' && type !== 'application/x-pkcs7-mime') return false;
  const ct = a.headers.get('content-type') as Partial<StructuredHeader> | undefined;
  const smimeType = ct?.params?.['smime-type'];
  return typeof smimeType === 'string' ? smimeType.toLowerCase() === 'signed-data' : /\.p7m$/i.test(name);
}

/** One BER element: its tag byte, where its content starts and ends, and where the element after it starts. */
interface BerElement {
  tag: number;
  start: number;
  end: number;
  next: number;
}

/** The BER (or DER) element at `at`, or null when there is none there that fits in the bytes. */
function berElement(der: Buffer, at: number, depth = 0): BerElement | null {
  if (at + 2 > der.length || depth > 32) return null;
  const tag = der[at];
  // High tag numbers appear nowhere on the way to the signed content.
  if ((tag & 0x1f) === 0x1f) return null;
  let start = at + 2;
  let length = der[at + 1];
  if (length === 0x80) {
    // Indefinite length (BER, as streaming signers write it): the content runs up to two zero bytes.
    if ((tag & 0x20) === 0) return null;
    let p = start;
    while (p + 2 <= der.length && (der[p] !== 0 || der[p + 1] !== 0)) {
      const child = berElement(der, p, depth + 1);
      if (!child) return null;
      p = child.next;
    }
    return p + 2 <= der.length ? { tag, start, end: p, next: p + 2 } : null;
  }
  if (length & 0x80) {
    const bytes = length & 0x7f;
    if (bytes > 4 || start + bytes > der.length) return null;
    length = 0;
    for (let i = 0; i < bytes; i++) length = length * 256 + der[start + i];
    start += bytes;
  }
  return start + length <= der.length ? { tag, start, end: start + length, next: start + length } : null;
}

function berChildren(der: Buffer, parent: BerElement): BerElement[] {
  const out: BerElement[] = [];
  for (let p = parent.start; p < parent.end;) {
    const child = berElement(der, p);
    if (!child) break;
    out.push(child);
    p = child.next;
  }
  return out;
}

/** 1.2.840.113549.1.7.2, signedData. */
const SIGNED_DATA_OID = Buffer.from('2a864886f70d010702', 'hex');

/**
 * The content an S/MIME signed-data blob signs (RFC 5652: ContentInfo → SignedData → encapContentInfo → eContent),
 * or null when it holds none (a detached signature, not signed-data, damaged).
 */
function signedContent(der: Buffer): Buffer | null {
  const info = berElement(der, 0);
  if (info?.tag !== 0x30) return null;
  const [oid, explicit] = berChildren(der, info);
  if (oid?.tag !== 0x06 || !der.subarray(oid.start, oid.end).equals(SIGNED_DATA_OID) || explicit?.tag !== 0xa0) {
    return null;
  }
  const [signedData] = berChildren(der, explicit);
  if (signedData?.tag !== 0x30) return null;
  // version, digestAlgorithms, encapContentInfo { eContentType, [0] eContent }.
  const encap = berChildren(der, signedData)[2];
  if (encap?.tag !== 0x30) return null;
  const content = berChildren(der, encap)[1];
  if (content?.tag !== 0xa0) return null;
  const [octets] = berChildren(der, content);
  return octets ? octetString(der, octets) : null;
}

/** An OCTET STRING's bytes; a constructed one (BER: a streaming signer's chunks) joined. */
function octetString(der: Buffer, el: BerElement, depth = 0): Buffer | null {
  if (el.tag === 0x04) return der.subarray(el.start, el.end);
  if (el.tag !== 0x24 || depth > 8) return null;
  const parts: Buffer[] = [];
  for (const child of berChildren(der, el)) {
    const part = octetString(der, child, depth + 1);
    if (part === null) return null;
    parts.push(part);
  }
  return Buffer.concat(parts);
}

/** An iCalendar part: text/calendar (an invitation), application/ics (Gmail's invite.ics), or a file named .ics. */
function isCalendar(a: AttachmentStream, name: string | null): boolean {
  const type = a.contentType.toLowerCase();
  if (type === 'text/calendar' || type === 'application/ics' || type === 'text/x-vcalendar') return true;
  return (
    name !== null && /\.(?:ics|vcs)$/i.test(name) && (type === 'application/octet-stream' || type === 'text/plain')
  );
}

/**
 * An invitation's events as the calendar connector writes them ("Event: <title>", then when, where, who and the
 * description), rather than the iCalendar source, whose property names would be the snippet. A part that is not
 * iCalendar the parser can read is kept as its text, with its folded lines joined and its escapes undone: a fold
 * (every 75 bytes) falls inside words, and "Room 4\, 2nd floor" is written with a backslash.
 */
function calendarText(ics: string): string {
  try {
    // The path would only name the documents and issues, which are not kept; the budget bounds the expansion of a
    // recurring event's rule, which is on the way of every message after this one.
    const events = readIcsText(ics, { path: '', budgetMs: 100 }).flatMap((item) =>
      item.type === 'doc' ? [`Event: ${item.doc.title}\n${item.doc.content}`.trim()] : [],
    );
    if (events.length > 0) return events.join('\n\n');
  } catch {
    // not iCalendar after all: its text, below
  }
  return ics
    .replace(/\r?\n[ \t]/g, '')
    .replace(/\\([\\;,nN])/g, (_m, c: string) => (c === 'n' || c === 'N' ? '\n' : c));
}

/** A forwarded message: message/rfc822 (or message/global, its UTF-8 form), or a file named .eml. */
function isForwardedMessage(a: AttachmentStream, name: string): boolean {
  const type = a.contentType.toLowerCase();
  if (type === 'message/rfc822' || type === 'message/global') return true;
  return /\.eml$/i.test(name) && (type === 'application/octet-stream' || type.startsWith('message/'));
}

function decodeAttachment(bytes: Buffer, a: AttachmentStream): string | null {
  if (bytes.indexOf(0) >= 0) return null; // binary, whatever its name says
  // For content-type, mailparser's header value is a StructuredHeader ({ value, params }).
  const ct = a.headers.get('content-type') as Partial<StructuredHeader> | undefined;
  const charset = typeof ct?.params?.charset === 'string' ? ct.params.charset : undefined;
  let text: string;
  if (charset === undefined || /^(?:us-?)?ascii$|^utf-?8$/i.test(charset)) text = decodeUtf8Leniently(bytes);
  else if (UTF7.test(charset)) text = iconv().decode(bytes, 'utf7');
  else {
    try {
      text = new TextDecoder(charset).decode(bytes);
    } catch {
      text = decodeUtf8Leniently(bytes);
    }
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
  const value = rawHeaderValue(lines, 'date');
  return value === null ? null : parseMailDate(value);
}

/** A header's value as written (unfolded), from the raw header lines; null when the message has none. */
function rawHeaderValue(lines: HeaderLines, key: string): string | null {
  const line = lines.find((l) => l.key === key);
  if (!line) return null;
  const value = line.line
    .slice(line.line.indexOf(':') + 1)
    .replace(/\s+/g, ' ')
    .trim();
  return value === '' ? null : value;
}

export function parseMailDate(value: string): number | null {
  const v = value.replace(/\s+/g, ' ').trim();
  if (v === '') return null;
  let t = Date.parse(v);
  if (Number.isNaN(t)) {
    const bare = v
      .replace(/\([^)]*\)/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
    t = Date.parse(bare);
    if (Number.isNaN(t)) {
      const numeric = withNumericZone(bare);
      if (numeric !== null) t = Date.parse(numeric);
    }
  }
  return Number.isNaN(t) ? null : t;
}

/**
 * Zone names mailers write that RFC 5322 does not define (it has only UT, GMT and the US zones, which Date.parse
 * knows), as minutes east of UTC. Names that mean several zones get the meaning most common in mail: BST is British
 * Summer Time (not Bangladesh), IST India (not Irish Summer or Israel), AST Atlantic (not Arabia); CST stays US
 * Central, as Date.parse reads it, not China.
 */
const NAMED_ZONES: Readonly<Record<string, number>> = {
  WET: 0,
  WEST: 60,
  BST: 60,
  CET: 60,
  CEST: 120,
  MET: 60,
  MEST: 120,
  MEZ: 60,
  MESZ: 120,
  EET: 120,
  EEST: 180,
  SAST: 120,
  MSK: 180,
  MSD: 240,
  EAT: 180,
  IST: 330,
  PKT: 300,
  ICT: 420,
  WIB: 420,
  HKT: 480,
  SGT: 480,
  AWST: 480,
  JST: 540,
  KST: 540,
  ACST: 570,
  ACDT: 630,
  AEST: 600,
  AEDT: 660,
  NZST: 720,
  NZDT: 780,
  NST: -210,
  NDT: -150,
  AST: -240,
  ADT: -180,
  AKST: -540,
  AKDT: -480,
  HST: -600,
};

/**
 * The date with its zone name (from NAMED_ZONES; "MET DST" is an hour ahead of MET) replaced by its offset, or
 * dropped when the date has a numeric offset as well; null when it names no zone that the table knows.
 */
function withNumericZone(v: string): string | null {
  for (const m of v.matchAll(/(^|\s)([A-Za-z]{2,4})(\s+DST)?(?=\s|$)/g)) {
    const minutes = NAMED_ZONES[m[2].toUpperCase()];
    if (minutes === undefined) continue;
    const start = m.index + m[1].length;
    const rest = v.slice(start + m[0].length - m[1].length);
    const before = v.slice(0, start);
    if (/(?:^|\s)[+-]\d{4}(?=\s|$)/.test(before + rest)) return `${before}${rest}`.replace(/\s+/g, ' ').trim();
    const offset = minutes + (m[3] ? 60 : 0);
    const abs = Math.abs(offset);
    const zone = `${offset < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
    return `${before}${zone}${rest}`;
  }
  return null;
}

/** Where the header block ends (the blank line) and the body starts, in the raw bytes. */
function headerBlock(raw: Buffer): { end: number; body: number } {
  const lf = raw.indexOf('\n\n');
  const crlf = raw.indexOf('\r\n\r\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { end: crlf, body: crlf + 4 };
  if (lf >= 0) return { end: lf, body: lf + 2 };
  return { end: raw.length, body: raw.length };
}

/** sha256 of the header block (up to the first blank line), line endings normalised, volatile headers left out. */
export function headerHash(raw: Buffer): string {
  const text = raw.toString('latin1', 0, headerBlock(raw).end).replace(/\r\n/g, '\n');
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

/**
 * The body after the header block as text (UTF-8, else windows-1252), at most `maxBytes` of it, without lines of
 * base64 (an attachment's, which are no words to find): for a multipart whose parts the parser could not find.
 */
function rawBodyText(raw: Buffer, maxBytes: number): string {
  const { body } = headerBlock(raw);
  let bytes = raw.subarray(body, body + maxBytes);
  if (body + maxBytes < raw.length) {
    // Cut at a line end, never inside a UTF-8 sequence.
    const nl = bytes.lastIndexOf(0x0a);
    if (nl > 0) bytes = bytes.subarray(0, nl);
  }
  return decodeUtf8Leniently(bytes)
    .split(/\r?\n/)
    .filter((line) => !(line.length >= 40 && /^[A-Za-z0-9+/]+={0,2}$/.test(line)))
    .join('\n')
    .trim();
}

/**
 * Whether the document holds U+FFFD because of 8-bit bytes that are not UTF-8: bytes not valid in the charset their
 * part declares (Latin-1 sent as "charset=utf-8"), which is decoded by that charset all the same. U+FFFD in a message
 * of valid UTF-8 (pure ASCII included) comes from a broken transfer encoding or an unknown charset, which the words
 * around it survive as they are; it is no 8-bit text to warn about.
 */
function hasUndecodableText(doc: SourceDocument, raw: Buffer): boolean {
  const replaced =
    doc.content.includes('\uFFFD') ||
    doc.title.includes('\uFFFD') ||
    (doc.author ?? '').includes('\uFFFD') ||
    (doc.participants ?? []).some((p) => p.includes('\uFFFD'));
  return replaced && !isUtf8(raw);
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Bytes in a Windows code page (a TNEF stream's, an RTF body's; 65001: UTF-8) as text. */
function decodeCodepage(bytes: Buffer, codepage: number): string {
  if (codepage === 65001 || isUtf8(bytes)) return decodeUtf8Leniently(bytes);
  try {
    return iconv().decode(bytes, `cp${codepage}`);
  } catch {
    return decodeUtf8Leniently(bytes);
  }
}

/** An application/ms-tnef part: Outlook's winmail.dat, which holds the message's own body and attachments. */
function isTnef(a: AttachmentStream, name: string): boolean {
  const type = a.contentType.toLowerCase();
  if (type === 'application/ms-tnef' || type === 'application/vnd.ms-tnef') return true;
  return /^winmail\.dat$/i.test(name) && type === 'application/octet-stream';
}
