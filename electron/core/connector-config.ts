/** connectors.json: the user's connectors and pause flags, validated on load. */
import { realpath } from 'node:fs/promises';
import { basename, isAbsolute, relative, resolve, sep } from 'node:path';
import { compileExcludes } from '../connectors/walker.js';
import { PAYLOAD_LIMITS } from '../../shared/contract-parsers.js';
import { excludePatternProblem } from '../../shared/exclude-patterns.js';
import { globProblem } from '../../shared/glob.js';
import { SETTINGS_LIMITS } from '../../shared/settings.js';
import {
  CONNECTOR_KINDS,
  type AddConnectorInput,
  type ConnectorConfig,
  type ConnectorKind,
} from '../../shared/types.js';

export interface ConnectorsFile {
  version: 1;
  paused: boolean;
  connectors: ConnectorConfig[];
  /** Connectors removed with their documents kept in the index, so that adding the same source again takes them up. */
  keptIndexes: KeptIndex[];
  /** Entries of the file's connectors list that could not be used, written back as they were (parseConnectorsFile). */
  unusableEntries: unknown[];
}

export interface KeptIndex {
  id: string;
  kind: ConnectorKind;
  path: string;
}

export const emptyConnectorsFile = (): ConnectorsFile => ({
  version: 1,
  paused: false,
  connectors: [],
  keptIndexes: [],
  unusableEntries: [],
});

export class UserInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserInputError';
  }
}

const isKind = (k: unknown): k is ConnectorKind =>
  typeof k === 'string' && (CONNECTOR_KINDS as readonly string[]).includes(k);

/**
 * Throws on a structurally broken file (→ backup/defaults). An entry that cannot be used (hand-edited: an unknown
 * kind, no path, an id used twice, an exclude pattern too costly to match) is left out of the connectors but kept in
 * `unusableEntries`, so that saving the file writes it back as it was, for the person to fix; `problems` gets a line
 * per entry or value not taken.
 */
export function parseConnectorsFile(raw: unknown, problems: string[] = []): ConnectorsFile {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('it does not hold an object');
  const obj = raw as Record<string, unknown>;
  if (!Array.isArray(obj.connectors)) throw new Error('it has no connectors list');
  const connectors: ConnectorConfig[] = [];
  const unusableEntries: unknown[] = [];
  const ids = new Set<string>();
  obj.connectors.forEach((entry: unknown, i) => {
    const where = `entry ${i + 1}${entryName(entry)}`;
    const parsed = parseConnectorConfig(entry);
    if (typeof parsed === 'string' || ids.has(parsed.config.id)) {
      problems.push(
        `${where}: ${typeof parsed === 'string' ? parsed : `its id "${parsed.config.id}" is used by an earlier entry`}`,
      );
      unusableEntries.push(entry);
      return;
    }
    ids.add(parsed.config.id);
    connectors.push(parsed.config);
    for (const p of parsed.problems) problems.push(`${where}: ${p}`);
  });
  const keptIndexes = (Array.isArray(obj.keptIndexes) ? obj.keptIndexes : []).filter(
    (k): k is KeptIndex =>
      typeof k === 'object' &&
      k !== null &&
      typeof (k as KeptIndex).id === 'string' &&
      isKind((k as KeptIndex).kind) &&
      typeof (k as KeptIndex).path === 'string',
  );
  return { version: 1, paused: obj.paused === true, connectors, keptIndexes, unusableEntries };
}

/** What is written: the entries that could not be used stay in the list, after the others, as they were read. */
export function serializeConnectorsFile(file: ConnectorsFile): unknown {
  const { unusableEntries, ...rest } = file;
  return { ...rest, connectors: [...file.connectors, ...unusableEntries] };
}

function entryName(entry: unknown): string {
  const name = (entry as { name?: unknown } | null)?.name;
  return typeof name === 'string' && name !== '' ? ` ("${name.slice(0, 80)}")` : '';
}

/** The connector an entry describes, with the values not taken; or why it describes none. */
function parseConnectorConfig(raw: unknown): { config: ConnectorConfig; problems: string[] } | string {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'it is not an object';
  const c = raw as Record<string, unknown>;
  if (typeof c.id !== 'string' || !c.id) return 'it has no id';
  if (!isKind(c.kind))
    return `its kind ${JSON.stringify(c.kind) ?? 'is missing and'} is not one of ${CONNECTOR_KINDS.join(', ')}`;
  if (typeof c.path !== 'string' || !c.path) return 'it has no path';
  const problems: string[] = [];
  const rawInterval = c.intervalSeconds;
  const { min, max } = SETTINGS_LIMITS.intervalSeconds;
  const isSeconds = typeof rawInterval === 'number' && Number.isFinite(rawInterval);
  // Out of range, a number is brought into it as settings.json's interval is: 1e12 would never sync again.
  const interval = isSeconds ? Math.round(Math.min(max, Math.max(min, rawInterval))) : null;
  if (rawInterval !== undefined && rawInterval !== null && !isSeconds) {
    problems.push(
      `intervalSeconds ${JSON.stringify(rawInterval)} is not a number of seconds, so the default interval is used`,
    );
  } else if (isSeconds && interval !== rawInterval) {
    problems.push(`intervalSeconds ${rawInterval} is outside ${min}–${max} seconds, so ${interval} is used`);
  }
  const excludes = Array.isArray(c.excludes) ? c.excludes.filter((x): x is string => typeof x === 'string') : [];
  if (c.excludes !== undefined && (!Array.isArray(c.excludes) || excludes.length !== c.excludes.length)) {
    problems.push('excludes is not a list of patterns (strings); what is not a string is ignored');
  }
  // A pattern whose braces expand too far is neither dropped (the files it leaves out would be indexed) nor matched
  // (glob.ts leaves it out): the entry is not used until it is fixed.
  for (const glob of excludes) {
    const problem = globProblem(glob.trim());
    if (problem) return `its exclude pattern ${problem}`;
  }
  const config: ConnectorConfig = {
    id: c.id,
    kind: c.kind,
    name: typeof c.name === 'string' && c.name ? c.name : basename(c.path),
    path: c.path,
    excludes,
    intervalSeconds: interval,
    paused: c.paused === true,
    createdAt: typeof c.createdAt === 'number' ? c.createdAt : 0,
  };
  return { config, problems };
}

/** A connector's own interval as the CLI, the dashboard and settings.json take it: null (the default) or in range. */
export function checkInterval(interval: number | null): void {
  const { min, max } = SETTINGS_LIMITS.intervalSeconds;
  if (interval !== null && (!Number.isFinite(interval) || interval < min || interval > max)) {
    throw new UserInputError(`The interval must be from ${min} seconds to ${max / 86_400} days (${max} seconds).`);
  }
}

function slug(text: string): string {
  const s = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return s || 'connector';
}

export interface NewConnectorIds {
  /** Ids that are not free although no connector has them: their documents are still in the index. */
  inIndex?: readonly string[];
  /** Sources removed with their index kept: adding one of them again takes its id, and with it its documents. */
  kept?: readonly KeptIndex[];
}

/**
 * Builds a new connector's config: a readable, unique id from its name ("notes", "notes-2", …), or the id of a kept
 * index of the same kind and path, so that it is synced again from where it was instead of indexed twice.
 */
export function newConnectorConfig(
  input: AddConnectorInput,
  existing: readonly ConnectorConfig[],
  now: number,
  ids: NewConnectorIds = {},
  cwd = process.cwd(),
): ConnectorConfig {
  if (!isKind(input.kind))
    throw new UserInputError(`Unknown kind "${String(input.kind)}". Kinds: ${CONNECTOR_KINDS.join(', ')}.`);
  if (typeof input.path !== 'string' || input.path.trim() === '') throw new UserInputError('A path is required.');
  const path = isAbsolute(input.path) ? resolve(input.path) : resolve(cwd, input.path);
  const name = checkedName(input.name) ?? (basename(path) || path);
  const taken = new Set([...existing.map((c) => c.id), ...(ids.inIndex ?? []), ...(ids.kept ?? []).map((k) => k.id)]);
  const kept = ids.kept?.find((k) => k.kind === input.kind && k.path === path && !existing.some((c) => c.id === k.id));
  const base = slug(name);
  let id = kept?.id ?? base;
  if (!kept) for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
  const interval = input.intervalSeconds ?? null;
  checkInterval(interval);
  return {
    id,
    kind: input.kind,
    name,
    path,
    excludes: checkedExcludes(input.excludes ?? []),
    intervalSeconds: interval,
    paused: false,
    createdAt: now,
  };
}

/** A name as typed, trimmed; null when empty (the default applies). Every client's limit, the dashboard's included. */
export function checkedName(name: string | undefined): string | null {
  const trimmed = name?.trim() ?? '';
  if (trimmed.length > PAYLOAD_LIMITS.nameChars) {
    throw new UserInputError(`The name is too long: keep it under ${PAYLOAD_LIMITS.nameChars} characters.`);
  }
  return trimmed === '' ? null : trimmed;
}

/** Exclude patterns as typed, trimmed and without blanks; a pattern that could never match is refused. */
export function checkedExcludes(globs: readonly string[]): string[] {
  const kept = globs.map((g) => g.trim()).filter(Boolean);
  for (const glob of kept) {
    const problem = excludePatternProblem(glob);
    if (problem) throw new UserInputError(problem);
  }
  return kept;
}

/** Kinds that read the same files: a vault is a folder of Markdown notes too. */
const FILE_TREE_KINDS: readonly ConnectorKind[] = ['folder', 'obsidian'];

const readSameFiles = (a: ConnectorKind, b: ConnectorKind): boolean =>
  a === b || (FILE_TREE_KINDS.includes(a) && FILE_TREE_KINDS.includes(b));

/**
 * Why `config` would index files that a connector in `existing` already indexes, or null: the same folder or file
 * (also through a link, or as a vault and a folder), or one inside the other where the outer one does not leave it
 * out (by its excludes, or as a hidden folder). Every such file would be found twice in every search.
 */
export async function overlapProblem(
  config: ConnectorConfig,
  existing: readonly ConnectorConfig[],
): Promise<string | null> {
  const real = async (path: string) => realpath(path).catch(() => resolve(path));
  const mine = await real(config.path);
  for (const other of existing) {
    if (!readSameFiles(config.kind, other.kind)) continue;
    const theirs = await real(other.path);
    const who = `"${other.name}" (${other.id})`;
    if (theirs === mine) {
      return other.path === config.path
        ? `${config.path} is already synced by the connector ${who}.`
        : `${config.path} is ${other.path} (through a link), which the connector ${who} already syncs.`;
    }
    const inside = relativeInside(theirs, mine);
    if (inside !== null && !leftOut(inside, other.excludes)) {
      return (
        `${config.path} is inside ${other.path}, which the connector ${who} already syncs, so its files would be ` +
        `found twice. Exclude it there first (add \`${inside}/**\` to that connector's excludes), or sync only one of them.`
      );
    }
    const holds = relativeInside(mine, theirs);
    if (holds !== null && !leftOut(holds, config.excludes)) {
      return (
        `${config.path} holds ${other.path}, which the connector ${who} already syncs, so its files would be found ` +
        `twice. Exclude it here (\`--exclude '${holds}/**'\`, or in the dashboard), or remove that connector first.`
      );
    }
  }
  return null;
}

/** `inner` relative to `outer` with `/` separators when it lies strictly inside it, else null. */
function relativeInside(outer: string, inner: string): string | null {
  const rel = relative(outer, inner);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return null;
  return rel.split(sep).join('/');
}

/** Whether a walk with `excludes` stays out of `rel`: a folder on the way (or `rel` itself) hidden or excluded. */
function leftOut(rel: string, excludes: readonly string[]): boolean {
  const isExcluded = compileExcludes(excludes);
  const names = rel.split('/').map((n) => n.normalize('NFC'));
  return names.some((name, i) => name.startsWith('.') || isExcluded(names.slice(0, i + 1).join('/'), name));
}
