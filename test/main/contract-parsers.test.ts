import { describe, expect, it } from 'vitest';
import { API_METHODS, type InvokeChannel } from '../../shared/contract.js';
import {
  PAYLOAD_LIMITS,
  PayloadError,
  invokeParsers,
  isInvokeChannel,
  parseInvokeArgs,
} from '../../shared/contract-parsers.js';

const long = (n: number) => 'x'.repeat(n);

/** For every channel: payloads that must pass (with what the handler then gets) and payloads that must not. */
const TABLE: { [K in InvokeChannel]: { good: [unknown[], unknown[]?][]; bad: [unknown[], RegExp][] } } = {
  'state:get': { good: [[[]]], bad: [[[1], /at most 0/]] },
  'app:capabilities': { good: [[[]]], bad: [[['x'], /at most 0/]] },
  'sync:run-now': {
    good: [[['notes']], [[null]], [[long(200)]]],
    bad: [
      [[], /connectorId/],
      [[undefined], /connectorId/],
      [[''], /must not be empty/],
      [[long(201)], /longer than 200/],
      [[42], /must be a string/],
      [[{ id: 'notes' }], /must be a string/],
      [['a\0b'], /NUL/],
      [['notes', 'extra'], /at most 1/],
    ],
  },
  'sync:pause': {
    good: [[['notes']], [[null]]],
    bad: [
      [[true], /must be a string/],
      [[[]], /must be a string/],
    ],
  },
  'sync:resume': { good: [[['notes']], [[null]]], bad: [[[0], /must be a string/]] },
  'sync:cancel': {
    good: [[['notes']], [[null]]],
    bad: [
      [[7], /must be a string/],
      [['a', 'b'], /at most 1/],
    ],
  },
  'connector:add': {
    good: [
      [[{ kind: 'folder', path: '/home/ada/Notes' }]],
      [
        [{ kind: 'mbox', path: '/m/inbox.mbox', name: 'Mail', excludes: ['*.tmp'], intervalSeconds: 600 }],
        [{ kind: 'mbox', path: '/m/inbox.mbox', name: 'Mail', excludes: ['*.tmp'], intervalSeconds: 600 }],
      ],
      [
        [{ kind: 'ics', path: 'C:\\cal.ics', intervalSeconds: null, name: undefined }],
        [{ kind: 'ics', path: 'C:\\cal.ics', intervalSeconds: null }],
      ],
      [[{ kind: 'obsidian', path: long(4096) }]],
    ],
    bad: [
      [[], /input must be an object/],
      [[null], /input must be an object/],
      [[[]], /input must be an object/],
      [[{ kind: 'dropbox', path: '/x' }], /kind must be one of folder, obsidian, mbox, maildir, ics/],
      [[{ kind: 'folder' }], /path must be a string/],
      [[{ kind: 'folder', path: '' }], /path must not be empty/],
      [[{ kind: 'folder', path: long(4097) }], /longer than 4096/],
      [[{ kind: 'folder', path: '/x', intervalSeconds: 59 }], /intervalSeconds must be a whole number from 60/],
      [[{ kind: 'folder', path: '/x', intervalSeconds: Number.NaN }], /intervalSeconds/],
      [[{ kind: 'folder', path: '/x', intervalSeconds: Infinity }], /intervalSeconds/],
      [[{ kind: 'folder', path: '/x', excludes: '*.tmp' }], /excludes must be a list/],
      [[{ kind: 'folder', path: '/x', excludes: [1] }], /excludes\[0\] must be a string/],
      [[{ kind: 'folder', path: '/x', excludes: Array(201).fill('a') }], /more than 200/],
      [[{ kind: 'folder', path: '/x', name: long(201) }], /name is longer/],
      [[{ kind: 'folder', path: '/x', admin: true }], /unexpected key "admin"/],
      [[JSON.parse('{"kind":"folder","path":"/x","__proto__":{"polluted":true}}')], /unexpected key "__proto__"/],
      [
        [
          new (class Input {
            kind = 'folder';
            path = '/x';
          })(),
        ],
        /plain object/,
      ],
    ],
  },
  'connector:remove': {
    good: [[['notes', { keepIndex: true }]], [['notes', { keepIndex: false }]]],
    bad: [
      [['notes'], /options must be an object/],
      [['notes', {}], /keepIndex must be true or false/],
      [['notes', { keepIndex: 'yes' }], /keepIndex/],
      [['notes', { keepIndex: true, force: true }], /unexpected key "force"/],
      [[null, { keepIndex: true }], /connectorId must be a string/],
    ],
  },
  'connector:update': {
    good: [[['notes', {}]], [['notes', { name: 'Work notes', intervalSeconds: null, excludes: [] }]]],
    bad: [
      [['notes', { kind: 'mbox' }], /unexpected key "kind"/],
      [['notes', { path: '/elsewhere' }], /unexpected key "path"/],
      [['notes', { intervalSeconds: 30.5 }], /intervalSeconds/],
      [['notes'], /input must be an object/],
    ],
  },
  'connector:check-path': {
    good: [[['maildir', '/home/ada/Maildir']]],
    bad: [
      [['maildir'], /path must be a string/],
      [['pst', '/x'], /kind must be one of/],
      [['folder', long(4097)], /longer than 4096/],
    ],
  },
  'connector:preview-excludes': {
    good: [[['folder', '/home/ada/Notes', ['drafts/**', '*.tmp']]], [['obsidian', '/home/ada/Vault', []]]],
    bad: [
      [['folder', '/home/ada/Notes'], /excludes must be a list of strings/],
      [['folder', '/home/ada/Notes', [1]], /excludes\[0\]/],
      [['folder', '/home/ada/Notes', Array(201).fill('*.tmp')], /more than 200 entries/],
      [['pst', '/x', []], /kind must be one of/],
    ],
  },
  'settings:get': { good: [[[]]], bad: [[[{}], /at most 0/]] },
  'settings:set': {
    good: [
      [[{}]],
      [
        [
          {
            intervalSeconds: 60,
            pauseOnBattery: true,
            notifications: false,
            maxFileSizeMb: 10,
            watchForChanges: false,
          },
        ],
      ],
    ],
    bad: [
      [[{ intervalSeconds: 59 }], /intervalSeconds must be a number from 60/],
      [[{ intervalSeconds: Infinity }], /intervalSeconds/],
      // Larger text files cannot be decoded to one string (bad inputs #8).
      [[{ maxFileSizeMb: 501 }], /maxFileSizeMb must be a number from 1 to 500/],
      [[{ notifications: 'on' }], /notifications must be true or false/],
      [[{ watchForChanges: 1 }], /watchForChanges must be true or false/],
      [[{ theme: 'dark' }], /unknown setting "theme"/],
      [[null], /settings must be an object/],
      [[], /settings must be an object/],
    ],
  },
  'settings:set-start-at-login': {
    good: [[[true]], [[false]]],
    bad: [
      [['true'], /on must be true or false/],
      [[], /on must be/],
    ],
  },
  'search:query': {
    good: [
      [['meeting notes', {}]],
      [[long(1000), { source: 'notes', docType: 'email', since: 0, until: 1, limit: 200, offset: 0 }]],
      [['', { limit: 1 }]],
      [['milk', { docType: 'task' }]],
    ],
    bad: [
      [[long(1001), {}], /query is longer than 1000/],
      [['q'], /options must be an object/],
      [['q', { limit: 0 }], /limit must be a whole number from 1 to 200/],
      [['q', { limit: 201 }], /limit/],
      [['q', { limit: 2.5 }], /limit/],
      [['q', { offset: -1 }], /offset/],
      [['q', { docType: 'pdf' }], /docType must be one of note, document, email, event, task/],
      [['q', { since: Number.NaN }], /since must be a finite number/],
      [['q', { since: 10, until: 5 }], /since is after/],
      [['q', { source: long(201) }], /source is longer/],
      [['q', { sql: 'DROP TABLE' }], /unexpected key "sql"/],
      [[42, {}], /query must be a string/],
    ],
  },
  'history:list': {
    good: [[['notes', 1]], [['notes', 200]]],
    bad: [
      [['notes', 0], /limit must be a whole number from 1 to 200/],
      [['notes', 201], /limit/],
      [['notes', '10'], /limit/],
      [['notes'], /limit/],
    ],
  },
  'errors:list': {
    good: [[['notes']], [[null]]],
    bad: [
      [[], /connectorId/],
      [[5], /must be a string/],
    ],
  },
  'errors:retry': {
    good: [[['notes', '/home/ada/Notes/photo.md']]],
    bad: [
      [['notes'], /path must be a string/],
      [[null, '/a.md'], /connectorId must be a string/],
      [['notes', ''], /path must not be empty/],
      [['notes', long(4097)], /path is longer than 4096/],
      [['notes', '/a\0b.md'], /NUL/],
    ],
  },
  'notice:dismiss': {
    good: [[['n-1']]],
    bad: [
      [[null], /noticeId must be a string/],
      [[long(201)], /noticeId is longer/],
    ],
  },
  'dialog:pick-path': {
    good: [[['folder']], [['ics']]],
    bad: [
      [['exe'], /kind must be one of/],
      [[], /kind/],
    ],
  },
  'shell:open-item': {
    good: [
      [[{ kind: 'document', connectorId: 'notes', docId: 'Projects/plan.md' }]],
      [[{ kind: 'problem', connectorId: 'mail', path: '/home/ada/Maildir/cur/17' }]],
    ],
    bad: [
      [['/home/ada/Notes/a.md'], /target must be an object/],
      [[{ kind: 'file', connectorId: 'notes', path: '/etc/passwd' }], /target.kind must be one of/],
      [[{ kind: 'document', connectorId: 'notes', path: '/etc/passwd' }], /unexpected key "path"/],
      [[{ kind: 'problem', connectorId: 'notes', docId: 'a.md', path: '/a' }], /unexpected key "docId"/],
      [[{ kind: 'problem', connectorId: 'notes', path: '' }], /target.path must not be empty/],
      [[{ kind: 'document', connectorId: 'notes', docId: long(4097) }], /longer than 4096/],
      [[{ kind: 'document', docId: 'a.md' }], /target.connectorId must be a string/],
      [[{ kind: 'problem', connectorId: 'notes', path: '/a', also: 1 }], /unexpected key "also"/],
    ],
  },
  'shell:open-logs': { good: [[[]]], bad: [[['/etc'], /at most 0/]] },
};

describe('invokeParsers', () => {
  it('has exactly one parser per contract channel', () => {
    expect(Object.keys(invokeParsers).sort()).toEqual(Object.values(API_METHODS).sort());
    expect(Object.keys(TABLE).sort()).toEqual(Object.values(API_METHODS).sort());
  });

  for (const channel of Object.keys(TABLE) as InvokeChannel[]) {
    const { good, bad } = TABLE[channel];
    describe(channel, () => {
      it.each(good.map(([args, expected]) => ({ args, expected: expected ?? args })))(
        'accepts %j',
        ({ args, expected }) => {
          expect(parseInvokeArgs(channel, args)).toEqual(expected);
        },
      );
      it.each(bad.map(([args, problem]) => ({ args, problem })))('refuses %j', ({ args, problem }) => {
        let error: unknown;
        try {
          parseInvokeArgs(channel, args);
        } catch (err) {
          error = err;
        }
        expect(error).toBeInstanceOf(PayloadError);
        expect((error as PayloadError).channel).toBe(channel);
        expect((error as PayloadError).problem).toMatch(problem);
        expect((error as PayloadError).message).toContain(channel);
      });
    });
  }

  it('hands handlers a fresh copy that holds only known keys', () => {
    const input = { kind: 'folder', path: '/x', excludes: ['a'] };
    const [parsed] = parseInvokeArgs('connector:add', [input]);
    expect(parsed).not.toBe(input);
    expect(parsed.excludes).not.toBe(input.excludes);
    const [, options] = parseInvokeArgs('search:query', ['q', { limit: 5, docType: undefined }]);
    expect(Object.keys(options)).toEqual(['limit']);
  });

  it('never echoes the offending value (it may be a private path)', () => {
    try {
      parseInvokeArgs('shell:open-item', [{ kind: 'problem', connectorId: 'notes', path: `/secret/${long(5000)}` }]);
    } catch (err) {
      expect((err as Error).message).not.toContain('/secret/');
    }
  });

  it('refuses a non-array argument list', () => {
    expect(() => invokeParsers['state:get']('nope' as unknown as unknown[])).toThrow(PayloadError);
  });

  it('knows its channels', () => {
    expect(isInvokeChannel('search:query')).toBe(true);
    expect(isInvokeChannel('toString')).toBe(false);
    expect(isInvokeChannel('__proto__')).toBe(false);
    expect(PAYLOAD_LIMITS.pathChars).toBe(4096);
  });
});
