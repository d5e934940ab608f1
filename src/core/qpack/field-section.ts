/**
 * A decoded field section (RFC 9114 §4.2, RFC 9204 §4.5): field lines in order, names and values
 * as Latin-1 strings (one character per byte, as HTTP/2 adapters present them), with the size
 * RFC 9114 §4.2.2 defines (name and value lengths plus 32 per line).
 *
 * It is a `HeaderSource` for the shared handshake checks: `get` joins repeated fields with
 * `", "`, and `cookie` lines with `"; "` (RFC 9114 §4.2.1).
 */

/** Field lines decoded from one HEADERS frame. */
export class FieldSection {
  /** Field names, lower-case when the peer follows RFC 9114 §4.2 (the session checks). */
  readonly names: string[] = [];
  /** Field values, index-aligned with `names`. */
  readonly values: string[] = [];
  /** The size as RFC 9114 §4.2.2 counts it: sum of name and value lengths plus 32 per line. */
  size = 0;

  /** Number of field lines. */
  get length(): number {
    return this.names.length;
  }

  /** Append a field line. */
  add(name: string, value: string): void {
    this.names.push(name);
    this.values.push(value);
    this.size += name.length + value.length + 32;
  }

  /** The value of `name` (any case), repeated lines joined; or `undefined`. */
  get(name: string): string | undefined {
    name = name.toLowerCase();
    let out: string | undefined;
    const names = this.names;
    for (let i = 0; i < names.length; i++) {
      if (names[i] !== name) continue;
      const value = this.values[i]!;
      out = out === undefined ? value : `${out}${name === 'cookie' ? '; ' : ', '}${value}`;
    }
    return out;
  }

  /** Every value of `name`, in order. */
  getAll(name: string): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.names.length; i++)
      if (this.names[i] === name) out.push(this.values[i]!);
    return out;
  }

  /** The lines as `[name, value]` pairs. */
  *[Symbol.iterator](): IterableIterator<[string, string]> {
    for (let i = 0; i < this.names.length; i++) yield [this.names[i]!, this.values[i]!];
  }
}
