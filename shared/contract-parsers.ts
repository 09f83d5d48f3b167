/**
 * Payload parsers for every invoke channel of shared/contract.ts. A transport (Electron IPC, the headless web
 * bridge) runs the raw argument list through `invokeParsers[channel]` before it calls a handler, so a handler
 * only ever sees well-typed, bounded values. Pure and transport-neutral: no Node, no DOM, no Electron.
 *
 * Rules: strings are bounded (paths ≤ 4096, queries ≤ 1,000, ids ≤ 200 chars) and free of NUL; enums are checked
 * against shared/types.ts; numbers are finite and in range; objects are plain, unknown keys are refused and the
 * parsed value is a fresh copy holding only known keys. `undefined` counts as absent. Anything else throws a
 * PayloadError naming the channel and the problem (never the offending value: it may be a private path).
 */
import type { InvokeArgs, InvokeChannel, OpenTarget } from './contract.js';
import { SETTINGS_LIMITS, SettingsError, parseSettingsPatch } from './settings.js';
import {
  CONNECTOR_KINDS,
  DOC_TYPES,
  type AddConnectorInput,
  type ConnectorKind,
  type DocType,
  type SearchOptions,
  type UpdateConnectorInput,
} from './types.js';

export const PAYLOAD_LIMITS = {
  pathChars: 4096,
  queryChars: 1000,
  idChars: 200,
  nameChars: 200,
  /** One exclude glob, and how many a connector may have. */
  globChars: 1000,
  excludes: 200,
  searchLimit: { min: 1, max: 200 },
  historyLimit: { min: 1, max: 200 },
  searchOffset: { min: 0, max: 100_000 },
  intervalSeconds: SETTINGS_LIMITS.intervalSeconds,
} as const;

/** A payload that does not match its channel's contract. `problem` says what was wrong, in plain words. */
export class PayloadError extends Error {
  constructor(
    readonly channel: string,
    readonly problem: string,
  ) {
    super(`Invalid payload for ${channel}: ${problem}`);
    this.name = 'PayloadError';
  }
}

export type InvokeParser<K extends InvokeChannel> = (raw: unknown[]) => InvokeArgs<K>;
export type InvokeParsers = { [K in InvokeChannel]: InvokeParser<K> };

/** A parse failure inside one field; turned into a PayloadError with the channel by `parser()`. */
class Bad extends Error {}

type Fields = Record<string, unknown>;

function arity(raw: unknown[], max: number): void {
  if (!Array.isArray(raw)) throw new Bad('arguments must be a list');
  if (raw.length > max) throw new Bad(`expected at most ${max} argument(s), got ${raw.length}`);
}

function str(value: unknown, what: string, max: number, opts: { allowEmpty?: boolean } = {}): string {
  if (typeof value !== 'string') throw new Bad(`${what} must be a string`);
  if (!opts.allowEmpty && value.length === 0) throw new Bad(`${what} must not be empty`);
  if (value.length > max) throw new Bad(`${what} is longer than ${max} characters`);
  if (value.includes('\0')) throw new Bad(`${what} contains a NUL character`);
  return value;
}

const id = (value: unknown, what = 'connectorId'): string => str(value, what, PAYLOAD_LIMITS.idChars);
const path = (value: unknown, what = 'path'): string => str(value, what, PAYLOAD_LIMITS.pathChars);
const idOrNull = (value: unknown): string | null =>
  value === null ? null : id(value, 'connectorId (or null for all)');

function bool(value: unknown, what: string): boolean {
  if (typeof value !== 'boolean') throw new Bad(`${what} must be true or false`);
  return value;
}

function int(value: unknown, what: string, range: { min: number; max: number }): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < range.min || value > range.max) {
    throw new Bad(`${what} must be a whole number from ${range.min} to ${range.max}`);
  }
  return value;
}

function finite(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new Bad(`${what} must be a finite number`);
  return value;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], what: string): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new Bad(`${what} must be one of ${allowed.join(', ')}`);
  }
  return value as T;
}

const kind = (value: unknown): ConnectorKind => oneOf(value, CONNECTOR_KINDS, 'kind');
const docType = (value: unknown): DocType => oneOf(value, DOC_TYPES, 'docType');

/** A plain object (not an array, not a class instance) whose keys are all in `known`; undefined values dropped. */
function shape(value: unknown, what: string, known: readonly string[]): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Bad(`${what} must be an object`);
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) throw new Bad(`${what} must be a plain object`);
  const out: Fields = {};
  for (const [key, v] of Object.entries(value)) {
    if (!known.includes(key)) throw new Bad(`${what} has an unexpected key "${key.slice(0, 40)}"`);
    if (v !== undefined) out[key] = v;
  }
  return out;
}

function intervalOrNull(value: unknown): number | null {
  return value === null ? null : int(value, 'intervalSeconds', PAYLOAD_LIMITS.intervalSeconds);
}

function excludes(value: unknown): string[] {
  if (!Array.isArray(value)) throw new Bad('excludes must be a list of strings');
  if (value.length > PAYLOAD_LIMITS.excludes)
    throw new Bad(`excludes has more than ${PAYLOAD_LIMITS.excludes} entries`);
  return value.map((g, i) => str(g, `excludes[${i}]`, PAYLOAD_LIMITS.globChars));
}

const name = (value: unknown): string => str(value, 'name', PAYLOAD_LIMITS.nameChars, { allowEmpty: true });

function addInput(value: unknown): AddConnectorInput {
  const f = shape(value, 'input', ['kind', 'path', 'name', 'excludes', 'intervalSeconds']);
  const input: AddConnectorInput = { kind: kind(f.kind), path: path(f.path) };
  if ('name' in f) input.name = name(f.name);
  if ('excludes' in f) input.excludes = excludes(f.excludes);
  if ('intervalSeconds' in f) input.intervalSeconds = intervalOrNull(f.intervalSeconds);
  return input;
}

function updateInput(value: unknown): UpdateConnectorInput {
  const f = shape(value, 'input', ['name', 'excludes', 'intervalSeconds']);
  const input: UpdateConnectorInput = {};
  if ('name' in f) input.name = name(f.name);
  if ('excludes' in f) input.excludes = excludes(f.excludes);
  if ('intervalSeconds' in f) input.intervalSeconds = intervalOrNull(f.intervalSeconds);
  return input;
}

function searchOptions(value: unknown): SearchOptions {
  const f = shape(value, 'options', ['source', 'docType', 'since', 'until', 'limit', 'offset']);
  const options: SearchOptions = {};
  if ('source' in f) options.source = id(f.source, 'options.source');
  if ('docType' in f) options.docType = docType(f.docType);
  if ('since' in f) options.since = finite(f.since, 'options.since');
  if ('until' in f) options.until = finite(f.until, 'options.until');
  if ('limit' in f) options.limit = int(f.limit, 'options.limit', PAYLOAD_LIMITS.searchLimit);
  if ('offset' in f) options.offset = int(f.offset, 'options.offset', PAYLOAD_LIMITS.searchOffset);
  if (options.since !== undefined && options.until !== undefined && options.since > options.until) {
    throw new Bad('options.since is after options.until');
  }
  return options;
}

function openTarget(value: unknown): OpenTarget {
  const f = shape(value, 'target', ['kind', 'connectorId', 'docId', 'path']);
  const targetKind = oneOf(f.kind, ['document', 'problem'] as const, 'target.kind');
  const connectorId = id(f.connectorId, 'target.connectorId');
  const other = targetKind === 'document' ? 'path' : 'docId';
  if (other in f) throw new Bad(`a ${targetKind} target has an unexpected key "${other}"`);
  // A document id can hold a path inside its connector (folder notes), hence the path bound.
  return targetKind === 'document'
    ? { kind: targetKind, connectorId, docId: path(f.docId, 'target.docId') }
    : { kind: targetKind, connectorId, path: path(f.path, 'target.path') };
}

function settingsPatch(value: unknown) {
  try {
    return parseSettingsPatch(value);
  } catch (err) {
    if (err instanceof SettingsError) throw new Bad(err.message);
    throw err;
  }
}

/** Wraps a field-level parser so every failure carries its channel. */
function parser<K extends InvokeChannel>(
  channel: K,
  max: number,
  parse: (raw: unknown[]) => InvokeArgs<K>,
): InvokeParser<K> {
  return (raw) => {
    try {
      arity(raw, max);
      return parse(raw);
    } catch (err) {
      if (err instanceof Bad) throw new PayloadError(channel, err.message);
      throw err;
    }
  };
}

export const invokeParsers = {
  'state:get': parser('state:get', 0, () => []),
  'app:capabilities': parser('app:capabilities', 0, () => []),
  'sync:run-now': parser('sync:run-now', 1, ([c]) => [idOrNull(c)]),
  'sync:pause': parser('sync:pause', 1, ([c]) => [idOrNull(c)]),
  'sync:resume': parser('sync:resume', 1, ([c]) => [idOrNull(c)]),
  'sync:cancel': parser('sync:cancel', 1, ([c]) => [idOrNull(c)]),
  'connector:add': parser('connector:add', 1, ([input]) => [addInput(input)]),
  'connector:remove': parser('connector:remove', 2, ([c, options]) => {
    const f = shape(options, 'options', ['keepIndex']);
    return [id(c), { keepIndex: bool(f.keepIndex, 'options.keepIndex') }];
  }),
  'connector:update': parser('connector:update', 2, ([c, input]) => [id(c), updateInput(input)]),
  'connector:check-path': parser('connector:check-path', 2, ([k, p]) => [kind(k), path(p)]),
  'connector:preview-excludes': parser('connector:preview-excludes', 3, ([k, p, x]) => [kind(k), path(p), excludes(x)]),
  'settings:get': parser('settings:get', 0, () => []),
  'settings:set': parser('settings:set', 1, ([patch]) => [settingsPatch(patch)]),
  'settings:set-start-at-login': parser('settings:set-start-at-login', 1, ([on]) => [bool(on, 'on')]),
  'search:query': parser('search:query', 2, ([q, options]) => [
    str(q, 'query', PAYLOAD_LIMITS.queryChars, { allowEmpty: true }),
    searchOptions(options),
  ]),
  'history:list': parser('history:list', 2, ([c, limit]) => [id(c), int(limit, 'limit', PAYLOAD_LIMITS.historyLimit)]),
  'errors:list': parser('errors:list', 1, ([c]) => [idOrNull(c)]),
  'errors:retry': parser('errors:retry', 2, ([c, p]) => [id(c), path(p)]),
  'notice:dismiss': parser('notice:dismiss', 1, ([n]) => [id(n, 'noticeId')]),
  'dialog:pick-path': parser('dialog:pick-path', 1, ([k]) => [kind(k)]),
  'shell:open-item': parser('shell:open-item', 1, ([target]) => [openTarget(target)]),
  'shell:open-logs': parser('shell:open-logs', 0, () => []),
} satisfies InvokeParsers;

const parsers: InvokeParsers = invokeParsers;

export function isInvokeChannel(value: unknown): value is InvokeChannel {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(invokeParsers, value);
}

/** Parses the raw argument list of `channel`; throws PayloadError. */
export function parseInvokeArgs<K extends InvokeChannel>(channel: K, raw: unknown[]): InvokeArgs<K> {
  return parsers[channel](raw);
}
