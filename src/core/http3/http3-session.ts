/**
 * One HTTP/3 connection, sans-IO, for either role (RFC 9114, QPACK with a dynamic table
 * capacity of 0 per RFC 9204, extended CONNECT per RFC 9220): the QUIC layer tells it about
 * stream bytes and stream resets, and executes the actions it hands back; the application reads
 * the events among them and calls the send methods.
 *
 * Input (from the transport): `streamData(id, bytes, fin)`, `streamReset(id, code)`,
 * `streamStopSending(id, code)`. Output: `poll()` until it returns `undefined`; see
 * {@link Http3Event} for the items, and `docs/http3-core.md` for the transport's duties. The
 * session chooses stream IDs itself (QUIC assigns them by type and order, RFC 9000 §2.1): its
 * control stream is 3 (server) or 2 (client); a client's requests take 0, 4, 8, ...
 *
 * Every rule violation by the peer becomes a `close` action (a connection error) or a
 * `stream-error` event with `stop-sending` and `reset-stream` actions (a stream error); nothing
 * the peer sends makes it throw. Caller misuse throws a `WirekitError`.
 *
 * Allocation: one frame reader per stream, no closure or promise per frame; a DATA payload is a
 * view of the transport's bytes; event objects are small literals.
 *
 * @example
 * ```ts
 * const server = new Http3Session({ role: 'server' });
 * // transport: for each item of server.poll() ... write/reset/stop/close on QUIC
 * server.streamData(0, bytesFromQuic, false);
 * for (let e = server.poll(); e !== undefined; e = server.poll()) {
 *   if (e.type === 'request' && e.protocol === 'websocket') {
 *     const check = checkExtendedConnect(e.fields);
 *     if (check.ok) server.sendHeaders(e.streamId, extendedConnectResponse(check));
 *   }
 * }
 * ```
 */
import { ErrorCode, WirekitError } from '../errors.js';
import { decodeFieldSection } from '../qpack/field-decoder.js';
import type { FieldLines } from '../qpack/field-encoder.js';
import { QpackInstructionStream } from '../qpack/instruction-stream.js';
import { type ExtendedConnectOptions, extendedConnectRequest } from '../ws/extended-connect.js';
import { PeerControlStream } from './control-stream.js';
import { Http3ErrorCode } from './error-code.js';
import { FrameRead } from './frame-reader.js';
import { FrameType, isHttp2FrameType } from './frame-type.js';
import { frameHeaderLength, writeFrameHeader } from './frame-writer.js';
import type { Http3Event } from './http3-event.js';
import { checkRequestHead, checkResponseHead, checkTrailers } from './message-check.js';
import { encodeHeadersFrame, type Http3Fields, toFieldLines } from './outgoing-fields.js';
import { R_BODY, R_DONE, R_HEAD, R_TRAILERS, RequestStream } from './request-stream.js';
import type { Http3Role } from './role.js';
import { encodeSettings, type Http3Settings, SettingId } from './settings.js';
import { StreamType } from './stream-type.js';
import { VarintAccumulator, varintLength, writeVarint } from './varint.js';

// Kept exported here too: the QUIC layer and its tests import them from this module.
export type { Http3Fields } from './outgoing-fields.js';
export type { Http3Role } from './role.js';

/** Options for {@link Http3Session}. */
export interface Http3SessionOptions {
  /** `server` accepts requests; `client` opens them. */
  readonly role: Http3Role;
  /**
   * The largest field section accepted (RFC 9114 §4.2.2 size: name and value lengths plus 32
   * per line), sent as SETTINGS_MAX_FIELD_SECTION_SIZE. A server answers a request head over
   * it with 431 (a `request-refused` event; the HEADERS frame is not read when its length
   * alone is over the limit); a section it cannot answer so — trailers, a response (client), a
   * stream whose sending side the peer stopped, a peer whose own limit leaves no room for the
   * 431's head — is a stream error (H3_EXCESSIVE_LOAD). Default 64 KiB.
   */
  readonly maxFieldSectionSize?: number;
  /** Server: send SETTINGS_ENABLE_CONNECT_PROTOCOL 1 and accept `:protocol` (RFC 9220 §3).
   * Default `true`. A client never sends it (RFC 8441 §3 defines it for servers). */
  readonly enableConnectProtocol?: boolean;
  /** The largest SETTINGS frame accepted; larger is H3_EXCESSIVE_LOAD. Default 16 KiB. */
  readonly maxSettingsSize?: number;
}

/** Default for `maxFieldSectionSize`: 64 KiB. */
export const DEFAULT_MAX_FIELD_SECTION_SIZE: number = 64 * 1024;

// Unidirectional stream kinds.
const U_TYPE = 0; // type varint not complete
const U_CONTROL = 1;
const U_QPACK = 2;
const U_IGNORED = 3;

class UniStream {
  readonly id: number;
  kind = U_TYPE;
  readonly type: VarintAccumulator = new VarintAccumulator();
  control: PeerControlStream | undefined;
  qpack: QpackInstructionStream | undefined;

  constructor(id: number) {
    this.id = id;
  }
}

const EMPTY = new Uint8Array(0);

/** The head of the 431 a server sends for a request head over its limit. */
const TOO_LARGE_HEAD: FieldLines = [
  [':status', '431'],
  ['content-type', 'text/plain; charset=utf-8'],
];
/** Its field section size (RFC 9114 §4.2.2), checked against the peer's own limit. */
const TOO_LARGE_HEAD_SIZE = TOO_LARGE_HEAD.reduce(
  (size, [name, value]) => size + name.length + value.length + 32,
  0,
);
/** Its body, as the HTTP/1.1 server's 431 has one (`maxHeadBytes`). */
const TOO_LARGE_MESSAGE = 'field section larger than maxFieldSectionSize (RFC 9114 §4.2.2)';
const TOO_LARGE_BODY: Uint8Array = new TextEncoder().encode(`${TOO_LARGE_MESSAGE}\n`);

/** One HTTP/3 connection's state machine; see the module description. */
export class Http3Session {
  /** `server` or `client`. */
  readonly role: Http3Role;
  readonly #maxFieldSectionSize: number;
  readonly #maxSettingsSize: number;
  readonly #connectProtocol: boolean;
  readonly #controlId: number;
  readonly #queue: Http3Event[] = [];
  #head = 0;
  #closed = false;
  readonly #requests = new Map<number, RequestStream>();
  readonly #uni = new Map<number, UniStream>();
  #peerControl: UniStream | undefined;
  #peerEncoder = false;
  #peerDecoder = false;
  #nextRequestId = 0;
  #highestRequestId = -1;
  /** Peer request streams below this ID are all retired (server). */
  #retiredBelow = 0;
  /** Retired peer request streams at or above `#retiredBelow` (streams retire out of order). */
  readonly #retired = new Set<number>();
  #goawaySent = -1;

  /** Create the session and queue its control stream with SETTINGS (RFC 9114 §6.2.1: "Each
   * side MUST initiate a single control stream at the beginning of the connection"). */
  constructor(options: Http3SessionOptions) {
    this.role = options.role;
    this.#maxFieldSectionSize = options.maxFieldSectionSize ?? DEFAULT_MAX_FIELD_SECTION_SIZE;
    this.#maxSettingsSize = options.maxSettingsSize ?? 16 * 1024;
    this.#connectProtocol = this.role === 'server' && (options.enableConnectProtocol ?? true);
    this.#controlId = this.role === 'server' ? 3 : 2;
    const settings: [number, number][] = [
      // RFC 9204 §5: no dynamic table, no blocked streams (the defaults, sent explicitly).
      [SettingId.QPACK_MAX_TABLE_CAPACITY, 0],
      [SettingId.QPACK_BLOCKED_STREAMS, 0],
      [SettingId.MAX_FIELD_SECTION_SIZE, this.#maxFieldSectionSize],
    ];
    if (this.#connectProtocol) settings.push([SettingId.ENABLE_CONNECT_PROTOCOL, 1]);
    const payload = encodeSettings(settings);
    const data = new Uint8Array(
      1 + frameHeaderLength(FrameType.SETTINGS, payload.length) + payload.length,
    );
    data[0] = StreamType.CONTROL;
    const at = writeFrameHeader(data, 1, FrameType.SETTINGS, payload.length);
    data.set(payload, at);
    this.#push({ type: 'write', streamId: this.#controlId, data, fin: false });
  }

  /** The peer's settings, once its SETTINGS frame arrived. */
  get peerSettings(): Http3Settings | undefined {
    return this.#peerControl?.control?.settings;
  }

  /** The connection is closing: a `close` action was queued; input is ignored. */
  get closed(): boolean {
    return this.#closed;
  }

  /** This session's control stream ID (3 for a server, 2 for a client). */
  get controlStreamId(): number {
    return this.#controlId;
  }

  /** The next queued action or event, or `undefined` when there is none. */
  poll(): Http3Event | undefined {
    const queue = this.#queue;
    if (this.#head >= queue.length) return undefined;
    const item = queue[this.#head]!;
    queue[this.#head++] = undefined as unknown as Http3Event;
    if (this.#head === queue.length) {
      queue.length = 0;
      this.#head = 0;
    }
    return item;
  }

  // ---------------------------------------------------------------------------------------
  // Transport input

  /**
   * Bytes arrived on QUIC stream `streamId`; `fin` when the peer's side ended after them. The
   * bytes are borrowed: `data` events are views of them, so keep them unchanged until those are
   * consumed. Never throws.
   */
  streamData(streamId: number, data: Uint8Array, fin = false): void {
    if (this.#closed) return;
    const kind = streamId & 3;
    if ((kind & 2) === 0) {
      // Bidirectional.
      if (kind === 0) this.#requestStreamData(streamId, data, fin);
      else if (this.role === 'client')
        // §6.1: "Clients MUST treat receipt of a server-initiated bidirectional stream as a
        // connection error of type H3_STREAM_CREATION_ERROR".
        this.#close(
          Http3ErrorCode.H3_STREAM_CREATION_ERROR,
          'server-initiated bidirectional stream',
        );
      return;
    }
    // Unidirectional: only the peer's carry input (client-initiated 2, server-initiated 3).
    if (kind !== (this.role === 'server' ? 2 : 3)) return;
    let stream = this.#uni.get(streamId);
    if (stream === undefined) {
      stream = new UniStream(streamId);
      this.#uni.set(streamId, stream);
    }
    this.#uniStreamData(stream, data, fin);
  }

  /** The peer reset its sending side of `streamId` (QUIC RESET_STREAM with `code`). */
  streamReset(streamId: number, code: number): void {
    if (this.#closed) return;
    const request = this.#requests.get(streamId);
    if (request !== undefined) {
      if (request.state === R_DONE) return;
      request.state = R_DONE;
      this.#push({ type: 'stream-reset', streamId, code });
      this.#retire(request);
      return;
    }
    const uni = this.#uni.get(streamId);
    if (uni === undefined) return;
    if (uni.kind === U_CONTROL || uni.kind === U_QPACK) {
      // §6.2.1, RFC 9204 §4.2: closing a critical stream is H3_CLOSED_CRITICAL_STREAM.
      this.#close(
        Http3ErrorCode.H3_CLOSED_CRITICAL_STREAM,
        `critical stream ${streamId} was reset`,
      );
      return;
    }
    // §6.2: "A receiver MUST tolerate unidirectional streams being closed or reset".
    this.#uni.delete(streamId);
  }

  /** The peer asked this side to stop sending on `streamId` (QUIC STOP_SENDING with `code`). */
  streamStopSending(streamId: number, code: number): void {
    if (this.#closed) return;
    if (streamId === this.#controlId) {
      // §6.2.1: "the receiver MUST NOT request that the sender close the control stream".
      this.#close(Http3ErrorCode.H3_CLOSED_CRITICAL_STREAM, 'peer stopped the control stream');
      return;
    }
    const request = this.#requests.get(streamId);
    if (request === undefined || !request.sendOpen) return;
    request.sendOpen = false;
    this.#push({ type: 'stream-stopped', streamId, code });
    this.#retire(request);
  }

  // ---------------------------------------------------------------------------------------
  // Application output

  /**
   * Client: open a request stream and send its header section; returns the stream ID.
   * @throws {WirekitError} `ERR_INVALID_ARGUMENT` from a server, after `close`, after the
   * server's GOAWAY covers the next stream, for bad fields, or for `:protocol` before the
   * server's SETTINGS enabled extended CONNECT (RFC 9220 §3).
   */
  openRequest(fields: Http3Fields, fin = false): number {
    if (this.role !== 'client') throw misuse('only a client opens requests');
    if (this.#closed) throw misuse('the session is closed');
    const id = this.#nextRequestId;
    const goaway = this.#peerControl?.control?.goawayId ?? -1;
    if (goaway >= 0 && id >= goaway) throw misuse(`the server's GOAWAY ends at stream ${goaway}`);
    const lines = toFieldLines(fields);
    if (
      lines.some(([name]) => name === ':protocol') &&
      this.peerSettings?.enableConnectProtocol !== true
    )
      throw misuse(
        this.peerSettings === undefined
          ? "extended CONNECT before the server's SETTINGS arrived (RFC 9220 §3)"
          : 'the server did not enable extended CONNECT (RFC 9220 §3)',
      );
    const data = this.#headersFrame(lines);
    this.#nextRequestId += 4;
    const stream = new RequestStream(id);
    const method = lines.find(([name]) => name === ':method')?.[1];
    stream.connect = method === 'CONNECT';
    stream.head = method === 'HEAD';
    stream.headersSent = true;
    stream.sendOpen = !fin;
    stream.finSent = fin;
    this.#requests.set(id, stream);
    this.#push({ type: 'write', streamId: id, data, fin });
    return id;
  }

  /**
   * Client: open a WebSocket (an extended CONNECT, RFC 9220) built by the shared
   * `extendedConnectRequest`; returns the stream ID. Wait for the `settings` event first.
   * @throws {WirekitError} as {@link Http3Session.openRequest} and `extendedConnectRequest`.
   */
  openWebSocket(options: ExtendedConnectOptions): number {
    return this.openRequest(extendedConnectRequest(options));
  }

  /**
   * Send a header section on `streamId`: the server's response (or an informational one), or
   * trailers. `fin` ends the stream after it.
   * @throws {WirekitError} `ERR_INVALID_ARGUMENT` for an unknown stream, one whose sending side
   * is finished, or bad fields; `ERR_HTTP_INVALID_HEADER` for a bad field name or value.
   */
  sendHeaders(streamId: number, fields: Http3Fields, fin = false): void {
    const stream = this.#sendable(streamId);
    if (stream === undefined) return;
    const data = this.#headersFrame(toFieldLines(fields));
    stream.headersSent = true;
    this.#write(stream, data, fin);
  }

  /**
   * Send `data` as one DATA frame on `streamId` (copied: the caller may reuse it). `fin` ends
   * the stream after it. Dropped silently when the peer stopped the stream.
   * @throws {WirekitError} `ERR_INVALID_ARGUMENT` for an unknown stream, one whose sending side
   * is finished, or one without a header section sent yet (RFC 9114 §4.1).
   */
  sendData(streamId: number, data: Uint8Array, fin = false): void {
    const stream = this.#sendable(streamId);
    if (stream === undefined) return;
    if (!stream.headersSent)
      throw misuse(`DATA before HEADERS on stream ${streamId} (RFC 9114 §4.1)`);
    const header = frameHeaderLength(FrameType.DATA, data.length);
    const out = new Uint8Array(header + data.length);
    writeFrameHeader(out, 0, FrameType.DATA, data.length);
    out.set(data, header);
    this.#write(stream, out, fin);
  }

  /**
   * For a caller that writes a DATA frame to QUIC itself, without a `write` action: checks the
   * stream as {@link Http3Session.sendData} does and writes the frame header for `length`
   * payload bytes into `out` at 0 (at most 9 bytes: type and length varints, RFC 9114 §7.2.1);
   * the payload follows it on the stream. Returns the header's length, or -1 when the bytes are
   * to be dropped (the peer stopped the stream, or the session is closed). The caller keeps the
   * stream's order: no earlier `write` action of the stream may still wait in {@link poll}.
   * @throws {WirekitError} as {@link Http3Session.sendData}.
   */
  dataFrameHeader(streamId: number, length: number, out: Uint8Array): number {
    const stream = this.#sendable(streamId);
    if (stream === undefined) return -1;
    if (!stream.headersSent)
      throw misuse(`DATA before HEADERS on stream ${streamId} (RFC 9114 §4.1)`);
    return writeFrameHeader(out, 0, FrameType.DATA, length);
  }

  /** End the sending side of `streamId` (FIN) without more bytes. */
  finish(streamId: number): void {
    const stream = this.#sendable(streamId);
    if (stream === undefined) return;
    this.#write(stream, EMPTY, true);
  }

  /**
   * Abandon `streamId` in both directions: STOP_SENDING and RESET_STREAM with `code` (default
   * H3_REQUEST_CANCELLED, RFC 9114 §4.1.1).
   */
  abortStream(streamId: number, code: number = Http3ErrorCode.H3_REQUEST_CANCELLED): void {
    const stream = this.#requests.get(streamId);
    if (stream === undefined || this.#closed) return;
    this.#abort(stream, code);
  }

  /**
   * Start a graceful shutdown (RFC 9114 §5.2): a server sends GOAWAY with the first request
   * stream it will not process (requests on later streams are then rejected with
   * H3_REQUEST_REJECTED); a client sends GOAWAY with push ID 0 (it accepts no pushes).
   */
  goaway(): void {
    if (this.#closed) return;
    const id = this.role === 'server' ? this.#highestRequestId + 4 : 0;
    if (this.#goawaySent >= 0 && id >= this.#goawaySent) return;
    this.#goawaySent = id;
    const out = new Uint8Array(
      frameHeaderLength(FrameType.GOAWAY, varintLength(id)) + varintLength(id),
    );
    writeVarint(out, writeFrameHeader(out, 0, FrameType.GOAWAY, varintLength(id)), id);
    this.#push({ type: 'write', streamId: this.#controlId, data: out, fin: false });
  }

  /** Close the connection with `code` (default H3_NO_ERROR); queues the `close` action. */
  close(code: number = Http3ErrorCode.H3_NO_ERROR, reason = ''): void {
    this.#close(code, reason);
  }

  // ---------------------------------------------------------------------------------------
  // Request streams

  #requestStreamData(id: number, data: Uint8Array, fin: boolean): void {
    let stream = this.#requests.get(id);
    if (stream === undefined) {
      if (this.role === 'client') return; // a stream this client never opened, or retired
      // Data still in flight after a stream was retired (after STOP_SENDING, a reset or FIN)
      // is dropped; a new stream may come below the highest ID seen (QUIC opens streams of one
      // type in order, but their data may arrive in any order).
      if (id < this.#retiredBelow || this.#retired.has(id)) return;
      stream = new RequestStream(id);
      this.#requests.set(id, stream);
      if (id > this.#highestRequestId) this.#highestRequestId = id;
      if (this.#goawaySent >= 0 && id >= this.#goawaySent) {
        // §5.2: requests on streams past the GOAWAY identifier are rejected unprocessed.
        this.#streamError(stream, Http3ErrorCode.H3_REQUEST_REJECTED, 'request after GOAWAY');
        return;
      }
    }
    if (stream.state === R_DONE) return;
    const reader = stream.reader;
    reader.receive(data);
    for (;;) {
      const read = reader.poll();
      if (read === FrameRead.NEED_DATA) break;
      if (read === FrameRead.DATA) {
        this.#push({ type: 'data', streamId: id, data: reader.payload });
        continue;
      }
      if (read === FrameRead.FRAME_START) this.#requestFrameStart(stream);
      else this.#requestHeaders(stream, reader.payload);
      if (this.#closed || stream.state === R_DONE) return;
    }
    if (!fin) return;
    // §7.1: "When a stream terminates cleanly, if the last frame on the stream was truncated,
    // this MUST be treated as a connection error of type H3_FRAME_ERROR".
    if (!reader.atFrameBoundary) {
      this.#close(Http3ErrorCode.H3_FRAME_ERROR, `stream ${id} ends inside a frame`);
      return;
    }
    if (stream.state === R_HEAD) {
      if (this.role === 'server')
        this.#streamError(
          stream,
          Http3ErrorCode.H3_REQUEST_INCOMPLETE,
          'stream ended before the request head',
        );
      else
        this.#streamError(
          stream,
          Http3ErrorCode.H3_MESSAGE_ERROR,
          'stream ended before the response head',
        );
      return;
    }
    // §4.1.2: Content-Length must equal the sum of the DATA frame lengths.
    if (stream.contentLength >= 0 && stream.received !== stream.contentLength) {
      this.#streamError(
        stream,
        Http3ErrorCode.H3_MESSAGE_ERROR,
        'content shorter than its content-length',
      );
      return;
    }
    stream.state = R_DONE;
    this.#push({ type: 'end', streamId: id });
    this.#retire(stream);
  }

  #requestFrameStart(stream: RequestStream): void {
    const reader = stream.reader;
    const type = reader.type;
    switch (type) {
      case FrameType.DATA:
        // §4.1: "a DATA frame before any HEADERS frame, or a HEADERS or DATA frame after the
        // trailing HEADERS frame, is considered invalid".
        if (stream.state !== R_BODY) {
          this.#close(
            Http3ErrorCode.H3_FRAME_UNEXPECTED,
            `DATA frame out of order on stream ${stream.id}`,
          );
          return;
        }
        stream.received += reader.length;
        if (stream.contentLength >= 0 && stream.received > stream.contentLength) {
          this.#streamError(
            stream,
            Http3ErrorCode.H3_MESSAGE_ERROR,
            'content longer than its content-length',
          );
          return;
        }
        reader.streamPayload();
        return;
      case FrameType.HEADERS:
        // §4.4: after a CONNECT head only DATA is allowed; §4.1: nothing after trailers.
        if (stream.state === R_TRAILERS || (stream.state === R_BODY && stream.connect)) {
          this.#close(
            Http3ErrorCode.H3_FRAME_UNEXPECTED,
            `HEADERS frame out of order on stream ${stream.id}`,
          );
          return;
        }
        // A frame over the limit is refused before it is buffered: with raw literals an
        // encoded section is never larger than its decoded size (each line costs 32 more), and
        // one that is (long Huffman codes) is more than this endpoint reads. Its bytes are
        // never read; a request head is still answered (431), as an HTTP/1.1 head over
        // maxHeadBytes is.
        if (reader.length > this.#maxFieldSectionSize) {
          this.#sectionTooLarge(stream, 'HEADERS frame over the field section limit');
          return;
        }
        reader.bufferPayload();
        return;
      case FrameType.PUSH_PROMISE:
        // §7.2.5: "A server MUST treat the receipt of a PUSH_PROMISE frame as a connection error
        // of type H3_FRAME_UNEXPECTED". A client never sent MAX_PUSH_ID, so any push ID is
        // beyond its maximum (§4.6: H3_ID_ERROR).
        if (this.role === 'server')
          this.#close(Http3ErrorCode.H3_FRAME_UNEXPECTED, 'PUSH_PROMISE from a client');
        else this.#close(Http3ErrorCode.H3_ID_ERROR, 'PUSH_PROMISE without MAX_PUSH_ID');
        return;
      case FrameType.SETTINGS:
      case FrameType.GOAWAY:
      case FrameType.MAX_PUSH_ID:
      case FrameType.CANCEL_PUSH:
        // §7.2.3, §7.2.4, §7.2.6, §7.2.7: control-stream frames elsewhere are H3_FRAME_UNEXPECTED.
        this.#close(
          Http3ErrorCode.H3_FRAME_UNEXPECTED,
          `frame type 0x${type.toString(16)} on a request stream`,
        );
        return;
      default:
        if (isHttp2FrameType(type)) {
          // §7.2.8: HTTP/2 frame types reserved in HTTP/3 are H3_FRAME_UNEXPECTED.
          this.#close(
            Http3ErrorCode.H3_FRAME_UNEXPECTED,
            `HTTP/2 frame type 0x${type.toString(16)}`,
          );
          return;
        }
        // §9: unknown and reserved frame types are skipped.
        reader.skipPayload();
    }
  }

  #requestHeaders(stream: RequestStream, payload: Uint8Array): void {
    const decoded = decodeFieldSection(payload, this.#maxFieldSectionSize);
    if (!decoded.ok) {
      if (decoded.code === Http3ErrorCode.H3_EXCESSIVE_LOAD)
        this.#sectionTooLarge(stream, decoded.message);
      else if (decoded.streamError) this.#streamError(stream, decoded.code, decoded.message);
      // RFC 9204 §2.2.3, §4.5: a dynamic reference or bad encoding is a connection error.
      else this.#close(decoded.code, decoded.message);
      return;
    }
    const fields = decoded.fields;
    const streamId = stream.id;
    if (stream.state === R_BODY) {
      const problem = checkTrailers(fields);
      if (problem !== undefined) {
        this.#streamError(stream, Http3ErrorCode.H3_MESSAGE_ERROR, problem);
        return;
      }
      stream.state = R_TRAILERS;
      this.#push({ type: 'trailers', streamId, fields });
      return;
    }
    if (this.role === 'server') {
      const head = checkRequestHead(fields, this.#connectProtocol);
      if (typeof head === 'string') {
        this.#streamError(stream, Http3ErrorCode.H3_MESSAGE_ERROR, head);
        return;
      }
      stream.state = R_BODY;
      stream.connect = head.method === 'CONNECT';
      stream.contentLength = stream.connect ? -1 : head.contentLength;
      this.#push({
        type: 'request',
        streamId,
        fields,
        method: head.method,
        protocol: head.protocol,
      });
      return;
    }
    const head = checkResponseHead(fields);
    if (typeof head === 'string') {
      this.#streamError(stream, Http3ErrorCode.H3_MESSAGE_ERROR, head);
      return;
    }
    if (head.status >= 200) {
      stream.state = R_BODY;
      // A 2xx to CONNECT opens a tunnel (RFC 9114 §4.4): no content length applies.
      if (stream.connect && head.status < 300) stream.contentLength = -1;
      else {
        stream.connect = false;
        // §4.1.2: a response defined as never having content (to HEAD, 204, 304) may carry any
        // Content-Length.
        const empty = stream.head || head.status === 204 || head.status === 304;
        stream.contentLength = empty ? -1 : head.contentLength;
      }
    }
    this.#push({ type: 'response', streamId, fields, status: head.status });
  }

  // ---------------------------------------------------------------------------------------
  // Unidirectional streams

  #uniStreamData(stream: UniStream, data: Uint8Array, fin: boolean): void {
    if (stream.kind === U_TYPE) {
      let at = 0;
      let complete = false;
      while (at < data.length) {
        if (stream.type.push(data[at++]!)) {
          complete = true;
          break;
        }
      }
      if (!complete) {
        // §6.2: a stream closed before its type is complete is tolerated.
        if (fin) this.#uni.delete(stream.id);
        return;
      }
      this.#openUni(stream, stream.type.value);
      if (this.#closed) return;
      data = data.subarray(at);
    }
    switch (stream.kind) {
      case U_CONTROL:
        this.#controlData(stream, data);
        break;
      case U_QPACK: {
        const error = stream.qpack!.receive(data);
        if (error !== undefined) {
          this.#close(error.code, error.message);
          return;
        }
        break;
      }
      default:
        // U_IGNORED: discarded (STOP_SENDING was sent).
        if (fin) this.#uni.delete(stream.id);
        return;
    }
    if (fin && !this.#closed)
      // §6.2.1, RFC 9204 §4.2: critical streams must not close.
      this.#close(
        Http3ErrorCode.H3_CLOSED_CRITICAL_STREAM,
        `critical stream ${stream.id} was closed`,
      );
  }

  #openUni(stream: UniStream, type: number): void {
    switch (type) {
      case StreamType.CONTROL:
        // §6.2.1: "Only one control stream per peer is permitted; receipt of a second stream
        // claiming to be a control stream MUST be treated as a connection error of type
        // H3_STREAM_CREATION_ERROR".
        if (this.#peerControl !== undefined) {
          this.#close(Http3ErrorCode.H3_STREAM_CREATION_ERROR, 'second control stream');
          return;
        }
        this.#peerControl = stream;
        stream.kind = U_CONTROL;
        stream.control = new PeerControlStream(this.role, this.#maxSettingsSize);
        return;
      case StreamType.QPACK_ENCODER:
      case StreamType.QPACK_DECODER: {
        // RFC 9204 §4.2: "Receipt of a second instance of either stream type MUST be treated as
        // a connection error of type H3_STREAM_CREATION_ERROR".
        const encoder = type === StreamType.QPACK_ENCODER;
        if (encoder ? this.#peerEncoder : this.#peerDecoder) {
          this.#close(
            Http3ErrorCode.H3_STREAM_CREATION_ERROR,
            `second QPACK ${encoder ? 'encoder' : 'decoder'} stream`,
          );
          return;
        }
        if (encoder) this.#peerEncoder = true;
        else this.#peerDecoder = true;
        stream.kind = U_QPACK;
        stream.qpack = new QpackInstructionStream(encoder ? 'encoder' : 'decoder');
        return;
      }
      case StreamType.PUSH:
        // §6.2.2: "Only servers can push; if a server receives a client-initiated push stream,
        // this MUST be treated as a connection error of type H3_STREAM_CREATION_ERROR". A
        // client that never sent MAX_PUSH_ID allows no push ID (§4.6: H3_ID_ERROR).
        if (this.role === 'server')
          this.#close(Http3ErrorCode.H3_STREAM_CREATION_ERROR, 'push stream from a client');
        else this.#close(Http3ErrorCode.H3_ID_ERROR, 'push stream without MAX_PUSH_ID');
        return;
      default:
        // §6.2: unknown types (reserved ones among them, §6.2.3): abort reading with
        // H3_STREAM_CREATION_ERROR and discard; not a connection error.
        stream.kind = U_IGNORED;
        this.#push({
          type: 'stop-sending',
          streamId: stream.id,
          code: Http3ErrorCode.H3_STREAM_CREATION_ERROR,
        });
    }
  }

  #controlData(stream: UniStream, data: Uint8Array): void {
    const control = stream.control!;
    control.receive(data);
    for (let item = control.next(); item !== undefined; item = control.next()) {
      if (item.type === 'error') {
        this.#close(item.code, item.message);
        return;
      }
      this.#push(item);
    }
  }

  // ---------------------------------------------------------------------------------------
  // Helpers

  #push(item: Http3Event): void {
    this.#queue.push(item);
  }

  #close(code: number, reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#push({ type: 'close', code, reason });
    this.#requests.clear();
    this.#uni.clear();
  }

  /**
   * A header section over `maxFieldSectionSize` on `stream`. RFC 9114 §4.2.2: "A server that
   * receives a larger header section than it is willing to handle can send an HTTP 431
   * (Request Header Fields Too Large) status code": a server does so for a request head, as
   * its HTTP/1.1 and HTTP/2 counterparts answer what they can, so the client learns why; the
   * connection and the other streams go on. §4.1.1: the answer needs nothing more of the
   * request, so reading stops with H3_NO_ERROR and the sending side ends cleanly (FIN).
   * Where no answer can go — a trailer section (the request was handed on), a response (a
   * client, which §4.2.2 lets discard it), a sending side the peer stopped, a peer whose own
   * limit is below the 431's head — it is a stream error, H3_EXCESSIVE_LOAD (§8.1).
   */
  #sectionTooLarge(stream: RequestStream, message: string): void {
    const peerLimit =
      this.#peerControl?.control?.settings?.maxFieldSectionSize ?? Number.POSITIVE_INFINITY;
    if (
      this.role !== 'server' ||
      stream.state !== R_HEAD ||
      !stream.sendOpen ||
      stream.headersSent ||
      TOO_LARGE_HEAD_SIZE > peerLimit
    ) {
      this.#streamError(stream, Http3ErrorCode.H3_EXCESSIVE_LOAD, message);
      return;
    }
    const id = stream.id;
    stream.state = R_DONE;
    this.#push({ type: 'stop-sending', streamId: id, code: Http3ErrorCode.H3_NO_ERROR });
    this.#push({ type: 'request-refused', streamId: id, status: 431, message });
    const head = encodeHeadersFrame(TOO_LARGE_HEAD, peerLimit);
    const dataHeader = frameHeaderLength(FrameType.DATA, TOO_LARGE_BODY.length);
    const answer = new Uint8Array(head.length + dataHeader + TOO_LARGE_BODY.length);
    answer.set(head, 0);
    writeFrameHeader(answer, head.length, FrameType.DATA, TOO_LARGE_BODY.length);
    answer.set(TOO_LARGE_BODY, head.length + dataHeader);
    stream.headersSent = true;
    this.#write(stream, answer, true);
  }

  /** A stream error (RFC 9114 §8): report it, stop reading, reset sending. */
  #streamError(stream: RequestStream, code: number, message: string): void {
    this.#push({ type: 'stream-error', streamId: stream.id, code, message });
    this.#abort(stream, code);
  }

  #abort(stream: RequestStream, code: number): void {
    if (stream.state !== R_DONE) {
      stream.state = R_DONE;
      this.#push({ type: 'stop-sending', streamId: stream.id, code });
    }
    if (stream.sendOpen) {
      stream.sendOpen = false;
      this.#push({ type: 'reset-stream', streamId: stream.id, code });
    }
    this.#retire(stream);
  }

  /** Forget a stream once both directions are over (a server remembers its ID compactly). */
  #retire(stream: RequestStream): void {
    if (stream.state !== R_DONE || stream.sendOpen) return;
    const id = stream.id;
    this.#requests.delete(id);
    if (this.role === 'client') return;
    if (id !== this.#retiredBelow) {
      this.#retired.add(id);
      return;
    }
    let next = id + 4;
    while (this.#retired.delete(next)) next += 4;
    this.#retiredBelow = next;
  }

  /** The stream to send on, `undefined` when sends are to be dropped (peer stopped it, or the
   * session is closed); throws for misuse. */
  #sendable(streamId: number): RequestStream | undefined {
    if (this.#closed) return undefined;
    const stream = this.#requests.get(streamId);
    if (stream === undefined) {
      // A stream this session already retired (a stream error, a reset): the application may
      // still answer an event queued before that — a `request` whose bytes went on with a
      // malformed frame — and its sends are dropped, as on a stream the peer stopped.
      if (this.#retiredRequest(streamId)) return undefined;
      throw misuse(`no request stream ${streamId} open for sending`);
    }
    if (stream.finSent) throw misuse(`no request stream ${streamId} open for sending`);
    if (!stream.sendOpen) return undefined;
    return stream;
  }

  /** `streamId` is a request stream that existed and is retired: a peer's (server) or one
   * this client opened. */
  #retiredRequest(streamId: number): boolean {
    if ((streamId & 3) !== 0 || streamId < 0) return false;
    if (this.role === 'client') return streamId < this.#nextRequestId;
    return streamId < this.#retiredBelow || this.#retired.has(streamId);
  }

  #write(stream: RequestStream, data: Uint8Array, fin: boolean): void {
    if (fin) {
      stream.sendOpen = false;
      stream.finSent = true;
    }
    this.#push({ type: 'write', streamId: stream.id, data, fin });
    if (fin) this.#retire(stream);
  }

  /** A HEADERS frame holding `lines`, checked against the peer's field section limit. */
  #headersFrame(lines: FieldLines): Uint8Array {
    return encodeHeadersFrame(
      lines,
      this.#peerControl?.control?.settings?.maxFieldSectionSize ?? Number.POSITIVE_INFINITY,
    );
  }
}

function misuse(message: string): WirekitError {
  return new WirekitError(ErrorCode.INVALID_ARGUMENT, message);
}
