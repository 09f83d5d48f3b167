/** A typed event emitter whose subscriptions return their own disposer. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type EventMap = Record<string, (...args: any[]) => void>;

export class Emitter<E extends EventMap> {
  readonly #subs = new Map<keyof E, Set<E[keyof E]>>();

  on<K extends keyof E>(event: K, fn: E[K]): () => void {
    let set = this.#subs.get(event);
    if (!set) {
      set = new Set();
      this.#subs.set(event, set);
    }
    set.add(fn);
    return () => {
      set.delete(fn);
    };
  }

  emit<K extends keyof E>(event: K, ...args: Parameters<E[K]>): void {
    const set = this.#subs.get(event);
    if (!set) return;
    for (const fn of [...set]) (fn as (...a: Parameters<E[K]>) => void)(...args);
  }

  listenerCount(event: keyof E): number {
    return this.#subs.get(event)?.size ?? 0;
  }
}
