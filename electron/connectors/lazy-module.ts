/**
 * Loads a parser library on first use instead of at startup.
 *
 * Why: the mail parser (mailparser with its HTML converter, charset tables and address parsers) alone adds ~29 MB to
 * the process when imported, and the YAML parser a few more, yet a person who indexes only notes never needs them.
 * The tray app stays resident all day, so its idle footprint matters; so does the headroom it leaves under a large
 * sync's peak. A connector kind that needs a library loads it when it parses its first item.
 *
 * The libraries are CommonJS (or ship a CommonJS build), so a synchronous require keeps every caller synchronous.
 * Resolved from this file, which works from source (tsx, Vitest) and from the bundle, where dependencies stay in
 * node_modules (electron.vite.config.ts: externalizeDeps).
 */
import { createRequire } from 'node:module';

const requireHere = createRequire(import.meta.url);

/** A getter that requires `id` on its first call and returns the same module after. */
export function lazyModule<T>(id: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= requireHere(id) as T);
}

/** A value built from a lazily loaded module on first use (e.g. a compiled converter), then reused. */
export function lazyValue<T>(build: () => T): () => T {
  let value: T | undefined;
  let built = false;
  return () => {
    if (!built) {
      value = build();
      built = true;
    }
    return value as T;
  };
}
