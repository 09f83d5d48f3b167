// Charsets as old and odd mailers name them: what a person finds of such mail, and how it reads in the results.
import { describe, expect, it } from 'vitest';
import { parseEmailWithWarnings } from '../../../electron/connectors/email.js';

const ctx = { path: '/mail/Inbox', folder: 'Inbox' };

const rawMail = (...lines: string[]): Buffer => Buffer.from(lines.join('\n') + '\n', 'latin1');

describe('parseEmail: encoded-words whose charset name is spelled unusually', () => {
  it('decodes a name with a trailing dot, a dotted name, an RFC 2231 language and a quoted name', async () => {
    const raw = rawMail(
      'From: =?ISO-8859-1.?Q?J=FCrgen_M=FCller?= <j@example.de>',
      'To: =?ISO-8859-15.?Q?Zo=EB?= <z@example.fr>, =?utf-8*en?Q?Bj=C3=B6rn?= <b@example.se>',
      'Subject: =?windows-1252.?B?Y2Fm6SA=?= =?ANSI_X3.4-1968?Q?order_?= =?iso-8859-1*de.DE?Q?f=FCr?= =?utf-8*en?Q?_M=C3=BCnchen?= =?"iso-8859-1"?Q?_=E0_midi?=',
      'Message-ID: <dotted@example.de>',
      'Content-Type: multipart/mixed; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain; charset=ISO-8859-1.',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      'Gr=FC=DFe aus K=F6ln',
      '--b',
      'Content-Type: application/pdf',
      'Content-Disposition: attachment; filename="=?ISO-8859-1.?Q?Geb=FChren.pdf?="',
      'Content-Transfer-Encoding: base64',
      '',
      'JVBERi0=',
      '--b--',
    );
    const { doc, warnings } = await parseEmailWithWarnings(raw, ctx);
    expect(doc.title).toBe('café order für München à midi');
    expect(doc.author).toBe('Jürgen Müller <j@example.de>');
    expect(doc.participants).toEqual(['Zoë <z@example.fr>', 'Björn <b@example.se>']);
    expect(doc.content).toContain('Grüße aus Köln');
    expect(doc.metadata!.attachments).toEqual(['Gebühren.pdf']);
    expect(warnings).toEqual([]);
  });

  it('reads a word in a charset nobody knows as UTF-8 when it is, else as Windows-1252, and one without a name', async () => {
    const raw = rawMail(
      'From: =?x-unknown?Q?Ren=E9e?= <r@example.fr>',
      'To: =?unknown-8bit?Q?Bj=C3=B6rn?= <b@example.se>',
      'Subject: =??Q?d=E9j=E0_vu?= again',
      '',
      'body',
    );
    const { doc } = await parseEmailWithWarnings(raw, ctx);
    expect(doc.author).toBe('Renée <r@example.fr>');
    expect(doc.participants).toEqual(['Björn <b@example.se>']);
    expect(doc.title).toBe('déjà vu again');
  });
});

describe('parseEmail: UTF-7 (RFC 2152), as old Outlook Express and Windows Mobile sent it', () => {
  it('decodes UTF-7 encoded-words and a UTF-7 body', async () => {
    const raw = rawMail(
      'From: =?utf-7?Q?Ren+AOk-e?= <r@example.fr>',
      'Subject: =?UNICODE-1-1-UTF-7?B?' + Buffer.from('Caf+AOk- +ZeVnLIqe- 1 +- 1').toString('base64') + '?=',
      'Message-ID: <utf7@example.fr>',
      'Content-Type: multipart/mixed; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain; charset="utf-7"',
      '',
      'Gr+APwA3w-e aus K+APY-ln, Hi Mom -+Jjo--!',
      '--b',
      'Content-Type: text/plain; charset=unicode-1-1-utf-7; name="notes.txt"',
      'Content-Disposition: attachment; filename="notes.txt"',
      '',
      'Men+APw- f+APw-r Montag',
      '--b--',
    );
    const { doc, warnings } = await parseEmailWithWarnings(raw, ctx);
    expect(doc.author).toBe('Renée <r@example.fr>');
    expect(doc.title).toBe('Café 日本語 1 + 1');
    expect(doc.content).toContain('Grüße aus Köln, Hi Mom -☺-!');
    expect(doc.content).toContain('Attachment: notes.txt\nMenü für Montag');
    expect(warnings).toEqual([]);
  });

  it('decodes a UTF-7 HTML body to its text', async () => {
    const raw = rawMail(
      'From: r@example.fr',
      'Subject: html',
      'Content-Type: text/html; charset=utf-7',
      '',
      '+ADw-p+AD4-Caf+AOk- cr+AOg-me+ADw-/p+AD4-',
    );
    const { doc } = await parseEmailWithWarnings(raw, ctx);
    expect(doc.content).toBe('Café crème');
  });
});
