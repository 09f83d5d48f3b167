import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { countFiles } from '../../../electron/connectors/file-count.js';
import { folderKind } from '../../../electron/connectors/folder.js';
import { maildirKind } from '../../../electron/connectors/maildir.js';
import { obsidianKind } from '../../../electron/connectors/obsidian.js';
import { enumerateAll, testConfig, testContext } from '../../helpers/connector-run.js';
import { useTempDirs } from '../../helpers/temp-dir.js';
import { writeTree } from '../../helpers/tree.js';

const tempDir = useTempDirs('jarvis-count-');

/** A tree with what a walk leaves out: other file types, excluded and hidden folders, links. */
function mixedTree(root: string): void {
  const files: Record<string, string> = {};
  for (let i = 0; i < 30; i++) files[`notes/n${i}.md`] = `note ${i}`;
  for (let i = 0; i < 5; i++) files[`deep/a/b/c/d${i}.txt`] = `deep ${i}`;
  files['page.html'] = '<p>page</p>';
  files['Café/résumé.md'] = 'accents';
  files['image.png'] = 'not text';
  files['archive/old.md'] = 'excluded folder';
  files['notes/draft.log'] = 'excluded by name';
  files['.obsidian/workspace.md'] = 'hidden folder';
  files['node_modules/pkg/readme.md'] = 'skipped folder';
  writeTree(root, files);
  symlinkSync(join(root, 'notes/n1.md'), join(root, 'link.md'));
  symlinkSync(join(root, 'notes'), join(root, 'linked-notes'));
}

describe('countFiles: a first sync total', () => {
  for (const kind of [folderKind, obsidianKind]) {
    it(`counts what the ${kind.kind} walk yields, without reading or following links`, async () => {
      const root = tempDir();
      mixedTree(root);
      const connector = kind.create(testConfig(kind.kind, root, { excludes: ['archive/**', '*.log'] }));
      const { units } = await enumerateAll(connector);
      expect(units.length).toBeGreaterThan(30);
      expect(await connector.countUnits!(testContext())).toBe(units.length);
    });
  }

  it('counts Maildir messages, not the folders around them or deliveries in tmp/', async () => {
    const root = tempDir();
    writeTree(root, {
      'cur/1.host:2,S': 'Subject: a\n\nbody',
      'new/2.host': 'Subject: b\n\nbody',
      'tmp/3.host': 'Subject: c\n\nin delivery',
      '.Work/cur/4.host:2,': 'Subject: d\n\nbody',
      '.Work/maildirfolder': '',
    });
    const connector = maildirKind.create(testConfig('maildir', root));
    const { units } = await enumerateAll(connector);
    expect(units).toHaveLength(3);
    expect(await connector.countUnits!(testContext())).toBe(3);
  });

  it('stops when the run is cancelled', async () => {
    const root = tempDir();
    mixedTree(root);
    const abort = new AbortController();
    abort.abort(new Error('cancelled'));
    await expect(countFiles({ root, acceptFile: () => true, signal: abort.signal })).rejects.toThrow('cancelled');
  });

  it('counts a missing root as nothing', async () => {
    const root = tempDir();
    expect(await countFiles({ root: join(root, 'missing'), acceptFile: () => true })).toBe(0);
  });
});

describe('surveyExcludes: what other exclude patterns would leave out, before they are saved', () => {
  for (const kind of [folderKind, obsidianKind]) {
    it(`agrees with what the ${kind.kind} walk yields with and without them`, async () => {
      const root = tempDir();
      mixedTree(root);
      const patterns = ['archive/**', '*.log', 'deep', 'n2*'];
      const keysWith = async (excludes: string[]) =>
        (await enumerateAll(kind.create(testConfig(kind.kind, root, { excludes })))).units.map((u) => u.key);
      const all = await keysWith([]);
      const kept = new Set(await keysWith(patterns));
      const leftOut = all.filter((k) => !kept.has(k));
      expect(leftOut.length).toBeGreaterThanOrEqual(12); // archive/old.md, notes/n2 and n20–n29 (and deep/ for folders)
      // The connector's own excludes do not count: the preview is of the patterns being edited.
      const connector = kind.create(testConfig(kind.kind, root, { excludes: ['notes/**'] }));
      const survey = await connector.surveyExcludes!(patterns, Infinity);
      expect(survey.files).toBe(all.length);
      expect(survey.leftOut).toBe(leftOut.length);
      expect(survey.leftOutExamples).toHaveLength(5);
      for (const example of survey.leftOutExamples) expect(leftOut).toContain(example);
      expect(survey.complete).toBe(true);
    });
  }

  it('answers with what it has counted once its time is up', async () => {
    const root = tempDir();
    const files: Record<string, string> = {};
    for (let i = 0; i < 5000; i++) files[`n${i}.md`] = '';
    writeTree(root, files);
    const connector = folderKind.create(testConfig('folder', root));
    const survey = await connector.surveyExcludes!(['*'], Date.now() - 1);
    expect(survey.complete).toBe(false);
    expect(survey.files).toBeGreaterThan(0);
    expect(survey.files).toBeLessThan(5000);
    expect(survey.leftOut).toBe(survey.files);
  });
});
