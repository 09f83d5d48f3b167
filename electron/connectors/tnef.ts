/**
 * Outlook's winmail.dat (TNEF, MS-OXTNEF): the message's own body (plain, HTML, or compressed RTF per MS-OXRTFCP,
 * reduced to text) and the files inside it, which a mail from Outlook may carry only there. Written for what a person
 * searches a mail by; a damaged or cut-short stream gives what was read before the damage, never an error.
 */

/** Bytes in a Windows code page (65001: UTF-8) as text. */
type Decode = (bytes: Buffer, codepage: number) => string;

/** What reading a TNEF stream needs from the mail reader around it. */
export interface TnefReading {
  /** A text file inside larger than this is listed, not read. */
  maxTextBytes: number;
  decode: Decode;
  htmlToText(html: string): string;
  /** Whether a file of this name is text worth indexing. */
  isTextFile(name: string): boolean;
}

/** What a winmail.dat (TNEF) holds that a person looks for: its body, the names of the files in it, their text. */
export interface TnefContent {
  body: string;
  files: string[];
  texts: { name: string; text: string }[];
}

/** MS-OXTNEF 2.1.3.1: the TNEF stream's first four bytes (little-endian). */
const TNEF_SIGNATURE = 0x223e9f78;
/** MS-OXTNEF 2.1.3.3: attribute ids (type in the high word), the ones read here. */
const ATT_BODY = 0x0002800c;
const ATT_ATTACH_TITLE = 0x00018010;
const ATT_ATTACH_DATA = 0x0006800f;
const ATT_ATTACH_REND_DATA = 0x00069002;
const ATT_MAPI_PROPS = 0x00069003;
const ATT_ATTACHMENT = 0x00069005;
const ATT_OEM_CODEPAGE = 0x00069007;
/** MAPI property ids (MS-OXPROPS) read from attMAPIProps and attAttachment. */
const PR_BODY = 0x1000;
const PR_RTF_COMPRESSED = 0x1009;
const PR_BODY_HTML = 0x1013;
const PR_DISPLAY_NAME = 0x3001;
const PR_ATTACH_FILENAME = 0x3704;
const PR_ATTACH_LONG_FILENAME = 0x3707;
/** MAPI property types (MS-OXCDATA 2.11.1) whose values have a length of their own; the rest are fixed-size. */
const PT_STRING8 = 0x001e;
const PT_UNICODE = 0x001f;
const PT_BINARY = 0x0102;
const PT_OBJECT = 0x000d;
const MV_FLAG = 0x1000;
/** Bytes a fixed-size value takes in TNEF (MS-OXTNEF 2.1.3.4: 16-bit ones and booleans padded to 4). */
const FIXED_VALUE_BYTES: Readonly<Record<number, number>> = {
  0x0001: 4,
  0x0002: 4,
  0x0003: 4,
  0x0004: 4,
  0x0005: 8,
  0x0006: 8,
  0x0007: 8,
  0x000a: 4,
  0x000b: 4,
  0x0014: 8,
  0x0040: 8,
  0x0048: 16,
};

/**
 * The body and files of a TNEF stream (MS-OXTNEF): attBody, else the MAPI body (plain, HTML, or compressed RTF reduced
 * to text); each attachment's name (attAttachTitle, or its long file name) and, for a text file within
 * `maxTextBytes`, its text. Null when it is not TNEF; a stream cut short or damaged gives what was read before.
 */
export function readTnef(bytes: Buffer, reading: TnefReading): TnefContent | null {
  const { decode } = reading;
  if (bytes.length < 6 || bytes.readUInt32LE(0) !== TNEF_SIGNATURE) return null;
  let codepage = 1252;
  let plainBody = '';
  const mapiBodies: { plain?: string; html?: string; rtf?: Buffer } = {};
  interface TnefFile {
    title: string | null;
    longName: string | null;
    data: Buffer | null;
  }
  const files: TnefFile[] = [];
  try {
    // Attributes: a level byte, the id, the length, the data and a checksum (MS-OXTNEF 2.1.3.1).
    for (let at = 6; at + 9 <= bytes.length;) {
      const id = bytes.readUInt32LE(at + 1);
      const length = bytes.readUInt32LE(at + 5);
      const start = at + 9;
      if (start + length > bytes.length) break;
      const data = bytes.subarray(start, start + length);
      at = start + length + 2;
      // An attachment's attributes follow its attAttachRendData.
      const file = files.at(-1);
      if (id === ATT_OEM_CODEPAGE && length >= 4) codepage = data.readUInt32LE(0);
      else if (id === ATT_BODY) plainBody = tnefString(data, codepage, decode);
      else if (id === ATT_ATTACH_REND_DATA) files.push({ title: null, longName: null, data: null });
      else if (id === ATT_ATTACH_TITLE && file) file.title = tnefString(data, codepage, decode);
      else if (id === ATT_ATTACH_DATA && file) file.data = data;
      else if (id === ATT_ATTACHMENT && file) {
        for (const prop of mapiProperties(data)) {
          if (prop.id === PR_ATTACH_LONG_FILENAME || (prop.id === PR_DISPLAY_NAME && file.longName === null)) {
            file.longName = mapiString(prop, codepage, decode) || file.longName;
          } else if (prop.id === PR_ATTACH_FILENAME && file.title === null)
            file.title = mapiString(prop, codepage, decode);
        }
      } else if (id === ATT_MAPI_PROPS) {
        for (const prop of mapiProperties(data)) {
          if (prop.id === PR_BODY) mapiBodies.plain = mapiString(prop, codepage, decode) ?? undefined;
          else if (prop.id === PR_BODY_HTML && prop.values[0]) mapiBodies.html = decode(prop.values[0], 65001);
          else if (prop.id === PR_RTF_COMPRESSED && prop.values[0]) mapiBodies.rtf = prop.values[0];
        }
      }
    }
  } catch {
    // A damaged stream: what was read before the damage is kept.
  }
  const content: TnefContent = { body: plainBody.trim(), files: [], texts: [] };
  if (content.body === '') content.body = (mapiBodies.plain ?? '').trim();
  if (content.body === '' && mapiBodies.html) content.body = reading.htmlToText(mapiBodies.html);
  if (content.body === '' && mapiBodies.rtf)
    content.body = rtfText(decompressRtf(mapiBodies.rtf) ?? Buffer.alloc(0), decode);
  for (const file of files) {
    const name = file.longName ?? file.title;
    if (!name) continue;
    content.files.push(name);
    const data = file.data;
    if (data && reading.isTextFile(name) && data.length <= reading.maxTextBytes && data.indexOf(0) < 0) {
      content.texts.push({ name, text: decode(data, 65001).replace(/^\uFEFF/, '') });
    }
  }
  return content;
}

/** A TNEF string attribute: text in the stream's code page, ended by a NUL. */
function tnefString(data: Buffer, codepage: number, decode: Decode): string {
  const nul = data.indexOf(0);
  return decode(nul < 0 ? data : data.subarray(0, nul), codepage);
}

interface MapiProperty {
  id: number;
  type: number;
  values: Buffer[];
}

/** The properties of an attMAPIProps or attAttachment value (MS-OXTNEF 2.1.3.4), up to any damage in them. */
function mapiProperties(data: Buffer): MapiProperty[] {
  const props: MapiProperty[] = [];
  try {
    readMapiProperties(data, props);
  } catch {
    // Cut short or damaged: the properties before the damage are kept.
  }
  return props;
}

function readMapiProperties(data: Buffer, props: MapiProperty[]): void {
  const count = data.readUInt32LE(0);
  let at = 4;
  for (let i = 0; i < count && at + 4 <= data.length; i++) {
    const type = data.readUInt16LE(at);
    const id = data.readUInt16LE(at + 2);
    at += 4;
    if (id >= 0x8000) {
      // A named property: its GUID, then a number or a UTF-16 name.
      at += 16;
      const kind = data.readUInt32LE(at);
      at += 4;
      if (kind === 0) at += 4;
      else if (kind === 1) at += 4 + padded4(data.readUInt32LE(at));
      else break;
    }
    const base = type & ~MV_FLAG;
    const variable = base === PT_STRING8 || base === PT_UNICODE || base === PT_BINARY || base === PT_OBJECT;
    const fixed = FIXED_VALUE_BYTES[base];
    if (!variable && fixed === undefined) break;
    let n = 1;
    if (variable || (type & MV_FLAG) !== 0) {
      n = data.readUInt32LE(at);
      at += 4;
    }
    const values: Buffer[] = [];
    for (let v = 0; v < n && at <= data.length; v++) {
      const size = variable ? data.readUInt32LE(at) : fixed;
      if (variable) at += 4;
      if (at + size > data.length) return;
      values.push(data.subarray(at, at + size));
      at += variable ? padded4(size) : size;
    }
    props.push({ id, type: base, values });
  }
}

function padded4(n: number): number {
  return (n + 3) & ~3;
}

function mapiString(prop: MapiProperty, codepage: number, decode: Decode): string | null {
  const value = prop.values[0];
  if (value === undefined) return null;
  const text =
    prop.type === PT_UNICODE ? value.toString('utf16le') : prop.type === PT_STRING8 ? decode(value, codepage) : null;
  return text === null ? null : text.replace(/\0+$/, '');
}

/** The dictionary a compressed RTF stream starts from (MS-OXRTFCP 2.1.2.1). */
const RTF_PREBUF = Buffer.from(
  '{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss \\fmodern \\fscript \\fdecor MS Sans ' +
    'SerifSymbolArialTimes New RomanCourier{\\colortbl\\red0\\green0\\blue0\r\n\\par \\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx',
  'latin1',
);
const RTF_COMPRESSED = 0x75465a4c; // "LZFu"
/** Past this much RTF (pictures are stored in it as hex), the rest of a body is left out. */
const MAX_RTF_BYTES = 16 * 1024 * 1024;
const RTF_UNCOMPRESSED = 0x414c454d; // "MELA"

/** PR_RTF_COMPRESSED's RTF (MS-OXRTFCP): LZ77 over a 4 KB dictionary, or stored as it is; null when it is neither. */
function decompressRtf(data: Buffer): Buffer | null {
  if (data.length < 16) return null;
  const rawSize = data.readUInt32LE(4);
  const type = data.readUInt32LE(8);
  if (type === RTF_UNCOMPRESSED) return data.subarray(16, 16 + rawSize);
  if (type !== RTF_COMPRESSED) return null;
  const dictionary = Buffer.alloc(4096);
  RTF_PREBUF.copy(dictionary);
  let write = RTF_PREBUF.length;
  // The declared size bounds what is made of the stream, whatever its references say (a control byte and 8
  // references of 2 bytes make at most 136 bytes of 17), and so does MAX_RTF_BYTES, whatever the size says.
  const out = Buffer.alloc(Math.min(rawSize, data.length * 8, MAX_RTF_BYTES));
  let produced = 0;
  const put = (byte: number): boolean => {
    if (produced >= out.length) return false;
    out[produced++] = byte;
    dictionary[write] = byte;
    write = (write + 1) & 0xfff;
    return true;
  };
  for (let at = 16; at < data.length;) {
    const control = data[at++];
    for (let bit = 0; bit < 8 && at < data.length; bit++) {
      if ((control & (1 << bit)) === 0) {
        if (!put(data[at++])) return out.subarray(0, produced);
        continue;
      }
      if (at + 2 > data.length) return out.subarray(0, produced);
      const reference = data.readUInt16BE(at);
      at += 2;
      const offset = reference >> 4;
      // A reference to where the next byte goes ends the stream.
      if (offset === write) return out.subarray(0, produced);
      for (let i = 0; i < (reference & 0xf) + 2; i++) {
        if (!put(dictionary[(offset + i) & 0xfff])) return out.subarray(0, produced);
      }
    }
  }
  return out.subarray(0, produced);
}

/** RTF destinations that hold no text of the document (tables, pictures, headers, field instructions). */
const RTF_SKIPPED_DESTINATIONS = new Set([
  'fonttbl',
  'colortbl',
  'stylesheet',
  'info',
  'pict',
  'object',
  'header',
  'headerl',
  'headerr',
  'headerf',
  'footer',
  'footerl',
  'footerr',
  'footerf',
  'fldinst',
  'listtable',
  'listoverridetable',
  'revtbl',
  'rsidtbl',
  'filetbl',
  'xmlnstbl',
  'themedata',
  'colorschememapping',
  'latentstyles',
  'datastore',
]);

/**
 * The text of an RTF document as a reader shows it: paragraphs and tabs kept, control words, destinations that hold
 * no text and ignorable ones ({\*\…}, which includes the HTML tags of Outlook's encapsulated HTML) left out, \'hh
 * bytes in the document's code page and \uN characters decoded.
 */
function rtfText(rtf: Buffer, decode: Decode): string {
  const text = rtf.toString('latin1');
  let codepage = 1252;
  const out: string[] = [];
  let pending: number[] = [];
  const flush = () => {
    if (pending.length > 0) out.push(decode(Buffer.from(pending), codepage));
    pending = [];
  };
  interface Group {
    skip: boolean;
    uc: number;
  }
  let group: Group = { skip: false, uc: 1 };
  const stack: Group[] = [];
  // Characters still to drop after a \uN (its stand-ins for readers without Unicode).
  let dropping = 0;
  const emit = (s: string) => {
    if (group.skip) return;
    flush();
    out.push(s);
  };
  for (let i = 0; i < text.length;) {
    const c = text[i];
    if (c === '{') {
      stack.push(group);
      group = { ...group };
      dropping = 0;
      i++;
    } else if (c === '}') {
      group = stack.pop() ?? group;
      dropping = 0;
      i++;
    } else if (c === '\\') {
      const word = /^\\([a-zA-Z]{1,32})(-?\d{1,10})? ?/.exec(text.slice(i, i + 48));
      if (word) {
        i += word[0].length;
        const name = word[1];
        const param = word[2] === undefined ? null : Number(word[2]);
        if (dropping > 0) {
          dropping--;
          continue;
        }
        if (RTF_SKIPPED_DESTINATIONS.has(name)) group.skip = true;
        else if (name === 'par' || name === 'line' || name === 'row') emit('\n');
        else if (name === 'tab' || name === 'cell') emit('\t');
        else if (name === 'uc' && param !== null) group.uc = param;
        else if (name === 'ansicpg' && param !== null) codepage = param;
        else if (name === 'u' && param !== null) {
          emit(String.fromCharCode(param < 0 ? param + 65536 : param));
          dropping = group.uc;
        }
        continue;
      }
      const next = text[i + 1] ?? '';
      if (next === "'") {
        const byte = parseInt(text.slice(i + 2, i + 4), 16);
        i += 4;
        if (dropping > 0) dropping--;
        else if (!group.skip && !Number.isNaN(byte)) pending.push(byte);
        continue;
      }
      i += 2;
      if (next === '*') group.skip = true;
      else if (next === '\n' || next === '\r') emit('\n');
      else if (next === '~') emit('\u00a0');
      else if (next === '_') emit('-');
      else if (next === '\\' || next === '{' || next === '}') {
        if (dropping > 0) dropping--;
        else emit(next);
      }
    } else {
      i++;
      if (c === '\r' || c === '\n') continue;
      if (dropping > 0) dropping--;
      else emit(c);
    }
  }
  flush();
  return out
    .join('')
    .replace(/[ \t\u00a0]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
