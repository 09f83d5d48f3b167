/**
 * The parser libraries load on first use: a person who indexes only notes never pays the mail parser's ~29 MB.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { lazyModule, lazyValue } from '../../../electron/connectors/lazy-module.js';

const root = mkdtempSync(join(tmpdir(), 'jarvis-lazy-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('lazyModule / lazyValue', () => {
  it('loads the module on the first call only, and returns the same one after', () => {
    const counter = `jarvisLazyLoads${process.pid}`;
    const file = join(root, 'counted.cjs');
    writeFileSync(file, `globalThis.${counter} = (globalThis.${counter} ?? 0) + 1;\nmodule.exports = { n: 42 };\n`);
    const g = globalThis as Record<string, unknown>;
    const get = lazyModule<{ n: number }>(file);
    expect(g[counter]).toBeUndefined();
    expect(get().n).toBe(42);
    expect(get()).toBe(get());
    expect(g[counter]).toBe(1);
  });

  it('builds a value once, even when it is undefined', () => {
    let builds = 0;
    const value = lazyValue(() => {
      builds++;
      return undefined;
    });
    expect(builds).toBe(0);
    value();
    value();
    expect(builds).toBe(1);
  });

  it('fails with the require error when the module is missing, and tries again on the next call', () => {
    const get = lazyModule(join(root, 'not-there.cjs'));
    expect(get).toThrow(/Cannot find module/);
    writeFileSync(join(root, 'not-there.cjs'), 'module.exports = 7;\n');
    expect(get()).toBe(7);
  });
});

describe('which parser libraries a sync loads', () => {
  it('loads none for notes with simple frontmatter, and each one when its kind of input first appears', async () => {
    const notes = join(root, 'notes');
    mkdirSync(notes);
    writeFileSync(join(notes, 'a.md'), '---\ntitle: Alpha\ntags: [one, two]\n---\n# Alpha\n\nPlain note text.\n');
    writeFileSync(join(notes, 'b.txt'), 'A text file.\n');
    const html = join(root, 'html');
    mkdirSync(html);
    writeFileSync(join(html, 'page.html'), '<html><head><title>Page</title></head><body><p>Hello</p></body></html>');
    const nested = join(root, 'nested');
    mkdirSync(nested);
    writeFileSync(join(nested, 'c.md'), '---\nproject:\n  name: Beta\n  owner:\n    team: core\n---\nBody.\n');
    const mbox = resolve('test/fixtures/mbox/crlf.mbox');

    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        resolve('bin/run-ts.mjs'),
        resolve('test/helpers/loaded-libraries-child.ts'),
        join(root, 'data'),
        `folder:${notes}`,
        `folder:${html}`,
        `folder:${nested}`,
        `mbox:${mbox}`,
      ],
      { timeout: 60_000 },
    );
    const steps = JSON.parse(stdout.trim().split('\n').pop()!) as { after: string; loaded: string[]; added: number }[];
    expect(steps.map((s) => [s.after, s.loaded.sort()])).toEqual([
      ['open', []],
      ['folder', []],
      ['folder', ['html-to-text']],
      ['folder', ['html-to-text', 'yaml']],
      ['mbox', ['html-to-text', 'mailparser', 'yaml']],
    ]);
    // Each library did its job once loaded.
    expect(steps.slice(1).map((s) => s.added)).toEqual([2, 1, 1, expect.any(Number)]);
    expect(steps[4].added).toBeGreaterThan(0);
  }, 90_000);
});
