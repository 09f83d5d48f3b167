/**
 * What "Open" in the dashboard may hand to the OS (`shell.openPath`, which opens a file with its default app and
 * so can start a program). The renderer is not trusted: it names an indexed document or a listed problem, the
 * service looks its path up in the index, and `checkFileToOpen` decides on what is on disk now. Plain Node, so
 * the decision is tested on real files; the desktop shell only passes the answer to Electron.
 */
import type { Stats } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import path, { posix, win32 } from 'node:path';
import { UserInputError } from './connector-config.js';

/**
 * Extensions the OS would run (or that run code: installers, shortcuts, macro documents, help and web archives that
 * script, remote-desktop and shell-location files) rather than show. Windows has no executable bit, so on Windows this
 * list is the only check by type: it follows the lists of file types Windows and Office treat as unsafe.
 */
const RUNNABLE = new Set(
  `.exe .com .bat .cmd .msi .msp .mst .msc .msix .msixbundle .appx .appxbundle .appinstaller .application
  .appref-ms .xbap .ps1 .ps1xml .ps2 .ps2xml .psc1 .psc2 .psd1 .psm1 .msh .msh1 .msh2 .mshxml .msh1xml .msh2xml
  .vb .vbs .vbe .js .jse .wsf .wsh .wsc .sct .hta .scr .cpl .lnk .pif .reg .url .website .scf .shb .shs
  .library-ms .search-ms .searchconnector-ms .settingcontent-ms .diagcab .cab .chm .hlp .mht .mhtml .rdp .ins .isp
  .crt .ops .pcd .prf .jar .jnlp .gadget .inf .iso .img .vhd .vhdx .docm .dotm .xlsm .xltm .xlam .xll .pptm .potm
  .ppam .ppsm .sldm .ade .adp .bas .mda .mdb .mde .mdt .mdw .mdz .accde .app .command .sh .bash .zsh .py .pyw .pl .rb
  .scpt .applescript .action .desktop .appimage .run .bin .deb .rpm .pkg .dmg .workflow .terminal`.split(/\s+/),
);

/** The runnable extension of what the OS would open at `file` (e.g. ".sh"), or null. */
export function runnableExtension(file: string, platform: NodeJS.Platform): string | null {
  const paths = platform === 'win32' ? win32 : posix;
  // `Evil.app/.` is the bundle `Evil.app`, and Windows drops trailing dots and spaces, so `evil.exe. ` runs
  // `evil.exe`.
  const resolved = paths.resolve(file);
  const opened = platform === 'win32' ? resolved.replace(/[. ]+$/, '') : resolved;
  const ext = paths.extname(opened).toLowerCase();
  return RUNNABLE.has(ext) ? ext : null;
}

/**
 * The file a listed problem is about. Problems with one message of an mbox or one event of a calendar name it inside
 * its file (`<file>#<offset>`, `<file>#<UID>[#<RECURRENCE-ID>]`), and a file name may itself hold a `#`: fragments
 * are taken off from the end until what is left is a file. Anything else is returned as it is, for checkFileToOpen
 * to refuse with its reason.
 */
export async function fileOfProblem(problemPath: string): Promise<string> {
  for (let candidate = problemPath; ;) {
    const st = await stat(candidate).catch(() => null);
    if (st?.isFile()) return candidate;
    const fragment = candidate.lastIndexOf('#');
    if (fragment <= 0) return problemPath;
    candidate = candidate.slice(0, fragment);
  }
}

/** Refused by checkFileToOpen; the message is shown after "Couldn't open …:". */
export class OpenRefusedError extends UserInputError {
  constructor(message: string) {
    super(message);
    this.name = 'OpenRefusedError';
  }
}

function errnoCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

function isInside(root: string, file: string, platform: NodeJS.Platform): boolean {
  // Case-insensitive file systems are the default there; real paths may still differ in case from the root.
  const fold = (p: string) => (platform === 'win32' || platform === 'darwin' ? p.toLowerCase() : p);
  const rel = path.relative(fold(root), fold(file));
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

/**
 * Resolves `file` (a path the index holds for the connector at `root`) to the real path to open, or throws an
 * OpenRefusedError saying why not: gone, reached through a link leading out of `root`, not a regular file, marked
 * executable (POSIX), or a runnable type by its extension.
 */
export async function checkFileToOpen(
  file: string,
  root: string,
  platform: NodeJS.Platform = process.platform,
): Promise<string> {
  if (!path.isAbsolute(file)) throw new OpenRefusedError('The index holds no full path for it.');
  let realRoot: string;
  try {
    realRoot = await realpath(root);
  } catch (err) {
    throw new OpenRefusedError(`Its synced folder cannot be reached (${errnoCode(err) || 'unknown error'}).`);
  }
  let real: string;
  try {
    real = await realpath(file);
  } catch (err) {
    const code = errnoCode(err);
    throw new OpenRefusedError(
      code === 'ENOENT' || code === 'ENOTDIR'
        ? 'The file no longer exists.'
        : `The file cannot be reached (${code || 'unknown error'}).`,
    );
  }
  if (!isInside(realRoot, real, platform)) {
    throw new OpenRefusedError('It leads out of its synced folder (through a link), so it is not opened.');
  }
  let st: Stats;
  try {
    st = await stat(real);
  } catch (err) {
    throw new OpenRefusedError(`The file cannot be reached (${errnoCode(err) || 'unknown error'}).`);
  }
  if (!st.isFile()) {
    throw new OpenRefusedError(
      st.isDirectory() ? 'It is a folder, not a file.' : 'It is not a regular file (a device, pipe or socket).',
    );
  }
  if (platform !== 'win32' && (st.mode & 0o111) !== 0) {
    throw new OpenRefusedError('The file is marked as executable, and programs are never opened from here.');
  }
  const ext = runnableExtension(real, platform);
  if (ext) throw new OpenRefusedError(`A ${ext} file can run as a program, and programs are never opened from here.`);
  return real;
}
