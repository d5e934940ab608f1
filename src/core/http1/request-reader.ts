/**
 * Sans-IO HTTP/1.1 request parser, for servers.
 *
 * @module
 */
import { ErrorCode, WirekitError } from '../errors.js';
import { CR, SP, TARGET_CHAR, TCHAR } from './ascii.js';
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
import { RequestHead } from './request-head.js';
import {
  isAuthorityForm,
  isRequestTargetForm,
  methodName,
  parseHttpVersion,
} from './start-line.js';

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
 * Upgrades: after the `end` of a request with `upgrade` set (or a CONNECT, which has no body,
 * RFC 9110 §9.3.6), `next` returns `paused`. To switch protocols, answer 101 and call
 * {@link RequestReader.takeRemaining}: it returns the bytes received after the request (the
 * first bytes of the new protocol) and detaches the reader. To decline, answer normally and
 * call {@link RequestReader.resume}.
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
  readonly #message: MessageReader;

  /**
   * A reader with the HTTP limits of `options` (head bytes, header count, body and chunk-line
   * sizes), each with a safe default.
   */
  constructor(options: RequestReaderOptions = {}) {
    this.#message = new MessageReader(resolveHttpLimits(options));
  }

  /**
   * Feeds bytes received from the client. The reader keeps a reference to `data` until it has
   * consumed it, and the views it returns point into it: do not overwrite that memory while
   * you use them. Bytes arriving after a non-keep-alive request or an error are dropped.
   * @throws {WirekitError} `ERR_INVALID_ARGUMENT` after `receiveEof` or `takeRemaining`.
   */
  receive(data: Uint8Array): void {
    this.#message.receive(data);
  }

  /** Tells the reader the client closed its side: no more bytes will come. */
  receiveEof(): void {
    this.#message.receiveEof();
  }

  /** The next event, or `need-data` when more input is needed. Never throws. */
  next(): RequestReaderEvent {
    const message = this.#message;
    if (!message.readingHead) return message.next();
    // method = token (RFC 9112 §3.1): reject at the first byte input that cannot be a
    // request (a TLS ClientHello on a plain port, binary junk) instead of buffering it.
    // RFC 9112 §3: a request line longer than the server parses gets 414.
    const len = message.takeHead(TCHAR, HttpFailure.BAD_METHOD, HttpFailure.REQUEST_LINE_TOO_LONG);
    // No head yet: need-data, closed or the error.
    return len === 0 ? message.next() : this.#readHead(message, len);
  }

  /**
   * Returns every byte received and not consumed — after an upgrade request, the first bytes
   * of the new protocol — as a view of your chunk when possible (a copy when it spans chunks),
   * and detaches the reader: later `next` calls return `closed`, `receive` throws.
   */
  takeRemaining(): Uint8Array {
    return this.#message.takeRemaining();
  }

  /**
   * After `paused` (an upgrade or CONNECT request the server declined), continues reading
   * HTTP requests.
   * @throws {WirekitError} `ERR_INVALID_ARGUMENT` when the reader is not paused.
   */
  resume(): void {
    if (!this.#message.resume()) {
      throw new WirekitError(ErrorCode.INVALID_ARGUMENT, 'resume() while not paused');
    }
  }

  /** Forgets all input and state, as if new (keeps the limits). */
  reset(): void {
    this.#message.reset();
  }

  /** Bytes received and not yet consumed. */
  get bufferedBytes(): number {
    return this.#message.queue.size;
  }

  // The head taken by `message.takeHead`, `len` bytes.
  #readHead(message: MessageReader, len: number): RequestReaderEvent {
    const bytes = message.queue.blockBytes;
    const start = message.queue.blockStart;

    // request-line = method SP request-target SP HTTP-version (RFC 9112 §3): single SPs.
    let p = start;
    while (TCHAR[bytes[p]!] === 1) p++;
    const methodEnd = p;
    if (bytes[p] !== SP) {
      return message.fail(bytes[p] === CR ? HttpFailure.BAD_REQUEST_LINE : HttpFailure.BAD_METHOD);
    }
    const targetStart = ++p;
    // request-target (RFC 9112 §3.2): visible ASCII only.
    while (TARGET_CHAR[bytes[p]!] === 1) p++;
    const targetEnd = p;
    if (bytes[p] !== SP) {
      return message.fail(bytes[p] === CR ? HttpFailure.BAD_REQUEST_LINE : HttpFailure.BAD_TARGET);
    }
    if (targetEnd === targetStart) return message.fail(HttpFailure.BAD_REQUEST_LINE);
    const method = methodName(bytes, start, methodEnd);
    // Fix (RFC 9112 §3.2): a request-target has one of four forms, and authority-form is the
    // form of CONNECT and of nothing else. A target such as "." or "1" was read as a path, and
    // a CONNECT to "#" was accepted (llhttp refuses both).
    if (
      method === 'CONNECT'
        ? !isAuthorityForm(bytes, targetStart, targetEnd)
        : !isRequestTargetForm(bytes, targetStart, targetEnd)
    ) {
      return message.fail(HttpFailure.BAD_TARGET_FORM);
    }
    p++;
    const version = parseHttpVersion(bytes, p);
    if (typeof version !== 'string') return message.fail(version);
    p += 8;
    if (bytes[p] !== CR) return message.fail(HttpFailure.BAD_VERSION);

    const headers = message.fields(bytes, p);
    if (headers === null) return message.next();
    const summary = message.summary;

    // RFC 9112 §3.2: a server MUST answer 400 to an HTTP/1.1 request without Host, and to any
    // request with more than one Host field line.
    if (summary.hostCount > 1) return message.fail(HttpFailure.MULTIPLE_HOST);
    if (summary.hostCount === 0 && version === '1.1') return message.fail(HttpFailure.MISSING_HOST);
    // ... and to a Host field with an invalid value.
    if (summary.badHost) return message.fail(HttpFailure.BAD_HOST);

    const framing = this.#framing(summary, version, method);
    if (typeof framing !== 'string') return message.fail(framing);

    // RFC 9112 §9.3: "close" ends persistence; HTTP/1.1 persists by default; HTTP/1.0 only
    // with the "keep-alive" connection option.
    const keepAlive =
      !summary.connectionClose && (version === '1.1' || summary.connectionKeepAlive);
    // RFC 9110 §7.8: Upgrade needs the "upgrade" connection option, and a server MUST ignore
    // Upgrade in an HTTP/1.0 request.
    const upgrade = version === '1.1' && summary.upgrade && summary.connectionUpgrade;
    // RFC 9110 §10.1.1: a 100-continue expectation in an HTTP/1.0 request MUST be ignored.
    const expectContinue = version === '1.1' && summary.expectContinue;
    const contentLength = summary.contentLength === -1 ? null : summary.contentLength;

    // RFC 9110 §9.3.6: after a successful CONNECT the connection is a tunnel; pause like an
    // upgrade so the server decides.
    message.startBody(framing, summary.contentLength, upgrade || method === 'CONNECT', !keepAlive);
    return new RequestHead(
      bytes,
      start,
      start + len,
      method,
      targetStart,
      targetEnd,
      version,
      headers,
      framing,
      contentLength,
      keepAlive,
      upgrade,
      expectContinue,
    );
  }

  // Message body length of a request, RFC 9112 §6.3.
  #framing(summary: FieldSummary, version: HttpVersion, method: string): BodyFraming | HttpFailure {
    if (method === 'CONNECT') {
      // RFC 9110 §9.3.6: a CONNECT request has no content; what follows its head belongs to
      // the tunnel (handed over by `takeRemaining`). One that declares content anyway is
      // refused: a peer that honoured the declared length would split the bytes after the head
      // elsewhere than we do. `Content-Length: 0` declares none and is read as no body.
      if (summary.transferEncoding || summary.contentLength > 0) {
        return HttpFailure.CONNECT_WITH_CONTENT;
      }
      return BodyFraming.NONE;
    }
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
      if (summary.contentLength > this.#message.limits.maxBodyBytes)
        return HttpFailure.BODY_TOO_LARGE;
      return BodyFraming.LENGTH;
    }
    // RFC 9112 §6.3 item 7: a request without either has no body.
    return BodyFraming.NONE;
  }
}
