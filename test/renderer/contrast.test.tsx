/**
 * Contrast of the dashboard's colours, computed from styles.css in light and dark mode (WCAG 2.x relative
 * luminance): text at least 4.5:1 on the backgrounds it is used on, and the edge of a text field at least 3:1 on what
 * is around it (WCAG 1.4.11: a field whose border cannot be seen cannot be found).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const css = readFileSync(join(import.meta.dirname, '../../renderer/styles.css'), 'utf8');

/** The custom properties of the first `:root { … }` after `from` (the light one, or the dark one in its media query). */
function palette(from: number): Record<string, string> {
  const start = css.indexOf(':root {', from);
  const body = css.slice(start, css.indexOf('}', start));
  return Object.fromEntries([...body.matchAll(/--([\w-]+):\s*(#[0-9a-f]{6})\s*;/gi)].map((m) => [m[1], m[2]]));
}
const light = palette(0);
const dark = { ...light, ...palette(css.indexOf('@media (prefers-color-scheme: dark)')) };

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
function ratio(a: string, b: string): number {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

/** The colour variable a rule's declaration uses, e.g. `border: 1px solid var(--x)` → `x`. */
function variableOf(selector: string, property: string): string {
  const start = css.indexOf(`${selector} {`);
  expect(start, `rule ${selector}`).toBeGreaterThanOrEqual(0);
  const body = css.slice(start, css.indexOf('}', start));
  const m = new RegExp(`\\n\\s*${property}:[^;]*var\\(--([\\w-]+)\\)`).exec(body);
  expect(m, `${selector} { ${property} }`).not.toBeNull();
  return m![1];
}

describe.each([
  ['light', light],
  ['dark', dark],
])('colours, %s', (_, colours) => {
  it('text is at least 4.5:1 on the backgrounds it is used on', () => {
    const pairs: [string, string][] = [
      ['text', 'bg'],
      ['text', 'surface'],
      ['muted', 'bg'],
      ['muted', 'surface'],
      ['muted', 'surface-2'],
      ['muted', 'info-bg'],
      ['muted', 'danger-bg'],
      ['ok', 'surface'],
      ['busy', 'surface'],
      ['warn', 'surface'],
      ['danger', 'surface'],
      ['danger', 'danger-bg'],
      ['accent-text', 'accent'],
      ['surface', 'danger'],
      ['accent', 'surface'],
      ['text', 'mark'],
    ];
    for (const [fg, bg] of pairs) expect(ratio(colours[fg], colours[bg]), `${fg} on ${bg}`).toBeGreaterThanOrEqual(4.5);
  });

  it("a text field's border is at least 3:1 on the panel and on the page around it", () => {
    const border = variableOf("input[type='text'],\ninput[type='search'],\nselect,\ntextarea", 'border');
    for (const around of ['surface', 'bg']) {
      expect(ratio(colours[border], colours[around]), `--${border} on --${around}`).toBeGreaterThanOrEqual(3);
    }
  });
});
