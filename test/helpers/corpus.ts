/** A small, mutable corpus of notes on disk for crash and convergence tests. Each note holds unique words. */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export class NoteCorpus {
  /** relative path → the unique word its current version contains */
  readonly notes = new Map<string, string>();
  /** unique words of versions that were edited away or deleted: must never be found again */
  readonly gone = new Set<string>();
  #serial = 0;
  #rand: () => number;

  constructor(
    readonly root: string,
    seed = 1,
  ) {
    let s = seed >>> 0 || 1;
    this.#rand = () => {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      return (s >>> 0) / 0x100000000;
    };
    mkdirSync(root, { recursive: true });
  }

  #word(): string {
    this.#serial++;
    let n = this.#serial;
    let w = '';
    while (n > 0) {
      w += String.fromCharCode(97 + (n % 26));
      n = Math.floor(n / 26);
    }
    return `zq${w}x`;
  }

  #write(rel: string): void {
    const word = this.#word();
    const path = join(this.root, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `# Note ${rel}\n\nThis note mentions ${word} once.\n\n## Details\n\n${'Filler text for the chunker. '.repeat(20)}\n`);
    const old = this.notes.get(rel);
    if (old) this.gone.add(old);
    this.notes.set(rel, word);
  }

  add(n: number): void {
    for (let i = 0; i < n; i++) this.#write(`d${i % 10}/note-${this.#serial + 1}.md`);
  }

  pick(): string {
    const keys = [...this.notes.keys()];
    return keys[Math.floor(this.#rand() * keys.length)];
  }

  /** Edits, deletes, adds and renames a few notes. */
  mutate(count: number): void {
    for (let i = 0; i < count; i++) {
      const r = this.#rand();
      if (this.notes.size < 5 || r < 0.25) {
        this.add(1);
      } else if (r < 0.55) {
        this.#write(this.pick());
      } else if (r < 0.8) {
        const rel = this.pick();
        rmSync(join(this.root, rel));
        this.gone.add(this.notes.get(rel)!);
        this.notes.delete(rel);
      } else {
        const rel = this.pick();
        const to = `moved/${rel.replace(/\//g, '_')}-${this.#serial++}.md`;
        mkdirSync(join(this.root, 'moved'), { recursive: true });
        renameSync(join(this.root, rel), join(this.root, to));
        this.notes.set(to, this.notes.get(rel)!);
        this.notes.delete(rel);
      }
    }
  }
}
