/**
 * Child process for the lazy-loading test: parses one message in a fresh process (nothing has loaded the mail parser
 * yet) and prints on how many turns of the event loop the parser and its listed dependencies were loaded.
 *
 *   run-ts mail-parser-load-child.ts
 */
import { createRequire } from 'node:module';
import { MAIL_PARSER_DEPENDENCIES, parseEmail } from '../../electron/connectors/email.js';
import { resolveDependency } from '../../electron/connectors/lazy-module.js';

const cache = createRequire(import.meta.url).cache;
const watched = [...MAIL_PARSER_DEPENDENCIES.map((d) => resolveDependency('mailparser', d))];
watched.push(createRequire(import.meta.url).resolve('mailparser'));
if (watched.some((p) => cache[p])) throw new Error('the mail parser was loaded before the test began');

let turn = 0;
let parsing = true;
const loadedAt = new Map<string, number>();
const look = (): void => {
  for (const p of watched) if (cache[p] && !loadedAt.has(p)) loadedAt.set(p, turn);
};
const tick = (): void => {
  setImmediate(() => {
    look();
    turn++;
    if (parsing) tick();
  });
};
tick();
const doc = await parseEmail(Buffer.from('From: a@example.com\r\nSubject: Hello\r\n\r\nBody text.\r\n'), {
  path: '/tmp/x.mbox',
  folder: 'Inbox',
});
look();
parsing = false;
process.stdout.write(
  `${JSON.stringify({ title: doc.title, modules: watched.length, loaded: loadedAt.size, turns: new Set(loadedAt.values()).size })}\n`,
);
