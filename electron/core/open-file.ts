/**
 * What "Open" in the dashboard may hand to the OS (`shell.openPath`, which opens a file with its default app and
 * so can start a program). The renderer is not trusted: it names an indexed document or a listed problem, the
 * service looks its path up in the index, and `checkFileToOpen` decides on what is on disk now. Plain Node, so
 * the decision is tested on real files; the desktop shell only passes the answer to Electron.
 */
import type { Stats } from 'node:fs';
import { constants } from 'node:fs';
import { open, realpath, stat } from 'node:fs/promises';
import path, { posix, win32 } from 'node:path';
import type { ConnectorKind } from '../../shared/types.js';
import { UserInputError } from './connector-config.js';

/**
 * Extensions the OS would run (or that run code: installers, shortcuts, macro documents — the macro-enabled formats
 * and the legacy binary ones, which hold macros too — help and web archives that script, remote-desktop, theme,
 * sandbox, provisioning and shell-location files, package and profile installers) rather than show. Windows has no
 * executable bit, so on Windows this list is the only check by name: it follows the lists of file types Windows and
 * Office treat as unsafe. What a file holds is checked too (programSignature), for what is opened by its content.
 */
const RUNNABLE = new Set(
  `.exe .com .bat .cmd .msi .msp .mst .msc .msu .msix .msixbundle .appx .appxbundle .appinstaller .application
  .appref-ms .xbap .ps1 .ps1xml .ps2 .ps2xml .psc1 .psc2 .psd1 .psm1 .msh .msh1 .msh2 .mshxml .msh1xml .msh2xml
  .vb .vbs .vbe .js .jse .ws .wsf .wsh .wsc .wsb .sct .hta .scr .cpl .lnk .pif .reg .url .website .scf .shb .shs .xnk
  .library-ms .search-ms .searchconnector-ms .settingcontent-ms .appcontent-ms .diagcab .cab .chm .hlp .mht .mhtml
  .rdp .ins .isp .crt .cer .der .ops .pcd .prf .jar .jnlp .gadget .inf .iso .img .vhd .vhdx .theme .themepack
  .deskthemepack .vsto .vsmacros .ppkg .printerexport .mcf .grp .iqy .slk
  .docm .dotm .xlsm .xltm .xlam .xll .xlsb .pptm .potm .ppam .ppsm .sldm .doc .dot .xls .xlt .xla .xlm .ppt .pot .ppa
  .pps .ade .adp .bas .mda .mdb .mde .mdt .mdw .mdz .accde
  .py .pyw .pyz .pyzw .pyc .pyo .pl .rb .sh .bash .zsh
  .app .command .scpt .applescript .action .workflow .terminal .pkg .dmg .inetloc .fileloc .webloc .afploc .ftploc
  .mobileconfig .webarchive
  .desktop .appimage .run .bin .deb .rpm .flatpak .flatpakref .flatpakrepo .snap`.split(/\s+/),
);

/** The extension, lower-cased, of what the OS would open at `file`. */
function openedExtension(file: string, platform: NodeJS.Platform): string {
  const paths = platform === 'win32' ? win32 : posix;
  // `Evil.app/.` is the bundle `Evil.app`, and Windows drops trailing dots and spaces, so `evil.exe. ` runs
  // `evil.exe`.
  const resolved = paths.resolve(file);
  const opened = platform === 'win32' ? resolved.replace(/[. ]+$/, '') : resolved;
  return paths.extname(opened).toLowerCase();
}

/** The runnable extension of what the OS would open at `file` (e.g. ".sh"), or null. */
export function runnableExtension(file: string, platform: NodeJS.Platform): string | null {
  const ext = openedExtension(file, platform);
  return RUNNABLE.has(ext) ? ext : null;
}

/**
 * Names of notes kept as text (the folder and vault connectors read them), which every opener that looks at a name
 * types as text whatever the file holds: Windows and macOS go by the extension alone, and on Linux GIO (GNOME, Xfce,
 * Cinnamon), KDE and File::MimeInfo (`mimetype`, xdg-mime's own lookup) take a single match of the name over what
 * the content looks like. See isTextNoteHead for the one opener that looks at the content only.
 */
const TEXT_NOTE_EXTENSIONS: ReadonlySet<string> = new Set(['.md', '.markdown', '.txt', '.org', '.rst']);

/** Whether `file` is named as a text note (TEXT_NOTE_EXTENSIONS). */
export function isTextNoteName(file: string, platform: NodeJS.Platform): boolean {
  return TEXT_NOTE_EXTENSIONS.has(openedExtension(file, platform));
}

/**
 * Kinds whose units hold parts (the messages of an mbox, the events of a calendar): a problem with one part names it
 * inside its unit's file, `<file>#<offset>` or `<file>#<UID>[#<RECURRENCE-ID>]`.
 */
const KINDS_WITH_PARTS: ReadonlySet<ConnectorKind> = new Set<ConnectorKind>(['mbox', 'ics']);

/**
 * The unit key (connectors/walker.ts, WalkEntry.key: the NFC POSIX path relative to the root) that the connector at
 * `root` gives the file at `file`, or null when it is not below the root. The root itself is the unit of a connector
 * on one file, keyed by its name (mbox.ts, ics.ts).
 */
export function unitKeyOf(file: string, root: string, platform: NodeJS.Platform = process.platform): string | null {
  const paths = platform === 'win32' ? win32 : posix;
  if (file === root) return paths.basename(root).normalize('NFC');
  const rel = paths.relative(root, file);
  if (rel === '' || rel === '..' || rel.startsWith(`..${paths.sep}`) || paths.isAbsolute(rel)) return null;
  return rel.split(paths.sep).join('/').normalize('NFC');
}

/**
 * The file a listed problem of a connector of `kind` is about. For a kind whose units hold parts, the problem may name
 * a part inside its file, and both a file name and a part's id may hold a `#`: the file is the longest prefix ending
 * before a `#` that `isUnit` (asked with the prefix's unit key) says is one of the connector's units in the index. A
 * problem with a whole unit names the file itself. Nothing else ever maps to another file: what the disk holds now
 * at a shorter prefix is no unit's file (a folder's `Meeting notes#2024.md` is never `Meeting notes`). Anything else is
 * returned as it is, for checkFileToOpen to refuse with its reason.
 */
export function fileOfProblem(
  problemPath: string,
  connector: { kind: ConnectorKind; path: string },
  isUnit: (key: string) => boolean,
  platform: NodeJS.Platform = process.platform,
): string {
  if (!KINDS_WITH_PARTS.has(connector.kind)) return problemPath;
  const unitAt = (file: string) => {
    const key = unitKeyOf(file, connector.path, platform);
    return key !== null && isUnit(key);
  };
  if (unitAt(problemPath)) return problemPath;
  for (let end = problemPath.lastIndexOf('#'); end > 0; end = problemPath.lastIndexOf('#', end - 1)) {
    const file = problemPath.slice(0, end);
    if (unitAt(file)) return file;
  }
  return problemPath;
}

/**
 * Starts of files the OS takes for programs or launchers by their content, whatever their name: Linux opens a file
 * with no extension, or one its MIME database does not know (a Maildir message `1700000000.M1P2.host:2,S`), by what
 * its first bytes look like (xdg-mime: `MZ` is application/x-ms-dos-executable, which Wine runs). Binary ones at the
 * very start; no mail or calendar begins with them, and a note that does (`MZ-3 trip`, `#!urgent`) is opened when
 * it is text (isTextNoteHead).
 */
const PROGRAM_MAGIC: readonly (readonly [Buffer, string])[] = [
  [Buffer.from('MZ'), 'a Windows program'],
  [Buffer.from('\x7fELF', 'latin1'), 'a Linux program'],
  ...['feedface', 'feedfacf', 'cefaedfe', 'cffaedfe'].map(
    (hex) => [Buffer.from(hex, 'hex'), 'a macOS program'] as const,
  ),
  // Also a Java class; either way code.
  [Buffer.from('cafebabe', 'hex'), 'a macOS or Java program'],
  // OLE2: Windows installers (.msi) and the legacy Office documents that carry macros.
  [Buffer.from('d0cf11e0a1b11ae1', 'hex'), 'an installer or a document with macros'],
  [Buffer.from('4c0000000114020000000000c000000000000046', 'hex'), 'a Windows shortcut'],
  [Buffer.from('xdg-app\0', 'latin1'), 'a Flatpak bundle'],
  [Buffer.from('flatpak\0', 'latin1'), 'a Flatpak bundle'],
  [Buffer.from('#!'), 'a script'],
  [Buffer.from('\ufeff#!'), 'a script'],
];

/**
 * Section headers of launcher files (desktop entries, Flatpak references, Internet shortcuts) and
 * the last offset each may start at, as the MIME database (shared-mime-info) looks for them.
 */
const LAUNCHER_HEADERS: readonly (readonly [string, number, string])[] = [
  ['[Desktop Entry]', 32, 'a desktop launcher'],
  ['[Desktop Action', 0, 'a desktop launcher'],
  ['[KDE Desktop Entry]', 0, 'a desktop launcher'],
  ['[Flatpak Ref]', 256, 'a Flatpak installer'],
  ['[InternetShortcut]', 0, 'an Internet shortcut'],
];

/** How many bytes of a file programSignature looks at. */
export const SNIFFED_BYTES = 512;

/**
 * Whether the first bytes of a file named as a text note (isTextNoteName) leave its start, `MZ` or `#!`, harmless: a
 * note may well begin so ("MZ-3 trip", "#!urgent", a shell snippet kept as a note), and the danger is in what the
 * OS hands the file to. Only xdg-open without a known desktop, where xdg-mime falls back to `file --mime-type`, types
 * a file by its content alone. A program a runner takes by content (Windows programs and installers, which Wine
 * runs; Linux and macOS programs) has NUL bytes in its first 64: with none, `file` finds text, a script at most
 * (text/x-shellscript, text/x-script.python), whose handlers are editors, and a script with no executable bit (refused
 * before this) does not run by being opened. Wine, were it handed the file anyway, opens it by its `.md` name, which
 * runs nothing. Launcher headers stay refused (programSignature): `file` types an `[InternetShortcut]` by its content
 * even in a `.md`.
 */
function isTextNoteHead(head: Buffer): boolean {
  return !head.includes(0);
}

/**
 * What the first bytes of a file (up to SNIFFED_BYTES) say it is when that is a program or a launcher, or null.
 * `textNoteName`: the file is named as a text note (isTextNoteName), so a program's start in text is no program.
 */
export function programSignature(head: Buffer, textNoteName = false): string | null {
  const magicApplies = !(textNoteName && isTextNoteHead(head));
  for (const [magic, what] of magicApplies ? PROGRAM_MAGIC : []) {
    if (head.length >= magic.length && head.subarray(0, magic.length).equals(magic)) return what;
  }
  const text = head.toString('latin1');
  for (const [header, lastStart, what] of LAUNCHER_HEADERS) {
    const at = text.indexOf(header);
    if (at >= 0 && at <= lastStart) return what;
  }
  return null;
}

/** The first SNIFFED_BYTES of `file` (fewer if it is shorter), read without waiting on a FIFO swapped in. */
async function headOf(file: string): Promise<Buffer> {
  const handle = await open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const buffer = Buffer.alloc(SNIFFED_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, SNIFFED_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
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
  let head: Buffer;
  try {
    head = await headOf(real);
  } catch (err) {
    throw new OpenRefusedError(`The file cannot be read (${errnoCode(err) || 'unknown error'}).`);
  }
  const program = programSignature(head, isTextNoteName(real, platform));
  if (program) {
    throw new OpenRefusedError(`The file holds ${program}, and programs are never opened from here.`);
  }
  return real;
}
