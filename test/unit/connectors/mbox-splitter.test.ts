import { createHash } from 'node:crypto';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CURSOR_WINDOW,
  chainStartOf,
  checkResumePoint,
  digestPrefix,
  formatCursor,
  isBareEnvelope,
  isFromLine,
  parseCursor,
  PrefixHasher,
  prefixUnchanged,
  splitMboxBuffer,
  splitMboxFile,
  type MboxEvent,
  type MboxMessageEvent,
} from '../../../electron/connectors/mbox-splitter.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs('jarvis-mbox-split-');
const FIXTURES = join(import.meta.dirname, '../../fixtures/mbox');
const fixture = (name: string) => readFileSync(join(FIXTURES, name));

function messages(events: MboxEvent[]): MboxMessageEvent[] {
  return events.filter((e): e is MboxMessageEvent => e.type === 'message');
}

function bodies(events: MboxEvent[]): string[] {
  return messages(events).map((m) => m.raw.toString('utf8'));
}

function endOf(events: MboxEvent[]) {
  const last = events[events.length - 1];
  if (last.type !== 'end') throw new Error('the last event must be "end"');
  return last;
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const hashBefore = (data: Buffer, offset: number) => sha(data.subarray(Math.max(0, offset - CURSOR_WINDOW), offset));

function envelope(i = 0): string {
  return `From sender${i}@example.org Mon Jan  1 00:00:${String(i % 60).padStart(2, '0')} 2024`;
}

function message(i: number, body = `Body ${i}.`): string {
  return `${envelope(i)}\nMessage-ID: <m${i}@example.org>\nSubject: Message ${i}\n\n${body}\n\n`;
}

describe('From_ line recognition', () => {
  it('accepts the envelope lines real mail programs write', () => {
    for (const line of [
      'From MAILER-DAEMON Fri Jul  8 12:08:34 2011',
      'From - Mon Mar 04 09:15:02 2024', // Thunderbird
      'From 1792468001234567890@xxx Wed Mar 06 14:23:52 +0000 2024', // Google Takeout
      'From user@example.com Thu, 01 Jan 2015 10:00:00 +0100',
      'From a@b Tue Mar 18 19:33:43 GMT 2008',
      'From "john doe"@example.org Sat Jan  3 01:05:34 1996',
      'From a@b Sat Jan  3 01:05 1996',
      'From  Mon Jan  1 00:00:00 2001',
    ]) {
      expect(isFromLine(line), line).toBe(true);
    }
  });

  it('rejects body lines that merely start with "From "', () => {
    for (const line of [
      'From here on, the garden team owns the schedule.',
      'From Monday 10:30 we meet in the orangery instead.',
      'From Jan 5 10:00 onwards',
      'From: alice@example.org',
      'From',
      'from a@b Mon Jan  1 00:00:00 2001',
    ]) {
      expect(isFromLine(line), line).toBe(false);
    }
  });
});

describe('MboxSplitter on fixtures', () => {
  it('does not split on a "From here…" body line after a blank line', () => {
    const events = splitMboxBuffer(fixture('from-in-body.mbox'));
    const [first, second] = bodies(events);
    expect(bodies(events)).toHaveLength(2);
    expect(first).toContain('\nFrom here on, the garden team owns the greenhouse schedule.\n');
    expect(first).toContain('\nFrom Monday 10:30 we meet in the orangery instead.\n');
    expect(second).toContain('Subject: Re: Handover');
  });

  it('removes exactly one ">" from ">From " lines (mboxrd), and leaves other ">" lines alone', () => {
    const [first] = bodies(splitMboxBuffer(fixture('mboxrd.mbox')));
    expect(first).toContain('\nFrom one level\n>From two levels\n>>From three levels\n> From (not a From_ line');
  });

  it('splits a CRLF mbox and keeps CRLF inside messages', () => {
    const events = splitMboxBuffer(fixture('crlf.mbox'));
    const [first, second] = bodies(events);
    expect(bodies(events)).toHaveLength(2);
    expect(first).toMatch(/^Message-ID: <crlf-1@example\.com>\r\n/);
    expect(first.endsWith('CRLF line endings.\r\n')).toBe(true);
    expect(second).toContain('\r\nFrom the second message, with a quoted From line.\r\n');
    expect(messages(events)[0].envelope).toBe('From someone@example.com Thu Feb 01 08:00:00 2024');
    expect(endOf(events).cursor.offset).toBe(fixture('crlf.mbox').length);
  });

  it('treats a last message without the trailing blank line as complete when the file ends with a newline', () => {
    const data = fixture('no-trailing-blank.mbox');
    const events = splitMboxBuffer(data);
    expect(bodies(events)).toHaveLength(2);
    expect(bodies(events)[1]).toMatch(/\n\nTwo\.\n$/);
    expect(events.some((e) => e.type === 'truncated')).toBe(false);
    expect(endOf(events).cursor).toEqual({ offset: data.length, hash: hashBefore(data, data.length) });
  });

  it('removes NUL bytes and finds the From_ line after a zero-filled gap', () => {
    const events = splitMboxBuffer(fixture('nul-bytes.mbox'));
    const msgs = messages(events);
    expect(msgs).toHaveLength(2);
    expect(msgs[0].hadNul).toBe(true);
    expect(msgs[0].raw.includes(0)).toBe(false);
    expect(msgs[0].raw.toString()).toContain('Beforethe gap.');
    expect(msgs[1].raw.toString()).toContain('Subject: After a zero-filled gap');
    expect(msgs[1].hadNul).toBe(false);
  });

  it('reports bytes before the first From_ line as junk, and ignores leading blank lines', () => {
    const junk = splitMboxBuffer(Buffer.from(`Some preamble\nnot mail\n\n${message(1)}`));
    expect(junk[0]).toEqual({ type: 'junk', offset: 0, length: 24 });
    expect(bodies(junk)).toHaveLength(1);
    const blank = splitMboxBuffer(Buffer.from(`\n\r\n${message(1)}`));
    expect(blank.map((e) => e.type)).toEqual(['message', 'end']);
  });
});

describe('MboxSplitter: a From_ line without a blank line before it', () => {
  /** A message as `message()` writes it, without the blank line after it. */
  const tight = (i: number, body = `Body ${i}.`) => message(i, body).slice(0, -1);

  it('accepts only whole asctime envelopes as bare ones', () => {
    for (const line of [
      'From MAILER-DAEMON Fri Jul  8 12:08:34 2011',
      'From - Mon Jan 01 00:00:00 2001',
      'From user@example.com Sat Jan  3 01:05:34 1996',
      'From 1234567890@xxx Thu Nov 12 10:00:00 +0000 2020',
      'From a@b Tue Mar 18 19:33:43 GMT 2008',
      'From a@b Sat Jan  3 01:05 1996 remote from c',
    ]) {
      expect(isBareEnvelope(line), line).toBe(true);
    }
    for (const line of [
      'From here on, we meet on Mon Jan  1 10:00:00 2024',
      'From Monday 10:30 we meet in the orangery instead.',
      'From user@example.com Thu, 01 Jan 2015 10:00:00 +0100',
      'From "john doe"@example.org Sat Jan  3 01:05:34 1996',
      'From  Mon Jan  1 00:00:00 2001',
      'From a@b Mon Jan  1 00:00:00 2001x',
    ]) {
      expect(isBareEnvelope(line), line).toBe(false);
    }
  });

  it('splits at a real envelope followed by a header line, in any chunks', () => {
    const takeout = 'From 1234567890@xxx Thu Nov 12 10:00:00 +0000 2020';
    const data = Buffer.from(
      tight(1) +
        'From - Mon Jan 01 00:00:00 2001\r\nSubject: Two\n\nBody 2.\n' +
        tight(3) +
        `${takeout}\nX-GM-THRID: 1\n\nBody 4.\n`,
    );
    const whole = splitMboxBuffer(data, { checkpointEvery: 1 });
    expect(bodies(whole)).toEqual([
      'Message-ID: <m1@example.org>\nSubject: Message 1\n\nBody 1.\n',
      'Subject: Two\n\nBody 2.\n',
      'Message-ID: <m3@example.org>\nSubject: Message 3\n\nBody 3.\n',
      'X-GM-THRID: 1\n\nBody 4.\n',
    ]);
    expect(messages(whole).map((m) => m.envelope)).toEqual([
      envelope(1),
      'From - Mon Jan 01 00:00:00 2001',
      envelope(3),
      takeout,
    ]);
    const second = tight(1).length;
    expect(messages(whole)[0]).toMatchObject({
      length: second,
      cursor: { offset: second, hash: hashBefore(data, second) },
    });
    for (const chunkSize of [1, 5, 33, 64])
      expect(splitMboxBuffer(data, { checkpointEvery: 1, chunkSize })).toEqual(whole);
    // Resumed at that boundary, the rest reads the same.
    const resumed = splitMboxBuffer(data.subarray(second), {
      startOffset: second,
      history: data.subarray(Math.max(0, second - CURSOR_WINDOW), second),
    });
    expect(messages(resumed).map((m) => m.offset)).toEqual(
      messages(whole)
        .slice(1)
        .map((m) => m.offset),
    );
  });

  it('does not split at a body line that starts with "From " but is no envelope', () => {
    const data = Buffer.from(tight(1, 'We talked.\nFrom here on, we: meet on Mondays.') + '\n' + message(2));
    expect(bodies(splitMboxBuffer(data))).toEqual([
      'Message-ID: <m1@example.org>\nSubject: Message 1\n\nWe talked.\nFrom here on, we: meet on Mondays.\n',
      expect.stringContaining('Subject: Message 2'),
    ]);
  });

  it('does not split at an envelope quoted in a body unless a header line follows it', () => {
    for (const after of ['and then the bounce said:', '', '  indented: not a header', 'From: nobody']) {
      const quoted = `${envelope(7)}\n${after}`;
      const data = Buffer.from(tight(1, `Forwarded:\n${quoted}`) + '\n' + message(2));
      const events = splitMboxBuffer(data, { chunkSize: 9 });
      const expected = after.startsWith('From:') ? 3 : 2;
      expect(bodies(events), after).toHaveLength(expected);
      if (expected === 2) expect(bodies(events)[0], after).toContain(`\nForwarded:\n${quoted}\n`);
    }
  });

  it('leaves a last message ending on a bare envelope line open: what follows decides, on the next read', () => {
    const data = Buffer.from(tight(1) + `${envelope(2)}\n`);
    const events = splitMboxBuffer(data, { chunkSize: 10 });
    expect(bodies(events)).toEqual([`Message-ID: <m1@example.org>\nSubject: Message 1\n\nBody 1.\n${envelope(2)}\n`]);
    expect(messages(events)[0].open).toBe(true);
    expect(endOf(events).cursor.offset).toBe(0);
    // Once its header line is written, the same bytes and more split there.
    const grown = Buffer.concat([data, Buffer.from('Subject: Message 2\n\nBody 2.\n')]);
    expect(bodies(splitMboxBuffer(grown))).toEqual([
      'Message-ID: <m1@example.org>\nSubject: Message 1\n\nBody 1.\n',
      'Subject: Message 2\n\nBody 2.\n',
    ]);
  });
});

describe('MboxSplitter: offsets, cursors and the incomplete tail', () => {
  it('reports each message span and, when asked, a cursor at the next message', () => {
    const data = Buffer.from(message(1) + message(2) + message(3));
    const events = splitMboxBuffer(data, { checkpointEvery: 1 });
    const msgs = messages(events);
    expect(msgs.map((m) => [m.offset, m.length])).toEqual([
      [0, message(1).length],
      [message(1).length, message(2).length],
      [message(1).length + message(2).length, message(3).length],
    ]);
    for (const m of msgs) {
      const end = m.offset + m.length;
      expect(m.cursor).toEqual({ offset: end, hash: hashBefore(data, end) });
    }
    // Every 2nd message, and the last one, which ends at a complete end of file.
    const every2 = messages(splitMboxBuffer(data, { checkpointEvery: 2 })).flatMap((m) =>
      m.cursor ? [m.cursor.offset] : [],
    );
    expect(every2).toEqual([message(1).length + message(2).length, data.length]);
    expect(
      messages(splitMboxBuffer(data))
        .filter((m) => m.cursor)
        .map((m) => m.cursor!.offset),
    ).toEqual([data.length]);
  });

  it('yields a last message that ends without a final newline as open, and keeps the cursor at its start', () => {
    const complete = message(1) + message(2);
    const data = Buffer.from(complete + `${envelope(3)}\nSubject: Message 3\n\nHalf a li`);
    for (const chunkSize of [7, 100, data.length]) {
      const events = splitMboxBuffer(data, { chunkSize });
      expect(bodies(events)).toEqual([
        'Message-ID: <m1@example.org>\nSubject: Message 1\n\nBody 1.\n',
        expect.any(String),
        'Subject: Message 3\n\nHalf a li',
      ]);
      expect(events.some((e) => e.type === 'truncated')).toBe(false);
      expect(messages(events).map((m) => m.open)).toEqual([undefined, undefined, true]);
      expect(messages(events)[2]).toMatchObject({ offset: complete.length, length: data.length - complete.length });
      expect(endOf(events).cursor).toEqual({ offset: complete.length, hash: hashBefore(data, complete.length) });
    }
  });

  it('does not yield a last message whose header block is still open', () => {
    const complete = message(1);
    const data = Buffer.from(complete + `${envelope(2)}\nMessage-ID: <m2@example.org>\n`);
    const events = splitMboxBuffer(data);
    expect(bodies(events)).toHaveLength(1);
    expect(endOf(events).cursor.offset).toBe(complete.length);
  });

  it('sees a From_ line that is still being written as the start of the next message', () => {
    for (const partial of ['F', 'From', 'From sender3@example.org Mon Ja']) {
      const data = Buffer.from(message(1) + message(2) + partial);
      const events = splitMboxBuffer(data);
      expect(bodies(events), partial).toHaveLength(2);
      expect(endOf(events).cursor.offset, partial).toBe(message(1).length + message(2).length);
    }
  });

  it('skips an oversized message but keeps its span, and goes on with the next one', () => {
    const big = message(2, 'x'.repeat(5000));
    const data = Buffer.from(message(1) + big + message(3));
    const events = splitMboxBuffer(data, { maxMessageBytes: 1000, chunkSize: 700 });
    expect(events.map((e) => e.type)).toEqual(['message', 'oversized', 'message', 'end']);
    expect(events[1]).toMatchObject({ offset: message(1).length, length: big.length, envelope: envelope(2) });
    expect(endOf(events).cursor.offset).toBe(data.length);
  });

  it('handles lines far longer than a chunk, including a long quoted >From line', () => {
    const long = 'y'.repeat(20_000);
    const data = Buffer.from(message(1, `${long}\n>From ${long}`) + message(2));
    for (const chunkSize of [1000, 4096, 100_000]) {
      const events = splitMboxBuffer(data, { chunkSize });
      expect(bodies(events)[0]).toContain(`\n${long}\nFrom ${long}\n`);
      expect(bodies(events)).toHaveLength(2);
    }
    const noNewline = splitMboxBuffer(Buffer.from(`${envelope(1)}\nSubject: x\n\n${'z'.repeat(50_000)}`), {
      chunkSize: 3000,
    });
    expect(noNewline.map((e) => e.type)).toEqual(['message', 'end']);
    expect(messages(noNewline)[0]).toMatchObject({ open: true, offset: 0 });
    expect(endOf(noNewline).cursor.offset).toBe(0);
  });

  it('formats and parses cursors, rejecting anything else', () => {
    const c = { offset: 123, hash: 'a'.repeat(64) };
    expect(parseCursor(formatCursor(c))).toEqual(c);
    const full = {
      ...c,
      fullReadAt: 1_700_000_000_000,
      prefix: { chain: 'b'.repeat(64), tail: 'c'.repeat(64) },
      pending: true,
      unverified: true,
    };
    expect(parseCursor(formatCursor(full))).toEqual(full);
    // A cursor written before prefix digests still reads.
    expect(parseCursor(`123:${'a'.repeat(64)}:f1700000000000:p`)).toEqual({
      offset: 123,
      hash: 'a'.repeat(64),
      fullReadAt: 1_700_000_000_000,
      pending: true,
    });
    for (const bad of [
      null,
      '',
      '12',
      'x:' + 'a'.repeat(64),
      '1:' + 'g'.repeat(64),
      `-1:${'a'.repeat(64)}`,
      `99999999999999999:${'a'.repeat(64)}`,
    ]) {
      expect(parseCursor(bad)).toBeNull();
    }
  });
});

describe('splitMboxFile and checkResumePoint', () => {
  it('streams a file from a start offset and agrees with the in-memory splitter', async () => {
    const dir = tempDir();
    const path = join(dir, 'box');
    const data = Buffer.from(
      Array.from({ length: 40 }, (_, i) => message(i, `Body ${i}\n${'text '.repeat(200)}`)).join(''),
    );
    writeFileSync(path, data);
    const all: MboxEvent[] = [];
    for await (const ev of splitMboxFile(path, { highWaterMark: 1024 })) all.push(ev);
    expect(all).toEqual(splitMboxBuffer(data));

    const start = messages(all)[30].offset;
    const tail: MboxEvent[] = [];
    for await (const ev of splitMboxFile(path, { start, highWaterMark: 1000 })) tail.push(ev);
    expect(messages(tail).map((m) => m.offset)).toEqual(
      messages(all)
        .slice(30)
        .map((m) => m.offset),
    );
    expect(endOf(tail).cursor).toEqual(endOf(all).cursor);
  });

  it('accepts a resume point only with the same prefix and a message starting there', async () => {
    const dir = tempDir();
    const path = join(dir, 'box');
    writeFileSync(path, message(1) + message(2));
    const offset = message(1).length;
    const cursor = { offset, hash: hashBefore(readFileSync(path), offset) };
    const check = async () => {
      const fh = await open(path, 'r');
      try {
        return await checkResumePoint(fh, (await fh.stat()).size, cursor);
      } finally {
        await fh.close();
      }
    };
    expect((await check()).ok).toBe(true);

    writeFileSync(path, message(1));
    expect(await check()).toMatchObject({ ok: true }); // the cursor at end of file: nothing new yet
    appendFileSync(path, 'the rest of a message that was still being written\n\n');
    expect(await check()).toEqual({ ok: false, reason: 'not-a-boundary' });

    writeFileSync(path, message(1).replace('Body 1', 'Body X') + message(2));
    expect(await check()).toEqual({ ok: false, reason: 'prefix-changed' });

    writeFileSync(path, message(1).slice(0, 20));
    expect(await check()).toEqual({ ok: false, reason: 'shrank' });
  });
});

/** mboxrd quoting, as a writer applies it: every line matching ^>*From gets one more '>'. */
function quoteMboxrd(body: string): string {
  return body.replace(/^(>*From )/gm, '>$1');
}

const lineArb = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '',
      'From ',
      '>From ',
      '>>From x',
      'From here on',
      envelope(7),
      `>${envelope(8)}`,
      '> quoted',
      'F',
      '>',
    ),
  },
  { weight: 2, arbitrary: fc.string({ maxLength: 30 }).map((s) => s.replace(/[\n\r\0]/g, ' ')) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom('From ', '>From ', '>>>From '), fc.string({ maxLength: 20 }))
      .map(([a, b]) => a + b.replace(/[\n\r\0]/g, '')),
  },
);
const bodyArb = fc.array(lineArb, { minLength: 1, maxLength: 12 }).map((lines) => `${lines.join('\n')}\n`);

describe('property tests', () => {
  it('mboxrd: quoting on the way in and splitting on the way out gives back every message exactly', () => {
    fc.assert(
      fc.property(
        fc.array(bodyArb, { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 64 }),
        fc.boolean(),
        (bodiesIn, chunkSize, crlf) => {
          const eol = crlf ? '\r\n' : '\n';
          const conv = (s: string) => (crlf ? s.replace(/\n/g, '\r\n') : s);
          const mbox = bodiesIn.map((b, i) => `${envelope(i)}${eol}${conv(quoteMboxrd(b))}${eol}`).join('');
          const events = splitMboxBuffer(Buffer.from(mbox, 'utf8'), { chunkSize });
          expect(bodies(events)).toEqual(bodiesIn.map(conv));
          expect(endOf(events).cursor.offset).toBe(Buffer.byteLength(mbox));
        },
      ),
      { seed: 4155, numRuns: 1500 },
    );
  });

  const bytesArb = fc
    .array(
      fc.oneof(
        fc.uint8Array({ maxLength: 40 }),
        fc
          .constantFrom('From ', `${envelope(1)}\n`, '\n', '\r\n', '\n\n', '>From ', '\0\0', 'Subject: x\n', 'F')
          .map((s) => Buffer.from(s)),
      ),
      { maxLength: 60 },
    )
    .map((parts) => Buffer.concat(parts.map((p) => Buffer.from(p))));

  it('never throws, terminates, covers the input with ordered spans, resumes exactly, and does not depend on chunking', () => {
    fc.assert(
      fc.property(
        bytesArb,
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 0, max: 200 }),
        (data, chunkSize, maxMessageBytes) => {
          const opts = { maxMessageBytes: maxMessageBytes === 0 ? undefined : maxMessageBytes, checkpointEvery: 1 };
          const events = splitMboxBuffer(data, { ...opts, chunkSize });
          expect(events).toEqual(splitMboxBuffer(data, opts));
          const end = endOf(events);
          expect(events.filter((e) => e.type === 'end')).toHaveLength(1);
          let pos = -1;
          let covered = 0;
          for (const ev of events) {
            if (ev.type === 'end') continue;
            expect(ev.offset).toBeGreaterThanOrEqual(Math.max(pos, 0));
            expect(ev.offset + ev.length).toBeLessThanOrEqual(data.length);
            pos = ev.offset + ev.length;
            if (ev.type !== 'junk') covered += ev.length;
            if ((ev.type === 'message' || ev.type === 'oversized') && ev.cursor) {
              expect(ev.cursor).toEqual({ offset: pos, hash: hashBefore(data, pos) });
            }
            if (ev.type === 'message') expect(ev.raw.includes(0)).toBe(false);
          }
          const spans = events.filter((e) => e.type === 'message' || e.type === 'oversized' || e.type === 'truncated');
          if (spans.length > 0) expect(covered).toBe(data.length - spans[0].offset);
          expect(end.cursor.offset).toBeLessThanOrEqual(data.length);
          expect(end.cursor.hash).toBe(hashBefore(data, end.cursor.offset));
          expect(end.scannedTo).toBe(data.length);
          // Resuming at any cursor sees exactly what the full pass saw from there on.
          const cursors = events.flatMap((e) =>
            (e.type === 'message' || e.type === 'oversized') && e.cursor ? [e.cursor] : [],
          );
          const comparable = (evs: MboxEvent[]) => evs.map((e) => (e.type === 'end' ? { ...e, messages: 0 } : e));
          for (const c of [...cursors, end.cursor]) {
            const resumed = splitMboxBuffer(data.subarray(c.offset), {
              ...opts,
              chunkSize,
              startOffset: c.offset,
              history: data.subarray(Math.max(0, c.offset - CURSOR_WINDOW), c.offset),
            });
            expect(comparable(resumed)).toEqual(
              comparable(events.filter((e) => e.type === 'end' || e.offset >= c.offset)),
            );
          }
        },
      ),
      { seed: 20240306, numRuns: 1500 },
    );
  });
});

describe('prefix digests', () => {
  /** A file of `length` printable bytes, opened for reading and writing, and its digest taken from the start. */
  async function fileOf(length: number, block: number) {
    const path = join(tempDir(), 'box');
    const data = Buffer.from(Array.from({ length }, (_, i) => String.fromCharCode(32 + ((i * 7919) % 95))).join(''));
    writeFileSync(path, data);
    const fh = await open(path, 'r+');
    const fromStart = (offset: number) => digestPrefix(fh, offset, chainStartOf(null, block)!, block);
    /** A hasher fed the whole file from its start, `chunk` bytes at a time, as a pass reading it would. */
    const fedHasher = (chunk: number) => {
      const hasher = new PrefixHasher(chainStartOf(null, block)!, block);
      for (let at = 0; at < data.length; at += chunk) hasher.feed(data.subarray(at, Math.min(at + chunk, data.length)));
      return hasher;
    };
    return { data, fh, fromStart, fedHasher };
  }

  it('extended from an earlier cursor equal the digest taken from the start, and see any changed byte', async () => {
    const block = 256;
    const { data, fh, fromStart } = await fileOf(3000, block);
    try {
      for (const [earlier, later] of [
        [0, 0],
        [0, 255],
        [100, 256],
        [256, 257],
        [300, 2999],
        [1024, 3000],
      ]) {
        const before = await fromStart(earlier);
        const extended = await digestPrefix(
          fh,
          later,
          chainStartOf({ offset: earlier, prefix: before }, block)!,
          block,
        );
        expect(extended).toEqual(await fromStart(later));
      }
      // A cursor from before digests gives no chain to extend.
      expect(chainStartOf({ offset: 300 }, block)).toBeNull();

      const cursor = { offset: 2000, hash: '', prefix: await fromStart(2000) };
      expect(await prefixUnchanged(fh, cursor, block, 'all')).toBe(true);
      await fh.write(Buffer.from('#'), 0, 1, 10); // a byte in the first block
      expect(await prefixUnchanged(fh, cursor, block, 'tail')).toBe(true); // the tail alone does not see it
      expect(await prefixUnchanged(fh, cursor, block, 'all')).toBe(false);
      await fh.write(data.subarray(10, 11), 0, 1, 10);
      await fh.write(Buffer.from('#'), 0, 1, 1990); // a byte after the last complete block
      expect(await prefixUnchanged(fh, cursor, block, 'tail')).toBe(false);
      await fh.write(data.subarray(1990, 1991), 0, 1, 1990);
      expect(await prefixUnchanged(fh, cursor, block, 'all')).toBe(true);
      await fh.truncate(1500);
      expect(await prefixUnchanged(fh, cursor, block, 'all')).toBe(false);
    } finally {
      await fh.close();
    }
  });

  it('are of the bytes a pass parsed, even when the file was rewritten after they were read', async () => {
    const block = 512;
    const { fh, fromStart, fedHasher } = await fileOf(3000, block);
    try {
      const hasher = fedHasher(400);
      const parsed = await fromStart(2900);
      // A status header rewritten in place just behind the cursor, after the pass had read it.
      await fh.write(Buffer.from('#'), 0, 1, 2800);
      expect(await hasher.digestAt(fh, 2900)).toEqual(parsed);
      expect(await hasher.digestAt(fh, 2900)).not.toEqual(await fromStart(2900));
    } finally {
      await fh.close();
    }
  });

  it('read the tail from the file when asked about bytes fed more than a block ago', async () => {
    const block = 512;
    const { fh, fromStart, fedHasher } = await fileOf(3000, block);
    try {
      const hasher = fedHasher(1100);
      // 1100 lies in block 2, which starts more than a block before where the hasher is (3000): not kept.
      expect(await hasher.digestAt(fh, 1100)).toEqual(await fromStart(1100));
    } finally {
      await fh.close();
    }
  });

  it('hashed from the bytes a pass reads, in any chunks, equal the digest read from the file', async () => {
    const block = 512;
    const { data, fh, fromStart } = await fileOf(5000, block);
    try {
      for (const [from, chunk] of [
        [0, 1],
        [0, 700],
        [700, 333],
        [1024, 512],
      ]) {
        const start = chainStartOf(from === 0 ? null : { offset: from, prefix: await fromStart(from) }, block)!;
        const hasher = new PrefixHasher(start, block);
        const asked = [from, from + 1, 1536, 2047, 2048, 4999, 5000].filter((o) => o >= from);
        for (let at = hasher.position; at < data.length; at += chunk) {
          hasher.feed(data.subarray(at, Math.min(at + chunk, data.length)));
          while (asked.length > 0 && asked[0] <= hasher.position) {
            const offset = asked.shift()!;
            expect(await hasher.digestAt(fh, offset)).toEqual(await fromStart(offset));
          }
        }
        expect(asked).toEqual([]);
        await expect(hasher.digestAt(fh, 100)).rejects.toThrow(/outside the bytes fed/); // behind the last one asked
      }
    } finally {
      await fh.close();
    }
  });
});
