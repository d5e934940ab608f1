/**
 * Sans-IO HTTP/1.1 request parser, for servers.
 *
 * @module
 */
import { ErrorCode, WirekitError } from '../errors.js';
import { CR, SP, TARGET_CHAR, TCHAR } from './ascii.js';
import { BodyFraming, type HttpVersion } from './body-framing.js';
import { BodyReader } from './body-reader.js';
import { FieldSummary, parseFields } from './field-parser.js';
import { HeaderList } from './header-list.js';
import {
  type BodyEvent,
  CLOSED,
  type ClosedEvent,
  type EndEvent,
  type HttpErrorEvent,
  NEED_DATA,
  type NeedDataEvent,
  PAUSED,
  type PausedEvent,
} from './http-events.js';
import { failureError, HttpFailure } from './http-failure.js';
import { type HttpLimits, resolveHttpLimits } from './http-limits.js';
import { InputQueue, SCAN_BARE_LF, SCAN_NEED_MORE, SCAN_TOO_MANY_LINES } from './input-queue.js';
import { RequestHead } from './request-head.js';
import { methodName, parseHttpVersion, skipEmptyLines } from './start-line.js';

/** Options of a {@link RequestReader}: the {@link HttpLimits}, each optional. */
export type RequestReaderOptions = Partial<HttpLimits>;

/** What {@link RequestReader.next} returns. */
export type RequestReaderEvent =
  | RequestHead
  | BodyEvent
  | EndEvent
  | HttpErrorEvent
  | NeedDataEvent
  | PausedEvent
  | ClosedEvent;

// Reader states.
const HEAD = 0;
const BODY = 1;
const PAUSED_STATE = 2;
const CLOSED_STATE = 3;
const ERROR_STATE = 4;
const DETACHED = 5;

/**
 * Parses the requests a client sends on one connection: feed bytes with `receive`, pull events
 * with `next` until it returns `need-data`. Per request: a `head` ({@link RequestHead}), zero
 * or more `body` events (views of your chunks, chunk framing removed), then `end`. Pipelined
 * requests follow one another. Chunk boundaries never change the events.
 *
 * Malformed input never throws: `next` returns an `error` event whose `error.status` is the
 * status to answer (400, 413, 414, 431, 501, 505) before closing. Parsing is strict: lines
 * must end in CRLF (a bare LF is rejected, RFC 9112 §2.2), obs-fold is rejected (§5.2), a
 * message with both Content-Length and Transfer-Encoding is rejected (§6.1), and an HTTP/1.1
 * request needs exactly one Host (§3.2).
 *
 * Upgrades: after the `end` of a request with `upgrade` set (or a CONNECT), `next` returns
 * `paused`. To switch protocols, answer 101 and call {@link RequestReader.takeRemaining}: it
 * returns the bytes received after the request (the first bytes of the new protocol) and
 * detaches the reader. To decline, answer normally and call {@link RequestReader.resume}.
 *
 * @example
 * ```ts
 * import { RequestReader } from './request-reader.js';
 * const reader = new RequestReader({ maxBodyBytes: 1 << 20 });
 * reader.receive(new TextEncoder().encode(
 *   'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n'));
 * for (let ev = reader.next(); ev.type !== 'need-data'; ev = reader.next()) {
 *   if (ev.type === 'head') console.log(ev.method, ev.target);  // POST /echo
 *   else if (ev.type === 'body') console.log(ev.data.length);   // 3
 *   else if (ev.type === 'end') console.log('done');
 *   else if (ev.type === 'error') { console.log(ev.error.status); break; }
 *   else break; // paused or closed
 * }
 * ```
 */
export class RequestReader {
  readonly #limits: HttpLimits;
  readonly #queue = new InputQueue();
  readonly #body: BodyReader;
  readonly #summary = new FieldSummary();
  #state = HEAD;
  #eof = false;
  #error: HttpErrorEvent | null = null;
  #skipped = 0;
  #pauseAfter = false;
  #closeAfter = false;

  constructor(options: RequestReaderOptions = {}) {
    this.#limits = resolveHttpLimits(options);
    this.#body = new BodyReader(this.#queue, this.#limits);
  }

  /**
   * Feeds bytes received from the client. The reader keeps a reference to `data` until it has
   * consumed it, and the views it returns point into it: do not overwrite that memory while
   * you use them. Bytes arriving after a non-keep-alive request or an error are dropped.
   * @throws {WirekitError} `ERR_INVALID_ARGUMENT` after `receiveEof` or `takeRemaining`.
   */
  receive(data: Uint8Array): void {
    if (this.#eof || this.#state === DETACHED) {
      throw new WirekitError(
        ErrorCode.INVALID_ARGUMENT,
        this.#eof ? 'receive after receiveEof' : 'receive after takeRemaining',
      );
    }
    // After an error or the last message, input is dropped rather than buffered.
    if (this.#state !== CLOSED_STATE && this.#state !== ERROR_STATE) this.#queue.push(data);
  }

  /** Tells the reader the client closed its side: no more bytes will come. */
  receiveEof(): void {
    this.#eof = true;
  }

  /** The next event, or `need-data` when more input is needed. Never throws. */
  next(): RequestReaderEvent {
    switch (this.#state) {
      case HEAD:
        return this.#readHead();
      case BODY: {
        const event = this.#body.next(this.#eof);
        if (event === null) return this.#fail(this.#body.failure!);
        if (event.type === 'end') this.#messageDone();
        return event;
      }
      case PAUSED_STATE:
        return PAUSED;
      case ERROR_STATE:
        return this.#error!;
      default:
        return CLOSED;
    }
  }

  /**
   * Returns every byte received and not consumed — after an upgrade request, the first bytes
   * of the new protocol — as a view of your chunk when possible (a copy when it spans chunks),
   * and detaches the reader: later `next` calls return `closed`, `receive` throws.
   */
  takeRemaining(): Uint8Array {
    const rest = this.#queue.takeAll();
    this.#state = DETACHED;
    return rest;
  }

  /**
   * After `paused` (an upgrade or CONNECT request the server declined), continues reading
   * HTTP requests.
   * @throws {WirekitError} `ERR_INVALID_ARGUMENT` when the reader is not paused.
   */
  resume(): void {
    if (this.#state !== PAUSED_STATE) {
      throw new WirekitError(ErrorCode.INVALID_ARGUMENT, 'resume() while not paused');
    }
    this.#state = this.#closeAfter ? CLOSED_STATE : HEAD;
  }

  /** Forgets all input and state, as if new (keeps the limits). */
  reset(): void {
    this.#queue.clear();
    this.#state = HEAD;
    this.#eof = false;
    this.#error = null;
    this.#skipped = 0;
    this.#pauseAfter = false;
    this.#closeAfter = false;
  }

  /** Bytes received and not yet consumed. */
  get bufferedBytes(): number {
    return this.#queue.size;
  }

  #readHead(): RequestReaderEvent {
    const queue = this.#queue;
    const limits = this.#limits;
    const skipped = skipEmptyLines(queue);
    if (typeof skipped !== 'number') return this.#fail(skipped);
    this.#skipped += skipped;
    if (this.#skipped > limits.maxHeadBytes) return this.#fail(HttpFailure.HEAD_TOO_LARGE);
    const first = queue.byteAt(0);
    if (first === -1) {
      if (!this.#eof) return NEED_DATA;
      this.#state = CLOSED_STATE;
      return CLOSED;
    }
    if (first === CR) return this.#eof ? this.#fail(HttpFailure.EOF_IN_HEAD) : NEED_DATA;
    // method = token (RFC 9112 §3.1): reject at the first byte input that cannot be a
    // request (a TLS ClientHello on a plain port, binary junk) instead of buffering it.
    if (TCHAR[first] !== 1) return this.#fail(HttpFailure.BAD_METHOD);
    const maxHead = limits.maxHeadBytes - this.#skipped;
    const len = queue.scanBlock(maxHead, limits.maxHeaders + 1);
    if (len === SCAN_NEED_MORE) {
      return this.#eof ? this.#fail(HttpFailure.EOF_IN_HEAD) : NEED_DATA;
    }
    if (len < 0) {
      if (len === SCAN_BARE_LF) return this.#fail(HttpFailure.BARE_LF);
      if (len === SCAN_TOO_MANY_LINES) return this.#fail(HttpFailure.TOO_MANY_HEADERS);
      // RFC 9112 §3: a request line longer than the server parses gets 414.
      return this.#fail(
        queue.scannedLines === 0 ? HttpFailure.REQUEST_LINE_TOO_LONG : HttpFailure.HEAD_TOO_LARGE,
      );
    }
    const count = queue.blockLines - 1;
    queue.takeBlock(len);
    this.#skipped = 0;
    const bytes = queue.blockBytes;
    const start = queue.blockStart;

    // request-line = method SP request-target SP HTTP-version (RFC 9112 §3): single SPs.
    let p = start;
    while (TCHAR[bytes[p]!] === 1) p++;
    const methodEnd = p;
    if (bytes[p] !== SP) {
      return this.#fail(bytes[p] === CR ? HttpFailure.BAD_REQUEST_LINE : HttpFailure.BAD_METHOD);
    }
    const targetStart = ++p;
    // request-target (RFC 9112 §3.2): visible ASCII only.
    while (TARGET_CHAR[bytes[p]!] === 1) p++;
    const targetEnd = p;
    if (bytes[p] !== SP) {
      return this.#fail(bytes[p] === CR ? HttpFailure.BAD_REQUEST_LINE : HttpFailure.BAD_TARGET);
    }
    if (targetEnd === targetStart) return this.#fail(HttpFailure.BAD_REQUEST_LINE);
    p++;
    const version = parseHttpVersion(bytes, p);
    if (typeof version !== 'string') return this.#fail(version);
    p += 8;
    if (bytes[p] !== CR) return this.#fail(HttpFailure.BAD_VERSION);
    p += 2;

    const summary = this.#summary;
    summary.reset();
    const offsets: number[] = [];
    const fieldFailure = parseFields(bytes, p, offsets, summary, true);
    if (fieldFailure !== null) return this.#fail(fieldFailure);

    // RFC 9112 §3.2: a server MUST answer 400 to an HTTP/1.1 request without Host, and to any
    // request with more than one Host field line.
    if (summary.hostCount > 1) return this.#fail(HttpFailure.MULTIPLE_HOST);
    if (summary.hostCount === 0 && version === '1.1') return this.#fail(HttpFailure.MISSING_HOST);

    const framing = this.#framing(summary, version);
    if (typeof framing !== 'string') return this.#fail(framing);

    // RFC 9112 §9.3: "close" ends persistence; HTTP/1.1 persists by default; HTTP/1.0 only
    // with the "keep-alive" connection option.
    const keepAlive =
      !summary.connectionClose && (version === '1.1' || summary.connectionKeepAlive);
    // RFC 9110 §7.8: Upgrade needs the "upgrade" connection option, and a server MUST ignore
    // Upgrade in an HTTP/1.0 request.
    const upgrade = version === '1.1' && summary.upgrade && summary.connectionUpgrade;
    const method = methodName(bytes, start, methodEnd);
    // RFC 9110 §10.1.1: a 100-continue expectation in an HTTP/1.0 request MUST be ignored.
    const expectContinue = version === '1.1' && summary.expectContinue;
    const contentLength = summary.contentLength === -1 ? null : summary.contentLength;

    // RFC 9110 §9.3.6: after a successful CONNECT the connection is a tunnel; pause like an
    // upgrade so the server decides.
    this.#pauseAfter = upgrade || method === 'CONNECT';
    this.#closeAfter = !keepAlive;
    this.#body.start(framing, summary.contentLength);
    this.#state = BODY;
    return new RequestHead(
      bytes,
      start,
      start + len,
      method,
      targetStart,
      targetEnd,
      version,
      count === 0 ? HeaderList.EMPTY : new HeaderList(bytes, offsets, count),
      framing,
      contentLength,
      keepAlive,
      upgrade,
      expectContinue,
    );
  }

  // Message body length of a request, RFC 9112 §6.3.
  #framing(summary: FieldSummary, version: HttpVersion): BodyFraming | HttpFailure {
    if (summary.transferEncoding) {
      // RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0 means faulty framing.
      if (version === '1.0') return HttpFailure.TRANSFER_ENCODING_HTTP10;
      // RFC 9112 §6.1 / §6.3 item 3: Content-Length with Transfer-Encoding may be smuggling;
      // we reject it.
      if (summary.contentLength !== -1) return HttpFailure.CONTENT_LENGTH_AND_TRANSFER_ENCODING;
      if (summary.badTransferEncoding) return HttpFailure.BAD_TRANSFER_ENCODING;
      // RFC 9112 §6.3 item 4: in a request, chunked must be the final coding, else 400.
      if (!summary.chunkedLast) return HttpFailure.CHUNKED_NOT_FINAL;
      // RFC 9112 §6.1: a sender MUST NOT apply chunked more than once.
      if (summary.chunkedCount > 1) return HttpFailure.CHUNKED_TWICE;
      // RFC 9112 §6.1: a coding we do not understand: 501.
      if (summary.otherCodings > 0) return HttpFailure.UNSUPPORTED_TRANSFER_CODING;
      return BodyFraming.CHUNKED;
    }
    if (summary.contentLength !== -1) {
      // Limits are checked before reading any of the body.
      if (summary.contentLength > this.#limits.maxBodyBytes) return HttpFailure.BODY_TOO_LARGE;
      return BodyFraming.LENGTH;
    }
    // RFC 9112 §6.3 item 7: a request without either has no body.
    return BodyFraming.NONE;
  }

  #messageDone(): void {
    if (this.#pauseAfter) {
      this.#state = PAUSED_STATE;
    } else if (this.#closeAfter) {
      this.#state = CLOSED_STATE;
      this.#queue.clear();
    } else {
      this.#state = HEAD;
    }
  }

  #fail(failure: HttpFailure): HttpErrorEvent {
    this.#error = { type: 'error', error: failureError(failure) };
    this.#state = ERROR_STATE;
    return this.#error;
  }
}
