/**
 * One HTTP/3 connection: a QUIC connection joined to the sans-IO {@link Http3Session} of the
 * core. Stream events from QUIC go into the session; the session's actions go out to QUIC
 * (writes, RESET_STREAM, STOP_SENDING, CONNECTION_CLOSE) and its events go to the WebSocket
 * streams ({@link Http3Stream}) and to the server or client that owns the link.
 */

import type { Http3Event } from '../../core/http3/http3-event.js';
import { Http3Session } from '../../core/http3/http3-session.js';
import type { FieldSection } from '../../core/qpack/field-section.js';
import type { ExtendedConnectOptions } from '../../core/ws/extended-connect.js';
import { Http3Stream } from './h3-stream.js';
import type { QuicCloseInfo, QuicConnection, QuicStreamHandler } from './quic-connection.js';

/** Room for a DATA frame header: type and length varints (RFC 9114 §7.2.1, RFC 9000 §16). */
const MAX_DATA_HEADER = 9;
/** A DATA frame up to this size is built in {@link frame} and handed to QUIC in one write. */
const FRAME_ROOM = 64 * 1024;
/** Where DATA frames are built (QUIC copies what it is given, so one buffer serves all). */
const frame = new Uint8Array(FRAME_ROOM);

/** What the owner of a link hears. @internal */
export interface Http3LinkOwner {
  /** Server: a request head on a new stream (its stream object is made). */
  request?(
    link: Http3Link,
    stream: Http3Stream,
    event: Extract<Http3Event, { type: 'request' }>,
  ): void;
  /** Client: a response head on a stream it opened. */
  response?(link: Http3Link, stream: Http3Stream, status: number, fields: FieldSection): void;
  /** The peer's SETTINGS arrived. */
  settings?(link: Http3Link): void;
  /** The connection ended. */
  closed(link: Http3Link, info: QuicCloseInfo): void;
}

/** A QUIC connection with its HTTP/3 session. @internal */
export class Http3Link implements QuicStreamHandler {
  readonly quic: QuicConnection;
  readonly h3: Http3Session;
  readonly streams: Map<number, Http3Stream> = new Map();
  readonly #owner: Http3LinkOwner;
  #pumping = false;
  #settings = false;
  /** Streams whose DATA was queued while pumping (see {@link sendData}). */
  #deferred: number[] = [];
  /** Streams with a write queued in the session during this pump: their DATA queues behind. */
  readonly #queued = new Set<number>();

  constructor(
    quic: QuicConnection,
    role: 'server' | 'client',
    owner: Http3LinkOwner,
    maxFieldSectionSize?: number,
  ) {
    this.quic = quic;
    this.#owner = owner;
    this.h3 = new Http3Session(
      maxFieldSectionSize === undefined ? { role } : { role, maxFieldSectionSize },
    );
    quic.handler = this;
    this.#pump();
  }

  /** Whether the peer's SETTINGS arrived. */
  get hasSettings(): boolean {
    return this.#settings;
  }

  /** Client: open a WebSocket request stream (RFC 9220 §3). */
  openWebSocket(options: ExtendedConnectOptions): Http3Stream {
    const id = this.h3.openWebSocket(options);
    const stream = new Http3Stream(this, id);
    this.streams.set(id, stream);
    this.#pump();
    return stream;
  }

  sendHeaders(id: number, fields: Record<string, string>, fin: boolean): void {
    if (this.quic.closed) return;
    this.h3.sendHeaders(id, fields, fin);
    if (this.#pumping) this.#queued.add(id);
    this.#pump();
  }

  /**
   * DATA on a stream; `true` when QUIC took all of it (no flow-control wait; else the stream
   * hears `drained` once it did). The frame goes straight to QUIC, built in a reused buffer,
   * unless a write of the stream waits in the session's queue (a response head sent from a
   * handler inside a pump): then it queues behind it, `false` is returned, and the stream
   * hears `drained` once the pump wrote it and QUIC took it.
   */
  sendData(id: number, data: Uint8Array): boolean {
    const quic = this.quic;
    if (quic.closed) return true;
    if (this.#pumping && this.#queued.has(id)) {
      this.h3.sendData(id, data);
      this.#deferred.push(id);
      return false;
    }
    const length = data.length;
    if (length <= FRAME_ROOM - MAX_DATA_HEADER) {
      const header = this.h3.dataFrameHeader(id, length, frame);
      if (header < 0) return true; // dropped: the peer stopped the stream
      frame.set(data, header);
      // `false` with nothing queued: the peer stopped the stream and QUIC dropped the bytes.
      return quic.write(id, frame.subarray(0, header + length)) || quic.bufferedAmount(id) === 0;
    }
    const header = this.h3.dataFrameHeader(id, length, frame);
    if (header < 0) return true;
    quic.write(id, frame.subarray(0, header));
    return quic.write(id, data) || quic.bufferedAmount(id) === 0;
  }

  finish(id: number): void {
    if (this.quic.closed) return;
    this.h3.finish(id);
    if (this.#pumping) this.#queued.add(id);
    this.#pump();
  }

  abortStream(id: number, code: number): void {
    if (this.quic.closed) return;
    this.h3.abortStream(id, code);
    this.#pump();
  }

  sendStopSending(id: number, code: number): void {
    if (this.quic.closed) return;
    this.quic.stopSending(id, code);
  }

  pauseReading(id: number): void {
    this.quic.pauseReading(id);
  }

  resumeReading(id: number): void {
    this.quic.resumeReading(id);
  }

  forget(id: number): void {
    this.streams.delete(id);
  }

  /** Close the connection with an HTTP/3 code (H3_NO_ERROR by default). */
  closeConnection(code = 0x100, reason = ''): void {
    if (this.quic.closed) return;
    this.h3.close(code, reason);
    this.#pump();
  }

  // QuicStreamHandler
  data(_c: QuicConnection, id: number, data: Uint8Array, fin: boolean): void {
    this.h3.streamData(id, data, fin);
    this.#pump();
  }
  reset(_c: QuicConnection, id: number, code: number): void {
    this.h3.streamReset(id, code);
    this.#pump();
  }
  stopSending(_c: QuicConnection, id: number, code: number): void {
    this.h3.streamStopSending(id, code);
    this.#pump();
  }
  drain(_c: QuicConnection, id: number): void {
    this.streams.get(id)?.drained();
  }
  close(_c: QuicConnection, info: QuicCloseInfo): void {
    for (const stream of [...this.streams.values()])
      stream.failed(`the HTTP/3 connection closed (code 0x${info.code.toString(16)})`);
    this.streams.clear();
    this.#owner.closed(this, info);
  }

  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      const h3 = this.h3;
      const quic = this.quic;
      for (let item = h3.poll(); item !== undefined; item = h3.poll()) this.#apply(item, quic);
    } finally {
      this.#pumping = false;
      this.#queued.clear();
    }
    if (this.#deferred.length > 0) this.#settleDeferred();
  }

  /** Streams that sent during the pump: those whose bytes QUIC took may write again (the
   * others hear `drain` from QUIC). */
  #settleDeferred(): void {
    const ids = this.#deferred;
    this.#deferred = [];
    const quic = this.quic;
    for (const id of ids)
      if (quic.closed || quic.bufferedAmount(id) === 0) this.streams.get(id)?.drained();
  }

  #apply(item: Http3Event, quic: QuicConnection): void {
    switch (item.type) {
      case 'write':
        if (!quic.closed) quic.write(item.streamId, item.data, item.fin);
        return;
      case 'reset-stream':
        // What was written before the reset (a response head, a close frame) leaves first:
        // RESET_STREAM makes QUIC drop stream data not yet sent (RFC 9000 §3.1), and the peer
        // should see the answer the stream had, as over TCP and HTTP/2.
        if (!quic.closed && quic.bufferedAmount(item.streamId) === 0) quic.flush();
        quic.resetStream(item.streamId, item.code);
        return;
      case 'stop-sending':
        quic.stopSending(item.streamId, item.code);
        return;
      case 'close':
        quic.close(item.code, item.reason);
        return;
      case 'settings':
        this.#settings = true;
        this.#owner.settings?.(this);
        return;
      case 'request': {
        const stream = new Http3Stream(this, item.streamId);
        this.streams.set(item.streamId, stream);
        this.#owner.request?.(this, stream, item);
        return;
      }
      case 'response': {
        const stream = this.streams.get(item.streamId);
        if (stream !== undefined) this.#owner.response?.(this, stream, item.status, item.fields);
        return;
      }
      case 'data':
        this.streams.get(item.streamId)?.received(item.data);
        return;
      case 'end':
        this.streams.get(item.streamId)?.ended();
        return;
      case 'stream-reset':
        this.streams
          .get(item.streamId)
          ?.failed(`the peer reset the stream (code 0x${item.code.toString(16)})`);
        return;
      case 'stream-stopped':
        return;
      case 'stream-error':
        this.streams.get(item.streamId)?.failed(`HTTP/3 stream error: ${item.message}`);
        return;
      case 'request-refused':
        // The session answered it (431: the header section is over the limit); no stream
        // object was made for it and nobody waits for it.
        return;
      case 'trailers':
      case 'goaway':
        return;
      default:
        item satisfies never;
    }
  }
}
