/**
 * A parsed request head.
 *
 * @module
 */
import { decodeLatin1 } from './ascii.js';
import type { BodyFraming, HttpVersion } from './body-framing.js';
import type { HeaderList } from './header-list.js';

/**
 * The `head` event of a {@link RequestReader}: request line, fields, and what the reader
 * concluded about the body and the connection. Strings are decoded lazily (the target on
 * first access); the `*Bytes` views read the head bytes in place.
 *
 * @example
 * ```ts
 * import { RequestReader } from './request-reader.js';
 * const reader = new RequestReader();
 * reader.receive(new TextEncoder().encode('POST /orders?x=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n{}'));
 * const head = reader.next();
 * if (head.type === 'head') {
 *   head.method;        // 'POST'
 *   head.target;        // '/orders?x=1'
 *   head.contentLength; // 2
 *   head.keepAlive;     // true
 * }
 * ```
 */
export class RequestHead {
  /** Discriminant of the reader's event union. */
  readonly type = 'head' as const;
  /** The method, case-sensitive (RFC 9110 §9.1); standard methods are shared strings. */
  readonly method: string;
  /** `1.0` or `1.1`. */
  readonly version: HttpVersion;
  /** The header fields. */
  readonly headers: HeaderList;
  /** How the body is delimited: `none`, `length` or `chunked` (never `close` for a request). */
  readonly framing: BodyFraming;
  /** The Content-Length value, or `null` when absent. */
  readonly contentLength: number | null;
  /** Whether the connection persists after this exchange (RFC 9112 §9.3): HTTP/1.1 without
   * `Connection: close`, or HTTP/1.0 with `Connection: keep-alive`. */
  readonly keepAlive: boolean;
  /**
   * An HTTP/1.1 request with an `Upgrade` field and the `upgrade` connection option
   * (RFC 9110 §7.8). After its `end` the reader pauses: answer 101 and call `takeRemaining()`
   * for the bytes of the new protocol, or call `resume()` to keep reading HTTP. A `CONNECT`
   * request pauses the same way.
   */
  readonly upgrade: boolean;
  /** `Expect: 100-continue` in an HTTP/1.1 request (RFC 9110 §10.1.1). */
  readonly expectContinue: boolean;

  readonly #bytes: Uint8Array;
  readonly #start: number;
  readonly #end: number;
  readonly #targetStart: number;
  readonly #targetEnd: number;
  #target: string | undefined;

  /** Built by the reader; `bytes[start, end)` is the head, the target at `[targetStart, targetEnd)`. */
  constructor(
    bytes: Uint8Array,
    start: number,
    end: number,
    method: string,
    targetStart: number,
    targetEnd: number,
    version: HttpVersion,
    headers: HeaderList,
    framing: BodyFraming,
    contentLength: number | null,
    keepAlive: boolean,
    upgrade: boolean,
    expectContinue: boolean,
  ) {
    this.#bytes = bytes;
    this.#start = start;
    this.#end = end;
    this.method = method;
    this.#targetStart = targetStart;
    this.#targetEnd = targetEnd;
    this.version = version;
    this.headers = headers;
    this.framing = framing;
    this.contentLength = contentLength;
    this.keepAlive = keepAlive;
    this.upgrade = upgrade;
    this.expectContinue = expectContinue;
  }

  /** The request-target as sent (RFC 9112 §3.2), e.g. `/path?query`; decoded on first use. */
  get target(): string {
    this.#target ??= decodeLatin1(this.#bytes, this.#targetStart, this.#targetEnd);
    return this.#target;
  }

  /** The request-target as a view of the head bytes. */
  get targetBytes(): Uint8Array {
    return this.#bytes.subarray(this.#targetStart, this.#targetEnd);
  }

  /** The whole head as received, request line through the empty line, as a view. */
  get raw(): Uint8Array {
    return this.#bytes.subarray(this.#start, this.#end);
  }
}
