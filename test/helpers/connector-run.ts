/**
 * Drives a real connector the way the engine does, without a store: enumerate, then read every unit (or the
 * ones whose fingerprint changed), collecting documents and issues. Connector tests assert on what a user would
 * see indexed.
 */
import { silentLogger } from '../../shared/logger.js';
import type { ConnectorConfig, ConnectorKind } from '../../shared/types.js';
import {
  ItemReadError,
  type Connector,
  type ConnectorContext,
  type ItemIssue,
  type SourceDocument,
  type SourceUnit,
} from '../../electron/connectors/types.js';

export function testConfig(
  kind: ConnectorKind,
  path: string,
  overrides: Partial<ConnectorConfig> = {},
): ConnectorConfig {
  return {
    id: `${kind}-1`,
    kind,
    name: `Test ${kind}`,
    path,
    excludes: [],
    intervalSeconds: null,
    paused: false,
    createdAt: 0,
    ...overrides,
  };
}

export function testContext(overrides: Partial<ConnectorContext> = {}): ConnectorContext {
  return {
    signal: new AbortController().signal,
    since: null,
    log: silentLogger,
    maxFileSizeBytes: 10 * 1024 * 1024,
    ...overrides,
  };
}

export interface Enumeration {
  units: SourceUnit[];
  issues: ItemIssue[];
  byKey: Map<string, SourceUnit>;
  keys: string[];
}

export async function enumerateAll(connector: Connector, ctx = testContext()): Promise<Enumeration> {
  const units: SourceUnit[] = [];
  const issues: ItemIssue[] = [];
  for await (const item of connector.enumerate(ctx)) {
    if ('code' in item) issues.push(item);
    else units.push(item);
  }
  return { units, issues, byKey: new Map(units.map((u) => [u.key, u])), keys: units.map((u) => u.key).sort() };
}

export interface UnitOutcome {
  docs: SourceDocument[];
  /** Issue events the read streamed (warnings). */
  issues: ItemIssue[];
  /** Set when read threw ItemReadError: the unit was not indexed. */
  error: { code: string; message: string } | null;
}

export async function readUnit(connector: Connector, unit: SourceUnit, ctx = testContext()): Promise<UnitOutcome> {
  try {
    const read = await connector.read(unit, null, ctx);
    const docs: SourceDocument[] = [];
    const issues: ItemIssue[] = [];
    for await (const event of read.events) {
      if (event.type === 'doc') docs.push(event.doc);
      else if (event.type === 'issue') issues.push(event.issue);
    }
    return { docs, issues, error: null };
  } catch (err) {
    if (err instanceof ItemReadError) return { docs: [], issues: [], error: { code: err.code, message: err.message } };
    throw err;
  }
}

export interface SyncResult extends Enumeration {
  outcomes: Map<string, UnitOutcome>;
  docs: Map<string, SourceDocument>;
}

/** Enumerates and reads every unit; `docs` is keyed by document id. */
export async function syncAll(connector: Connector, ctx = testContext()): Promise<SyncResult> {
  await connector.open(ctx);
  const enumeration = await enumerateAll(connector, ctx);
  const outcomes = new Map<string, UnitOutcome>();
  const docs = new Map<string, SourceDocument>();
  for (const unit of enumeration.units) {
    const outcome = await readUnit(connector, unit, ctx);
    outcomes.set(unit.key, outcome);
    for (const doc of outcome.docs) docs.set(doc.id, doc);
  }
  return { ...enumeration, outcomes, docs };
}
