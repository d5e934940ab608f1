/**
 * A complete HTTP/1.1 response received by an {@link HttpConnection}.
 *
 * @module
 */
import type { HttpVersion } from '../../core/http1/body-framing.js';
import type { HeaderList } from '../../core/http1/header-list.js';
import type { ResponseHead } from '../../core/http1/response-head.js';

/**
 * A final response: status, header fields read in place from the received bytes, and the whole
 * body. Interim 1xx responses (100 Continue, 103 Early Hints) are skipped by the connection.
 *
 * `body` is a view of the socket chunk when the body arrived in one chunk (no copy), else one
 * concatenated copy; chunked framing is already removed. Node gives every read a fresh chunk,
 * so keeping a response (or its headers) is safe. Decoding to text happens only in
 * {@link HttpResponse.text} / {@link HttpResponse.json}.
 *
 * @example
 * ```ts
 * import { HttpConnection, RequestWriter } from 'wirekit/http';
 * const connection = await HttpConnection.connect('http://127.0.0.1:8080');
 * const writer = new RequestWriter('127.0.0.1:8080');
 * const response = await connection.send(writer.get('/time'));
 * response.status;                       // 200
 * response.headers.get('content-type');  // 'application/json'
 * const { now } = response.json<{ now: number }>();
 * ```
 */
export class HttpResponse {
  /** The status code, 200..599 (or 101 after an upgrade). */
  readonly status: number;
  /** The header fields (case-insensitive lookups, values decoded on demand). */
  readonly headers: HeaderList;
  /** The decoded body (empty for HEAD, 204, 304). */
  readonly body: Buffer;
  /** Trailer fields of a chunked body (RFC 9112 §7.1.2), else an empty list. */
  readonly trailers: HeaderList;
  readonly #head: ResponseHead;

  /** Built by {@link HttpConnection} from the reader's head, the body and the trailers. */
  constructor(head: ResponseHead, body: Buffer, trailers: HeaderList) {
    this.#head = head;
    this.status = head.status;
    this.headers = head.headers;
    this.body = body;
    this.trailers = trailers;
  }

  /** The reason phrase (RFC 9112 §4: informative only). */
  get reason(): string {
    return this.#head.reason;
  }

  /** `1.1` or `1.0`. */
  get version(): HttpVersion {
    return this.#head.version;
  }

  /** Whether the server kept the connection open for another request (RFC 9112 §9.3). */
  get keepAlive(): boolean {
    return this.#head.keepAlive;
  }

  /** The body decoded as UTF-8 (malformed sequences become U+FFFD). */
  text(): string {
    return this.body.toString('utf8');
  }

  /**
   * The body parsed as JSON.
   * @throws {SyntaxError} when the body is not JSON.
   */
  json<T = unknown>(): T {
    return JSON.parse(this.body.toString('utf8')) as T;
  }
}
