/** connectors.json: the user's connectors and pause flags, validated on load. */
import { basename, isAbsolute, resolve } from 'node:path';
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
}

export const emptyConnectorsFile = (): ConnectorsFile => ({ version: 1, paused: false, connectors: [] });

export class UserInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserInputError';
  }
}

const isKind = (k: unknown): k is ConnectorKind =>
  typeof k === 'string' && (CONNECTOR_KINDS as readonly string[]).includes(k);

/** Throws on a structurally broken file (→ backup/defaults); drops individual invalid entries. */
export function parseConnectorsFile(raw: unknown): ConnectorsFile {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('it does not hold an object');
  const obj = raw as Record<string, unknown>;
  if (!Array.isArray(obj.connectors)) throw new Error('it has no connectors list');
  const connectors: ConnectorConfig[] = [];
  const ids = new Set<string>();
  for (const entry of obj.connectors) {
    const c = parseConnectorConfig(entry);
    if (c && !ids.has(c.id)) {
      ids.add(c.id);
      connectors.push(c);
    }
  }
  return { version: 1, paused: obj.paused === true, connectors };
}

function parseConnectorConfig(raw: unknown): ConnectorConfig | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const c = raw as Record<string, unknown>;
  if (typeof c.id !== 'string' || !c.id || !isKind(c.kind) || typeof c.path !== 'string' || !c.path) return null;
  const interval = c.intervalSeconds;
  return {
    id: c.id,
    kind: c.kind,
    name: typeof c.name === 'string' && c.name ? c.name : basename(c.path),
    path: c.path,
    excludes: Array.isArray(c.excludes) ? c.excludes.filter((x): x is string => typeof x === 'string') : [],
    intervalSeconds: typeof interval === 'number' && Number.isFinite(interval) && interval >= 60 ? interval : null,
    paused: c.paused === true,
    createdAt: typeof c.createdAt === 'number' ? c.createdAt : 0,
  };
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

/** Builds a new connector's config: a readable, unique id from its name ("notes", "notes-2", …). */
export function newConnectorConfig(
  input: AddConnectorInput,
  existing: readonly ConnectorConfig[],
  now: number,
  cwd = process.cwd(),
): ConnectorConfig {
  if (!isKind(input.kind))
    throw new UserInputError(`Unknown kind "${String(input.kind)}". Kinds: ${CONNECTOR_KINDS.join(', ')}.`);
  if (typeof input.path !== 'string' || input.path.trim() === '') throw new UserInputError('A path is required.');
  const path = isAbsolute(input.path) ? resolve(input.path) : resolve(cwd, input.path);
  const duplicate = existing.find((c) => c.kind === input.kind && c.path === path);
  if (duplicate)
    throw new UserInputError(`${path} is already synced by the connector "${duplicate.name}" (${duplicate.id}).`);
  const name = input.name?.trim() || basename(path) || path;
  const taken = new Set(existing.map((c) => c.id));
  const base = slug(name);
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
  const interval = input.intervalSeconds ?? null;
  if (interval !== null && (!Number.isFinite(interval) || interval < 60)) {
    throw new UserInputError('The interval must be at least 60 seconds.');
  }
  return {
    id,
    kind: input.kind,
    name,
    path,
    excludes: (input.excludes ?? []).map((g) => g.trim()).filter(Boolean),
    intervalSeconds: interval,
    paused: false,
    createdAt: now,
  };
}
