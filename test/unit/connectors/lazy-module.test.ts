/**
 * The parser libraries load on first use: a person who indexes only notes never pays the mail parser's ~29 MB.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { MAIL_PARSER_DEPENDENCIES } from '../../../electron/connectors/email.js';
import {
  lazyModule,
  lazyModuleInSteps,
  lazyValue,
  resolveDependency,
} from '../../../electron/connectors/lazy-module.js';

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

describe('lazyModuleInSteps', () => {
  /** A package `lib` in its own node_modules that requires `deps` at load; every module logs its evaluation. */
  function fixture(name: string, deps: string[], missing: string[] = []): { lib: string; log: string[] } {
    const log: string[] = [];
    (globalThis as Record<string, unknown>)[name] = log;
    const modules = join(root, name, 'node_modules');
    const write = (pkg: string, body: string) => {
      mkdirSync(join(modules, pkg), { recursive: true });
      writeFileSync(join(modules, pkg, 'index.js'), `globalThis.${name}.push('${pkg}');\n${body}`);
    };
    for (const dep of deps) if (!missing.includes(dep)) write(dep, `module.exports = '${dep}';\n`);
    write('lib', `module.exports = { deps: [${deps.map((d) => `require('${d}')`).join(', ')}] };\n`);
    return { lib: join(modules, 'lib', 'index.js'), log };
  }

  /** Records a tick on every turn of the event loop until `done` settles. */
  async function withTicks(log: string[], done: Promise<void>): Promise<void> {
    let finished = false;
    void done.finally(() => (finished = true));
    while (!finished) {
      await new Promise((resolve) => setImmediate(resolve));
      log.push('tick');
    }
  }

  it('loads each dependency on a turn of its own, then the module, each once', async () => {
    const { lib, log } = fixture('jarvisSteps1', ['dep-a', 'dep-b']);
    const mod = lazyModuleInSteps<{ deps: string[] }>(lib, ['dep-a', 'dep-b']);
    expect(mod.loaded).toBe(false);
    const ready = mod.ready();
    expect(mod.ready()).toBe(ready);
    await withTicks(log, ready);
    const loads = log.filter((e) => e !== 'tick');
    expect(loads).toEqual(['dep-a', 'dep-b', 'lib']);
    // The event loop turned between the loads: no two of them in one task.
    const at = loads.map((name) => log.indexOf(name));
    expect(at[1] - at[0]).toBeGreaterThan(1);
    expect(at[2] - at[1]).toBeGreaterThan(1);
    expect(mod.loaded).toBe(true);
    expect(mod.get().deps).toEqual(['dep-a', 'dep-b']);
    expect(mod.get()).toBe(mod.get());
  });

  it('skips a dependency that cannot be loaded and leaves the error to the module', async () => {
    const { lib, log } = fixture('jarvisSteps2', ['dep-a', 'dep-b'], ['dep-b']);
    const mod = lazyModuleInSteps(lib, ['dep-b', 'dep-a']);
    await expect(mod.ready()).resolves.toBeUndefined();
    expect(log).toEqual(['dep-a', 'lib']);
    expect(mod.loaded).toBe(false);
    expect(() => mod.get()).toThrow(/Cannot find module 'dep-b'/);
  });

  it('never rejects for a missing module; get() throws its require error', async () => {
    const mod = lazyModuleInSteps(join(root, 'nowhere', 'index.js'), ['dep-a']);
    await expect(mod.ready()).resolves.toBeUndefined();
    expect(() => mod.get()).toThrow(/Cannot find module/);
  });

  it('resolves a chain of dependencies from each one in turn', () => {
    const { lib } = fixture('jarvisSteps3', ['dep-a']);
    const nested = join(root, 'jarvisSteps3', 'node_modules', 'dep-a', 'node_modules', 'dep-c');
    mkdirSync(nested, { recursive: true });
    writeFileSync(join(nested, 'index.js'), 'module.exports = 1;\n');
    expect(resolveDependency(lib, 'dep-a')).toBe(join(root, 'jarvisSteps3', 'node_modules', 'dep-a', 'index.js'));
    expect(resolveDependency(lib, ['dep-a', 'dep-c'])).toBe(join(nested, 'index.js'));
    expect(() => resolveDependency(lib, 'dep-c')).toThrow(/Cannot find module/);
  });

  it('spreads the mail parser over turns of the event loop when the first message is parsed', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [resolve('bin/run-ts.mjs'), resolve('test/helpers/mail-parser-load-child.ts')],
      { timeout: 60_000 },
    );
    const r = JSON.parse(stdout.trim().split('\n').pop()!) as {
      title: string;
      modules: number;
      loaded: number;
      turns: number;
    };
    expect(r.title).toBe('Hello');
    expect(r.loaded).toBe(r.modules);
    // Each dependency on a turn of its own, and the parser itself on one more.
    expect(r.turns).toBe(MAIL_PARSER_DEPENDENCIES.length + 1);
  }, 90_000);

  it('loads, for the mail parser, only modules the mail parser loads itself', async () => {
    const paths = MAIL_PARSER_DEPENDENCIES.map((d) => resolveDependency('mailparser', d));
    // A fresh process: what requiring mailparser alone puts in the module cache.
    const script = `
      require('mailparser');
      const paths = ${JSON.stringify(paths)};
      console.log(JSON.stringify(paths.filter((p) => !require.cache[p])));`;
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { cwd: resolve('.') });
    expect(JSON.parse(stdout)).toEqual([]);
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
