import type { Highlight } from '../../shared/types.js';
import { splitHighlights } from '../highlight.js';

/** A snippet as text with <mark>ed matches. React escapes every segment: no HTML from the index is ever parsed. */
export function Highlighted({ text, ranges }: { text: string; ranges: readonly Highlight[] }) {
  return (
    <>
      {splitHighlights(text, ranges).map((seg, i) =>
        seg.mark ? <mark key={i}>{seg.text}</mark> : <span key={i}>{seg.text}</span>,
      )}
    </>
  );
}
