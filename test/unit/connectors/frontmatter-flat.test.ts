import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { parseFlatYaml, splitFrontmatter } from '../../../electron/connectors/frontmatter.js';

/** What the YAML library makes of a block, with the options frontmatter.ts uses; undefined when it reports errors. */
function library(yaml: string): unknown {
  const doc = parseDocument(yaml, { schema: 'core', customTags: [], uniqueKeys: false, prettyErrors: false });
  return doc.errors.length > 0 ? undefined : doc.toJS({ maxAliasCount: 20 });
}

/** Scalars the fast path reads itself… */
const USUAL = [
  'plain text',
  'Ünïcode ñame 日本語',
  'C# and F#',
  'http://example.com/x?y=1',
  "Bob's note",
  '"quoted"',
  "'single'",
  '"[[Some note]]"',
  '"a # b"',
  'true',
  'False',
  'NULL',
  '~',
  'null',
  '42',
  '007',
  '0o17',
  '0x1F',
  '1.5',
  '1e3',
  '2023-04-05',
  '12:30',
  'a [b] c',
  'x, y, z',
  'trailing  ',
];
/** …and ones it must leave to the library (or read exactly like it). */
const TRICKY = [
  'a # comment',
  'a: b',
  'ends with colon:',
  '"with \\"escape\\""',
  "'it''s'",
  '-7',
  '+3',
  '.inf',
  '-.Inf',
  '.nan',
  '1234567890123456789',
  '[[Some note]]',
  '*alias',
  '&anchor value',
  '!tag value',
  '|',
  '>',
  '- item',
  '@handle',
  '`code`',
  '%percent',
  '{a: 1}',
  'tab\there',
  'emoji 🎉',
];

const key = fc.constantFrom('title', 'tags', 'aliases', 'created', 'status', 'related', 'a_b', 'x-y', 'Title', 'n1');
const scalar = fc.oneof(
  { arbitrary: fc.constantFrom(...USUAL), weight: 6 },
  { arbitrary: fc.constantFrom(...TRICKY), weight: 1 },
);
const value = fc.oneof(
  { arbitrary: scalar.map((v) => ` ${v}`), weight: 4 },
  { arbitrary: fc.array(scalar, { maxLength: 4 }).map((vs) => ` [${vs.join(', ')}]`), weight: 2 },
  {
    arbitrary: fc
      .tuple(fc.array(scalar, { minLength: 1, maxLength: 4 }), fc.constantFrom('', '  ', '    '))
      .map(([vs, indent]) => `\n${vs.map((v) => `${indent}- ${v}`).join('\n')}`),
    weight: 2,
  },
  { arbitrary: fc.constant(''), weight: 1 },
);
const oddLine = fc.constantFrom(
  '',
  '# a comment',
  '  nested: map',
  'key with space: v',
  '\tx: y',
  'k:v',
  'title: again',
);
const block = fc
  .tuple(
    fc.uniqueArray(key, { minLength: 1, maxLength: 6 }),
    fc.array(value, { minLength: 6, maxLength: 6 }),
    fc.option(oddLine, { freq: 4 }),
  )
  .map(([keys, values, odd]) =>
    [...keys.map((k, i) => `${k}:${values[i]}`), ...(odd === null ? [] : [odd])].join('\n'),
  );

describe('parseFlatYaml: flat frontmatter without the YAML parser', () => {
  it('reads what it accepts exactly as the YAML library does', () => {
    let accepted = 0;
    fc.assert(
      fc.property(block, fc.boolean(), (yaml, crlf) => {
        const text = crlf ? yaml.replace(/\n/g, '\r\n') : yaml;
        const flat = parseFlatYaml(text);
        if (flat !== null) {
          accepted++;
          expect(flat).toEqual(library(text));
        }
      }),
      { numRuns: 3000 },
    );
    // The generator mixes accepted and refused shapes; both must be well represented.
    expect(accepted).toBeGreaterThan(300);
    expect(accepted).toBeLessThan(2700);
  });

  it('accepts the common shapes, so that the fast path is actually taken', () => {
    const common = [
      'title: Weekly review\ntags: [work, review]\ncreated: 2023-04-05',
      'tags:\n  - project/alpha\n  - meeting\naliases:\n  - Review\nstatus: draft',
      'related: "[[Other note]]"\npublish: true\nrating: 4',
      'title: Ünïcode\r\ndate: 2024-01-01\r\n',
      'empty:\nlist: []',
    ];
    for (const yaml of common) {
      expect(parseFlatYaml(yaml)).not.toBeNull();
      expect(parseFlatYaml(yaml)).toEqual(library(yaml));
    }
  });

  it('leaves the rest to the library', () => {
    for (const yaml of [
      'a:\n  b: 1',
      'a: &x 1\nb: *x',
      'a: 1 # c',
      'a: 1\na: 2',
      'a: |\n  text',
      'up: [[Note]]',
      '__proto__: x',
      '',
    ]) {
      expect(parseFlatYaml(yaml)).toBeNull();
    }
  });

  it('gives splitFrontmatter the same result either way', () => {
    const note = '---\ntitle: T\ntags: [a, b]\nup: "[[X]]"\n---\n# Body\n';
    expect(splitFrontmatter(note)).toEqual({
      data: { title: 'T', tags: ['a', 'b'], up: '[[X]]' },
      body: '# Body\n',
      issue: null,
    });
  });
});
