/**
 * A target's corpus on disk: one file per input under `fuzz/corpus/<target>/`, named by the
 * SHA-1 of its content so the same input is never stored twice.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export class Corpus {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  /** Every stored input, in name order (so replays are deterministic). */
  load(): Uint8Array[] {
    let names: string[];
    try {
      names = readdirSync(this.dir).sort();
    } catch {
      return [];
    }
    return names.map((name) => new Uint8Array(readFileSync(join(this.dir, name))));
  }

  /** Store `input`; returns its file name. */
  add(input: Uint8Array): string {
    mkdirSync(this.dir, { recursive: true });
    const name = nameOf(input);
    writeFileSync(join(this.dir, name), input);
    return name;
  }

  /** Replace the stored inputs with `inputs` (after minimisation). */
  replace(inputs: readonly Uint8Array[]): void {
    rmSync(this.dir, { recursive: true, force: true });
    for (const input of inputs) this.add(input);
  }
}

/** File name of an input: the first 16 hex digits of its SHA-1. */
export function nameOf(input: Uint8Array): string {
  return createHash('sha1').update(input).digest('hex').slice(0, 16);
}
