/**
 * What a fuzz target gives the engine: the code under test (for coverage), seed inputs, a
 * dictionary, and `run`, which throws a {@link FuzzFailure} when an oracle disagrees (or any
 * error when the code under test crashes).
 */
export interface FuzzTarget {
  /** Name on the command line and of the corpus directory `fuzz/corpus/<name>/`. */
  readonly name: string;
  /** Compiled files under test, as path suffixes (`src/core/ws/frame-reader.js`). */
  readonly files: readonly string[];
  /** Longest input the mutator makes. */
  readonly maxLength: number;
  /** Tokens the mutator inserts: protocol keywords, frame headers, CRLFs. */
  readonly dictionary: readonly Uint8Array[];
  /** Inputs that reach past the first checks, used when the corpus is empty. */
  seeds(): Uint8Array[];
  /** Run one input; throw when an oracle disagrees. Must not keep state between runs. */
  run(input: Uint8Array): void;
}

/** An oracle disagreed: `kind` groups findings (the minimiser keeps the kind). */
export class FuzzFailure extends Error {
  readonly kind: string;

  constructor(kind: string, detail: string) {
    super(`${kind}: ${detail}`);
    this.name = 'FuzzFailure';
    this.kind = kind;
  }
}

/** The grouping key of any error thrown by a run. */
export function failureKind(error: unknown): string {
  if (error instanceof FuzzFailure) return error.kind;
  if (error instanceof Error) return `crash ${error.name}: ${error.message.split('\n')[0]}`;
  return `crash ${String(error)}`;
}

/** Latin-1 text to bytes, for dictionaries and seeds. */
export function latin1(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}

/** Bytes to hex, for failure messages. */
export function hex(bytes: Uint8Array, max = 64): string {
  let out = '';
  for (let i = 0; i < Math.min(bytes.length, max); i++)
    out += bytes[i]!.toString(16).padStart(2, '0');
  return bytes.length > max ? `${out}…(${bytes.length} bytes)` : out;
}
