import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  EmailParseError,
  headerHash,
  htmlToPlain,
  parseEmail,
  parseEmailWithWarnings,
  parseMailDate,
} from '../../../electron/connectors/email.js';
import { splitMboxBuffer, type MboxMessageEvent } from '../../../electron/connectors/mbox-splitter.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/mbox');

/** The messages of a fixture mbox, as the splitter hands them to the parser. */
function fixtureMessages(name: string): Buffer[] {
  return splitMboxBuffer(readFileSync(join(FIXTURES, name)))
    .filter((e): e is MboxMessageEvent => e.type === 'message')
    .map((m) => m.raw);
}

const ctx = { path: '/mail/Inbox', folder: 'Inbox' };

describe('parseEmail: real-world messages', () => {
  it('maps a Thunderbird message: title, author, participants, date, ids, thread', async () => {
    const [first, reply] = fixtureMessages('thunderbird/Local Folders/Inbox');
    const doc = await parseEmail(first, { ...ctx, flags: ['Seen'] });
    expect(doc).toMatchObject({
      id: '5f1c2a90-1b7e-4d0e-9a55-3c2b1e0d7f11@example.org',
      title: 'Quarterly planning notes',
      docType: 'email',
      path: '/mail/Inbox',
      author: 'Alice Liddell <alice@example.org>',
      participants: ['Bob Builder <bob@example.com>', 'Carol <carol@example.net>'],
      timestamp: Date.parse('2024-03-04T08:14:58Z'),
      threadId: '5f1c2a90-1b7e-4d0e-9a55-3c2b1e0d7f11@example.org',
      metadata: {
        folder: 'Inbox',
        flags: ['Seen'],
        attachments: [],
        messageId: '5f1c2a90-1b7e-4d0e-9a55-3c2b1e0d7f11@example.org',
      },
    });
    expect(doc.content).toContain('The budget line for the greenhouse');
    expect(doc.content).toContain('\nFrom the minutes: "we ship the prototype in April".');

    const r = await parseEmail(reply, ctx);
    expect(r.threadId).toBe(doc.id);
    expect(r.title).toBe('Re: Quarterly planning notes');
  });

  it('decodes an ISO-8859-1 encoded-word subject and a quoted-printable Latin-1 body', async () => {
    const [msg] = fixtureMessages('thunderbird/Local Folders/Archives.sbd/2023');
    const doc = await parseEmail(msg, ctx);
    expect(doc.title).toBe('Résumé of the café meeting');
    expect(doc.content).toContain('Le café est fermé le lundi. On se retrouve mardi à 10h.');
    // The soft line break (=\n) joins the two halves of the word.
    expect(doc.content).toContain('par un soft line break qui rejoint la ligne suivante.');
  });

  it('reduces an HTML-only multipart/alternative body to text, without styles, URLs or embedded images', async () => {
    const [order] = fixtureMessages('takeout/Takeout/Mail/All mail Including Spam and Trash.mbox');
    const doc = await parseEmail(order, ctx);
    expect(doc.title).toBe('Your order has shipped 🚚');
    expect(doc.author).toBe('Seed Shop <orders@shop.example.com>');
    expect(doc.content).toContain('Your order #4711 of heirloom seeds has shipped.');
    expect(doc.content).toContain('Track it');
    expect(doc.content).not.toContain('color:red');
    expect(doc.content).not.toContain('https://');
    expect(doc.metadata).toMatchObject({
      attachments: [],
      labels: ['Inbox', 'Important', 'Opened', 'Category Updates'],
      gmThreadId: '1792468001234567890',
    });
    expect(doc.tags).toEqual(['Inbox', 'Important', 'Opened', 'Category Updates']);
  });

  it('prefers text/plain (base64, UTF-8) and appends text attachments under "Attachment: name"', async () => {
    const [, mixed] = fixtureMessages('takeout/Takeout/Mail/All mail Including Spam and Trash.mbox');
    const doc = await parseEmail(mixed, ctx);
    expect(doc.title).toBe('Einkaufsliste für das Wochenende');
    expect(doc.author).toBe('Björn Müller <bjorn@gmail.com>');
    expect(doc.participants).toEqual(['Alice Liddell <alice@example.org>', 'Builder, Bob <bob@example.com>']);
    expect(
      doc.content.startsWith('Hallo zusammen,\n\nanbei die Einkaufsliste für Samstag und die Einladung zum Standup.'),
    ).toBe(true);
    expect(doc.content).not.toContain('<div');
    expect(doc.content).toContain('Attachment: shopping.txt\nShopping list\n- tomatoes');
    // An invitation reads as the calendar shows it, not as its iCalendar source.
    expect(doc.content).toContain(
      'Attachment: invite.ics\nEvent: Team standup in the orangery\nTuesday 12 March 2024, 09:00 (UTC)',
    );
    expect(doc.content).not.toContain('PDF');
    expect(doc.metadata!.attachments).toEqual(['shopping.txt', 'invite.ics', 'receipt.pdf']);
    // Found by its name (before, "receipt" found nothing); those with their text in already are not named again.
    expect(doc.content.endsWith('\n\nAttachments: receipt.pdf')).toBe(true);
  });

  it('gives a message without Message-ID a stable id from its headers, immune to CRLF and status rewrites', async () => {
    const [, , noId] = fixtureMessages('broken.mbox');
    const doc = await parseEmail(noId, ctx);
    expect(doc.id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(doc.threadId).toBe(doc.id);
    expect((await parseEmail(noId, ctx)).id).toBe(doc.id);

    const crlf = Buffer.from(noId.toString('latin1').replace(/\n/g, '\r\n'), 'latin1');
    expect((await parseEmail(crlf, ctx)).id).toBe(doc.id);
    const withStatus = Buffer.concat([
      Buffer.from('X-Mozilla-Status: 0001\nX-Mozilla-Status2: 00000000\nStatus: RO\n'),
      noId,
    ]);
    expect((await parseEmail(withStatus, ctx)).id).toBe(doc.id);
    const otherBody = Buffer.from(noId.toString('latin1').replace('Some clients', 'Other clients'), 'latin1');
    expect((await parseEmail(otherBody, ctx)).id).toBe(doc.id);
    const otherHeader = Buffer.from(
      noId.toString('latin1').replace('Subject: No Message-ID here', 'Subject: Another'),
      'latin1',
    );
    expect((await parseEmail(otherHeader, ctx)).id).not.toBe(doc.id);
  });

  it('uses "(no subject)" and the fallback time when Subject is empty and Date cannot be parsed', async () => {
    const [, , , undated] = fixtureMessages('broken.mbox');
    const doc = await parseEmail(undated, { ...ctx, fallbackTimestamp: 1234 });
    expect(doc.title).toBe('(no subject)');
    expect(doc.timestamp).toBe(1234);
    expect((await parseEmail(undated, ctx)).timestamp).toBeNull();
  });

  it('flattens address groups and drops duplicate participants', async () => {
    const raw = Buffer.from(
      'From: "Only Name"\nTo: Team: a@example.org, "B" <b@example.org>;, a@example.org\nCc: b@example.org\nSubject: s\nMessage-ID: <g@x>\n\nbody\n',
    );
    const doc = await parseEmail(raw, ctx);
    expect(doc.participants).toEqual(['a@example.org', 'B <b@example.org>', 'b@example.org']);
    expect(doc.author).toBe('Only Name');
  });
});

describe('parseEmail: ids, threads and labels as mailers really write them', () => {
  it('takes the id out of Message-ID, In-Reply-To and References that carry comments or several ids', async () => {
    const reply = await parseEmail(
      Buffer.from(
        [
          'From: b@x',
          'Subject: Re: plan',
          'Message-ID: <r1@x> (sent from my phone)',
          'In-Reply-To: <root@x> (a@x\'s message of "Mon, 1 Jan 2024 10:00:00 +0000")',
          '',
          'ok',
          '',
        ].join('\n'),
      ),
      ctx,
    );
    expect(reply.id).toBe('r1@x');
    expect(reply.threadId).toBe('root@x');

    const twoParents = await parseEmail(
      Buffer.from('From: b@x\nSubject: s\nMessage-ID: <r2@x>\nIn-Reply-To: <p1@x> <p2@x>\n\nok\n'),
      ctx,
    );
    expect(twoParents.threadId).toBe('p1@x');

    const commented = await parseEmail(
      Buffer.from('From: b@x\nSubject: s\nMessage-ID: <r3@x>\nReferences: (thread) <root@x>\n <p2@x>\n\nok\n'),
      ctx,
    );
    expect(commented.threadId).toBe('root@x');

    const bare = await parseEmail(Buffer.from('From: b@x\nSubject: s\nMessage-ID: bare@x\n\nok\n'), ctx);
    expect(bare.id).toBe('bare@x');
  });

  it('decodes Takeout labels written as one encoded-word and keeps a quoted label with a comma whole', async () => {
    const encoded = await parseEmail(
      Buffer.from(
        'X-Gmail-Labels: =?UTF-8?Q?=C3=85pnet,Kategori:_Reklame?=\nFrom: shop@x\nSubject: offers\nMessage-ID: <l1@x>\n\nx\n',
      ),
      ctx,
    );
    expect(encoded.tags).toEqual(['Åpnet', 'Kategori: Reklame']);

    const quoted = await parseEmail(
      Buffer.from('X-Gmail-Labels: Inbox, "Clients, Europe",Opened\nFrom: a@x\nSubject: s\nMessage-ID: <l2@x>\n\nx\n'),
      ctx,
    );
    expect(quoted.tags).toEqual(['Inbox', 'Clients, Europe', 'Opened']);
  });
});

describe('parseEmail: failures and limits', () => {
  it('rejects a message without a single header field with E_PARSE', async () => {
    const [, torn] = fixtureMessages('broken.mbox');
    const err = await parseEmail(torn, ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EmailParseError);
    expect((err as EmailParseError).code).toBe('E_PARSE');
    await expect(parseEmail(Buffer.alloc(0), ctx)).rejects.toBeInstanceOf(EmailParseError);
    await expect(parseEmail(Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x89]), ctx)).rejects.toBeInstanceOf(EmailParseError);
  });

  it('rejects what mailparser itself refuses (a header block over its 1 MB limit) with E_PARSE', async () => {
    const raw = Buffer.from(`Subject: x\nX-Junk: ${'a'.repeat(1100 * 1024)}\n\nbody\n`);
    await expect(parseEmail(raw, ctx)).rejects.toBeInstanceOf(EmailParseError);
  });

  it('lists a text attachment over the size cap but does not index its content', async () => {
    const big = 'word '.repeat(400);
    const raw = Buffer.from(
      [
        'From: a@example.org',
        'Subject: big attachment',
        'Message-ID: <big@x>',
        'Content-Type: multipart/mixed; boundary="b"',
        '',
        '--b',
        'Content-Type: text/plain',
        '',
        'see attached',
        '--b',
        'Content-Type: text/markdown; name="notes.md"',
        'Content-Disposition: attachment; filename="notes.md"',
        '',
        big,
        '--b',
        'Content-Type: application/octet-stream; name="data.csv"',
        'Content-Disposition: attachment; filename="data.csv"',
        '',
        'a,b\n1,2',
        '--b--',
        '',
      ].join('\n'),
    );
    const doc = await parseEmail(raw, { ...ctx, maxAttachmentTextBytes: 100 });
    expect(doc.metadata!.attachments).toEqual(['notes.md', 'data.csv']);
    expect(doc.content).not.toContain('Attachment: notes.md');
    expect(doc.content).toContain('Attachments: notes.md');
    expect(doc.content).toContain('Attachment: data.csv\na,b\n1,2');
    expect((await parseEmail(raw, ctx)).content).toContain('Attachment: notes.md\nword word');
  });

  it('falls back to a linear tag stripper for HTML too big or too deep for the converter', () => {
    const deep = `${'<b>'.repeat(60_000)}deep text${'</b>'.repeat(60_000)}`;
    expect(htmlToPlain(deep)).toBe('deep text');
    const big = `<html><head><title>T</title><style>.a{color:red}</style></head><body>${'<p>Hello <b>there</b> &amp; more</p>'.repeat(5000)}<script>var x = 1;</script><!-- note --></body></html>`;
    const text = htmlToPlain(big);
    expect(text.startsWith('Hello there & more\nHello there & more\n')).toBe(true);
    expect(text).not.toMatch(/color|var x|note|<|>/);
    // Hostile input: unterminated comments and style tags end the text instead of making the scan quadratic.
    expect(htmlToPlain(`ok ${'<!--'.repeat(100_000)}`)).toBe('ok');
    expect(htmlToPlain(`ok ${'<style>'.repeat(100_000)}`)).toBe('ok');
    expect(htmlToPlain('<p>a &amp; b</p><p>c</p>')).toBe('a & b\n\nc');
  });

  it("decodes every HTML entity on the stripper's path too, so a large newsletter's words are found", () => {
    const rows = '<tr><td><span>item</span></td></tr>'.repeat(1100);
    const newsletter = `<p>Caf&eacute; cr&egrave;me &mdash; don&#8217;t&nbsp;miss &#x2603; &amp;lt;</p><table>${rows}</table>`;
    expect(htmlToPlain(newsletter).split('\n')[0]).toBe('Café crème — don’t miss ☃ &lt;');
  });

  it('parses mail dates, with or without comments, and returns null for garbage', () => {
    expect(parseMailDate('Tue, 15 Nov 1994 08:12:31 GMT')).toBe(Date.parse('1994-11-15T08:12:31Z'));
    expect(parseMailDate('Mon, 4 Mar 2024 09:15:01 +0100 (CET)')).toBe(Date.parse('2024-03-04T08:15:01Z'));
    expect(parseMailDate('not a date at all')).toBeNull();
    expect(parseMailDate('')).toBeNull();
  });

  it('hashes only the header block for the fallback id', () => {
    const a = headerHash(Buffer.from('Subject: x\nFrom: a\n\nbody one\n'));
    expect(headerHash(Buffer.from('Subject: x\nFrom: a\n\nbody two\n'))).toBe(a);
    expect(headerHash(Buffer.from('Subject: x\r\nFrom: a\r\n\r\nbody\r\n'))).toBe(a);
    expect(headerHash(Buffer.from('Subject: x\nX-Mozilla-Status: 0003\nFrom: a\n\nbody\n'))).toBe(a);
  });
});

/** A message from lines joined with LF; a string is written as Latin-1 (one byte per character), a number[] as bytes. */
function rawMail(...lines: (string | number[])[]): Buffer {
  return Buffer.concat(lines.map((l) => Buffer.concat([Buffer.from(l as never, 'latin1'), Buffer.from('\n')])));
}

/** A message forwarded as a part of `outer`: its header lines, a blank line, then its body lines. */
function forwarding(partHeaders: string[], inner: string[], boundary = 'outer'): Buffer {
  return rawMail(
    'From: Bob <bob@example.com>',
    'To: Dana <dana@example.org>',
    'Subject: Fwd: greenhouse',
    'Message-ID: <fwd@example.com>',
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    'See the message below.',
    `--${boundary}`,
    ...partHeaders,
    '',
    ...inner,
    `--${boundary}--`,
    '',
  );
}

const INNER = [
  'From: Carol <carol@example.net>',
  'To: Alice <alice@example.org>',
  'Cc: Eve <eve@example.org>',
  'Subject: Greenhouse budget',
  'Date: Mon, 4 Mar 2024 09:15:01 +0100',
  'Message-ID: <inner@example.net>',
  '',
  'The zucchini allocation is final.',
];

describe('parseEmail: forwarded messages (message/rfc822, .eml)', () => {
  it('indexes a forwarded message as text of the one holding it, however its part is labelled', async () => {
    const expected =
      'See the message below.\n\nForwarded message: Greenhouse budget\nFrom: Carol <carol@example.net>\n' +
      'To: Alice <alice@example.org>, Eve <eve@example.org>\nDate: Mon, 4 Mar 2024 09:15:01 +0100\n' +
      'The zucchini allocation is final.';
    for (const partHeaders of [
      ['Content-Type: message/rfc822'],
      ['Content-Type: message/rfc822; name="budget.eml"', 'Content-Disposition: attachment; filename="budget.eml"'],
      ['Content-Type: application/octet-stream; name="budget.eml"', 'Content-Disposition: attachment'],
    ]) {
      const doc = await parseEmail(forwarding(partHeaders, INNER), ctx);
      expect(doc.content, partHeaders.join(' ')).toBe(expected);
      // The outer message keeps its own fields; the forwarded one is still listed as an attachment.
      expect(doc).toMatchObject({ id: 'fwd@example.com', title: 'Fwd: greenhouse', author: 'Bob <bob@example.com>' });
      expect(doc.participants).toEqual(['Dana <dana@example.org>']);
      expect(doc.metadata!.attachments).toHaveLength(1);
    }
  });

  it('decodes a base64 forwarded message and reduces its HTML-only body to text', async () => {
    const inner = Buffer.from(
      [
        'From: news@shop.example',
        'Subject: Spring sale',
        'Content-Type: text/html; charset=utf-8',
        '',
        '<html><head><style>.x{color:red}</style></head><body><p>Seedlings <b>half price</b> this week</p></body></html>',
        '',
      ].join('\r\n'),
    )
      .toString('base64')
      .replace(/.{76}/g, '$&\n');
    const doc = await parseEmail(
      forwarding(['Content-Type: message/rfc822', 'Content-Transfer-Encoding: base64'], [inner]),
      ctx,
    );
    expect(doc.content).toContain(
      'Forwarded message: Spring sale\nFrom: news@shop.example\nSeedlings half price this week',
    );
    expect(doc.content).not.toContain('color:red');
    expect(doc.content).not.toContain('<p>');
  });

  it('reads forwarded messages 3 levels deep, and only lists one further down', async () => {
    let message = ['From: d4@example.org', 'Subject: level four', '', 'fourth level words'];
    for (const level of [3, 2, 1]) {
      const b = `b${level}`;
      message = [
        `From: d${level}@example.org`,
        `Subject: level ${['one', 'two', 'three'][level - 1]}`,
        `Content-Type: multipart/mixed; boundary="${b}"`,
        '',
        `--${b}`,
        'Content-Type: text/plain',
        '',
        `words of level ${level}`,
        `--${b}`,
        'Content-Type: message/rfc822',
        'Content-Disposition: attachment; filename="deeper.eml"',
        '',
        ...message,
        `--${b}--`,
      ];
    }
    const doc = await parseEmail(forwarding(['Content-Type: message/rfc822'], message), ctx);
    expect(doc.content).toContain('Forwarded message: level one\nFrom: d1@example.org\nwords of level 1');
    expect(doc.content).toContain('Forwarded message: level two\nFrom: d2@example.org\nwords of level 2');
    expect(doc.content).toContain('Forwarded message: level three\nFrom: d3@example.org\nwords of level 3');
    expect(doc.content).not.toContain('level four');
    expect(doc.content).not.toContain('fourth level words');
  });

  it('keeps to the attachment size limit: a large forwarded message is read up to it, its text before its files', async () => {
    const big = 'QUJD'.repeat(20_000).replace(/.{76}/g, '$&\n');
    const inner = [
      'From: Carol <carol@example.net>',
      'Subject: Photos',
      'Content-Type: multipart/mixed; boundary="in"',
      '',
      '--in',
      'Content-Type: text/plain',
      '',
      'Photos of the greenhouse attached.',
      '--in',
      'Content-Type: image/jpeg; name="a.jpg"',
      'Content-Transfer-Encoding: base64',
      '',
      big,
      // Past the 4 KB read of the small limit below.
      '--in',
      'Content-Type: text/plain; name="late.txt"',
      'Content-Disposition: attachment; filename="late.txt"',
      '',
      'words past the limit',
      '--in--',
    ];
    const raw = forwarding(['Content-Type: message/rfc822'], inner);
    const small = await parseEmail(raw, { ...ctx, maxAttachmentTextBytes: 4096 });
    expect(small.content).toContain(
      'Forwarded message: Photos\nFrom: Carol <carol@example.net>\nPhotos of the greenhouse attached.',
    );
    expect(small.content).not.toContain('words past the limit');
    expect(small.content.length).toBeLessThan(4096);
    const all = await parseEmail(raw, ctx);
    expect(all.content).toContain('Attachment: late.txt\nwords past the limit');
  });
});

describe('parseEmail: 8-bit text without a declared charset', () => {
  it('reads raw Latin-1 / windows-1252 header bytes and an undeclared 8-bit body as mail programs do', async () => {
    const raw = rawMail(
      'From: Jürgen Müller <m@example.de>',
      'To: Zoë <z@example.fr>, "Größe, Ölaf" <o@example.de>',
      'Subject: Grüße aus Köln',
      'Message-ID: <latin1@example.de>',
      '',
      'Ärger über die Gebühren.',
      [0x80, 0x20, 0x35, 0x30, 0x20, 0x93, 0x71, 0x75, 0x6f, 0x74, 0x65, 0x64, 0x94, 0x20, 0x96, 0x20, 0x6f, 0x6b],
    );
    const { doc, warnings } = await parseEmailWithWarnings(raw, ctx);
    expect(doc.title).toBe('Grüße aus Köln');
    expect(doc.author).toBe('Jürgen Müller <m@example.de>');
    expect(doc.participants).toEqual(['Zoë <z@example.fr>', 'Größe, Ölaf <o@example.de>']);
    expect(doc.content).toBe('Ärger über die Gebühren.\n€ 50 “quoted” – ok');
    expect(warnings).toEqual([]);
  });

  it('decodes undeclared quoted-printable and multipart parts, and text attachments, the same way', async () => {
    const raw = rawMail(
      'From: a@example.de',
      'Subject: Anhang',
      'Content-Type: multipart/mixed; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      '=C4rger mit der Stra=DFe',
      '--b',
      'Content-Type: text/plain; name="liste.txt"',
      'Content-Disposition: attachment; filename="liste.txt"',
      '',
      'Käse und Brötchen',
      '--b--',
    );
    const doc = await parseEmail(raw, ctx);
    expect(doc.content).toBe('Ärger mit der Straße\n\nAttachment: liste.txt\nKäse und Brötchen');
  });

  it('reads a part whose charset no decoder knows (mutt\'s "unknown-8bit") as one that declares none', async () => {
    for (const charset of ['unknown-8bit', 'x-unknown', 'ansi']) {
      const raw = rawMail(
        'From: a@example.de',
        'Subject: Gebühren',
        'Content-Type: multipart/mixed; boundary="b"',
        '',
        '--b',
        `Content-Type: text/plain; charset=${charset}`,
        'Content-Transfer-Encoding: 8bit',
        '',
        [...Buffer.from('Ärger über die Gebühren: ', 'latin1'), 0x80, ...Buffer.from(' 50')],
        '--b',
        `Content-Type: text/plain; charset=${charset}; name="liste.txt"`,
        'Content-Disposition: attachment; filename="liste.txt"',
        '',
        'Käse',
        '--b--',
      );
      const { doc, warnings } = await parseEmailWithWarnings(raw, ctx);
      expect(doc.content, charset).toBe('Ärger über die Gebühren: € 50\n\nAttachment: liste.txt\nKäse');
      expect(warnings).toEqual([]);
    }
    // Valid UTF-8 under such a label stays UTF-8.
    const utf8 = Buffer.from('Subject: s\nContent-Type: text/plain; charset=unknown-8bit\n\nÄrger über 😀\n', 'utf8');
    expect((await parseEmail(utf8, ctx)).content).toBe('Ärger über 😀');
  });

  it('keeps undeclared UTF-8 as UTF-8, and a declared charset decoding its part (no second decoding)', async () => {
    const utf8 = Buffer.from(
      'From: Jürgen <j@example.de>\nSubject: Grüße\nMessage-ID: <u@x>\n\nÄrger über 😀\n',
      'utf8',
    );
    const u = await parseEmail(utf8, ctx);
    expect([u.title, u.author, u.content]).toEqual(['Grüße', 'Jürgen <j@example.de>', 'Ärger über 😀']);

    // ISO-8859-2: 0xB1 is "ą" (windows-1252 would say "±"), 0xE6 "ć".
    const latin2 = rawMail(
      'From: p@example.pl',
      'Subject: =?ISO-8859-2?Q?Pi=B1tek?=',
      'Content-Type: text/plain; charset=ISO-8859-2',
      '',
      [0x70, 0x69, 0xb1, 0x74, 0x65, 0x6b, 0x20, 0xe6],
    );
    const l = await parseEmail(latin2, ctx);
    expect(l.title).toBe('Piątek');
    expect(l.content).toBe('piątek ć');
  });

  it('warns W_BAD_UTF8 for text that is not valid in the charset it declares, and only then', async () => {
    const mislabelled = rawMail(
      'From: a@example.de',
      'Subject: =?utf-8?Q?Gr=FC=DFe?=',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Ärger',
    );
    const { doc, warnings } = await parseEmailWithWarnings(mislabelled, ctx);
    expect(doc.content).toBe('Ärger');
    expect(warnings).toEqual([
      expect.objectContaining({ code: 'W_BAD_UTF8', message: expect.stringMatching(/read as Windows-1252/) }),
    ]);

    // The same sent as base64 or quoted-printable: no raw byte shows it, the decoded text does.
    for (const [encoding, body] of [
      ['base64', Buffer.from('Grüße, naïve café', 'latin1').toString('base64')],
      ['quoted-printable', 'Gr=FC=DFe, na=EFve caf=E9'],
    ]) {
      const hidden = rawMail(
        'From: a@example.de',
        'Subject: hidden',
        'Content-Type: text/plain; charset="UTF-8"',
        `Content-Transfer-Encoding: ${encoding}`,
        '',
        body,
      );
      const parsed = await parseEmailWithWarnings(hidden, ctx);
      expect(parsed.doc.content, encoding).toBe('Grüße, naïve café');
      expect(parsed.warnings.map((w) => w.code)).toEqual(['W_BAD_UTF8']);
    }
    // Valid UTF-8 with one stray Latin-1 byte keeps its other characters.
    const mixed = rawMail(
      'From: a@example.de',
      'Subject: mixed',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.concat([Buffer.from('日本語 and caf'), Buffer.from([0xe9])]).toString('base64'),
    );
    expect((await parseEmailWithWarnings(mixed, ctx)).doc.content).toBe('日本語 and café');

    // A message that holds U+FFFD as such (valid UTF-8) is fine.
    const quoted = await parseEmailWithWarnings(Buffer.from('From: a@x\nSubject: s\n\nit showed \uFFFD here\n'), ctx);
    expect(quoted.warnings).toEqual([]);
    // So is an ASCII message whose broken base64 or unknown charset decodes to junk: no 8-bit text was lost. (An
    // encoded-word in an unknown charset is read as UTF-8 if valid, else windows-1252, as a body in one is.)
    const junk = await parseEmailWithWarnings(
      rawMail(
        'From: =?x-unknown?Q?Al=FFice?= <alice@example.org>',
        'Subject: =?utf-8?B?!!!not-base64!!!?=',
        'Content-Type: text/plain; charset=x-no-such-charset',
        'Content-Transfer-Encoding: base64',
        '',
        '!!!! not base64 at all',
      ),
      ctx,
    );
    expect(junk.doc.author).toBe('Al\u00ffice <alice@example.org>');
    expect(junk.doc.title).toContain('\uFFFD');
    expect(junk.warnings).toEqual([]);
  });
});

describe('parseEmail: signed mail as mail programs show it', () => {
  it('does not list the signature of an S/MIME or PGP/MIME signed message as an attachment', async () => {
    for (const [protocol, type, name] of [
      ['application/pkcs7-signature', 'application/pkcs7-signature', 'smime.p7s'],
      ['application/x-pkcs7-signature', 'application/x-pkcs7-signature', 'smime.p7s'],
      ['application/pgp-signature', 'application/pgp-signature', 'signature.asc'],
    ]) {
      const raw = rawMail(
        'From: signer@example.com',
        'Subject: Signed contract',
        `Content-Type: multipart/signed; protocol="${protocol}"; micalg=sha-256; boundary="sig"`,
        '',
        '--sig',
        'Content-Type: multipart/mixed; boundary="in"',
        '',
        '--in',
        'Content-Type: text/plain; charset=utf-8',
        '',
        'The aardvark contract, signed.',
        '--in',
        'Content-Type: application/pdf; name="contract.pdf"',
        'Content-Disposition: attachment; filename="contract.pdf"',
        'Content-Transfer-Encoding: base64',
        '',
        'JVBERi0=',
        '--in--',
        '--sig',
        `Content-Type: ${type}; name="${name}"`,
        `Content-Disposition: attachment; filename="${name}"`,
        'Content-Transfer-Encoding: base64',
        '',
        'MIAGCSqGSIb3DQEHAqCAMIACAQExDzANBglghkgBZQMEAgEFADCABgkqhkiG9w0BBwEAAKCAMIIF',
        '--sig--',
      );
      const doc = await parseEmail(raw, ctx);
      expect(doc.content, type).toBe('The aardvark contract, signed.\n\nAttachments: contract.pdf');
      expect(doc.metadata!.attachments).toEqual(['contract.pdf']);
    }
  });

  it('shows an inline PGP-signed body without its armor and signature, dash-escaped lines as written', async () => {
    const raw = rawMail(
      'From: signer@example.com',
      'Subject: Inline signed',
      '',
      'Please note:',
      '',
      '-----BEGIN PGP SIGNED MESSAGE-----',
      'Hash: SHA256',
      '',
      'The platypus budget is approved.',
      '- -----',
      'Bob',
      '-----BEGIN PGP SIGNATURE-----',
      '',
      'iQEzBAEBCAAdFiEEabcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ',
      '=XyZ1',
      '-----END PGP SIGNATURE-----',
      '',
      '-- ',
      'Mailing list footer',
    );
    const doc = await parseEmail(raw, ctx);
    expect(doc.content).toBe(
      'Please note:\n\nThe platypus budget is approved.\n-----\nBob\n\n-- \nMailing list footer',
    );

    // A mail that only quotes the armor, or holds no signature, keeps its text.
    const quoted = rawMail('Subject: q', '', '> -----BEGIN PGP SIGNED MESSAGE-----', '> Hash: SHA256', '', 'text');
    expect((await parseEmail(quoted, ctx)).content).toBe(
      '> -----BEGIN PGP SIGNED MESSAGE-----\n> Hash: SHA256\n\ntext',
    );
    const unsigned = rawMail('Subject: q', '', '-----BEGIN PGP SIGNED MESSAGE-----', 'Hash: SHA256', '', 'text');
    expect((await parseEmail(unsigned, ctx)).content).toBe('-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\ntext');
  });
});

describe('parseEmail: S/MIME signed "opaque" (smime.p7m)', () => {
  it('indexes the message inside the signature, as mail programs show it, its attachments included', async () => {
    const [der, ber, enveloped] = fixtureMessages('smime-opaque.mbox');
    const signed = await parseEmail(der, ctx);
    expect(signed.title).toBe('Signed contract');
    expect(signed.content).toBe(
      'The pangolin contract is signed. Grüße.\n\nAttachment: terms.txt\nPayment within thirty days.',
    );
    expect(signed.metadata!.attachments).toEqual(['terms.txt']);

    // Signed by a streaming signer: indefinite lengths and the content in chunks (BER, not DER).
    const streamed = await parseEmail(ber, ctx);
    expect(streamed.content).toBe('The okapi invoice is signed.');
    expect(streamed.metadata!.attachments).toEqual([]);

    // Encrypted: nothing to read without the key; the part stays listed.
    expect((await parseEmail(enveloped, ctx)).content).toBe('Attachments: smime.p7m');
  });
});

describe('parseEmail: calendar invitations', () => {
  const ics = [
    'BEGIN:VCALENDAR',
    'METHOD:REQUEST',
    'BEGIN:VEVENT',
    'SUMMARY:Budget review with the Zanzibar team',
    // Folded inside a word, and a comma escaped, as calendar programs write them.
    'LOCATION:Conference room Peli',
    ' can\\, 2nd floor',
    'DTSTART:20240310T100000Z',
    'END:VEVENT',
    'END:VCALENDAR',
  ].join('\r\n');

  it("indexes the event of an invitation's text/calendar alternative as the calendar shows it", async () => {
    const raw = rawMail(
      'From: Organizer <org@example.com>',
      'Subject: Invitation: Budget review',
      'Content-Type: multipart/alternative; boundary="alt"',
      '',
      '--alt',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'You have been invited.',
      '--alt',
      'Content-Type: text/calendar; charset=utf-8; method=REQUEST',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from(ics).toString('base64'),
      '--alt--',
    );
    const doc = await parseEmail(raw, ctx);
    expect(doc.content).toBe(
      'You have been invited.\n\nEvent: Budget review with the Zanzibar team\n' +
        'Sunday 10 March 2024, 10:00 (UTC)\nLocation: Conference room Pelican, 2nd floor',
    );
    expect(doc.metadata!.attachments).toEqual([]);

    // What the calendar parser cannot read is kept as text, its folds joined.
    const broken = rawMail(
      'Subject: Invitation',
      'Content-Type: text/calendar; charset=utf-8',
      '',
      'SUMMARY:not a cal',
      ' endar at all',
    );
    expect((await parseEmail(broken, ctx)).content).toBe('SUMMARY:not a calendar at all');
  });

  it("indexes Gmail's invitation once, though it comes as the alternative and as invite.ics (application/ics)", async () => {
    const raw = rawMail(
      'From: Organizer <org@example.com>',
      'Subject: Invitation: Budget review',
      'Content-Type: multipart/mixed; boundary="mixed"',
      '',
      '--mixed',
      'Content-Type: multipart/alternative; boundary="alt"',
      '',
      '--alt',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'You have been invited.',
      '--alt',
      'Content-Type: text/calendar; charset="UTF-8"; method=REQUEST',
      '',
      ics,
      '--alt--',
      '--mixed',
      'Content-Type: application/ics; name="invite.ics"',
      'Content-Disposition: attachment; filename="invite.ics"',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from(ics).toString('base64'),
      '--mixed--',
    );
    const doc = await parseEmail(raw, ctx);
    expect(doc.content.match(/Zanzibar/g)).toHaveLength(1);
    expect(doc.content).toContain('Location: Conference room Pelican, 2nd floor');
    expect(doc.content.endsWith('\n\nAttachments: invite.ics')).toBe(true);

    // invite.ics alone (an invitation forwarded as a file) is read too.
    const alone = rawMail(
      'From: Organizer <org@example.com>',
      'Subject: Fwd: the invitation',
      'Content-Type: multipart/mixed; boundary="mixed"',
      '',
      '--mixed',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'See attached.',
      '--mixed',
      'Content-Type: application/ics; name="invite.ics"',
      'Content-Disposition: attachment; filename="invite.ics"',
      '',
      ics,
      '--mixed--',
    );
    const fwd = await parseEmail(alone, ctx);
    expect(fwd.content).toContain('Attachment: invite.ics\nEvent: Budget review with the Zanzibar team\n');
    expect(fwd.content).toContain('Location: Conference room Pelican, 2nd floor');
  });
});

describe('parseEmail: raw header text in the charset the message declares', () => {
  // The texts in their charsets, as Python's codecs write them (Node has no encoder for these).
  const ENCODED: Record<string, string> = {
    项目进度报告: 'cfeec4bfbdf8b6c8b1a8b8e6',
    王伟: 'cdf5ceb0',
    本周项目进度正常: 'b1bed6dccfeec4bfbdf8b6c8d5fdb3a3',
    'Отчёт за квартал': 'efd4dea3d420dac120cbd7c1d2d4c1cc',
    Иван: 'e9d7c1ce',
    'Квартальный отчёт готов': 'ebd7c1d2d4c1ccd8ced9ca20cfd4dea3d420c7cfd4cfd7',
    見積書の件: '8ca990cf8f9182cc8c8f',
    鈴木: '97e996d8',
    見積書を送ります: '8ca990cf8f9182f0919782e882dc82b7',
    'Квартальный отчёт': 'ebd7c1d2d4c1ccd8ced9ca20cfd4dea3d4',
    готов: 'c7cfd4cfd7',
    田中: '1b2442454443661b2842',
    会議のお知らせ: '1b244232713544244e242a434e2469243b1b2842',
    明日の会議: '1b24424c40467c244e327135441b2842',
  };
  const bytes = (text: string, charset: string) => {
    const bytes = [...Buffer.from(ENCODED[text], 'hex')];
    expect(new TextDecoder(charset).decode(Buffer.from(bytes))).toBe(text);
    return bytes;
  };

  it('reads 8-bit Subject and names by the charset of the message (GB2312, KOI8-R, Shift_JIS), not as Latin-1', async () => {
    for (const [charset, subject, name, body] of [
      ['GB2312', '项目进度报告', '王伟', '本周项目进度正常'],
      ['KOI8-R', 'Отчёт за квартал', 'Иван', 'Квартальный отчёт готов'],
      ['Shift_JIS', '見積書の件', '鈴木', '見積書を送ります'],
    ]) {
      const raw = rawMail(
        [...Buffer.from('From: '), ...bytes(name, charset), ...Buffer.from(' <x@example.org>')],
        [...Buffer.from('Subject: '), ...bytes(subject, charset)],
        'Message-ID: <cs@example.org>',
        `Content-Type: text/plain; charset=${charset}`,
        'Content-Transfer-Encoding: 8bit',
        '',
        bytes(body, charset),
      );
      const { doc, warnings } = await parseEmailWithWarnings(raw, ctx);
      expect([doc.title, doc.author, doc.content], charset).toEqual([subject, `${name} <x@example.org>`, body]);
      expect(warnings).toEqual([]);
    }
  });

  it("takes a multipart message's charset from its first text part", async () => {
    const raw = rawMail(
      [...Buffer.from('Subject: '), ...bytes('Квартальный отчёт', 'KOI8-R')],
      'Content-Type: multipart/mixed; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain; charset="koi8-r"',
      'Content-Transfer-Encoding: 8bit',
      '',
      bytes('готов', 'KOI8-R'),
      '--b--',
    );
    const doc = await parseEmail(raw, ctx);
    expect([doc.title, doc.content]).toEqual(['Квартальный отчёт', 'готов']);
  });

  it('reads ISO-2022-JP header text written without encoded-words (7-bit escape sequences)', async () => {
    const raw = rawMail(
      [...Buffer.from('From: '), ...bytes('田中', 'ISO-2022-JP'), ...Buffer.from(' <tanaka@example.jp>')],
      [...Buffer.from('Subject: '), ...bytes('会議のお知らせ', 'ISO-2022-JP')],
      'Content-Type: text/plain; charset=ISO-2022-JP',
      '',
      bytes('明日の会議', 'ISO-2022-JP'),
    );
    const doc = await parseEmail(raw, ctx);
    expect([doc.title, doc.author, doc.content]).toEqual(['会議のお知らせ', '田中 <tanaka@example.jp>', '明日の会議']);
  });

  it('keeps 8-bit header text that is valid UTF-8 as UTF-8, whatever the body declares', async () => {
    const raw = rawMail(
      [...Buffer.from('Subject: Grüße', 'utf8')],
      'Content-Type: text/plain; charset=iso-8859-1',
      '',
      [0x47, 0x72, 0xfc, 0xdf, 0x65],
    );
    const doc = await parseEmail(raw, ctx);
    expect([doc.title, doc.content]).toEqual(['Grüße', 'Grüße']);
  });
});

describe('parseEmail: encoded-words that say UTF-8 over Latin-1 bytes', () => {
  it('reads them as Windows-1252, byte by byte, in Subject, names and file names, and warns as for a body', async () => {
    const latin1 = (s: string) => Buffer.from(s, 'latin1').toString('base64');
    const raw = rawMail(
      `From: =?UTF-8?B?${latin1('Jürgen Müller')}?= <j@example.de>`,
      'To: =?utf-8?q?Zo=EB?= <z@example.fr>, =?utf-8?Q?Bj=C3=B6rn?= <b@example.se>',
      // Adjacent words of one charset are one text: the first ends in UTF-8, the second in Latin-1.
      'Subject: =?utf-8?Q?Gr=FC=DFe_aus_?= =?utf-8?Q?K=F6ln_=E2=82=AC?= =?UTF-8?Q?_und_caf=E9?=',
      'Message-ID: <hdr-latin1@example.de>',
      'Content-Type: multipart/mixed; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Anbei.',
      '--b',
      'Content-Type: application/pdf',
      'Content-Disposition: attachment; filename="=?utf-8?Q?Geb=FChren.pdf?="',
      'Content-Transfer-Encoding: base64',
      '',
      'JVBERi0=',
      '--b--',
    );
    const { doc, warnings } = await parseEmailWithWarnings(raw, ctx);
    expect(doc.title).toBe('Grüße aus Köln € und café');
    expect(doc.author).toBe('Jürgen Müller <j@example.de>');
    expect(doc.participants).toEqual(['Zoë <z@example.fr>', 'Björn <b@example.se>']);
    expect(doc.metadata!.attachments).toEqual(['Gebühren.pdf']);
    expect(doc.content).toContain('Attachments: Gebühren.pdf');
    expect(warnings).toEqual([
      expect.objectContaining({ code: 'W_BAD_UTF8', message: expect.stringMatching(/read as Windows-1252/) }),
    ]);
  });

  it('warns for such text in a forwarded message too', async () => {
    const raw = forwarding(
      ['Content-Type: message/rfc822'],
      ['From: a@example.de', 'Subject: =?utf-8?Q?Gr=FC=DFe?=', 'Content-Type: text/plain; charset=utf-8', '', 'Hallo'],
    );
    const { doc, warnings } = await parseEmailWithWarnings(raw, ctx);
    expect(doc.content).toContain('Forwarded message: Grüße\nFrom: a@example.de\nHallo');
    expect(warnings.map((w) => w.message)).toEqual([expect.stringMatching(/read as Windows-1252/)]);
  });

  it('keeps valid UTF-8 words as they are, a character split across two words included, without a warning', async () => {
    const raw = rawMail(
      'From: =?utf-8?B?w4RnaXI=?= <a@example.de>',
      'Subject: =?utf-8?Q?caf=C3?= =?utf-8?Q?=A9_?= =?UTF-8?B?5pel5pys?=',
      '',
      'body',
    );
    const { doc, warnings } = await parseEmailWithWarnings(raw, ctx);
    expect(doc.title).toBe('café 日本');
    expect(doc.author).toBe('Ägir <a@example.de>');
    expect(warnings).toEqual([]);
  });
});

describe('parseEmail: a multipart whose boundary never appears', () => {
  it('indexes the raw body (decoded as 8-bit text is) instead of nothing, without base64 lines', async () => {
    const raw = rawMail(
      'From: a@example.org',
      'Subject: lost boundary',
      'Message-ID: <nob@x>',
      'Content-Type: multipart/mixed; boundary="declared"',
      '',
      '--actual',
      'Content-Type: text/plain',
      '',
      'The seed order went out on Tuesday, Grüße.',
      '--actual',
      'Content-Type: application/pdf',
      'Content-Transfer-Encoding: base64',
      '',
      'JVBERi0xLjQKJcfsj6IKNSAwIG9iago8PC9MZW5ndGggNiAwIFIvRmlsdGVyIC9GbGF0ZURlY29k',
      'ZT4+CnN0cmVhbQp4nCvkMlAwUDC1NNUzMVGwMDHSszRSKErlCtfiyuMCAB9QBDgKZW5kc3RyZWFt',
      '--actual--',
    );
    const doc = await parseEmail(raw, ctx);
    expect(doc.content).toContain('The seed order went out on Tuesday, Grüße.');
    expect(doc.content).not.toContain('JVBERi0');
    expect(doc.content.length).toBeLessThan(200);

    // A multipart whose parts are found is read as before: no MIME structure in the text.
    const fine = await parseEmail(
      rawMail(
        'From: a@x',
        'Subject: s',
        'Content-Type: multipart/mixed; boundary="b"',
        '',
        '--b',
        '',
        'hello',
        '--b--',
      ),
      ctx,
    );
    expect(fine.content).toBe('hello');
  });
});

describe('parseMailDate: zone names outside RFC 5322', () => {
  it('reads common zone names, with the most common meaning of an ambiguous one', () => {
    const at = (iso: string) => Date.parse(iso);
    expect(parseMailDate('Mon, 4 Mar 2024 09:15:01 CET')).toBe(at('2024-03-04T08:15:01Z'));
    expect(parseMailDate('Tue, 4 Jun 2024 09:15:01 CEST')).toBe(at('2024-06-04T07:15:01Z'));
    expect(parseMailDate('Tue, 4 Jun 2024 09:15:01 MET DST')).toBe(at('2024-06-04T07:15:01Z'));
    expect(parseMailDate('Tue, 4 Jun 2024 09:15:01 BST')).toBe(at('2024-06-04T08:15:01Z'));
    expect(parseMailDate('Tue, 4 Jun 2024 09:15:01 JST')).toBe(at('2024-06-04T00:15:01Z'));
    expect(parseMailDate('Tue, 4 Jun 2024 09:15:01 IST')).toBe(at('2024-06-04T03:45:01Z'));
    expect(parseMailDate('Tue, 4 Jun 2024 09:15:01 AEST')).toBe(at('2024-06-03T23:15:01Z'));
    expect(parseMailDate('4 Jun 2024 09:15 nzst')).toBe(at('2024-06-03T21:15:00Z'));
    expect(parseMailDate('Tue Jun  4 09:15:01 CEST 2024')).toBe(at('2024-06-04T07:15:01Z'));
    // A numeric offset wins over a name next to it.
    expect(parseMailDate('Tue, 4 Jun 2024 09:15:01 +0200 CEST')).toBe(at('2024-06-04T07:15:01Z'));
    expect(parseMailDate('Tue, 4 Jun 2024 09:15:01 -0500 (CDT)')).toBe(at('2024-06-04T14:15:01Z'));
    expect(parseMailDate('Tue, 4 Jun 2024 09:15:01 XYZ')).toBeNull();
  });

  it('dates a message whose Date names such a zone', async () => {
    const doc = await parseEmail(Buffer.from('From: a@x\nSubject: s\nDate: Tue, 4 Jun 2024 09:15:01 CEST\n\nbody\n'), {
      ...ctx,
      fallbackTimestamp: 1,
    });
    expect(doc.timestamp).toBe(Date.parse('2024-06-04T07:15:01Z'));
  });
});
