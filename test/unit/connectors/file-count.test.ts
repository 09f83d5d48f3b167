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
