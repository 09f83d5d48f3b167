import type { KeyboardEvent } from 'react';
import type { View } from '../store/dashboard-store.js';
import { useDashboard } from '../store/context.js';
import { formatNumber } from '../format.js';

const VIEWS: [View, string][] = [
  ['connectors', 'Connectors'],
  ['search', 'Search'],
  ['problems', 'Problems'],
  ['settings', 'Settings'],
];

/** Section navigation: plain buttons (Tab reaches each; arrow keys move too), the current one marked. */
export function Nav() {
  const view = useDashboard((s) => s.view);
  const setView = useDashboard((s) => s.setView);
  const problems = useDashboard((s) => s.state?.connectors.reduce((n, c) => n + c.itemErrors, 0) ?? 0);

  const onKeyDown = (e: KeyboardEvent<HTMLUListElement>): void => {
    if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft' && e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    const buttons = [...e.currentTarget.querySelectorAll<HTMLButtonElement>('button')];
    const i = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if (i < 0) return;
    e.preventDefault();
    const step = e.key === 'ArrowRight' || e.key === 'ArrowDown' ? 1 : -1;
    buttons[(i + step + buttons.length) % buttons.length]?.focus();
  };

  return (
    <nav className="nav" aria-label="Sections">
      <ul className="nav__list" onKeyDown={onKeyDown}>
        {VIEWS.map(([v, label]) => (
          <li key={v}>
            <button
              type="button"
              className="nav__item"
              aria-current={view === v ? 'page' : undefined}
              onClick={() => setView(v)}
            >
              {label}
              {v === 'problems' && problems > 0 && (
                <span className="nav__count">
                  <span className="visually-hidden">, </span>
                  {formatNumber(problems)}
                </span>
              )}
            </button>
          </li>
        ))}
      </ul>
    </nav>
  );
}
