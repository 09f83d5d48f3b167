import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSearchQuery, prefixCompletions, toFtsQuery, toFtsTerms } from '../../../electron/core/fts-query.js';

// A real FTS5 table with the store's tokenizer: the point is that SQLite itself accepts every query.
let dir: string;
let db: Database.Database;

function search(text: string): string[] {
  const query = toFtsQuery(text);
  if (query === null) return [];
  return (db.prepare('SELECT name FROM t WHERE t MATCH ? ORDER BY rowid').pluck().all(query) as string[]).sort();
}

/** As the store builds its MATCH from parseSearchQuery (per chunk; the store also drops documents with `-word`). */
function searchWithOperators(text: string): string[] {
  const { terms, excluded } = parseSearchQuery(text);
  if (terms.length === 0) return [];
  const positive = `(${terms.join(' AND ')})`;
  const query = excluded.length > 0 ? `${positive} NOT (${excluded.join(' OR ')})` : positive;
  return (db.prepare('SELECT name FROM t WHERE t MATCH ? ORDER BY rowid').pluck().all(query) as string[]).sort();
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jarvis-'));
  db = new Database(path.join(dir, 'fts.db'));
  db.exec(`CREATE VIRTUAL TABLE t USING fts5(name UNINDEXED, body, tokenize = 'porter unicode61 remove_diacritics 2')`);
  const insert = db.prepare('INSERT INTO t (name, body) VALUES (?, ?)');
  const docs: [string, string][] = [
    ['date', 'The review is on 2020-10-27 in the big room'],
    ['scattered', 'In 2020 we had 27 reviews over 10 months'],
    ['quick', 'The quick brown fox jumps over the lazy dog'],
    ['meeting', 'Meeting notes: we are meeting again next week'],
    ['operators', 'Pick one AND keep it, OR drop it, NOT both'],
    ['near', 'NEAR the station, a café serves crème brûlée'],
    ['cpp', 'I write C++ and C# at work; a:b ratio matters'],
    ['emoji', 'Party time 🎉 with friends'],
    ['cjk', '中文 文本 检索'],
    ['quote', 'He said foo"bar and left'],
  ];
  for (const [name, body] of docs) insert.run(name, body);
});

afterAll(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('toFtsQuery against real FTS5', () => {
  const nasty: string[] = [
    '2020-10-27',
    'foo"bar',
    'a:b -c',
    'NEAR(',
    'NEAR(a b, 2)',
    '*',
    '**',
    'a*',
    'ab*',
    'ab**',
    '*ab',
    'AND OR NOT',
    'AND',
    'NOT',
    'OR',
    '🎉',
    '🎉 party',
    '"',
    '""',
    '"""',
    'a"',
    '"unclosed phrase',
    '(a OR b)',
    ')',
    '{body}: fox',
    'body:fox',
    '^fox',
    'fox + dog',
    '-',
    '--fox',
    "it's",
    'C++',
    '#tag',
    'e-mail',
    'crème brûlée',
    'CAFE',
    '中文',
    'שלום',
    '\u0000fox',
    'fox\u0000dog',
    '\uD800',
    'lone \uDC00 surrogate',
    '\uE000marked\uE001',
    '   ',
    '\t\n',
    '\\',
    "'; DROP TABLE t; --",
    'x'.repeat(5000),
    'word '.repeat(2048), // 10 KB
    Array.from({ length: 2000 }, (_, i) => `w${i}`).join(' '),
  ];

  it.each(nasty.map((q) => [JSON.stringify(q).slice(0, 60), q]))('never throws in SQLite: %s', (_label, q) => {
    expect(() => search(q)).not.toThrow();
  });

  it('matches a date as the three numbers in sequence, not scattered', () => {
    expect(search('2020-10-27')).toEqual(['date']);
  });

  it('treats FTS5 operators and syntax as plain words', () => {
    expect(search('AND OR NOT')).toEqual(['operators']);
    expect(search('NEAR(')).toEqual(['near']);
    expect(search('a:b')).toEqual(['cpp']);
    expect(search('body:fox')).toEqual([]); // "body" is not a word of that document: no column filter sneaks in
    expect(search('{body}: fox')).toEqual([]);
  });

  it('ANDs the terms', () => {
    expect(search('quick dog')).toEqual(['quick']);
    expect(search('quick station')).toEqual([]);
  });

  it('honours quoted phrases', () => {
    expect(search('"brown fox"')).toEqual(['quick']);
    expect(search('"quick fox"')).toEqual([]);
    expect(search('quick fox')).toEqual(['quick']);
  });

  it('treats a trailing * on a word of two or more letters as a prefix', () => {
    expect(search('meet*')).toEqual(['meeting']);
    expect(search('st*')).toEqual(['near']);
    // A one-letter prefix would match most of the vocabulary; it is searched as the word itself.
    expect(toFtsQuery('m*')).toBe('"m"');
  });

  it('widens a prefix of one plain word by the words it may begin, for their stems', () => {
    expect(prefixCompletions('meetin')).toContain('meeting');
    expect(prefixCompletions('Organiz')).toEqual(expect.arrayContaining(['organization', 'organize', 'organizing']));
    expect(prefixCompletions('runn')).toContain('running');
    // Too short to say anything, or not one ASCII word: nothing to add.
    expect(prefixCompletions('run')).toEqual([]);
    expect(prefixCompletions('e-mai')).toEqual([]);
    expect(prefixCompletions('café')).toEqual([]);
    const asked: string[] = [];
    const widen = (prefix: string) => (asked.push(prefix), prefix === 'meetin' ? ['meeting'] : []);
    expect(parseSearchQuery('weekly meetin* -draf* "exact phrase"*', widen)).toEqual({
      terms: ['"weekly"', '("meetin"* OR "meeting")', '"exact phrase"'],
      excluded: ['"draf"*'],
    });
    // Only prefixes are widened, negated ones too; a phrase is left as it is.
    expect(asked).toEqual(['meetin', 'draf']);
  });

  it('is case- and accent-insensitive through the tokenizer', () => {
    expect(search('CAFE creme')).toEqual(['near']);
  });

  it('keeps a quote inside a word from breaking the query', () => {
    expect(search('foo"bar')).toEqual(['quote']);
  });

  it('returns null when nothing searchable remains', () => {
    for (const q of ['', '   ', '*', '"', '""', '🎉', '-', '()', '\u0000', '!!!']) {
      expect(toFtsQuery(q)).toBeNull();
    }
  });

  it('caps the number of terms of a pasted page of text', () => {
    expect(toFtsTerms('word '.repeat(2048)).length).toBeLessThanOrEqual(32);
  });

  it('quotes every term and doubles embedded quotes', () => {
    expect(toFtsQuery('hello world')).toBe('"hello" "world"');
    expect(toFtsQuery('ab*')).toBe('"ab"*');
    expect(toFtsQuery('"brown fox" dog')).toBe('"brown fox" "dog"');
  });

  it('never produces a query SQLite rejects, for arbitrary text (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
        search(text);
      }),
      { seed: 20240601, numRuns: 500 },
    );
    fc.assert(
      fc.property(
        fc.array(
          fc.constantFrom('"', '*', '(', ')', ':', '-', '+', '^', 'NEAR', 'AND', 'OR', 'NOT', 'fox', ' ', '{', '}'),
          {
            maxLength: 30,
          },
        ),
        (parts) => {
          search(parts.join(''));
        },
      ),
      { seed: 7, numRuns: 500 },
    );
  });
});

describe('parseSearchQuery: the operators people type', () => {
  it('reads OR between words or phrases as either, and AND as nothing more than the words', () => {
    // Before, "OR" and "AND" were words every result had to contain.
    expect(searchWithOperators('lazy OR station')).toEqual(['near', 'quick']);
    expect(searchWithOperators('"brown fox" OR café')).toEqual(['near', 'quick']);
    expect(searchWithOperators('quick AND dog')).toEqual(['quick']);
    expect(searchWithOperators('meeting OR review OR party')).toEqual(['date', 'emoji', 'meeting', 'scattered']);
    expect(parseSearchQuery('a1 OR b2 c3')).toEqual({ terms: ['("a1" OR "b2")', '"c3"'], excluded: [] });
  });

  it('leaves out what has a -word or a -"phrase", and keeps hyphens inside words', () => {
    // Before, "-lazy" asked for "lazy": the opposite of what was meant.
    expect(searchWithOperators('the -lazy')).toEqual(['date', 'near']);
    expect(searchWithOperators('the -"lazy dog"')).toEqual(['date', 'near']);
    expect(parseSearchQuery('e-mail -spam')).toEqual({ terms: ['"e-mail"'], excluded: ['"spam"'] });
  });

  it('keeps lower-case words, a dangling OR and a lone - as text, and finds nothing for exclusions alone', () => {
    expect(parseSearchQuery('cats or dogs')).toEqual({ terms: ['"cats"', '"or"', '"dogs"'], excluded: [] });
    expect(parseSearchQuery('OR fox OR')).toEqual({ terms: ['"fox"'], excluded: [] });
    expect(parseSearchQuery('fox - dog')).toEqual({ terms: ['"fox"', '"dog"'], excluded: [] });
    expect(parseSearchQuery('-fox -dog')).toEqual({ terms: [], excluded: [] });
    // Operators alone are what is looked for: `AND` found nothing, though "Bread and butter" has it.
    expect(parseSearchQuery('AND')).toEqual({ terms: ['"AND"'], excluded: [] });
    expect(parseSearchQuery('OR AND')).toEqual({ terms: ['"OR"', '"AND"'], excluded: [] });
    expect(searchWithOperators('AND')).toEqual(searchWithOperators('and'));
    // toFtsTerms, for the rest of the code, still reads every word as a word.
    expect(toFtsTerms('a1 OR -b2')).toEqual(['"a1"', '"OR"', '"-b2"']);
  });

  it('never produces a query SQLite rejects, for arbitrary text with operators (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.constantFrom('"', '*', '(', ')', '-', ' ', 'OR', 'AND', 'NOT', 'fox', 'dog', '中文', '-fox', '--'),
          {
            maxLength: 30,
          },
        ),
        (parts) => {
          searchWithOperators(parts.join(''));
          searchWithOperators(parts.join(' '));
        },
      ),
      { seed: 11, numRuns: 500 },
    );
  });
});
