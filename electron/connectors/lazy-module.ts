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
import { setImmediate as nextTurn } from 'node:timers/promises';

const requireHere = createRequire(import.meta.url);

/** A getter that requires `id` on its first call and returns the same module after. */
export function lazyModule<T>(id: string): () => T {
  return lazyModuleInSteps<T>(id, []).get;
}

/** A lazily loaded module whose first load can be spread over several turns of the event loop (see lazyModuleInSteps). */
export interface SteppedModule<T> {
  /** The module, required now if `ready()` has not loaded it yet. A plain function: it may be passed around. */
  readonly get: () => T;
  /** The module is loaded: `get()` returns at once. */
  readonly loaded: boolean;
  /** Loads the module a step per turn of the event loop; the same promise on every call. Never rejects. */
  ready(): Promise<void>;
}

/**
 * A dependency of a module: a package name, resolved from the module's location, or a chain of them, each resolved
 * from the one before (['libmime', 'iconv-lite']: the iconv-lite that libmime requires, which may be another copy).
 */
export type Dependency = string | readonly string[];

/**
 * A lazyModule whose load `ready()` spreads over turns of the event loop: first each of `dependencies` on a turn of
 * its own, resolved as `id` resolves them (so they are the instances it will use), then `id` itself, which then
 * finds them cached. Requiring a large library is one synchronous task: the mail parser took 120–150 ms, during which
 * the app's event loop (IPC, timers, the tray) stood still. A dependency that cannot be loaded is left to `id`'s own
 * require, which reports the error as lazyModule does.
 */
export function lazyModuleInSteps<T>(id: string, dependencies: readonly Dependency[]): SteppedModule<T> {
  let loaded: T | undefined;
  let loading: Promise<void> | null = null;
  const get = (): T => (loaded ??= requireHere(id) as T);
  return {
    get,
    get loaded() {
      return loaded !== undefined;
    },
    ready() {
      loading ??= (async () => {
        for (const dependency of dependencies) {
          if (loaded !== undefined) break;
          await nextTurn();
          try {
            requireHere(resolveDependency(id, dependency));
          } catch {
            // Only a head start (or `id` is not installed): the module's own require decides, in get().
          }
        }
        await nextTurn();
        try {
          get();
        } catch {
          // get() throws it again where the module is used.
        }
      })();
      return loading;
    },
  };
}

/** Resolves `dependency` as `id` (resolved from here) requires it, without loading it. */
export function resolveDependency(id: string, dependency: Dependency): string {
  const chain = typeof dependency === 'string' ? [dependency] : dependency;
  let from = requireHere.resolve(id);
  for (const name of chain) from = createRequire(from).resolve(name);
  return from;
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
