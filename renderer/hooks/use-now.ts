import { useSyncExternalStore } from 'react';

/** How often relative times ("5 min ago") are recomputed. */
export const TICK_MS = 30_000;

// One shared ticker for every component, running only while something shows a relative time.
let now = Date.now();
/** Set while nobody listens: the next read takes a fresh time. */
let stale = true;
let timer: ReturnType<typeof setInterval> | null = null;
const listeners = new Set<() => void>();

function subscribe(listener: () => void): () => void {
  if (listeners.size === 0) {
    timer = setInterval(() => {
      now = Date.now();
      for (const l of [...listeners]) l();
    }, TICK_MS);
  }
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer !== null) {
      clearInterval(timer);
      timer = null;
      stale = true;
    }
  };
}

// While nothing is subscribed the clock does not tick, so the first read of a new render takes a fresh time, once:
// every component of that render must read the same value, or React would render them all again. (Refreshing at
// subscribe time instead would render every card twice on mount.)
const getSnapshot = (): number => {
  if (listeners.size === 0 && (stale || Date.now() - now > TICK_MS)) {
    now = Date.now();
    stale = false;
  }
  return now;
};

/** The current time, refreshed every 30 s, for relative time text. */
export function useNow(): number {
  return useSyncExternalStore(subscribe, getSnapshot, getSnapshot);
}
