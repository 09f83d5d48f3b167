/**
 * The contract between a source (folder, vault, mbox, …) and the SyncEngine.
 *
 * A connector splits its source into **units** — usually files — each with a cheap fingerprint (size, mtime,
 * inode). The engine compares fingerprints with the manifest it stored last time and asks the connector to
 * `read` only the units that are new or changed. A unit yields one or more documents (a note: one; an mbox or an
 * .ics file: many). Units missing from a *complete* enumeration are deletions. This is how edits, deletions,
 * renames and files copied in with an old mtime are all seen, which a `mtime > since` watermark cannot do.
 */
import type { ConnectorConfig, ConnectorKind, DocType } from '../../shared/types.js';
import type { Logger } from '../../shared/logger.js';
import type { FileSurvey } from './file-count.js';

/** A document as a connector produces it. The engine namespaces `id` with the connector id. */
export interface SourceDocument {
  /** Stable identity inside the connector: a normalised relative path, a Message-ID, a UID… */
  id: string;
  title: string;
  /** Plain text to index (HTML already reduced to text). */
  content: string;
  docType: DocType;
  /** Absolute path to open the source in the OS, when there is one. */
  path: string | null;
  author?: string | null;
  participants?: string[];
  /** Epoch ms (mtime for files, Date for mail, start for events). */
  timestamp?: number | null;
  /**
   * Epoch ms: when what the document describes ends, for one that lasts (an event's end, a repeating event's last
   * occurrence's end); absent for a moment. Date filters match a document whose span [timestamp, timestampEnd]
   * meets theirs.
   */
  timestampEnd?: number | null;
  threadId?: string | null;
  tags?: string[];
  aliases?: string[];
  links?: string[];
  metadata?: Record<string, unknown>;
}

/** One enumerated piece of the source. */
export interface SourceUnit {
  /** Identity key, unique per connector: the NFC-normalised POSIX path relative to the root (so never NUL). */
  key: string;
  /** Absolute path, for display, errors and opening. */
  path: string;
  /** Cheap change signal; equal fingerprint ⇒ the unit is not read again. Never contains NUL (see store.loadManifestIndex). */
  fingerprint: string;
  size: number;
}

/** Item-level problem codes (../shared/reference/bad-inputs.md). `W_` codes are warnings: the item was indexed. */
export type ItemIssueCode =
  | 'E_LOOP'
  | 'ENOENT'
  | 'EACCES'
  | 'E_BINARY'
  | 'E_TOO_LARGE'
  | 'E_TOO_DEEP'
  | 'ENAMETOOLONG'
  | 'E_NAME_UNDECODABLE'
  | 'E_PARSE'
  | 'E_READ'
  | 'E_VANISHED'
  | 'E_PARSE_TIMEOUT'
  | 'E_NOT_REGULAR_FILE'
  | 'E_READ_TIMEOUT'
  | 'W_CHANGED_DURING_READ'
  | 'W_BAD_UTF8'
  | 'W_BAD_FRONTMATTER'
  | 'W_OBSIDIAN_SETTINGS'
  | 'W_NORMALIZATION_COLLISION'
  | 'W_CASE_COLLISION'
  | 'W_SYMLINK_SKIPPED'
  | 'W_PLACEHOLDER'
  | 'W_MBOX_TRUNCATED'
  | 'W_MBOX_MALFORMED'
  | 'E_NOT_MBOX'
  | 'W_ICS_INVALID'
  | 'W_ICS_RRULE'
  | 'W_ICS_TIMEZONE';

export interface ItemIssue {
  /** Path (absolute, or "file#message" for a piece of a unit) the problem is about. */
  path: string;
  code: ItemIssueCode;
  message: string;
  severity: 'error' | 'warning';
  /**
   * Set when part of the source could not be enumerated (an unreadable folder): units whose key equals this
   * prefix or lies under it are kept as they are instead of being deleted. '' keeps everything.
   */
  keepPrefix?: string;
}

/** Thrown from `read` when a whole unit cannot be read. The engine records it and keeps the old version. */
export class ItemReadError extends Error {
  constructor(
    readonly code: ItemIssueCode,
    message: string,
  ) {
    super(message);
    this.name = 'ItemReadError';
  }
}

/** Thrown from `open` (or `enumerate`) when the source as a whole cannot be used. Never causes deletions. */
export class SourceUnavailableError extends Error {
  constructor(
    readonly code: 'E_ROOT_UNAVAILABLE' | 'E_ROOT_UNREADABLE' | 'E_ROOT_NOT_A_DIRECTORY' | 'E_ROOT_INVALID',
    message: string,
  ) {
    super(message);
    this.name = 'SourceUnavailableError';
  }
}

/** What the engine remembers about a unit from the last time it was read. */
export interface UnitRecord {
  key: string;
  fingerprint: string;
  /** Connector-defined resume point inside the unit (mbox: byte offset + hash of the bytes before it). */
  cursor: string | null;
}

/** Events a unit read streams to the engine. */
export type ReadEvent =
  | { type: 'doc'; doc: SourceDocument }
  | { type: 'issue'; issue: ItemIssue }
  /** A resume point inside the unit; committed with the batch that holds every doc yielded before it. */
  | { type: 'cursor'; cursor: string }
  /** How far the read is into a unit read in parts (bytes of a mailbox), for the progress shown; never stored. */
  | { type: 'position'; done: number; total: number };

export interface UnitRead {
  /**
   * `replace`: the events carry the unit's complete set of documents; the unit's other documents are deleted.
   * `append`: only new documents (read from `previous.cursor` on); the unit's other documents stay.
   */
  mode: 'replace' | 'append';
  events: AsyncIterable<ReadEvent>;
}

export interface RootInfo {
  /** Identity of the root (`dev:ino:birthtime`, file-root.ts), to tell "the same folder, now empty" from "a different, empty folder". */
  identity: string;
}

export interface ConnectorContext {
  signal: AbortSignal;
  /**
   * Start time of the last successful run (null on the first sync), as upstream passes it. Manifest comparison
   * is what finds changes; a connector may use this only as a hint (e.g. to skip work on append-only sources).
   */
  since: number | null;
  log: Logger;
  maxFileSizeBytes: number;
  /**
   * Whether this unit has anything in the index (a manifest row, or documents of a first read cut off). Lets
   * `enumerate` tell a unit it no longer recognises, which it must still yield (or keep with `keepPrefix`) so its
   * documents are not swept, from a file it never took.
   */
  wasIndexed?: (key: string) => boolean;
  /**
   * Set by the engine: true when the manifest has this unit at this fingerprint (and the run has not met it yet),
   * in which case the engine has counted it as seen and unchanged, and `enumerate` need not yield it. A file tree
   * asks for every regular file before building anything for it: a re-sync of 100,000 files meets 100,000 unchanged
   * ones, and what each yielded unit cost (its objects, the engine's set of seen keys) was the largest part of the main
   * thread's share of the walk.
   */
  isUnchanged?: (key: string, fingerprint: string) => boolean;
}

/** One configured source. Instances are created by the registry (electron/connectors/registry.ts). */
export interface Connector {
  readonly id: string;
  readonly kind: ConnectorKind;
  readonly displayName: string;
  /** False when the user disabled it; disconnected connectors are skipped by the scheduler (upstream semantics). */
  isConnected(): boolean;
  /** Checks the root; throws SourceUnavailableError when it is missing, unreadable or of the wrong type. */
  open(ctx: ConnectorContext): Promise<RootInfo>;
  /**
   * Enumerates units. Yields an ItemIssue for each entry it had to skip. Returning normally means the
   * enumeration was complete: units not seen are deleted. Throwing (e.g. SourceUnavailableError) means nothing
   * is deleted.
   */
  enumerate(ctx: ConnectorContext): AsyncIterable<SourceUnit | ItemIssue>;
  /**
   * Optional: the same enumeration, several items per step, which the engine uses when present. For sources of
   * many small units (a folder of 100,000 files), where a step per unit through the stacked async generators costs
   * more than the engine's own work on an unchanged unit.
   */
  enumerateBatches?(ctx: ConnectorContext): AsyncIterable<readonly (SourceUnit | ItemIssue)[]>;
  /**
   * Optional: about how many units the enumeration will yield, counted cheaply (no reads), for the progress total of
   * a first sync (Progress.expected). Run beside the enumeration; a failure only leaves the total unknown.
   */
  countUnits?(ctx: ConnectorContext): Promise<number>;
  /**
   * Optional, for kinds that walk a folder: how many files it holds that the kind reads, and how many of them
   * `excludes` (in place of the connector's own) would leave out, counted until `stopAt` (epoch ms). The dashboard
   * shows it while excludes are edited.
   */
  surveyExcludes?(excludes: readonly string[], stopAt: number): Promise<FileSurvey>;
  /** Reads a new or changed unit. Throws ItemReadError for a unit-level failure. */
  read(unit: SourceUnit, previous: UnitRecord | null, ctx: ConnectorContext): Promise<UnitRead>;
  /**
   * Optional: whether a unit found unchanged (same fingerprint) must be read again all the same, because its last
   * read put work off that is now due (an mbox rewritten in place, read in full at most every 15 minutes). Asked
   * only for units whose stored record has a cursor; without it, an unchanged unit is never read.
   */
  owesRead?(unit: SourceUnit, previous: UnitRecord): boolean;
}

export function isItemIssue(x: SourceUnit | ItemIssue): x is ItemIssue {
  return 'code' in x;
}

/** A kind whose connectors read through `read` (test hooks: slowed or interfered-with reads); the rest is `module`'s. */
export function withRead(
  module: ConnectorKindModule,
  read: (inner: Connector, ...args: Parameters<Connector['read']>) => Promise<UnitRead>,
): ConnectorKindModule {
  return {
    ...module,
    create(config) {
      const inner = module.create(config);
      return {
        id: inner.id,
        kind: inner.kind,
        displayName: inner.displayName,
        isConnected: () => inner.isConnected(),
        open: (ctx) => inner.open(ctx),
        enumerate: (ctx) => inner.enumerate(ctx),
        enumerateBatches: inner.enumerateBatches && ((ctx) => inner.enumerateBatches!(ctx)),
        countUnits: inner.countUnits && ((ctx) => inner.countUnits!(ctx)),
        surveyExcludes: inner.surveyExcludes && ((excludes, stopAt) => inner.surveyExcludes!(excludes, stopAt)),
        read: (unit, previous, ctx) => read(inner, unit, previous, ctx),
        owesRead: inner.owesRead && ((unit, previous) => inner.owesRead!(unit, previous)),
      };
    },
  };
}

/** What each source-kind module exports; electron/connectors/registry.ts lists them in one place. */
export interface ConnectorKindModule {
  kind: ConnectorKind;
  /** Shown in "Add connector". */
  label: string;
  /** One line: what it reads. */
  description: string;
  /** Whether `path` names a directory, a file, or either. */
  pathType: 'directory' | 'file' | 'either';
  create(config: ConnectorConfig): Connector;
  /** Checks a path before the connector is added: null when usable, else a plain-words reason. */
  checkPath(path: string): Promise<string | null>;
  /**
   * What the change watcher must not take for noise under the connector's path, where dot-named paths are (editors'
   * temp files, `.git`, app settings rewritten all the time): `dotFolders` when dot-named folders hold the source's
   * data (Maildir++), `dotFiles` (relative paths) for settings that decide what is indexed (a vault's app.json).
   */
  readonly watch?: { readonly dotFolders?: boolean; readonly dotFiles?: readonly string[] };
}
