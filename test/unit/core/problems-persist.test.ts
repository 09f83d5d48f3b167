// A real SyncService over a real folder: a problem that a completed read reported (a warning: the note is indexed)
// stays listed while the file is unchanged, although an unchanged file is not read again; it goes once the file is
// fixed or deleted.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { SyncService } from '../../../electron/core/service.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs('jarvis-problems-');
const services: SyncService[] = [];

afterEach(async () => {
  for (const s of services.splice(0)) await s.stop();
});

it('keeps the warnings of unchanged files listed across syncs, and drops them when the file is fixed or deleted', async () => {
  const root = tempDir();
  const notes = join(root, 'notes');
  mkdirSync(notes);
  const latin1 = join(notes, 'latin1.md');
  const frontmatter = join(notes, 'frontmatter.md');
  writeFileSync(latin1, Buffer.from('# Caf\xe9\n\nplover\n', 'latin1'));
  writeFileSync(frontmatter, '---\ntitle: [unclosed\n---\n# Heron\n\nheron body\n');
  writeFileSync(join(notes, 'good.md'), '# Good\n\nwren\n');
  const service = await SyncService.open({ dataDir: join(root, 'data'), owner: 'daemon' });
  services.push(service);
  const { id } = await service.addConnector({ kind: 'folder', path: notes, name: 'Notes' }, { syncNow: false });
  const listed = () =>
    service
      .itemErrors(id)
      .map((e) => [e.path.slice(notes.length + 1), e.code, e.severity])
      .sort();

  for (let sync = 1; sync <= 3; sync++) {
    expect((await service.syncNow([id])).failures).toEqual({});
    expect(listed(), `after sync ${sync}`).toEqual([
      ['frontmatter.md', 'W_BAD_FRONTMATTER', 'warning'],
      ['latin1.md', 'W_BAD_UTF8', 'warning'],
    ]);
  }
  expect(service.search('plover', {})).toHaveLength(1);
  expect(service.search('heron', {})).toHaveLength(1);
  // The status the dashboard shows counts them as warnings: items indexed, not items left out.
  expect(service.getConnector(id)).toMatchObject({ itemErrors: 2, itemWarnings: 2 });
  writeFileSync(join(notes, 'binary.md'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d]));
  await service.syncNow([id]);
  expect(service.getConnector(id)).toMatchObject({ itemErrors: 3, itemWarnings: 2 });
  rmSync(join(notes, 'binary.md'));

  writeFileSync(frontmatter, '---\ntitle: Heron\n---\n# Heron\n\nheron body\n');
  await service.syncNow([id]);
  expect(listed()).toEqual([['latin1.md', 'W_BAD_UTF8', 'warning']]);

  rmSync(latin1);
  await service.syncNow([id]);
  expect(listed()).toEqual([]);
});
