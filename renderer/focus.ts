/**
 * Whether keyboard focus was lost: on <body> (or nowhere), because the focused element was removed or re-rendered
 * away, or on an element that became disabled. Focus is then moved somewhere sensible, never taken from elsewhere.
 */
export function focusLost(): boolean {
  const active = document.activeElement;
  if (!active || active === document.body || !active.isConnected) return true;
  return active instanceof HTMLButtonElement && active.disabled;
}

/**
 * Props of a button that is busy while its request is out: marked aria-disabled, and a press does nothing meanwhile.
 * Not `disabled`: a browser moves focus off a focused button that becomes disabled, to <body>, where the keyboard
 * user's next Enter does nothing and a screen reader loses its place.
 */
export function busyButton(busy: boolean, onPress: () => void): { 'aria-disabled'?: true; onClick: () => void } {
  return {
    ...busyProps(busy),
    onClick: () => {
      if (!busy) onPress();
    },
  };
}

/** busyButton's marking alone, for a submit button (its form's submit handler returns early while busy). */
export function busyProps(busy: boolean): { 'aria-disabled'?: true } {
  return busy ? { 'aria-disabled': true } : {};
}
