/**
 * Child-process entry for permission tests (run through run-as-nobody.ts). Exercises one connector building block
 * as the current user and prints the outcome as JSON on stdout; errors are data, not crashes.
 *
 *   fs-probe.ts walk <root> [acceptExt]       every WalkEntry / ItemIssue the walker yields
 *   fs-probe.ts walk-promises <root> [ext]    the same, listing through fs/promises instead of the reader thread
 *   fs-probe.ts read <file> [maxBytes]        readTextFile's result, or the ItemReadError it threw
 *   fs-probe.ts open-dir <path>               openDirectoryRoot's RootInfo, or the SourceUnavailableError
 *   fs-probe.ts open-file <path>              openFileRoot's RootInfo, or the SourceUnavailableError
 *   fs-probe.ts enumerate-folder <root>       what a folder connector's enumerate yields
 */
import { folderKind } from '../../electron/connectors/folder.js';
import { openDirectoryRoot, openFileRoot } from '../../electron/connectors/file-root.js';
import { readTextFile } from '../../electron/connectors/text-file.js';
import { walkFiles } from '../../electron/connectors/walker.js';
import { testConfig, testContext } from './connector-run.js';

function errorJson(err: unknown): { error: { name: string; code: string | null; message: string } } {
  const e = err as { name?: string; code?: unknown; message?: string };
  return {
    error: {
      name: e.name ?? 'Error',
      code: typeof e.code === 'string' ? e.code : null,
      message: e.message ?? String(err),
    },
  };
}

async function main(): Promise<unknown> {
  const [command, target, extra] = process.argv.slice(2);
  if (!command || !target) throw new Error('usage: fs-probe <command> <path> [extra]');
  try {
    switch (command) {
      case 'walk': {
        const ext = extra ?? '.md';
        const items: unknown[] = [];
        for await (const item of walkFiles({ root: target, acceptFile: (rel) => rel.endsWith(ext) })) items.push(item);
        return { items };
      }
      case 'walk-promises': {
        // The same walk with every directory listed through fs/promises on the main thread.
        const ext = extra ?? '.md';
        const items: unknown[] = [];
        const walk = walkFiles({ root: target, acceptFile: (rel) => rel.endsWith(ext), readerThread: null });
        for await (const item of walk) items.push(item);
        return { items };
      }
      case 'read':
        return await readTextFile(target, { maxBytes: Number(extra ?? 10 * 1024 * 1024) });
      case 'open-dir':
        return await openDirectoryRoot(target);
      case 'open-file':
        return await openFileRoot(target);
      case 'enumerate-folder': {
        const connector = folderKind.create(testConfig('folder', target));
        const items: unknown[] = [];
        for await (const item of connector.enumerate(testContext())) items.push(item);
        return { items };
      }
      default:
        throw new Error(`unknown command ${command}`);
    }
  } catch (err) {
    return errorJson(err);
  }
}

process.stdout.write(JSON.stringify(await main()));
