import { useEffect, useId, useMemo, useRef, type FormEvent } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { ONLY_EXCLUSIONS_HINT, onlyExclusions } from '../../shared/search-query.js';
import { DOC_TYPES, type DocType } from '../../shared/types.js';
import { focusLost } from '../focus.js';
import { formatSpan, plural } from '../format.js';
import { useDebounced } from '../hooks/use-debounced.js';
import { DOC_TYPE_LABEL, DOC_TYPE_PLURAL } from '../kinds.js';
import { useDashboard } from '../store/context.js';
import { scopes, type SearchPeriod } from '../store/dashboard-store.js';
import { selectConnectorNames } from '../store/selectors.js';
import { Highlighted } from './highlighted.js';

export const SEARCH_DEBOUNCE_MS = 250;

const PERIODS: [SearchPeriod, string][] = [
  ['upcoming', 'Upcoming'],
  ['week', 'Past week'],
  ['month', 'Past month'],
  ['year', 'Past year'],
];

/** Full-text search over the index, with snippets whose matches are highlighted from the core's ranges. */
export function SearchView() {
  const ids = { query: useId(), source: useId(), type: useId(), period: useId(), moreError: useId() };
  const search = useDashboard((s) => s.search);
  const names = useDashboard(selectConnectorNames);
  const canOpen = useDashboard((s) => s.capabilities?.openPath ?? false);
  const openFailure = useDashboard((s) => s.feedback[scopes.open]);
  const { setSearchQuery, setSearchFilters, runSearch, loadMoreResults, openItem } = useDashboard(
    useShallow((s) => ({
      setSearchQuery: s.setSearchQuery,
      setSearchFilters: s.setSearchFilters,
      runSearch: s.runSearch,
      loadMoreResults: s.loadMoreResults,
      openItem: s.openItem,
    })),
  );
  const debouncedQuery = useDebounced(search.query, SEARCH_DEBOUNCE_MS);
  const { source, docType, period } = search;

  // Runs after the input settles, and at once when a filter changes.
  useEffect(() => {
    void runSearch();
  }, [debouncedQuery, source, docType, period, runSearch]);

  const nameOf = useMemo(() => new Map(names), [names]);
  const resultsRef = useRef<HTMLOListElement>(null);
  const queryRef = useRef<HTMLInputElement>(null);

  // Focus goes to the first of the new results (their titles take focus from script only), so the keyboard and
  // screen reader carry on from there; the button may be gone (no more) and was busy while loading.
  const showMore = async (): Promise<void> => {
    const before = search.results.length;
    await loadMoreResults();
    const titles = resultsRef.current?.querySelectorAll<HTMLElement>('.result__title');
    const first = titles?.[before];
    if (first) first.focus();
    else if (focusLost()) queryRef.current?.focus();
  };

  const submit = (e: FormEvent): void => {
    e.preventDefault();
    void runSearch();
  };

  // Clears every filter; the button goes with the results' return, so focus goes back to the search box.
  const clearFilters = (): void => {
    setSearchFilters({ source: null, docType: null, period: null });
    queryRef.current?.focus();
  };

  const resultsFor = search.resultsFor;
  // The filters in words ("Mail, Emails, Upcoming"): a search they leave empty says so, or it reads as no match at all.
  const filterWords = [
    source ? (nameOf.get(source) ?? source) : null,
    docType ? DOC_TYPE_PLURAL[docType] : null,
    period ? (PERIODS.find(([p]) => p === period)?.[1] ?? null) : null,
  ].filter((w): w is string => w !== null);
  const filtered = filterWords.length > 0;
  const filteredToNothing = search.status === 'done' && search.results.length === 0 && filtered;
  return (
    <section className="view" aria-labelledby="search-title">
      <div className="view__head">
        <h2 id="search-title">Search</h2>
      </div>
      <form role="search" className="search" onSubmit={submit}>
        <div className="field field--grow">
          <label htmlFor={ids.query}>Search your index</label>
          <input
            ref={queryRef}
            id={ids.query}
            type="search"
            value={search.query}
            placeholder="Words, phrases, names…"
            autoComplete="off"
            onChange={(e) => setSearchQuery(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={ids.source}>Source</label>
          <select
            id={ids.source}
            value={source ?? ''}
            onChange={(e) => setSearchFilters({ source: e.target.value || null })}
          >
            <option value="">All sources</option>
            {names.map(([id, name]) => (
              <option key={id} value={id}>
                {name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.type}>Type</label>
          <select
            id={ids.type}
            value={docType ?? ''}
            onChange={(e) => setSearchFilters({ docType: (e.target.value || null) as DocType | null })}
          >
            <option value="">All types</option>
            {DOC_TYPES.map((t) => (
              <option key={t} value={t}>
                {DOC_TYPE_PLURAL[t]}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.period}>Date</label>
          <select
            id={ids.period}
            value={period ?? ''}
            onChange={(e) => setSearchFilters({ period: (e.target.value || null) as SearchPeriod | null })}
          >
            <option value="">Any time</option>
            {PERIODS.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </div>
      </form>

      <p className="muted search__status" role="status" data-testid="search-status">
        {search.status === 'loading'
          ? 'Searching…'
          : search.status === 'done'
            ? search.results.length
              ? `${plural(search.results.length, 'result', 'results')}${search.hasMore ? ' so far' : ''} for “${resultsFor}”`
              : `No results for “${resultsFor}”${filtered ? ` with these filters: ${filterWords.join(', ')}` : ''}` +
                (onlyExclusions(resultsFor) ? `. ${ONLY_EXCLUSIONS_HINT}` : '')
            : // A failed search keeps the results it had: say which query they answer.
              search.status === 'error' && search.results.length
              ? `Still showing ${plural(search.results.length, 'result', 'results')} for “${resultsFor}”`
              : // A filter alone searches nothing (the index is searched by words): say so rather than stay blank.
                search.status === 'idle' && filtered && !search.query.trim()
                ? 'Type words to search for: the filters narrow what is found.'
                : ''}
      </p>
      {filteredToNothing && (
        <button type="button" className="button button--small" onClick={clearFilters}>
          Clear filters
        </button>
      )}
      {search.status === 'error' && (
        <div className="search__failure">
          <p className="feedback feedback--error" role="alert">
            {search.error}
          </p>
          <button type="button" className="button button--small" onClick={() => void runSearch()}>
            Try again
          </button>
        </div>
      )}
      {openFailure && (
        <p className="feedback feedback--error" role="alert">
          {openFailure.message}
        </p>
      )}

      {search.results.length > 0 && (
        <ol ref={resultsRef} className="results" aria-label="Search results">
          {search.results.map((hit) => {
            const path = hit.path;
            return (
              <li key={`${hit.source}\n${hit.docId}`} className="result" data-testid="search-result">
                <h3 className="result__title" tabIndex={-1}>
                  {hit.title ? <Highlighted text={hit.title} ranges={hit.titleHighlights} /> : hit.path || hit.docId}
                </h3>
                <p className="result__meta muted">
                  {nameOf.get(hit.source) ?? hit.source} · {DOC_TYPE_LABEL[hit.docType]}
                  {hit.timestamp !== null && <> · {formatSpan(hit.timestamp, hit.timestampEnd)}</>}
                  {hit.author && <> · {hit.author}</>}
                </p>
                <p className="result__snippet" data-testid="snippet">
                  <Highlighted text={hit.snippet} ranges={hit.highlights} />
                </p>
                {canOpen && path && (
                  <button
                    type="button"
                    className="button button--small"
                    aria-label={`Open ${hit.title || path}`}
                    onClick={() =>
                      void openItem({ kind: 'document', connectorId: hit.source, docId: hit.docId }, hit.title || path)
                    }
                  >
                    Open
                  </button>
                )}
              </li>
            );
          })}
        </ol>
      )}
      {search.hasMore && search.status === 'done' && (
        <>
          {/* Next to the button, which keeps focus: pressing it again asks for the same page. */}
          {search.moreError && (
            <p id={ids.moreError} className="feedback feedback--error results__error" role="alert">
              {/* One text: .feedback is a flex box, whose every text node would be an item of its own. */}
              {`${/[.!?…]$/.test(search.moreError) ? search.moreError : `${search.moreError}.`} The results above stay; press “Show more results” to try again.`}
            </p>
          )}
          <button
            type="button"
            className="button results__more"
            // Not disabled while loading: a disabled button loses focus. A second click while loading does nothing.
            aria-disabled={search.loadingMore}
            aria-describedby={search.moreError ? ids.moreError : undefined}
            onClick={() => void showMore()}
          >
            {search.loadingMore ? 'Loading…' : 'Show more results'}
          </button>
        </>
      )}
    </section>
  );
}
