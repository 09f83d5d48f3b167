/**
 * One property-based fuzz suite (fast-check) over the parsers that see untrusted bytes, with ONE seed and run count
 * for all of them: `JARVIS_FUZZ_RUNS` (default 1,000 — what `npm test` runs; `npm run reliability` runs 10,000)
 * and `JARVIS_FUZZ_SEED` (default fixed, so CI is reproducible; a failure prints the seed and path to replay).
 *
 * Targets: the frontmatter splitter, the mbox splitter and its From_ unquoting, the ics unfolder and event reader,
 * the walker's path-key normalisation (real files with arbitrary byte names), and the search-query sanitiser run
 * against a real FTS5 table. Every input must terminate and either give a result that satisfies the target's
 * invariants or throw one of the TYPED errors its contract allows; anything else is a failure. The slowest case of
 * each target is reported (not asserted: no timing assertions).
 *
 * The per-module property tests next to each module (test/unit/connectors/{frontmatter,mbox-splitter,ics-events},
 * test/unit/core/fts-query) stay as they are; this suite is the shared-seed, scalable collection of them.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { splitFrontmatter } from '../../electron/connectors/frontmatter.js';
import { readIcsText, unfoldLines } from '../../electron/connectors/ics-events.js';
import { CURSOR_WINDOW, splitMboxBuffer, type MboxEvent } from '../../electron/connectors/mbox-splitter.js';
import { ItemReadError, type ItemIssue } from '../../electron/connectors/types.js';
import { walkFiles, type WalkEntry } from '../../electron/connectors/walker.js';
import { cjkIndexText } from '../../electron/core/cjk.js';
import { toFtsQuery, toFtsTerms } from '../../electron/core/fts-query.js';
import { removeTempDir, tempDir } from './lib.js';

export interface FuzzSettings {
  seed: number;
  numRuns: number;
}

export function fuzzSettings(env: NodeJS.ProcessEnv = process.env): FuzzSettings {
  const runs = Number(env.JARVIS_FUZZ_RUNS ?? 1000);
  const seed = Number(env.JARVIS_FUZZ_SEED ?? 20251126);
  if (!Number.isInteger(runs) || runs < 1) throw new Error('JARVIS_FUZZ_RUNS must be a positive integer');
  if (!Number.isInteger(seed)) throw new Error('JARVIS_FUZZ_SEED must be an integer');
  return { seed, numRuns: runs };
}

export interface FuzzTarget {
  name: string;
  /** Runs `settings.numRuns` cases of each of its properties; returns the cases run and the slowest (ms). */
  run(settings: FuzzSettings): FuzzOutcome | Promise<FuzzOutcome>;
}

export interface FuzzOutcome {
  cases: number;
  slowestMs: number;
}

const ISSUE_CODES = new Set<string>([
  'E_LOOP', 'ENOENT', 'EACCES', 'E_BINARY', 'E_TOO_LARGE', 'E_TOO_DEEP', 'ENAMETOOLONG', 'E_NAME_UNDECODABLE', 'E_PARSE',
  'E_READ', 'E_VANISHED', 'E_PARSE_TIMEOUT', 'E_NOT_REGULAR_FILE', 'E_READ_TIMEOUT', 'W_CHANGED_DURING_READ',
  'W_BAD_UTF8', 'W_BAD_FRONTMATTER',
  'W_NORMALIZATION_COLLISION', 'W_CASE_COLLISION', 'W_SYMLINK_SKIPPED', 'W_MBOX_TRUNCATED', 'W_MBOX_MALFORMED',
  'E_NOT_MBOX', 'W_ICS_INVALID', 'W_ICS_RRULE', 'W_ICS_TIMEZONE',
]);

/** Times each case; the property itself asserts. */
class Meter {
  cases = 0;
  slowestMs = 0;
  wrap<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
    return (...args: A) => {
      const t = performance.now();
      try {
        return fn(...args);
      } finally {
        this.cases++;
        this.slowestMs = Math.max(this.slowestMs, performance.now() - t);
      }
    };
  }
  wrapAsync<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
    return async (...args: A) => {
      const t = performance.now();
      try {
        return await fn(...args);
      } finally {
        this.cases++;
        this.slowestMs = Math.max(this.slowestMs, performance.now() - t);
      }
    };
  }
  get outcome(): FuzzOutcome {
    return { cases: this.cases, slowestMs: Math.round(this.slowestMs * 10) / 10 };
  }
}

const params = (s: FuzzSettings) => ({ seed: s.seed, numRuns: s.numRuns });

// ── frontmatter ──────────────────────────────────────────────────────────────────────────────────────────────

const yamlish = fc.stringMatching(/^[\w\s:[\]{}\-#&*!|>'",.%@`<>?~]*$/);
const frontmatterInput = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'binary' }).map((s) => `---\n${s}`),
  fc.tuple(yamlish, fc.string({ unit: 'binary' }), fc.constantFrom('---', '...', '--- ', '---\r', '')).map(([y, b, close]) => `---\n${y}\n${close}\n${b}`),
  fc.tuple(yamlish, fc.string()).map(([y, b]) => `---\r\n${y}\r\n---\r\n${b}`),
  fc.tuple(fc.integer({ min: 1, max: 80 }), fc.string()).map(([n, b]) => `---\n${'a: &a [x]\n'}${Array.from({ length: n }, (_, i) => `k${i}: [*a, *a, *a]`).join('\n')}\n---\n${b}`),
  fc.integer({ min: 1, max: 200 }).map((n) => `---\n${'['.repeat(n)}\n---\nbody`),
);

const frontmatter: FuzzTarget = {
  name: 'frontmatter splitter',
  run(settings) {
    const m = new Meter();
    fc.assert(
      fc.property(
        frontmatterInput,
        m.wrap((text: string) => {
          const r = splitFrontmatter(text);
          assert.equal(typeof r.body, 'string');
          assert.ok(typeof r.data === 'object' && r.data !== null && !Array.isArray(r.data));
          if (r.issue !== null) assert.equal(r.issue.code, 'W_BAD_FRONTMATTER');
          // Frontmatter handling never invents or reorders text: the body is the text or a suffix of it.
          assert.ok(text.endsWith(r.body));
        }),
      ),
      params(settings),
    );
    // Valid input round-trips: a map written by a YAML serializer comes back, and so does the body.
    const key = fc.stringMatching(/^[a-z][a-z0-9_]{0,11}$/);
    const value = fc.oneof(fc.string().filter((s) => !/<%[\s\S]*%>/.test(s)), fc.integer(), fc.boolean());
    fc.assert(
      fc.property(
        fc.dictionary(key, value, { minKeys: 1, maxKeys: 6 }),
        fc.string(),
        m.wrap((data: Record<string, unknown>, body: string) => {
          const r = splitFrontmatter(`---\n${stringify(data)}---\n${body}`);
          assert.equal(r.issue, null);
          assert.deepEqual(r.data, { ...data });
          assert.equal(r.body, body);
        }),
      ),
      params(settings),
    );
    return m.outcome;
  },
};

// ── mbox ─────────────────────────────────────────────────────────────────────────────────────────────────────

const envelope = (i: number) => `From sender${i}@example.org Mon Jan  1 00:00:${String(i % 60).padStart(2, '0')} 2024`;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const hashBefore = (data: Buffer, offset: number) => sha(data.subarray(Math.max(0, offset - CURSOR_WINDOW), offset));

const mboxLine = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('', 'From ', '>From ', '>>From x', 'From here on', envelope(7), `>${envelope(8)}`, '> quoted', 'F', '>') },
  { weight: 2, arbitrary: fc.string({ maxLength: 30 }).map((s) => s.replace(/[\n\r\0]/g, ' ')) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('From ', '>From ', '>>>From '), fc.string({ maxLength: 20 })).map(([a, b]) => a + b.replace(/[\n\r\0]/g, '')) },
);
const mboxBody = fc.array(mboxLine, { minLength: 1, maxLength: 12 }).map((lines) => `${lines.join('\n')}\n`);
const mboxBytes = fc
  .array(
    fc.oneof(
      fc.uint8Array({ maxLength: 40 }),
      fc.constantFrom('From ', `${envelope(1)}\n`, '\n', '\r\n', '\n\n', '>From ', '\0\0', 'Subject: x\n', 'F').map((s) => Buffer.from(s)),
    ),
    { maxLength: 60 },
  )
  .map((parts) => Buffer.concat(parts.map((p) => Buffer.from(p))));

const mbox: FuzzTarget = {
  name: 'mbox splitter and From_ unquoting',
  run(settings) {
    const m = new Meter();
    // Arbitrary bytes: never throws; ordered spans inside the input; one end event whose cursor hash is right;
    // resuming at any cursor sees exactly the rest; the result does not depend on how the bytes were chunked.
    fc.assert(
      fc.property(
        mboxBytes,
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 0, max: 200 }),
        m.wrap((data: Buffer, chunkSize: number, maxMessageBytes: number) => {
          const opts = { maxMessageBytes: maxMessageBytes === 0 ? undefined : maxMessageBytes, checkpointEvery: 1 };
          const events = splitMboxBuffer(data, { ...opts, chunkSize });
          assert.deepEqual(events, splitMboxBuffer(data, opts));
          const ends = events.filter((e) => e.type === 'end');
          assert.equal(ends.length, 1);
          const end = ends[0];
          let pos = 0;
          for (const ev of events) {
            if (ev.type === 'end') continue;
            assert.ok(ev.offset >= pos && ev.offset + ev.length <= data.length, 'span out of order or outside the input');
            pos = ev.offset + ev.length;
            if (ev.type === 'message') assert.equal(ev.raw.includes(0), false, 'NUL bytes left in a message');
          }
          assert.ok(end.cursor.offset <= data.length);
          assert.equal(end.cursor.hash, hashBefore(data, end.cursor.offset));
          const cursors = events.flatMap((e) => ((e.type === 'message' || e.type === 'oversized') && e.cursor ? [e.cursor] : []));
          const comparable = (evs: MboxEvent[]) => evs.map((e) => (e.type === 'end' ? { ...e, messages: 0 } : e));
          for (const c of cursors) {
            const resumed = splitMboxBuffer(data.subarray(c.offset), {
              ...opts,
              chunkSize,
              startOffset: c.offset,
              history: data.subarray(Math.max(0, c.offset - CURSOR_WINDOW), c.offset),
            });
            assert.deepEqual(comparable(resumed), comparable(events.filter((e) => e.type === 'end' || e.offset >= c.offset)));
          }
        }),
      ),
      params(settings),
    );
    // mboxrd: quoting every ^>*From line on the way in and unquoting on the way out gives every message back exactly.
    fc.assert(
      fc.property(
        fc.array(mboxBody, { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 64 }),
        fc.boolean(),
        m.wrap((bodiesIn: string[], chunkSize: number, crlf: boolean) => {
          const eol = crlf ? '\r\n' : '\n';
          const conv = (s: string) => (crlf ? s.replace(/\n/g, '\r\n') : s);
          const quote = (b: string) => b.replace(/^(>*From )/gm, '>$1');
          const text = bodiesIn.map((b, i) => `${envelope(i)}${eol}${conv(quote(b))}${eol}`).join('');
          const events = splitMboxBuffer(Buffer.from(text, 'utf8'), { chunkSize });
          const out = events.flatMap((e) => (e.type === 'message' ? [e.raw.toString('utf8')] : []));
          assert.deepEqual(out, bodiesIn.map(conv));
        }),
      ),
      params(settings),
    );
    return m.outcome;
  },
};

// ── ics ──────────────────────────────────────────────────────────────────────────────────────────────────────

const icsProps = fc.constantFrom(
  'UID:u1', 'UID:u2', 'SUMMARY:Meeting', 'SUMMARY;LANGUAGE=en:Talk', 'DTSTART:20250101T100000Z', 'DTSTART;VALUE=DATE:20250101',
  'DTSTART;TZID=Europe/Paris:20250101T100000', 'DTSTART;TZID=EST5EDT:20250101T100000', 'DTSTART:garbage', 'DTEND:20250101T110000Z',
  'DURATION:PT1H', 'DURATION:P', 'RRULE:FREQ=DAILY;COUNT=5', 'RRULE:FREQ=SECONDLY', 'RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=31',
  'RRULE:RRULE:FREQ=WEEKLY', 'RRULE:FREQ=NOPE', 'RRULE:FREQ=MONTHLY;BYDAY=5MO;INTERVAL=0', 'EXDATE:', 'EXDATE:20250102T100000Z',
  'RECURRENCE-ID:20250103T100000Z', 'DESCRIPTION:a\\nb\\, c', 'ATTENDEE;CN="Doe, J":mailto:j@x', 'ORGANIZER:mailto:o@x',
  'LOCATION:Room 1', 'CATEGORIES:a,b', 'STATUS:CANCELLED', 'X-ALT-DESC;FMTTYPE=text/html:<p>hi</p>',
  'BEGIN:VALARM', 'END:VALARM', 'BEGIN:VTIMEZONE', 'TZID:Custom', 'END:VTIMEZONE', 'BEGIN:STANDARD', 'END:STANDARD', ';;;', ':',
  'DUE:20250105T100000Z', 'DUE;VALUE=DATE:garbage', 'COMPLETED:20250104T100000Z', 'STATUS:COMPLETED', 'PERCENT-COMPLETE:150',
  'PRIORITY:1', 'PRIORITY:x', 'RELATED-TO:u1',
);
const icsDoc = fc
  .array(fc.tuple(fc.constantFrom('VEVENT', 'VEVENT', 'VTODO', 'VJOURNAL'), fc.array(fc.oneof({ weight: 5, arbitrary: icsProps }, { weight: 1, arbitrary: fc.string({ maxLength: 40 }) }), { maxLength: 12 })), { maxLength: 5 })
  .chain((events) =>
    fc.tuple(fc.boolean(), fc.boolean(), fc.constantFrom('\r\n', '\n', '\r')).map(([header, footer, eol]) => {
      const lines = header ? ['BEGIN:VCALENDAR', 'VERSION:2.0'] : [];
      for (const [name, props] of events) lines.push(`BEGIN:${name}`, ...props, `END:${name}`);
      if (footer) lines.push('END:VCALENDAR');
      return lines.join(eol);
    }),
  );

const ics: FuzzTarget = {
  name: 'ics unfolder and event reader',
  run(settings) {
    const m = new Meter();
    // Unfolding round-trips any folding of any line.
    const noBreaks = fc.string({ unit: 'grapheme', maxLength: 300 }).filter((s) => !/[\r\n]/.test(s));
    fc.assert(
      fc.property(
        noBreaks,
        fc.integer({ min: 1, max: 75 }),
        fc.constantFrom('\r\n', '\n'),
        m.wrap((s: string, width: number, eol: string) => {
          const chars = [...s];
          const pieces: string[] = [];
          for (let i = 0; i < chars.length; i += width) pieces.push(chars.slice(i, i + width).join(''));
          assert.deepEqual(unfoldLines(`X:${pieces.join(`${eol} `)}`), [`X:${s}`]);
        }),
      ),
      params(settings),
    );
    // The event reader: arbitrary text and calendar-shaped junk give documents and typed issues, or a typed
    // E_PARSE error for something that is not a calendar at all.
    fc.assert(
      fc.property(
        fc.oneof(icsDoc, fc.string({ unit: 'binary', maxLength: 400 })),
        m.wrap((text: string) => {
          assert.ok(Array.isArray(unfoldLines(text)));
          let items;
          try {
            items = readIcsText(text, { path: '/fuzz.ics', now: Date.UTC(2025, 0, 6), maxOccurrences: 5 });
          } catch (err) {
            assert.ok(err instanceof ItemReadError, `untyped error: ${String(err)}`);
            assert.equal(err.code, 'E_PARSE');
            return;
          }
          for (const item of items) {
            if (item.type === 'issue') {
              assert.ok(ISSUE_CODES.has(item.issue.code), `unknown issue code ${item.issue.code}`);
              assert.ok(item.issue.path.startsWith('/fuzz.ics'));
            } else {
              assert.equal(typeof item.doc.id, 'string');
              assert.equal(typeof item.doc.content, 'string');
              assert.ok(['event', 'task', 'note'].includes(item.doc.docType), `docType ${item.doc.docType}`);
            }
          }
          const ids = items.flatMap((i) => (i.type === 'doc' ? [i.doc.id] : []));
          assert.equal(new Set(ids).size, ids.length, 'two documents with one id');
        }),
      ),
      params(settings),
    );
    return m.outcome;
  },
};

// ── walker: path-key normalisation on real files ─────────────────────────────────────────────────────────────

/** A file name as raw bytes: any byte but '/' and NUL, 1–255 bytes, not "." or "..". */
const nameBytes = fc
  .oneof(
    fc.uint8Array({ minLength: 1, maxLength: 40 }).map((a) => Buffer.from(a)),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }).map((s) => Buffer.from(s, 'utf8')),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }).map((s) => Buffer.from(s.normalize('NFD'), 'utf8')),
    fc.constantFrom('café', 'cafe\u0301', 'Å', 'A\u030a', '\u212b', 'ﬁ', 'x\ny', ' lead', 'trail ', '#%', '🦊').map((s) => Buffer.from(s, 'utf8')),
    fc.integer({ min: 200, max: 255 }).map((n) => Buffer.alloc(n, 0x61)),
  )
  .map((b) => Buffer.from(b.filter((x) => x !== 0x2f && x !== 0)))
  .filter((b) => b.length >= 1 && b.length <= 255 && b.toString('latin1') !== '.' && b.toString('latin1') !== '..');

function isValidUtf8(b: Buffer): boolean {
  return Buffer.from(b.toString('utf8'), 'utf8').equals(b);
}

const walker: FuzzTarget = {
  name: 'walker path-key normalisation (real files, arbitrary byte names)',
  async run(settings) {
    const m = new Meter();
    const root = tempDir('jarvis-fuzz-walk-');
    let n = 0;
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.uniqueArray(nameBytes, { minLength: 1, maxLength: 6, selector: (b) => b.toString('latin1') }),
          m.wrapAsync(async (names: Buffer[]) => {
            const dir = join(root, String(n++));
            mkdirSync(dir);
            try {
              names.forEach((name, i) => writeFileSync(Buffer.concat([Buffer.from(`${dir}/`), name]), `content ${i}`));
              const entries: WalkEntry[] = [];
              const issues: ItemIssue[] = [];
              for await (const item of walkFiles({ root: dir, acceptFile: () => true })) {
                if ('code' in item) issues.push(item);
                else entries.push(item);
              }
              // Every name is accounted for exactly once: an entry, an undecodable name, or an NFC twin.
              assert.equal(entries.length + issues.length, names.length, 'a file was lost or reported twice');
              const undecodable = names.filter((b) => !isValidUtf8(b));
              assert.equal(issues.filter((i) => i.code === 'E_NAME_UNDECODABLE').length, undecodable.length);
              const keys = entries.map((e) => e.key);
              assert.equal(new Set(keys).size, keys.length, 'two entries with one key');
              for (const e of entries) {
                assert.equal(e.key, e.key.normalize('NFC'), 'a key that is not NFC');
                assert.equal(e.key, e.relPath.normalize('NFC'));
                // The original spelling opens the very file.
                const i = names.findIndex((b) => b.toString('utf8') === e.relPath);
                assert.ok(i >= 0, `entry ${JSON.stringify(e.relPath)} is none of the names`);
                assert.equal(readFileSync(e.path, 'utf8'), `content ${i}`);
              }
              // Valid names whose NFC forms collide: exactly one entry, the others W_NORMALIZATION_COLLISION.
              const valid = names.filter(isValidUtf8).map((b) => b.toString('utf8'));
              const distinct = new Set(valid.map((s) => s.normalize('NFC'))).size;
              assert.equal(entries.length, distinct);
              assert.equal(issues.filter((i) => i.code === 'W_NORMALIZATION_COLLISION').length, valid.length - distinct);
              for (const i of issues) assert.ok(['E_NAME_UNDECODABLE', 'W_NORMALIZATION_COLLISION'].includes(i.code), i.code);
            } finally {
              rmSync(dir, { recursive: true, force: true });
            }
          }),
        ),
        params(settings),
      );
    } finally {
      removeTempDir(root);
    }
    return m.outcome;
  },
};

// ── search-query sanitiser against a real FTS5 table ─────────────────────────────────────────────────────────

const queryText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.array(fc.constantFrom('"', '*', '(', ')', ':', '-', '+', '^', 'NEAR', 'NEAR(', 'AND', 'OR', 'NOT', 'fox', ' ', '{', '}', 'title:', '\0', '\u0301', 'é', '🦊', '2020-10-27', '日本語', '猫', 'テキスト', '𠀋'), { maxLength: 30 }).map((p) => p.join('')),
  fc.string({ unit: 'grapheme', maxLength: 10_000 }),
);

const ftsQuery: FuzzTarget = {
  name: 'search-query sanitiser (toFtsQuery) on a real FTS5 table',
  run(settings) {
    const m = new Meter();
    const db = new Database(':memory:');
    try {
      db.exec(`CREATE VIRTUAL TABLE t USING fts5(title, body, content = '', contentless_delete = 1, tokenize = 'porter unicode61 remove_diacritics 2');
               INSERT INTO t (rowid, title, body) VALUES (1, 'The quick brown fox', 'jumps over 2020-10-27 the lazy dog'), (2, 'café', 'naïve résumé 🦊');`);
      // CJK text as the store indexes it (cjk.ts): as character pairs.
      db.prepare('INSERT INTO t (rowid, title, body) VALUES (3, ?, ?)').run(cjkIndexText('会議のメモ'), cjkIndexText('日本語のテキストを書きました'));
      const match = db.prepare('SELECT rowid FROM t WHERE t MATCH ? ORDER BY rank LIMIT 5');
      const scoped = db.prepare("SELECT rowid FROM t WHERE t MATCH '{title body}: (' || ? || ')' LIMIT 5");
      fc.assert(
        fc.property(
          queryText,
          m.wrap((text: string) => {
            const q = toFtsQuery(text);
            const terms = toFtsTerms(text);
            assert.ok(terms.length <= 32);
            if (q === null) {
              assert.equal(terms.length, 0);
              return;
            }
            assert.equal(q, terms.join(' '));
            // Never a syntax error, whatever the text: plain MATCH and column-scoped as the store builds it.
            match.all(q);
            scoped.all(q);
          }),
        ),
        params(settings),
      );
      // Words of the indexed text are always found by themselves.
      for (const w of ['quick', 'FOX', '2020-10-27', 'cafe', 'résumé', 'brown*', '"lazy dog"', '日本語', 'テキスト', '会議', '日']) {
        assert.ok(match.all(toFtsQuery(w)!).length > 0, w);
      }
    } finally {
      db.close();
    }
    return m.outcome;
  },
};

export const FUZZ_TARGETS: readonly FuzzTarget[] = [frontmatter, mbox, ics, walker, ftsQuery];
