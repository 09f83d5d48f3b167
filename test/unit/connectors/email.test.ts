import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  EmailParseError,
  headerHash,
  htmlToPlain,
  parseEmail,
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
    expect(doc.content).toContain('Attachment: invite.ics\nBEGIN:VCALENDAR');
    expect(doc.content).toContain('SUMMARY:Team standup in the orangery');
    expect(doc.content).not.toContain('PDF');
    expect(doc.metadata!.attachments).toEqual(['shopping.txt', 'invite.ics', 'receipt.pdf']);
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
