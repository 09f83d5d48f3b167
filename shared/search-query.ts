/**
 * What front ends can tell of a query without the index. The core's parser (electron/core/fts-query.ts) is the
 * authority; this only recognises the shape it answers with nothing, to say why.
 */

/**
 * Whether every word of `query` leaves something out (`-draft`, `-"a phrase"`) and none looks for anything: the
 * search then finds nothing, which reads as "no match" unless the user is told a word to look for is needed.
 */
export function onlyExclusions(query: string): boolean {
  const words = query.match(/-?"[^"]*"?|\S+/g) ?? [];
  return words.length > 0 && words.every((w) => w.length > 1 && w.startsWith('-'));
}

/** The sentence that says so. */
export const ONLY_EXCLUSIONS_HINT = 'A -word leaves out what has it: add a word to look for.';
