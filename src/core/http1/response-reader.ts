/**
 * Sans-IO HTTP/1.1 response parser, for clients.
 *
 * @module
 */
import { CR, FIELD_VALUE, SP } from './ascii.js';
import { BodyFraming, type HttpVersion } from './body-framing.js';
import type { FieldSummary } from './field-parser.js';
import type {
  BodyEvent,
  ClosedEvent,
  EndEvent,
  HttpErrorEvent,
  NeedDataEvent,
  PausedEvent,
} from './http-events.js';
import { HttpFailure } from './http-failure.js';
import { type HttpLimits, resolveHttpLimits } from './http-limits.js';
import { MessageReader } from './message-reader.js';
import { ResponseHead } from './response-head.js';
import { parseHttpVersion } from './start-line.js';

/** Options of a {@link ResponseReader}: the {@link HttpLimits}, each optional. */
export type ResponseReaderOptions = Partial<HttpLimits>;

/** What {@link ResponseReader.next} returns. */
export type ResponseReaderEvent =
  | ResponseHead
  | BodyEvent
  | EndEvent
  | HttpErrorEvent
  | NeedDataEvent
  | PausedEvent
  | ClosedEvent;

// A gateway answers 502 to an invalid upstream response (RFC 9110 §15.6.3).
const BAD_GATEWAY = 502;

// A status line starts with HTTP-name (RFC 9112 §4): reject anything else at once.
const STATUS_LINE_START = new Uint8Array(256);
STATUS_LINE_START[0x48] = 1; // H

/**
 * Parses the responses a server sends on one connection: feed bytes with `receive`, pull events
 * with `next`. Per response: zero or more `informational` heads (1xx interim responses such as
 * 100 Continue or 103 Early Hints; nothing follows them), then a final `head`
 * ({@link ResponseHead}), `body` events (views of your chunks), and `end`.
 *
 * Whether a response has a body depends on the request (RFC 9112 §6.3): call
 * {@link ResponseReader.expect} with the method of each request you send, in order. Responses
 * to HEAD, and 2xx responses to CONNECT, then have no body. Without `expect`, GET is assumed.
 *
 * A 101 Switching Protocols response ends HTTP on the connection: after its `head` and `end`,
 * `next` returns `paused`, and {@link ResponseReader.takeRemaining} returns the bytes that
 * followed the head (e.g. the first WebSocket frames).
 *
 * A body without Content-Length or chunked coding lasts until the server closes: call
 * {@link ResponseReader.receiveEof} and the reader ends it. Errors carry status 502. Parsing is
 * as strict as {@link RequestReader}'s: CRLF only (a bare LF is rejected), no obs-fold, no
 * Content-Length with Transfer-Encoding.
 *
 * @example
 * ```ts
 * import { ResponseReader } from './response-reader.js';
 * const reader = new ResponseReader();
 * reader.expect('GET');
 * reader.receive(new TextEncoder().encode(
 *   'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n'));
 * reader.receive(Uint8Array.of(0x81, 0x00)); // may arrive in the same read as the head
 * reader.next().type;            // 'head' (status 101)
 * reader.next().type;            // 'end'
 * reader.next().type;            // 'paused'
 * reader.takeRemaining();        // Uint8Array [0x81, 0x00]: the first WebSocket frame
 * ```
 */
export class ResponseReader {
  readonly #message: MessageReader;
  readonly #methods: string[] = [];

  /**
   * A reader with the HTTP limits of `options`; its errors carry status 502, as a gateway would
   * answer.
   */
  constructor(options: ResponseReaderOptions = {}) {
    this.#message = new MessageReader(resolveHttpLimits(options), BAD_GATEWAY);
  }

  /**
   * Records that a request with `method` was sent; responses are matched to requests in order
   * (the next final response answers the oldest recorded request). `HEAD` and `CONNECT` change
   * how the response is framed; other methods read as GET.
   */
  expect(method: string): void {
    this.#methods.push(method);
  }

  /**
   * Feeds bytes received from the server. The reader keeps a reference to `data` until it has
   * consumed it, and the views it returns point into it: do not overwrite that memory while
   * you use them. Bytes arriving after a non-keep-alive response or an error are dropped.
   * @throws {WirekitError} `ERR_INVALID_ARGUMENT` after `receiveEof` or `takeRemaining`.
   */
  receive(data: Uint8Array): void {
    this.#message.receive(data);
  }

  /** Tells the reader the server closed its side: no more bytes will come. */
  receiveEof(): void {
    this.#message.receiveEof();
  }

  /** The next event, or `need-data` when more input is needed. Never throws. */
  next(): ResponseReaderEvent {
    const message = this.#message;
    if (!message.readingHead) return message.next();
    const len = message.takeHead(
      STATUS_LINE_START,
      HttpFailure.BAD_STATUS_LINE,
      HttpFailure.HEAD_TOO_LARGE,
    );
    // No head yet: need-data, closed or the error.
    return len === 0 ? message.next() : this.#readHead(message, len);
  }

  /**
   * Returns every byte received and not consumed — after a 101 response, the first bytes of
   * the new protocol — as a view of your chunk when possible (a copy when it spans chunks), and
   * detaches the reader: later `next` calls return `closed`, `receive` throws.
   */
  takeRemaining(): Uint8Array {
    return this.#message.takeRemaining();
  }

  /** Forgets all input, expected requests and state, as if new (keeps the limits); for reuse
   * on a new connection. */
  reset(): void {
    this.#message.reset();
    this.#methods.length = 0;
  }

  /** Bytes received and not yet consumed. */
  get bufferedBytes(): number {
    return this.#message.queue.size;
  }

  // The head taken by `message.takeHead`, `len` bytes.
  #readHead(message: MessageReader, len: number): ResponseReaderEvent {
    const bytes = message.queue.blockBytes;
    const start = message.queue.blockStart;

    // status-line = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 §4). We also
    // accept a status line that ends right after the code, as many servers send it.
    const version = parseHttpVersion(bytes, start);
    if (typeof version !== 'string') return message.fail(version);
    let p = start + 8;
    if (bytes[p] !== SP) return message.fail(HttpFailure.BAD_STATUS_LINE);
    const d0 = bytes[p + 1]! - 0x30;
    const d1 = bytes[p + 2]! - 0x30;
    const d2 = bytes[p + 3]! - 0x30;
    if (!(d0 >= 0 && d0 <= 9 && d1 >= 0 && d1 <= 9 && d2 >= 0 && d2 <= 9)) {
      return message.fail(HttpFailure.BAD_STATUS_CODE);
    }
    const status = d0 * 100 + d1 * 10 + d2;
    // RFC 9110 §15: values outside 100..599 are invalid.
    if (status < 100 || status > 599) return message.fail(HttpFailure.BAD_STATUS_CODE);
    p += 4;
    let reasonStart = p;
    if (bytes[p] === SP) {
      reasonStart = ++p;
      // reason-phrase = 1*( HTAB / SP / VCHAR / obs-text ) (RFC 9112 §4)
      while (FIELD_VALUE[bytes[p]!] !== 0) p++;
    }
    const reasonEnd = p;
    if (bytes[p] !== CR) {
      return message.fail(
        reasonEnd === reasonStart && p === start + 12
          ? HttpFailure.BAD_STATUS_CODE
          : HttpFailure.BAD_REASON,
      );
    }

    const headers = message.fields(bytes, p);
    if (headers === null) return message.next();
    const summary = message.summary;

    const informational = status < 200 && status !== 101;
    // The request this response answers: interim responses do not consume it.
    const method = informational ? '' : (this.#methods.shift() ?? 'GET');
    const framing = this.#framing(summary, version, status, method);
    if (typeof framing !== 'string') return message.fail(framing);

    // RFC 9112 §9.3: "close" ends persistence; HTTP/1.1 persists by default; HTTP/1.0 only with
    // "keep-alive". A close-delimited body ends with the connection (RFC 9112 §6.3 item 8).
    const keepAlive =
      framing !== BodyFraming.CLOSE &&
      !summary.connectionClose &&
      (version === '1.1' || summary.connectionKeepAlive);
    const head = new ResponseHead(
      bytes,
      start,
      start + len,
      status,
      reasonStart,
      reasonEnd,
      version,
      headers,
      framing,
      summary.contentLength === -1 ? null : summary.contentLength,
      keepAlive,
    );
    if (informational) return head; // RFC 9110 §15.2: the final response follows.
    // RFC 9110 §15.2.2: after 101 the connection speaks the protocol named in Upgrade;
    // RFC 9110 §9.3.6: after a 2xx to CONNECT it is a tunnel.
    const pauseAfter = status === 101 || (method === 'CONNECT' && status >= 200 && status < 300);
    message.startBody(framing, summary.contentLength, pauseAfter, !keepAlive);
    return head;
  }

  // Message body length of a response, RFC 9112 §6.3.
  #framing(
    summary: FieldSummary,
    version: HttpVersion,
    status: number,
    method: string,
  ): BodyFraming | HttpFailure {
    if (summary.transferEncoding) {
      // RFC 9112 §6.1 / §6.3 item 3: both framings may be response splitting; reject.
      if (summary.contentLength !== -1) return HttpFailure.CONTENT_LENGTH_AND_TRANSFER_ENCODING;
      // RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0 means faulty framing.
      if (version === '1.0') return HttpFailure.TRANSFER_ENCODING_HTTP10;
      if (summary.badTransferEncoding) return HttpFailure.BAD_TRANSFER_ENCODING;
      // RFC 9112 §6.1: chunked MUST NOT be applied more than once.
      if (summary.chunkedCount > 1) return HttpFailure.CHUNKED_TWICE;
    }
    // RFC 9112 §6.3 item 1: responses to HEAD, and 1xx, 204 and 304 responses, end at the head.
    // Item 2: a 2xx response to CONNECT switches to a tunnel at the head.
    if (
      status < 200 ||
      status === 204 ||
      status === 304 ||
      method === 'HEAD' ||
      (method === 'CONNECT' && status < 300)
    ) {
      return BodyFraming.NONE;
    }
    if (summary.transferEncoding) {
      // RFC 9112 §6.3 item 4: chunked last → chunked; otherwise read until close. Codings
      // before chunked stay applied to the body (see the Transfer-Encoding field).
      return summary.chunkedLast ? BodyFraming.CHUNKED : BodyFraming.CLOSE;
    }
    if (summary.contentLength !== -1) {
      if (summary.contentLength > this.#message.limits.maxBodyBytes)
        return HttpFailure.BODY_TOO_LARGE;
      return BodyFraming.LENGTH; // RFC 9112 §6.3 item 6
    }
    return BodyFraming.CLOSE; // RFC 9112 §6.3 item 8
  }
}
