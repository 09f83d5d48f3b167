// Exclude patterns are compiled to backtracking regular expressions and matched against every file name on the main
// thread: one pattern must never be able to hold the process. The check refuses the costly shapes, for every
// client, and the walk never compiles one, whatever connectors.json holds.
import { describe, expect, it } from 'vitest';
import { compileExcludes } from '../../../electron/connectors/walker.js';
import { parseConnectorsFile } from '../../../electron/core/connector-config.js';
import { excludePatternProblem } from '../../../shared/exclude-patterns.js';

/** Milliseconds `fn` takes. */
function timed(fn: () => void): number {
  const start = performance.now();
  fn();
  return performance.now() - start;
}

describe('excludePatternProblem', () => {
  it('refuses the shapes that backtrack, and says why', () => {
    expect(excludePatternProblem('*a*a*a*a*b')).toMatch(/at most 3 \* between two slashes/);
    expect(excludePatternProblem('notes/*-*-*-*.md')).toMatch(/at most 3 \*/);
    expect(excludePatternProblem('**/x/**/y/**/z')).toMatch(/at most 2 \*\* in a pattern/);
    expect(excludePatternProblem('{a,aa}{a,aa}{a,aa}{a,aa}b')).toMatch(/at most 3 \{…\} groups/);
    for (const glob of ['(a|aa)+b', '(a+)+b', '@(x)', '!(*.md)', '+(a|b).md', '*(1).md', 'a|b']) {
      expect(excludePatternProblem(glob)).toMatch(/parentheses and \| are not supported/);
    }
  });

  it('takes the everyday patterns', () => {
    for (const glob of [
      ...[
        '*.tmp',
        '*~',
        '*-*-*',
        '*conflict*',
        '*.{md,txt}',
        '{*.tmp,*.bak,*.swp}',
        'private/**',
        '**/node_modules/**',
      ],
      ...['**/a/**/b', '.obsidian/*', 'a*b/c*d*e*f', '*[(]1[)].md', '[*]*', 'c++*', '**'],
    ]) {
      expect(excludePatternProblem(glob), glob).toBeNull();
    }
  });
});

describe('compileExcludes', () => {
  const name = 'a'.repeat(60);

  it('never compiles a costly pattern, so a long file name is matched at once', () => {
    // Compiled, `*a*a*a*a*a*a*b` took ~3.7 s to reject this name, `(a|aa)+b` ~15 s one of 40 characters.
    const isExcluded = compileExcludes(['*a*a*a*a*a*a*b', '(a|aa)+b', 'x/**/a/**/a/**/a/**/b', '*.tmp']);
    let excluded = true;
    const ms = timed(() => {
      excluded = isExcluded(name, name) || isExcluded(`x/${'a/'.repeat(200)}c`, 'c');
    });
    expect(excluded).toBe(false);
    expect(ms).toBeLessThan(200);
    expect(isExcluded('notes.tmp', 'notes.tmp')).toBe(true);
  });

  it('matches extended-glob characters as themselves', () => {
    const isExcluded = compileExcludes(['*[(]1[)].md', 'drafts/**']);
    expect(isExcluded('Plan (1).md', 'Plan (1).md')).toBe(true);
    expect(isExcluded('Plan.md', 'Plan.md')).toBe(false);
    expect(isExcluded('drafts/x.md', 'x.md')).toBe(true);
  });
});

describe('connectors.json with a costly pattern', () => {
  it('does not use the entry, names it, and keeps it as it was', () => {
    const entry = { id: 'notes', kind: 'folder', name: 'Notes', path: '/n', excludes: ['*.tmp', '*a*a*a*a*a*a*b'] };
    const problems: string[] = [];
    const file = parseConnectorsFile({ version: 1, connectors: [entry] }, problems);
    expect(file.connectors).toEqual([]);
    expect(file.unusableEntries).toEqual([entry]);
    expect(problems).toEqual([
      'entry 1 ("Notes"): its exclude pattern “*a*a*a*a*a*a*b”: at most 3 * between two slashes (** is not counted): more can take seconds to match a long file name. Split it into several patterns.',
    ]);
    // Patterns refused for other reasons before are still taken as they were (they only never match).
    const old = parseConnectorsFile({ version: 1, connectors: [{ ...entry, excludes: ['/abs/**'] }] });
    expect(old.connectors.map((c) => c.excludes)).toEqual([['/abs/**']]);
  });
});
