/**
 * A parsed response head.
 *
 * @module
 */
import { decodeLatin1 } from './ascii.js';
import type { BodyFraming, HttpVersion } from './body-framing.js';
import type { HeaderList } from './header-list.js';

/**
 * A response head from a {@link ResponseReader}. `type` is `informational` for a 1xx interim
 * response other than 101 (RFC 9110 §15.2: 100 Continue, 103 Early Hints…; no body and no `end`
 * follow it, the final response comes next) and `head` for a final response, including
 * 101 Switching Protocols (after its `end` the reader pauses; call `takeRemaining()`).
 *
 * @example
 * ```ts
 * import { ResponseReader } from './response-reader.js';
 * const reader = new ResponseReader();
 * reader.receive(new TextEncoder().encode('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
 * const head = reader.next();
 * if (head.type === 'head') {
 *   head.status;   // 200
 *   head.reason;   // 'OK'
 *   head.framing;  // 'length'
 * }
 * ```
 */
export class ResponseHead {
  /** `informational` for 1xx except 101, else `head`. */
  readonly type: 'head' | 'informational';
  /** The status code, 100..599. */
  readonly status: number;
  /** `1.0` or `1.1`. */
  readonly version: HttpVersion;
  /** The header fields. */
  readonly headers: HeaderList;
  /** How the body is delimited (RFC 9112 §6.3): `none` for HEAD, 1xx, 204, 304 and 2xx to
   * CONNECT; `chunked`; `length`; or `close` (read until the server closes). */
  readonly framing: BodyFraming;
  /** The Content-Length value, or `null` when absent (for a HEAD response it describes the
   * body a GET would have had; no body follows). */
  readonly contentLength: number | null;
  /** Whether the connection persists after this response (RFC 9112 §9.3); always false for a
   * close-delimited body. */
  readonly keepAlive: boolean;

  readonly #bytes: Uint8Array;
  readonly #start: number;
  readonly #end: number;
  readonly #reasonStart: number;
  readonly #reasonEnd: number;

  /** Built by the reader; `bytes[start, end)` is the head, the reason at `[reasonStart, reasonEnd)`. */
  constructor(
    bytes: Uint8Array,
    start: number,
    end: number,
    status: number,
    reasonStart: number,
    reasonEnd: number,
    version: HttpVersion,
    headers: HeaderList,
    framing: BodyFraming,
    contentLength: number | null,
    keepAlive: boolean,
  ) {
    this.type = status < 200 && status !== 101 ? 'informational' : 'head';
    this.#bytes = bytes;
    this.#start = start;
    this.#end = end;
    this.status = status;
    this.#reasonStart = reasonStart;
    this.#reasonEnd = reasonEnd;
    this.version = version;
    this.headers = headers;
    this.framing = framing;
    this.contentLength = contentLength;
    this.keepAlive = keepAlive;
  }

  /** The reason phrase (may be empty; RFC 9112 §4: a client SHOULD ignore it). */
  get reason(): string {
    return decodeLatin1(this.#bytes, this.#reasonStart, this.#reasonEnd);
  }

  /** The whole head as received, status line through the empty line, as a view. */
  get raw(): Uint8Array {
    return this.#bytes.subarray(this.#start, this.#end);
  }
}
