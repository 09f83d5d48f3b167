/**
 * Whether keyboard focus was lost: on <body> (or nowhere), because the focused element was removed or re-rendered
 * away, or on an element that became disabled. Focus is then moved somewhere sensible, never taken from elsewhere.
 */
export function focusLost(): boolean {
  const active = document.activeElement;
  if (!active || active === document.body || !active.isConnected) return true;
  return active instanceof HTMLButtonElement && active.disabled;
}
