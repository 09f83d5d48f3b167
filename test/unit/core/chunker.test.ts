import { describe, expect, it } from 'vitest';
import { Chunker, type Chunk } from '../../../electron/core/chunker.js';

const chunker = new Chunker();

function sentence(i: number, words = 12): string {
  return `${Array.from({ length: words }, (_, k) => `w${i}x${k}`).join(' ')}.`;
}

function paragraph(from: number, sentences: number): string {
  return Array.from({ length: sentences }, (_, i) => sentence(from + i)).join(' ');
}

function allWords(text: string): Set<string> {
  return new Set(text.split(/\s+/).filter(Boolean));
}

/** Bounded, trimmed, and never empty (except the lone chunk that makes a title-only document findable). */
function expectSaneChunks(chunks: Chunk[], max = 2048): void {
  if (chunks.length === 1 && chunks[0].heading === '' && chunks[0].body === '') return;
  for (const c of chunks) {
    expect(c.body.length).toBeLessThanOrEqual(max);
    expect(c.body).toBe(c.body.trim());
    expect(c.heading.length + c.body.length).toBeGreaterThan(0);
  }
}

describe('Chunker: events', () => {
  it('keeps an event in exactly one chunk, whatever its text looks like', () => {
    const content = `# Agenda\n\n${paragraph(0, 40)}\n\n## Notes\n\nOn Mon, Alice wrote:\n> hi`;
    const chunks = chunker.chunk({ title: 'Planning', content, docType: 'event' });
    expect(chunks).toHaveLength(1);
    expect(chunks[0].body).toContain('Agenda');
    expect(chunks[0].body).toContain('hi');
  });

  it('gives one chunk for an event with a title and no description', () => {
    expect(chunker.chunk({ title: 'Dentist', content: '', docType: 'event' })).toEqual([{ heading: '', body: '' }]);
  });

  it('keeps a task whole too, so a match in its notes comes with its due date and status', () => {
    const content = `Due: Tuesday 1 December 2026\nStatus: In progress\n\n# Steps\n\n${paragraph(0, 40)}`;
    const chunks = chunker.chunk({ title: 'Renew passport', content, docType: 'task' });
    expect(chunks).toHaveLength(1);
    expect(chunks[0].body).toMatch(/^Due: Tuesday 1 December 2026\nStatus: In progress/);
  });
});

describe('Chunker: notes and documents', () => {
  it('splits at markdown headings and keeps each heading with its text', () => {
    const content =
      'Intro line.\n\n# Budget\n\nNumbers here.\n\n## Hiring plan ##\n\nTwo engineers.\n\n###### Deep\nLast.';
    const chunks = chunker.chunk({ title: 'Plan', content, docType: 'note' });
    expect(chunks).toEqual([
      { heading: '', body: 'Intro line.' },
      { heading: 'Budget', body: 'Numbers here.' },
      { heading: 'Hiring plan', body: 'Two engineers.' },
      { heading: 'Deep', body: 'Last.' },
    ]);
  });

  it('folds a heading with nothing under it into the next heading instead of an empty chunk', () => {
    const chunks = chunker.chunk({ title: 'P', content: '# Project\n\n## Budget\ntext', docType: 'document' });
    expect(chunks).toEqual([{ heading: 'Project › Budget', body: 'text' }]);
  });

  it('keeps a trailing heading with no text searchable', () => {
    const chunks = chunker.chunk({ title: 'P', content: 'Body.\n\n# Todo', docType: 'note' });
    expect(chunks).toEqual([
      { heading: '', body: 'Body.' },
      { heading: 'Todo', body: '' },
    ]);
  });

  it('does not treat #tags, code comments or over-deep #s as headings', () => {
    const content = '#tag at start\n\n```sh\n# not a heading\necho hi\n```\n\n####### seven\n\nend';
    const chunks = chunker.chunk({ title: 'T', content, docType: 'note' });
    expect(chunks).toHaveLength(1);
    expect(chunks[0].heading).toBe('');
    expect(chunks[0].body).toContain('# not a heading');
    expect(chunks[0].body).toContain('#tag');
  });

  it('packs short paragraphs together up to about 1,024 characters without repeating any', () => {
    const paragraphs = Array.from({ length: 8 }, (_, i) => paragraph(i * 10, 3)); // ~330 chars each
    const chunks = chunker.chunk({ title: 'T', content: paragraphs.join('\n\n'), docType: 'note' });
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.length).toBeLessThan(paragraphs.length);
    for (const c of chunks) expect(c.body.length).toBeLessThanOrEqual(1024);
    // No overlap between independent paragraphs: the chunks add up to exactly the text.
    expect(chunks.map((c) => c.body).join('\n\n')).toBe(paragraphs.join('\n\n'));
  });

  it('splits a long paragraph at sentence ends, within the cap, repeating one sentence across the cut', () => {
    const long = paragraph(0, 60); // ~6 KB, one paragraph
    const chunks = chunker.chunk({ title: 'T', content: long, docType: 'note' });
    expect(chunks.length).toBeGreaterThan(3);
    expectSaneChunks(chunks);
    for (const c of chunks) expect(c.body.endsWith('.')).toBe(true);
    for (let i = 1; i < chunks.length; i++) {
      const firstSentence = chunks[i].body.slice(0, chunks[i].body.indexOf('.') + 1);
      expect(chunks[i - 1].body.endsWith(firstSentence)).toBe(true);
    }
    const covered = new Set(chunks.flatMap((c) => [...allWords(c.body)]));
    for (const w of allWords(long)) expect(covered.has(w)).toBe(true);
  });

  it('hard-splits text without sentence ends or spaces, never above the cap', () => {
    for (const content of ['x'.repeat(10_000), `${'word '.repeat(3000)}`, '😀'.repeat(3000)]) {
      const chunks = chunker.chunk({ title: 'T', content, docType: 'document' });
      expect(chunks.length).toBeGreaterThan(1);
      expectSaneChunks(chunks);
      // Never cuts a surrogate pair in half.
      for (const c of chunks) expect(c.body).not.toMatch(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/);
    }
  });

  it('respects a custom cap', () => {
    const small = new Chunker({ targetChars: 200, maxChars: 300 });
    const chunks = small.chunk({ title: 'T', content: paragraph(0, 30), docType: 'note' });
    expect(chunks.length).toBeGreaterThan(5);
    expectSaneChunks(chunks, 300);
  });

  it('yields one chunk for a title with empty or blank content, and none for nothing at all', () => {
    expect(chunker.chunk({ title: 'Only a title', content: '', docType: 'note' })).toEqual([{ heading: '', body: '' }]);
    expect(chunker.chunk({ title: 'Only a title', content: ' \n\n\t\n', docType: 'note' })).toEqual([
      { heading: '', body: '' },
    ]);
    expect(chunker.chunk({ title: '', content: '', docType: 'note' })).toEqual([]);
  });

  it('never yields empty chunks from blank sections and paragraphs', () => {
    const content = '\n\n\n# A\n\n\n\n   \n\nText\n\n\n\n# B\n\n \n\n# C\n\nMore\n\n\n';
    const chunks = chunker.chunk({ title: 'T', content, docType: 'note' });
    expect(chunks).toEqual([
      { heading: 'A', body: 'Text' },
      { heading: 'B › C', body: 'More' },
    ]);
  });

  it('handles Windows line endings', () => {
    const chunks = chunker.chunk({ title: 'T', content: '# One\r\n\r\nfirst\r\n\r\n# Two\r\nsecond', docType: 'note' });
    expect(chunks).toEqual([
      { heading: 'One', body: 'first' },
      { heading: 'Two', body: 'second' },
    ]);
  });

  it('finishes quickly on pathological input (no backtracking)', () => {
    for (const content of [
      '.'.repeat(200_000),
      '#'.repeat(100_000),
      `${'# '.repeat(50_000)}`,
      '\n \n'.repeat(50_000),
      '!?'.repeat(100_000),
    ]) {
      const chunks = chunker.chunk({ title: 'T', content, docType: 'note' });
      expectSaneChunks(chunks);
    }
  });
});

describe('Chunker: email', () => {
  it('splits at "On … wrote:" reply lines, keeping the reply line with the quoted part', () => {
    const content = [
      'Sounds good, see you Tuesday.',
      '',
      'On Mon, 3 Jun 2024 at 10:00, Alice Example <alice@example.com> wrote:',
      '> Can we meet on Tuesday?',
      '>',
      '> On Sun, 2 Jun 2024, Bob <bob@example.com>',
      '> wrote:',
      '>> Are you free this week?',
    ].join('\n');
    const chunks = chunker.chunk({ title: 'Re: meeting', content, docType: 'email' });
    expect(chunks.map((c) => c.body)).toEqual([
      'Sounds good, see you Tuesday.',
      'On Mon, 3 Jun 2024 at 10:00, Alice Example <alice@example.com> wrote:\n> Can we meet on Tuesday?\n>',
      '> On Sun, 2 Jun 2024, Bob <bob@example.com>\n> wrote:\n>> Are you free this week?',
    ]);
  });

  it('does not split mail at markdown-looking headings', () => {
    const chunks = chunker.chunk({ title: 'x', content: 'Hi\n# 1 item\nBye', docType: 'email' });
    expect(chunks).toHaveLength(1);
  });
});

describe('Chunker: speed', () => {
  it('reports the time for a ~2 KB note (logged, not asserted)', () => {
    const note = `# Title\n\n${paragraph(0, 6)}\n\n## Part\n\n${paragraph(10, 6)}`;
    for (let i = 0; i < 2000; i++) chunker.chunk({ title: 'T', content: note, docType: 'note' });
    const runs = 5000;
    const start = performance.now();
    for (let i = 0; i < runs; i++) chunker.chunk({ title: 'T', content: note, docType: 'note' });
    const perNoteUs = ((performance.now() - start) / runs) * 1000;
    console.log(`chunker: ${note.length}-char note in ${perNoteUs.toFixed(1)} µs`);
    expect(perNoteUs).toBeGreaterThan(0);
  });
});
