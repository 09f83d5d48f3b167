/** The one place that lists the source kinds. A new kind is one module plus one line here. */
import type { ConnectorKind } from '../../shared/types.js';
import { folderKind } from './folder.js';
import { icsKind } from './ics.js';
import { maildirKind } from './maildir.js';
import { mboxKind } from './mbox.js';
import { obsidianKind } from './obsidian.js';
import type { ConnectorKindModule } from './types.js';

export const CONNECTOR_MODULES: readonly ConnectorKindModule[] = [folderKind, obsidianKind, mboxKind, maildirKind, icsKind];

export type KindRegistry = ReadonlyMap<ConnectorKind, ConnectorKindModule>;

export function createKindRegistry(modules: readonly ConnectorKindModule[] = CONNECTOR_MODULES): KindRegistry {
  return new Map(modules.map((m) => [m.kind, m]));
}
