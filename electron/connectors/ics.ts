/**
 * The "ics" source kind: one .ics file, or a folder of them (walked; `.ics` only, any case).
 *
 * Each file is a unit; a read yields one document per VEVENT, VTODO (a task) and VJOURNAL (a note) in `replace` mode,
 * so an event removed from the file is removed from the index by the engine. Parsing lives in ics-events.ts (pure); this module does the file
 * access and keeps the main thread responsive: the events stream gives the event loop a turn every few
 * milliseconds, and recurrence expansion has its own per-file budget there.
 *
 * Document ids are `<unit key>#<UID>[#<RECURRENCE-ID>]`: UIDs are only unique inside one calendar, and the same
 * event exported into two files must not make the two units fight over one document.
 */
import { promises as fsp, type Stats } from 'node:fs';
import { basename } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { ConnectorConfig } from '../../shared/types.js';
import { checkDirectoryPath, checkFilePath, openDirectoryRoot, openFileRoot } from './file-root.js';
import { calendarItems, scanCalendar, type IcsItem, type IcsOptions, type ScannedCalendar } from './ics-events.js';
import { decodeText, foundInvalidUtf8, readTextFile, type DecodedText } from './text-file.js';
import {
  SourceUnavailableError,
  type Connector,
  type ConnectorContext,
  type ConnectorKindModule,
  type ItemIssue,
  type ReadEvent,
  type RootInfo,
  type SourceUnit,
  type UnitRead,
  type UnitRecord,
} from './types.js';
import { checkAborted, errnoCode, readerVersionTag, toSourceUnit, walkFiles } from './walker.js';

/** Limits handed to the parser; see IcsOptions. */
export type IcsLimits = Pick<
  IcsOptions,
  'maxOccurrences' | 'windowDays' | 'maxIterations' | 'maxSteps' | 'budgetMs' | 'clock'
>;

export interface IcsConnectorOptions {
  /** Clock for the occurrence window. Default Date.now. */
  now?: () => number;
  /** IANA zone for floating times and all-day dates. Default: the system zone. */
  localTimeZone?: string;
  limits?: IcsLimits;
  /** The events stream yields to the event loop after this much continuous work. Default 8 ms. */
  sliceMs?: number;
}

export function isIcsFileName(name: string): boolean {
  return /\.ics$/i.test(name);
}

function systemTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/**
 * Part of every calendar unit's fingerprint. Raise it when the text made from an event changes, so calendars indexed
 * by the code before are read once more and indexed anew instead of keeping the old text until their file changes.
 * 2: weekday and month names written in full ("Tuesday 1 December"), "Cancelled:" titles, Windows zone names read
 * as their IANA zone, RANGE=THISANDFUTURE overrides applied.
 * 3: VTODOs indexed as tasks and VJOURNALs as notes; before, they were dropped without a word, so a calendar indexed
 * by version 2 is read once more for its tasks to appear.
 * 4: repeats in the words people search with ("Every month on the 1st (monthly)"), Outlook's midnight all-day events
 * read as all-day, each item named after the calendar it is in when a file holds several, and the ticked-off
 * occurrences of a repeating task folded into its one document.
 * 5: the calendar's name in the text ("Calendar: Family"), a repeating task with COUNT or UNTIL spanning its
 * occurrences, and UTC times shown in the X-WR-TIMEZONE of each calendar of a file that holds several; read again,
 * calendars indexed before documents had a span (timestampEnd) get theirs too.
 */
export const ICS_READER_VERSION = 5;

function calendarUnit(entry: Parameters<typeof toSourceUnit>[0]): SourceUnit {
  const unit = toSourceUnit(entry);
  return { ...unit, fingerprint: unit.fingerprint + readerVersionTag('ics', ICS_READER_VERSION) };
}

export function createIcsConnector(config: ConnectorConfig, options: IcsConnectorOptions = {}): Connector {
  return new IcsConnector(config, options);
}

class IcsConnector implements Connector {
  readonly id: string;
  readonly kind = 'ics' as const;
  readonly displayName: string;
  readonly #config: ConnectorConfig;
  readonly #options: IcsConnectorOptions;
  /** What the path was at the last `open`: a folder to walk, or the one file. */
  #mode: 'directory' | 'file' | null = null;

  constructor(config: ConnectorConfig, options: IcsConnectorOptions) {
    this.id = config.id;
    this.displayName = config.name;
    this.#config = config;
    this.#options = options;
  }

  isConnected(): boolean {
    return true;
  }

  async open(_ctx: ConnectorContext): Promise<RootInfo> {
    const path = this.#config.path;
    const st = await statOrNull(path);
    if (st?.isDirectory()) {
      this.#mode = 'directory';
      return openDirectoryRoot(path);
    }
    if (st === null && !isIcsFileName(path)) {
      // Missing: report it in folder words unless the path names a calendar file.
      this.#mode = 'directory';
      return openDirectoryRoot(path);
    }
    this.#mode = 'file';
    return openFileRoot(path);
  }

  async *enumerate(ctx: ConnectorContext): AsyncGenerator<SourceUnit | ItemIssue> {
    const path = this.#config.path;
    if (this.#mode === null) await this.open(ctx);
    if (this.#mode === 'file') {
      let st: Stats;
      try {
        st = await fsp.stat(path);
      } catch (err) {
        throw new SourceUnavailableError(
          'E_ROOT_UNAVAILABLE',
          `The calendar file ${path} cannot be reached (${errnoCode(err) || String(err)}).`,
        );
      }
      if (!st.isFile()) throw new SourceUnavailableError('E_ROOT_INVALID', `${path} is no longer a file.`);
      const name = basename(path);
      yield calendarUnit({
        key: name.normalize('NFC'),
        relPath: name,
        path,
        size: st.size,
        mtimeMs: st.mtimeMs,
        ino: st.ino,
        dev: st.dev,
      });
      return;
    }
    for await (const entry of walkFiles({
      root: path,
      acceptFile: (rel) => isIcsFileName(rel),
      // Hidden folders (.git, .Trash, .sync caches) hold copies, not calendars.
      skipDir: (_rel, name) => name.startsWith('.'),
      excludes: this.#config.excludes,
      signal: ctx.signal,
    })) {
      yield 'code' in entry ? entry : calendarUnit(entry);
    }
  }

  async read(unit: SourceUnit, _previous: UnitRecord | null, ctx: ConnectorContext): Promise<UnitRead> {
    const file = await readTextFile(unit.path, {
      maxBytes: ctx.maxFileSizeBytes,
      signal: ctx.signal,
      decode: decodeIcsFile,
    });
    checkAborted(ctx.signal);
    // Throws ItemReadError(E_PARSE) for an empty or non-iCalendar file: the engine keeps what it had indexed.
    const scan = scanCalendar(file.text, unit.path);
    const opts: IcsOptions = {
      ...this.#options.limits,
      path: unit.path,
      idPrefix: `${unit.key}#`,
      now: (this.#options.now ?? Date.now)(),
      localTimeZone: this.#options.localTimeZone ?? systemTimeZone(),
    };
    return { mode: 'replace', events: this.#events(file.issues, scan, opts, ctx) };
  }

  async *#events(
    textIssues: ItemIssue[],
    scan: ScannedCalendar,
    opts: IcsOptions,
    ctx: ConnectorContext,
  ): AsyncGenerator<ReadEvent> {
    for (const issue of textIssues) yield { type: 'issue', issue };
    const sliceMs = this.#options.sliceMs ?? 8;
    let sliceStart = performance.now();
    for (const item of calendarItems(scan, opts)) {
      yield toReadEvent(item);
      if (performance.now() - sliceStart >= sliceMs) {
        await nextTurn();
        checkAborted(ctx.signal);
        sliceStart = performance.now();
      }
    }
  }
}

/**
 * A calendar file's text. RFC 5545 folds lines at 75 octets, not characters, and asks readers to unfold before they
 * decode, so a fold may fall inside a UTF-8 character (Outlook, Google and many libraries do this). Decoded first,
 * each half would become U+FFFD: the bytes that end such a character after a fold are moved back before its line
 * break, which leaves the line count (for the line numbers in problems) as it was.
 */
export function decodeIcsFile(bytes: Buffer, path: string): DecodedText {
  const decoded = decodeText(bytes, path);
  if (!foundInvalidUtf8(decoded)) return decoded;
  const joined = joinCharactersSplitByFolds(bytes);
  return joined === bytes ? decoded : decodeText(joined, path);
}

function joinCharactersSplitByFolds(bytes: Buffer): Buffer {
  const pieces: Buffer[] = [];
  let copied = 0;
  for (let nl = bytes.indexOf(0x0a); nl >= 0 && nl + 1 < bytes.length; nl = bytes.indexOf(0x0a, nl + 1)) {
    if (bytes[nl + 1] !== 0x20 && bytes[nl + 1] !== 0x09) continue;
    const lineEnd = nl > 0 && bytes[nl - 1] === 0x0d ? nl - 1 : nl;
    const missing = bytesMissingAtEnd(bytes, lineEnd);
    const next = nl + 2;
    if (missing === 0 || next + missing > bytes.length) continue;
    if (!bytes.subarray(next, next + missing).every((b) => (b & 0xc0) === 0x80)) continue;
    pieces.push(bytes.subarray(copied, lineEnd), bytes.subarray(next, next + missing), bytes.subarray(lineEnd, next));
    copied = next + missing;
  }
  if (copied === 0) return bytes;
  pieces.push(bytes.subarray(copied));
  return Buffer.concat(pieces);
}

/** How many continuation bytes the UTF-8 character cut off at `end` still needs (0 when none is cut off). */
function bytesMissingAtEnd(bytes: Buffer, end: number): number {
  let continuations = 0;
  while (continuations < 3 && end - continuations - 1 >= 0 && (bytes[end - continuations - 1] & 0xc0) === 0x80) {
    continuations++;
  }
  const lead = bytes[end - continuations - 1];
  if (lead === undefined) return 0;
  const length =
    lead >= 0xf0 && lead <= 0xf4 ? 4 : lead >= 0xe0 && lead < 0xf0 ? 3 : lead >= 0xc2 && lead < 0xe0 ? 2 : 0;
  return length > continuations + 1 ? length - continuations - 1 : 0;
}

function toReadEvent(item: IcsItem): ReadEvent {
  return item.type === 'doc' ? { type: 'doc', doc: item.doc } : { type: 'issue', issue: item.issue };
}

async function statOrNull(path: string): Promise<Stats | null> {
  try {
    return await fsp.stat(path);
  } catch {
    return null;
  }
}

/** A folder (of .ics files) or an .ics file; null when usable, else the reason in plain words. */
export async function checkIcsPath(path: string): Promise<string | null> {
  const st = typeof path === 'string' && path !== '' ? await statOrNull(path) : null;
  if (st?.isDirectory()) return checkDirectoryPath(path);
  if (st === null) return isIcsFileName(path ?? '') ? checkFilePath(path) : checkDirectoryPath(path);
  if (!isIcsFileName(path)) return `${path} is not an .ics calendar file. Choose an .ics file or a folder of them.`;
  return checkFilePath(path);
}

export const icsKind: ConnectorKindModule = {
  kind: 'ics',
  label: 'Calendar (.ics)',
  description:
    'Events and tasks from an iCalendar file, or a folder of .ics files (Google Calendar, Outlook, Apple Calendar, Thunderbird, Reminders exports).',
  pathType: 'either',
  create: (config) => createIcsConnector(config),
  checkPath: checkIcsPath,
};
