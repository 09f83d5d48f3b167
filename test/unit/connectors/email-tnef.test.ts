// Outlook's winmail.dat (application/ms-tnef): the files and the body a person sees in Outlook are inside it, so the
// mail is found by them as by any other attachment. The TNEF streams are written here per MS-OXTNEF and MS-OXRTFCP.
import { describe, expect, it } from 'vitest';
import { parseEmailWithWarnings } from '../../../electron/connectors/email.js';

const ctx = { path: '/mail/Inbox', folder: 'Inbox' };

const LEVEL_MESSAGE = 1;
const LEVEL_ATTACHMENT = 2;
const attBody = 0x0002800c;
const attAttachTitle = 0x00018010;
const attAttachData = 0x0006800f;
const attAttachRendData = 0x00069002;
const attMAPIProps = 0x00069003;
const attAttachment = 0x00069005;
const attOemCodepage = 0x00069007;
const PT_STRING8 = 0x001e;
const PT_UNICODE = 0x001f;
const PT_BINARY = 0x0102;
const PT_LONG = 0x0003;

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

const padded = (b: Buffer) => Buffer.concat([b, Buffer.alloc((4 - (b.length % 4)) % 4)]);

/** One TNEF attribute: level, id, length, data, checksum (MS-OXTNEF 2.1.3.1). */
function attribute(level: number, id: number, data: Buffer): Buffer {
  const checksum = Buffer.alloc(2);
  checksum.writeUInt16LE(data.reduce((sum, byte) => (sum + byte) & 0xffff, 0));
  return Buffer.concat([Buffer.from([level]), u32(id), u32(data.length), data, checksum]);
}

function tnef(...attributes: Buffer[]): Buffer {
  return Buffer.concat([u32(0x223e9f78), Buffer.from([0x01, 0x00]), ...attributes]);
}

interface Prop {
  type: number;
  id: number;
  value: Buffer;
  /** A named property (id 0x8000 and up): its string name. */
  name?: string;
}

/** An attMAPIProps / attAttachment value (MS-OXTNEF 2.1.3.4). */
function mapiProps(props: Prop[]): Buffer {
  const parts = [u32(props.length)];
  for (const p of props) {
    const tag = Buffer.alloc(4);
    tag.writeUInt16LE(p.type);
    tag.writeUInt16LE(p.id, 2);
    parts.push(tag);
    if (p.name !== undefined) {
      const name = Buffer.from(`${p.name}\0`, 'utf16le');
      parts.push(Buffer.alloc(16, 0x42), u32(1), u32(name.length), padded(name));
    }
    if (p.type === PT_STRING8 || p.type === PT_UNICODE || p.type === PT_BINARY) {
      parts.push(u32(1), u32(p.value.length), padded(p.value));
    } else parts.push(padded(p.value));
  }
  return Buffer.concat(parts);
}

const unicode = (s: string) => Buffer.from(`${s}\0`, 'utf16le');

/**
 * PR_RTF_COMPRESSED (MS-OXRTFCP): its first `fromDictionary` bytes as one reference to the dictionary it starts
 * with (which begins "{\rtf1\ansi\mac"), the rest as literals, then the end reference.
 */
function compressedRtf(rtf: string, fromDictionary: number): Buffer {
  const bytes = Buffer.from(rtf, 'latin1');
  expect(bytes.subarray(0, fromDictionary).toString('latin1')).toBe('{\\rtf1\\ansi\\mac'.slice(0, fromDictionary));
  const tokens: (number | Buffer)[] = [];
  const reference = (offset: number, length: number) => {
    const b = Buffer.alloc(2);
    b.writeUInt16BE((offset << 4) | (length - 2));
    return b;
  };
  tokens.push(reference(0, fromDictionary));
  for (const byte of bytes.subarray(fromDictionary)) tokens.push(byte);
  // The dictionary's write position after the prebuilt text (207 bytes) and the output: the end marker.
  tokens.push(reference((207 + bytes.length) % 4096, 2));
  const body: Buffer[] = [];
  for (let i = 0; i < tokens.length; i += 8) {
    const run = tokens.slice(i, i + 8);
    body.push(
      Buffer.from([run.reduce<number>((control, t, bit) => control | (typeof t === 'number' ? 0 : 1 << bit), 0)]),
    );
    for (const t of run) body.push(typeof t === 'number' ? Buffer.from([t]) : t);
  }
  const data = Buffer.concat(body);
  return Buffer.concat([u32(data.length + 12), u32(bytes.length), u32(0x75465a4c), u32(0), data]);
}

function outlookMail(winmail: Buffer, plainBody: string | null): Buffer {
  const head = [
    'From: Dana Scully <dana@example.org>',
    'To: Fox Mulder <fox@example.org>',
    'Subject: Quarterly numbers',
    'Message-ID: <tnef@example.org>',
    'X-MS-TNEF-Correlator: 00000000B03CC41A0A406141B2DADC7F0FA7B35AA4C7BD00',
  ];
  const winmailPart = winmail.toString('base64').replace(/.{76}/g, '$&\n');
  if (plainBody === null) {
    return Buffer.from(
      [
        ...head,
        'Content-Type: application/ms-tnef; name="winmail.dat"',
        'Content-Transfer-Encoding: base64',
        '',
        winmailPart,
      ].join('\n'),
    );
  }
  return Buffer.from(
    [
      ...head,
      'Content-Type: multipart/mixed; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain; charset=us-ascii',
      '',
      plainBody,
      '--b',
      'Content-Type: application/ms-tnef; name="winmail.dat"',
      'Content-Transfer-Encoding: base64',
      'Content-Disposition: attachment; filename="winmail.dat"',
      '',
      winmailPart,
      '--b--',
      '',
    ].join('\n'),
  );
}

/** Outlook's winmail.dat with its body and two files: a PDF by its long name, and a text file. */
function winmailWithFiles(): Buffer {
  return tnef(
    attribute(LEVEL_MESSAGE, attOemCodepage, Buffer.concat([u32(1252), u32(437)])),
    attribute(LEVEL_MESSAGE, attBody, Buffer.from('The numbers are attached.\0', 'latin1')),
    attribute(LEVEL_ATTACHMENT, attAttachRendData, Buffer.alloc(14)),
    attribute(LEVEL_ATTACHMENT, attAttachTitle, Buffer.from('QUARTE~1.PDF\0', 'latin1')),
    attribute(LEVEL_ATTACHMENT, attAttachData, Buffer.from('%PDF-1.4 binary\0stuff')),
    attribute(
      LEVEL_ATTACHMENT,
      attAttachment,
      mapiProps([
        { type: PT_LONG, id: 0x0e20, value: u32(21) },
        { type: PT_UNICODE, id: 0x8005, name: 'x-ms-has-attach', value: unicode('yes') },
        { type: PT_STRING8, id: 0x3704, value: Buffer.from('QUARTE~1.PDF\0', 'latin1') },
        { type: PT_UNICODE, id: 0x3707, value: unicode('Quarterly report – Q3.pdf') },
      ]),
    ),
    attribute(LEVEL_ATTACHMENT, attAttachRendData, Buffer.alloc(14)),
    attribute(LEVEL_ATTACHMENT, attAttachTitle, Buffer.from('agenda.txt\0', 'latin1')),
    attribute(LEVEL_ATTACHMENT, attAttachData, Buffer.from('Budget review on Thursday, caf\xe9 at ten', 'latin1')),
  );
}

describe('parseEmail: winmail.dat (application/ms-tnef)', () => {
  it('lists the files inside it as attachments, indexes a text file in it, and its body once', async () => {
    const { doc, warnings } = await parseEmailWithWarnings(
      outlookMail(winmailWithFiles(), 'The numbers are attached.'),
      ctx,
    );
    expect(doc.metadata!.attachments).toEqual(['winmail.dat', 'Quarterly report – Q3.pdf', 'agenda.txt']);
    expect(doc.content).toBe(
      'The numbers are attached.\n\n' +
        'Attachment: agenda.txt\nBudget review on Thursday, café at ten\n\n' +
        'Attachments: winmail.dat, Quarterly report – Q3.pdf',
    );
    expect(warnings).toEqual([]);
  });

  it('reads the body Outlook kept only as compressed RTF, in a message that is nothing but winmail.dat', async () => {
    const rtf =
      '{\\rtf1\\ansi\\mac\\ansicpg1252\\deff0{\\fonttbl{\\f0\\fswiss Arial;}}{\\colortbl;\\red0\\green0\\blue0;}' +
      '{\\*\\htmltag64 <div class="body">}\\pard\\f0\\fs20 Dear Fox,\\par\\par The caf\\\'e9 costs 5 \\u8364?' +
      ' a cup.\\par {\\*\\htmltag72 </div>}\\tab Regards, Dana\\par}';
    const winmail = tnef(
      attribute(
        LEVEL_MESSAGE,
        attMAPIProps,
        mapiProps([
          { type: PT_UNICODE, id: 0x8001, name: 'acceptlanguage', value: unicode('en-US') },
          { type: PT_BINARY, id: 0x1009, value: compressedRtf(rtf, 14) },
        ]),
      ),
    );
    const { doc } = await parseEmailWithWarnings(outlookMail(winmail, null), ctx);
    expect(doc.content).toBe('Dear Fox,\n\nThe café costs 5 € a cup.\n\tRegards, Dana\n\nAttachments: winmail.dat');
    expect(doc.metadata!.attachments).toEqual(['winmail.dat']);
  });

  it('never fails the mail over a damaged winmail.dat: what could be read is kept, the rest of the mail is indexed', async () => {
    const whole = winmailWithFiles();
    const damaged = [
      // Cut inside the text file's data: the files named before the cut are listed.
      whole.subarray(0, whole.length - 10),
      // A property count and value lengths far beyond the bytes there are.
      tnef(
        attribute(LEVEL_ATTACHMENT, attAttachRendData, Buffer.alloc(14)),
        attribute(LEVEL_ATTACHMENT, attAttachment, Buffer.concat([u32(0xffffffff), u32(0x0102 | (0x3707 << 16))])),
        attribute(
          LEVEL_MESSAGE,
          attMAPIProps,
          Buffer.concat([u32(3), Buffer.from([0x02, 0x01, 0x09, 0x10]), u32(1), u32(0x7fffffff)]),
        ),
      ),
      // Compressed RTF whose references point past anything written, and whose size says 4 GB.
      tnef(
        attribute(
          LEVEL_MESSAGE,
          attMAPIProps,
          mapiProps([
            {
              type: PT_BINARY,
              id: 0x1009,
              value: Buffer.concat([u32(40), u32(0xffffffff), u32(0x75465a4c), u32(0), Buffer.alloc(24, 0xff)]),
            },
          ]),
        ),
      ),
      // Not TNEF at all.
      Buffer.from('this is not a TNEF stream'),
      Buffer.alloc(0),
    ];
    for (const winmail of damaged) {
      const { doc } = await parseEmailWithWarnings(outlookMail(winmail, 'See the attachment.'), ctx);
      expect(doc.title).toBe('Quarterly numbers');
      expect(doc.content).toMatch(/^See the attachment\.\n\n/);
      expect(doc.metadata!.attachments).toContain('winmail.dat');
    }
    const { doc: cut } = await parseEmailWithWarnings(outlookMail(damaged[0], 'See the attachment.'), ctx);
    expect(cut.metadata!.attachments).toEqual(['winmail.dat', 'Quarterly report – Q3.pdf', 'agenda.txt']);
  });
});
