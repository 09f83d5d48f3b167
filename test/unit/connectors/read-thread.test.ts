import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileReadThread } from '../../../electron/connectors/read-thread.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs('jarvis-read-thread-');
const reader = new FileReadThread();
afterAll(() => reader.close());

describe('FileReadThread', () => {
  it('reads whole files with their stat before and after, each read answered with its own file', async () => {
    const dir = tempDir();
    const paths = Array.from({ length: 40 }, (_, i) => {
      const path = join(dir, `f${i}.md`);
      writeFileSync(path, `file ${i} ${'x'.repeat(i * 100)}`);
      return path;
    });
    const reads = await Promise.all(paths.map((p) => reader.read(p, 1 << 20)));
    reads.forEach((r, i) => {
      if ('tooLarge' in r) throw new Error('unexpected');
      expect(r.bytes.toString('utf8')).toBe(`file ${i} ${'x'.repeat(i * 100)}`);
      const st = statSync(paths[i]);
      expect(r.before).toEqual({ size: st.size, mtimeMs: st.mtimeMs });
      expect(r.after).toEqual(r.before);
    });
  });

  it('says a file is too large without reading it, and passes fs errors on with their code', async () => {
    const path = join(tempDir(), 'big.txt');
    writeFileSync(path, 'y'.repeat(5000));
    expect(await reader.read(path, 4999)).toEqual({
      tooLarge: true,
      before: { size: 5000, mtimeMs: statSync(path).mtimeMs },
    });
    await expect(reader.read(join(tempDir(), 'missing.md'), 1000)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('starts again after being closed', async () => {
    const path = join(tempDir(), 'again.md');
    writeFileSync(path, 'again');
    await reader.close();
    const r = await reader.read(path, 1000);
    expect('bytes' in r && r.bytes.toString()).toBe('again');
    expect(reader.usable).toBe(true);
  });
});
