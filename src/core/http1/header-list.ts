/**
 * Header fields of one parsed message, read in place from the head bytes.
 *
 * @module
 */
import { ErrorCode, WirekitError } from '../errors.js';
import { decodeLatin1, equalsIgnoreCase, listHasToken } from './ascii.js';

const NO_BYTES = new Uint8Array(0);

/**
 * The field lines of a head (or a chunked trailer section) in the order received, without a
 * map per message: the list keeps the head bytes and four offsets per field (name start, name
 * end, value start, value end, value trimmed of OWS per RFC 9112 §5). Lookups compare names
 * case-insensitively (RFC 9110 §5.1) byte by byte; values are decoded to strings only when asked
 * (ISO-8859-1, one char per octet), or read as views with {@link HeaderList.getBytes}.
 *
 * The list is immutable and stays valid as long as you keep it: the bytes it reads are either a
 * chunk you passed to `receive` (do not reuse that memory while you keep the list) or a copy the
 * reader made when the head spanned chunks.
 *
 * `get` joins the values of repeated lines with `", "` (RFC 9110 §5.3), so a list-valued field
 * reads the same whether it came on one line or several; {@link HeaderList.getAll} keeps them
 * apart, {@link HeaderList.hasToken} searches list elements without allocating, and
 * {@link HeaderList.getBytes} gives the first value as a view.
 *
 * @example
 * ```ts
 * import { RequestReader } from './request-reader.js';
 * const reader = new RequestReader();
 * reader.receive(new TextEncoder().encode(
 *   'GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n\r\n'));
 * const head = reader.next();
 * if (head.type === 'head') {
 *   head.headers.get('host');                         // 'a'
 *   head.headers.hasToken('connection', 'upgrade');   // true
 *   [...head.headers].length;                         // 3
 * }
 * ```
 */
export class HeaderList implements Iterable<[name: string, value: string]> {
  /** An empty list (messages without trailers share it). */
  static readonly EMPTY: HeaderList = new HeaderList(NO_BYTES, [], 0);

  readonly #bytes: Uint8Array;
  readonly #offsets: readonly number[];
  readonly #count: number;

  /**
   * Low-level constructor used by the readers: `offsets` holds `4 * count` integers, for each
   * field the name start, name end, value start and value end as indexes into `bytes`. It is
   * kept, not copied. (A plain array: allocating a small `Int32Array` costs ≈ 200 ns in V8, a
   * packed array of small integers ≈ 5 ns.)
   * @throws {WirekitError} `ERR_INVALID_ARGUMENT` when `offsets` does not hold `4 * count`
   * integers: {@link HeaderList.size} is the number of fields stored, never more.
   */
  constructor(bytes: Uint8Array, offsets: readonly number[], count: number) {
    if (offsets.length !== count * 4) {
      throw new WirekitError(
        ErrorCode.INVALID_ARGUMENT,
        `${String(count)} fields need ${String(count * 4)} offsets, got ${offsets.length}`,
      );
    }
    this.#bytes = bytes;
    this.#offsets = offsets;
    this.#count = count;
  }

  /** Number of field lines (each one parsed and stored). */
  get size(): number {
    return this.#count;
  }

  /** Index of the first field named `name` (any case) at or after `from`, or -1. */
  indexOf(name: string, from = 0): number {
    const bytes = this.#bytes;
    const offsets = this.#offsets;
    const count = this.#count;
    for (let i = Math.max(from, 0); i < count; i++) {
      const o = i << 2;
      if (equalsIgnoreCase(bytes, offsets[o]!, offsets[o + 1]!, name)) return i;
    }
    return -1;
  }

  /** Whether a field named `name` is present. */
  has(name: string): boolean {
    return this.indexOf(name) !== -1;
  }

  /**
   * The value of the field named `name`, or `undefined`. When several lines have the name,
   * their values are joined with `", "` in order, which is their meaning for list-valued fields
   * (RFC 9110 §5.3); use {@link HeaderList.getAll} for `Set-Cookie`, which cannot be joined.
   */
  get(name: string): string | undefined {
    const i = this.indexOf(name);
    if (i === -1) return undefined;
    let j = this.indexOf(name, i + 1);
    if (j === -1) return this.valueAt(i);
    let joined = this.valueAt(i);
    for (; j !== -1; j = this.indexOf(name, j + 1)) joined += `, ${this.valueAt(j)}`;
    return joined;
  }

  /** The values of every field named `name`, in order (an empty array when none). */
  getAll(name: string): string[] {
    const out: string[] = [];
    for (let i = this.indexOf(name); i !== -1; i = this.indexOf(name, i + 1)) {
      out.push(this.valueAt(i));
    }
    return out;
  }

  /** The value of the first field named `name` as a view of the head bytes (no joining), or
   * `undefined`. */
  getBytes(name: string): Uint8Array | undefined {
    const i = this.indexOf(name);
    return i === -1 ? undefined : this.valueBytesAt(i);
  }

  /**
   * Whether any field named `name` holds `token` as an element of its comma-separated list
   * (RFC 9110 §5.6.1), compared ignoring ASCII case: `hasToken('connection', 'upgrade')`.
   * Allocates nothing.
   */
  hasToken(name: string, token: string): boolean {
    const bytes = this.#bytes;
    const offsets = this.#offsets;
    let lower: Uint8Array | undefined;
    for (let i = this.indexOf(name); i !== -1; i = this.indexOf(name, i + 1)) {
      lower ??= lowerAscii(token);
      const o = i << 2;
      if (listHasToken(bytes, offsets[o + 2]!, offsets[o + 3]!, lower)) return true;
    }
    return false;
  }

  /** The name of field `index` as received (original case). */
  nameAt(index: number): string {
    const o = this.#at(index);
    return decodeLatin1(this.#bytes, this.#offsets[o]!, this.#offsets[o + 1]!);
  }

  /** The value of field `index`, trimmed of surrounding whitespace. */
  valueAt(index: number): string {
    const o = this.#at(index);
    return decodeLatin1(this.#bytes, this.#offsets[o + 2]!, this.#offsets[o + 3]!);
  }

  /** The name of field `index` as a view of the head bytes. */
  nameBytesAt(index: number): Uint8Array {
    const o = this.#at(index);
    return this.#bytes.subarray(this.#offsets[o]!, this.#offsets[o + 1]!);
  }

  /** The value of field `index` as a view of the head bytes. */
  valueBytesAt(index: number): Uint8Array {
    const o = this.#at(index);
    return this.#bytes.subarray(this.#offsets[o + 2]!, this.#offsets[o + 3]!);
  }

  /** Iterates `[name, value]` pairs in order (allocates a pair and two strings per field). */
  *[Symbol.iterator](): IterableIterator<[name: string, value: string]> {
    for (let i = 0; i < this.#count; i++) yield [this.nameAt(i), this.valueAt(i)];
  }

  #at(index: number): number {
    if (!Number.isInteger(index) || index < 0 || index >= this.#count) {
      throw new WirekitError(
        ErrorCode.INVALID_ARGUMENT,
        `header index ${String(index)} out of range 0..${this.#count - 1}`,
      );
    }
    return index << 2;
  }
}

function lowerAscii(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // A char above 0xFF matches no octet; NUL stands in for it (a parsed value never has NUL).
    out[i] = c >= 0x41 && c <= 0x5a ? c + 0x20 : c > 0xff ? 0 : c;
  }
  return out;
}
