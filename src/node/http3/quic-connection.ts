/**
 * One QUIC connection driven over a socket wirekit owns: quiche (the native binding) keeps
 * the protocol state; this class feeds it datagrams, sends what it produces, keeps one timer,
 * and turns stream activity into calls on a shared {@link QuicStreamHandler} object (no
 * closure, promise or stream object per QUIC stream).
 *
 * - Reads: after each datagram, not once per turn (a RESET_STREAM in a later datagram of the
 *   same turn would make quiche drop what the stream still held, RFC 9000 §3.2, such as a
 *   response head sent just before the reset). The streams that may hold data (each open one,
 *   least recently read first, and the peer's next new one of each type) are probed one by one
 *   (`streamReadable`, a fraction of a microsecond each) until quiche has nothing readable
 *   left; its readable list is walked only when something is left after a bounded number of
 *   probes (the binding builds that list as an iterator object costing 15 µs or more per walk).
 *   Data is handed out as views of read buffers that are never reused, so a handler may keep
 *   them.
 * - Writes: {@link QuicConnection.write} gives quiche what the stream's flow control admits
 *   (quiche copies it) and queues a copy of the rest; `drain` fires when the queue empties.
 *   Packets are built once per event-loop turn (check phase) for every datagram read and every
 *   write of that turn, into shared slabs.
 * - Timer: one per connection, armed for quiche's next deadline (loss detection, ACK delay,
 *   idle timeout, RFC 9000 §10.1, RFC 9002 §6) or the handshake deadline; moved earlier only.
 */
import { ErrorCode, WirekitError } from '../../core/errors.js';
import { ByteSlab } from './byte-slab.js';
import {
  type QuicheConnection,
  type QuicheConnectionError,
  type QuicRecvInfo,
  QuicShutdown,
} from './quic-binding.js';
import { QUIC_LOOPBACK_UDP_PAYLOAD } from './quic-options.js';

/** Who or what ended a QUIC connection. */
export const QuicCloseSource = {
  /** This side closed it ({@link QuicConnection.close}, or quiche on a peer protocol error or
   * a failed certificate check). */
  LOCAL: 'local',
  /** The peer sent CONNECTION_CLOSE. */
  PEER: 'peer',
  /** Nothing was heard for the idle timeout (RFC 9000 §10.1). */
  IDLE_TIMEOUT: 'idle-timeout',
  /** The handshake did not finish in time. */
  HANDSHAKE_TIMEOUT: 'handshake-timeout',
} as const;

/** Who or what ended a QUIC connection. */
export type QuicCloseSource = (typeof QuicCloseSource)[keyof typeof QuicCloseSource];

/** How a QUIC connection ended (RFC 9000 §10, §19.19). */
export interface QuicCloseInfo {
  /** Who or what ended the connection: this side, the peer, or a timeout. */
  readonly source: QuicCloseSource;
  /** An application error code (CONNECTION_CLOSE type 0x1d) rather than a transport one. */
  readonly application: boolean;
  /** The error code (0 for timeouts). TLS alerts are transport codes 0x100 + alert. */
  readonly code: number;
  /** The reason phrase, UTF-8 decoded. */
  readonly reason: string;
}

/**
 * What a QUIC connection tells its user, one object shared by any number of connections (it
 * gets the connection as the first argument).
 */
export interface QuicStreamHandler {
  /** Bytes on a stream (a stream not seen before is new); `fin` when the peer finished it.
   * `data` stays valid after the call. */
  data(connection: QuicConnection, streamId: number, data: Uint8Array, fin: boolean): void;
  /** The peer reset its sending side of the stream (RESET_STREAM, RFC 9000 §19.4). */
  reset(connection: QuicConnection, streamId: number, code: number): void;
  /** The peer asked us to stop sending on the stream (STOP_SENDING, RFC 9000 §19.5); quiche
   * answers with RESET_STREAM and later writes to it are dropped. */
  stopSending(connection: QuicConnection, streamId: number, code: number): void;
  /** Everything queued on the stream was handed to QUIC (after a `write` returned `false`). */
  drain(connection: QuicConnection, streamId: number): void;
  /** The connection ended; no call follows this one. */
  close(connection: QuicConnection, info: QuicCloseInfo): void;
}

/** What a connection needs from the endpoint that owns its socket. @internal */
export interface QuicConnectionHost {
  /** Send one datagram to the connection's peer. */
  sendDatagram(connection: QuicConnection, buffer: Buffer, offset: number, length: number): void;
  /** The handshake finished (and, for a client, the certificate checks passed). */
  established(connection: QuicConnection): void;
  /** The connection started closing (its handler's `close` has been called). */
  closing(connection: QuicConnection): void;
  /** The connection is gone: forget it. */
  released(connection: QuicConnection): void;
}

const NO_HANDLER: QuicStreamHandler = {
  data() {},
  reset() {},
  stopSending() {},
  drain() {},
  close() {},
};

const EMPTY = new Uint8Array(0);
const decoder = new TextDecoder();
const encoder = new TextEncoder();
/** Streams probed one by one per pass at most (about 0.2 µs each): past this many, a walk of
 * quiche's readable list costs less. */
const PROBE_LIMIT = 64;

/** Datagrams are built in these (shared by every connection: one thread builds them). */
const packets = new ByteSlab(1024 * 1024, QUIC_LOOPBACK_UDP_PAYLOAD);
/** Stream reads land in these, handed out as views. */
const reads = new ByteSlab(512 * 1024, 64 * 1024);

/** The code in a binding error such as `StreamReset(77)`, or -1 for another error. */
function codeIn(error: unknown, kind: 'StreamReset' | 'StreamStopped'): number {
  const message = error instanceof Error ? error.message : '';
  if (!message.startsWith(kind)) return -1;
  const code = Number(message.slice(kind.length + 1, -1));
  return Number.isSafeInteger(code) ? code : 0;
}

/** Bytes waiting for flow-control credit on one stream. */
class PendingWrite {
  readonly chunks: Uint8Array[] = [];
  head = 0;
  bytes = 0;
  fin = false;

  push(chunk: Uint8Array, fin: boolean): void {
    this.chunks.push(chunk.length === 0 ? EMPTY : Uint8Array.prototype.slice.call(chunk));
    this.bytes += chunk.length;
    if (fin) this.fin = true;
  }
}

/** A QUIC connection (client or server side). Made by a QUIC endpoint, not by users. */
export class QuicConnection {
  readonly #conn: QuicheConnection;
  readonly #host: QuicConnectionHost;
  readonly #recvInfo: QuicRecvInfo;
  readonly #isServer: boolean;
  readonly #handshakeDeadline: number;
  #handler: QuicStreamHandler = NO_HANDLER;
  #established = false;
  #closeInfo: QuicCloseInfo | undefined;
  #timeoutSource: QuicCloseSource | undefined;
  #released = false;
  #flushQueued = false;
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Number.POSITIVE_INFINITY;
  /** Streams whose receiving side is open (ours that the peer answers on, and the peer's
   * seen so far), in the order they were first seen. */
  readonly #open = new Set<number>();
  /** The peer's lowest bidirectional and unidirectional stream IDs not seen yet: the peer opens
   * the streams of one type in order (RFC 9000 §2.1), so its next new stream is one of these. */
  #peerBidi: number;
  #peerUni: number;
  /** The streams one pass of {@link #readStreams} read (reused). */
  readonly #lately: number[] = [];
  readonly #blocked = new Map<number, PendingWrite>();
  /** Streams whose reader asked for no more data now: left unread in quiche, so their flow
   * control window stops growing and the peer is held back (RFC 9000 §4.1). */
  readonly #paused = new Set<number>();
  #resumed: number[] = [];
  #stops: number[] = [];
  #nextBidi: number;
  #nextUni: number;
  #queued = 0;
  /** The peer's address. */
  readonly remoteAddress: string;
  /** The peer's UDP port. */
  readonly remotePort: number;
  /** A caller's slot for per-connection state (e.g. the HTTP/3 session on it). */
  context: unknown;

  /** @internal */
  constructor(
    conn: QuicheConnection,
    host: QuicConnectionHost,
    recvInfo: QuicRecvInfo,
    isServer: boolean,
    handshakeTimeout: number,
  ) {
    this.#conn = conn;
    this.#host = host;
    this.#recvInfo = recvInfo;
    this.#isServer = isServer;
    this.#nextBidi = isServer ? 1 : 0;
    this.#nextUni = isServer ? 3 : 2;
    this.#peerBidi = isServer ? 0 : 1;
    this.#peerUni = isServer ? 2 : 3;
    this.remoteAddress = recvInfo.from.host;
    this.remotePort = recvInfo.from.port;
    this.#handshakeDeadline =
      handshakeTimeout > 0 ? performance.now() + handshakeTimeout : Number.POSITIVE_INFINITY;
  }

  /** Whether this is the server side. */
  get isServer(): boolean {
    return this.#isServer;
  }

  /** Whether the handshake finished. */
  get established(): boolean {
    return this.#established;
  }

  /** Whether the connection is closing or closed (no stream operation works any more). */
  get closed(): boolean {
    return this.#closeInfo !== undefined || this.#released;
  }

  /** How the connection ended, once it has. */
  get closeInfo(): QuicCloseInfo | undefined {
    return this.#closeInfo;
  }

  /** The ALPN protocol agreed in the handshake (RFC 9001 §8.1), e.g. `h3`. */
  get alpn(): string {
    return decoder.decode(this.#conn.applicationProto());
  }

  /** The peer's certificate chain (DER), leaf first; empty when it sent none. */
  peerCertificates(): Uint8Array[] {
    return this.#conn.peerCertChain() ?? [];
  }

  /** Packet counters from quiche. */
  stats(): {
    /** QUIC packets received. */
    readonly recv: number;
    /** QUIC packets sent. */
    readonly sent: number;
    /** QUIC packets declared lost (RFC 9002 §6). */
    readonly lost: number;
  } {
    return this.#conn.stats();
  }

  /** The object told about streams and the close; set it once the connection is handed out. */
  set handler(handler: QuicStreamHandler) {
    this.#handler = handler;
  }

  /** Bytes queued on the stream beyond what its flow control admitted so far. */
  bufferedAmount(streamId: number): number {
    return this.#blocked.get(streamId)?.bytes ?? 0;
  }

  /** Bytes queued on all streams of the connection. */
  get queuedBytes(): number {
    return this.#queued;
  }

  /**
   * Stop reading `streamId`: what arrives stays in quiche, which grants the peer no more
   * stream credit (MAX_STREAM_DATA, RFC 9000 §4.2) until {@link resumeReading}.
   */
  pauseReading(streamId: number): void {
    this.#paused.add(streamId);
  }

  /** Read `streamId` again (soon, not inside this call); undoes {@link pauseReading}. */
  resumeReading(streamId: number): void {
    if (!this.#paused.delete(streamId) || this.closed) return;
    this.#resumed.push(streamId);
    if (this.#resumed.length === 1) queueMicrotask(this.#resumeTask);
  }

  readonly #resumeTask = (): void => {
    const ids = this.#resumed;
    this.#resumed = [];
    if (this.closed) return;
    for (const id of ids) {
      if (this.#paused.has(id)) continue;
      if (!this.#readStream(id)) this.#open.delete(id);
      if (this.closed) return;
    }
    // The reads opened stream credit: send the MAX_STREAM_DATA now.
    this.flush();
  };

  /**
   * Open a stream of our own and return its id (RFC 9000 §2.1). Throws `ERR_QUIC_STREAM_LIMIT`
   * when the peer allows no more streams right now, `ERR_QUIC_CLOSED` after the close.
   */
  openStream(bidirectional = true): number {
    this.#checkOpen();
    const conn = this.#conn;
    const left = bidirectional ? conn.peerStreamsLeftBidi() : conn.peerStreamsLeftUni();
    if (left <= 0)
      throw new WirekitError(
        ErrorCode.QUIC_STREAM_LIMIT,
        `the peer allows no more ${bidirectional ? 'bidirectional' : 'unidirectional'} streams now`,
      );
    const id = bidirectional ? this.#nextBidi : this.#nextUni;
    if (bidirectional) this.#nextBidi += 4;
    else this.#nextUni += 4;
    // An empty write makes quiche create the stream now, so the count above stays true.
    conn.streamSend(id, EMPTY, false);
    // The peer answers on a bidirectional stream: probe it for reads.
    if (bidirectional) this.#open.add(id);
    return id;
  }

  /**
   * Write to a stream; `fin` finishes it. Returns `false` when part of the bytes waits for
   * flow-control credit (they are copied; `drain` follows), `true` when QUIC took all.
   * After a peer's STOP_SENDING the bytes are dropped (and `stopSending` was or will be told).
   */
  write(streamId: number, data: Uint8Array, fin = false): boolean {
    this.#checkOpen();
    const pending = this.#blocked.get(streamId);
    if (pending !== undefined) {
      pending.push(data, fin);
      this.#queued += data.length;
      return false;
    }
    let taken: number | null;
    try {
      taken = this.#conn.streamSend(streamId, data, fin);
    } catch (error) {
      this.#writeFailed(streamId, error);
      return false;
    }
    this.#scheduleFlush();
    if (taken === data.length) return true;
    const rest = new PendingWrite();
    rest.push(taken === null ? data : data.subarray(taken), fin);
    this.#queued += rest.bytes;
    this.#blocked.set(streamId, rest);
    return false;
  }

  /** Finish the stream's sending side (a FIN after what is queued). */
  end(streamId: number): void {
    this.write(streamId, EMPTY, true);
  }

  /** Abandon the stream's sending side with RESET_STREAM and `code` (RFC 9000 §19.4). */
  resetStream(streamId: number, code: number): void {
    if (this.closed) return;
    this.#dropPending(streamId);
    try {
      this.#conn.streamShutdown(streamId, QuicShutdown.WRITE, code);
    } catch {
      // The stream is finished or gone already: nothing to reset.
    }
    this.#scheduleFlush();
  }

  /** Ask the peer to stop sending on the stream with STOP_SENDING and `code` (§19.5). */
  stopSending(streamId: number, code: number): void {
    if (this.closed) return;
    this.#paused.delete(streamId);
    this.#open.delete(streamId);
    try {
      this.#conn.streamShutdown(streamId, QuicShutdown.READ, code);
    } catch {
      // Finished or gone already.
    }
    this.#scheduleFlush();
  }

  /**
   * Close the connection with an application error `code` (CONNECTION_CLOSE 0x1d, RFC 9000
   * §10.2) and `reason`; the handler's `close` follows. Does nothing when already closing.
   */
  close(code = 0, reason = '', application = true): void {
    if (this.closed) return;
    // What was written this turn goes out first: after close() quiche sends nothing but
    // CONNECTION_CLOSE, and a WebSocket's last frames (its close frame) must precede it.
    if (this.#flushQueued) this.flush();
    try {
      this.#conn.close(application, code, encoder.encode(reason));
    } catch {
      // quiche closed it already (Done): the close below reports what it recorded.
    }
    this.flush();
  }

  /**
   * @internal Feed one datagram from the peer. What quiche then has to send (ACKs, answers
   * written by the handlers) goes out once every datagram of this event-loop turn was fed: one
   * ACK covers a burst of packets instead of one ACK per packet.
   */
  receive(datagram: Buffer): void {
    this.#feed(datagram);
    this.#scheduleFlush();
  }

  #feed(datagram: Buffer): void {
    if (this.#released) return;
    const conn = this.#conn;
    try {
      conn.recv(datagram, this.#recvInfo);
    } catch {
      // quiche drops what it cannot use (a duplicate, an undecryptable packet) and closes the
      // connection itself on a peer protocol error or a failed handshake: flush() sees that.
    }
    if (!this.#established && conn.isEstablished()) {
      this.#established = true;
      this.#host.established(this);
    }
    if (this.#established && this.#closeInfo === undefined) {
      if (conn.isReadable()) this.#readStreams();
      if (this.#blocked.size > 0 && this.#closeInfo === undefined) this.#resumeBlocked();
    }
  }

  /** @internal Send what quiche has queued now, then re-arm the timer. */
  flush(): void {
    this.#flushQueued = false;
    if (this.#released) return;
    const conn = this.#conn;
    const host = this.#host;
    for (;;) {
      let sent: [number, unknown] | null;
      try {
        sent = conn.send(packets.room());
      } catch {
        break;
      }
      if (sent === null) break;
      const length = sent[0];
      host.sendDatagram(this, packets.buffer, packets.offset, length);
      packets.advance(length);
    }
    if (this.#stops.length > 0) this.#reportStops();
    if (this.#closeInfo === undefined && conn.isDraining()) this.#reportClose();
    if (this.#closeInfo !== undefined && conn.isClosed()) {
      this.#release();
      return;
    }
    this.#arm();
  }

  /** @internal Drop the connection now, without sending anything (the endpoint shuts down). */
  abandon(): void {
    if (this.#released) return;
    if (this.#closeInfo === undefined)
      this.#closeInfo = { source: QuicCloseSource.LOCAL, application: true, code: 0, reason: '' };
    this.#release();
  }

  /** @internal Close as the client's certificate check failed (TLS alert in `code`). */
  refuse(code: number, reason: string): void {
    try {
      this.#conn.close(false, code, encoder.encode(reason));
    } catch {
      // Already closing.
    }
    this.flush();
  }

  #checkOpen(): void {
    if (this.closed)
      throw new WirekitError(ErrorCode.QUIC_CLOSED, 'the QUIC connection is closing or closed');
  }

  /** Build and send packets in the check phase of this event-loop turn: after every datagram
   * the poll phase read and every write their handlers made (a microtask would run after each
   * datagram's callback and send a packet per datagram). */
  #scheduleFlush(): void {
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    setImmediate(this.#flushTask);
  }

  readonly #flushTask = (): void => {
    if (this.#flushQueued) this.flush();
  };

  #readStreams(): void {
    const conn = this.#conn;
    const open = this.#open;
    const paused = this.#paused;
    // Least recently read first: a stream that has waited longest is the likeliest to have data
    // again (a WebSocket answered a round trip ago), so the probes stop early.
    const read = this.#lately;
    let readable = true;
    let probes = 0;
    for (const id of open) {
      if (paused.size > 0 && paused.has(id)) continue;
      if (++probes > PROBE_LIMIT) break;
      if (!conn.streamReadable(id)) continue;
      read.push(id);
      if (!this.#readStream(id)) open.delete(id);
      if (this.closed) return;
      readable = conn.isReadable();
      if (!readable) break;
    }
    // Move the streams read to the back of the order.
    for (let i = 0; i < read.length; i++) {
      const id = read[i]!;
      if (open.delete(id)) open.add(id);
    }
    read.length = 0;
    if (!readable) return;
    // The peer's new streams, lowest first.
    while (conn.streamReadable(this.#peerBidi)) {
      if (!this.#readNew(this.#peerBidi)) return;
    }
    while (conn.streamReadable(this.#peerUni)) {
      if (!this.#readNew(this.#peerUni)) return;
    }
    // Nothing else readable (the usual case): no walk of quiche's list.
    if (!conn.isReadable()) return;
    // Readable streams past the probes, a paused stream holding data, or a new stream whose
    // data overtook a lower one's: walk quiche's list.
    for (const id of conn.readable()) {
      if (paused.size > 0 && paused.has(id)) continue;
      if (!this.#readNew(id)) return;
    }
  }

  /** Read a stream that may not be known yet (record it, and move past it the next IDs the
   * peer may open); `false` once the connection closed. */
  #readNew(id: number): boolean {
    this.#notePeerStream(id);
    if (this.#readStream(id)) this.#open.add(id);
    else this.#open.delete(id);
    return !this.closed;
  }

  /** A stream seen for the first time: the peer's next new stream of its type is above it. */
  #notePeerStream(id: number): void {
    if ((id & 1) === (this.#isServer ? 1 : 0)) return; // one of ours
    if ((id & 2) === 0) {
      if (id >= this.#peerBidi) this.#peerBidi = id + 4;
    } else if (id >= this.#peerUni) this.#peerUni = id + 4;
  }

  /** Read what the stream holds; `false` once it ended (FIN or reset) or is unknown. */
  #readStream(id: number): boolean {
    const conn = this.#conn;
    for (;;) {
      const room = reads.room();
      let got: [number, boolean] | null;
      try {
        got = conn.streamRecv(id, room);
      } catch (error) {
        const code = codeIn(error, 'StreamReset');
        this.#paused.delete(id);
        if (code >= 0) this.#handler.reset(this, id, code);
        return false;
      }
      if (got === null) return true;
      const n = got[0];
      const fin = got[1];
      this.#handler.data(this, id, n === 0 ? EMPTY : reads.commit(n), fin);
      if (fin) {
        this.#paused.delete(id);
        return false;
      }
      if (this.#closeInfo !== undefined || this.#released) return false;
      // The handler paused the stream: leave the rest in quiche.
      if (this.#paused.size > 0 && this.#paused.has(id)) return true;
      // quiche fills the buffer while the stream's data is contiguous: less than full means
      // nothing more is ready now, and another call would only say so.
      if (n < room.length) return true;
    }
  }

  #resumeBlocked(): void {
    const conn = this.#conn;
    for (const [id, pending] of this.#blocked) {
      const chunks = pending.chunks;
      while (pending.head < chunks.length) {
        const chunk = chunks[pending.head]!;
        const fin = pending.fin && pending.head === chunks.length - 1;
        let taken: number | null;
        try {
          taken = conn.streamSend(id, chunk, fin);
        } catch (error) {
          this.#writeFailed(id, error);
          break;
        }
        if (taken === null) break;
        pending.bytes -= taken;
        this.#queued -= taken;
        if (taken < chunk.length) {
          chunks[pending.head] = chunk.subarray(taken);
          break;
        }
        chunks[pending.head] = EMPTY;
        pending.head++;
      }
      if (pending.head === chunks.length && this.#blocked.get(id) === pending) {
        this.#blocked.delete(id);
        this.#handler.drain(this, id);
      }
    }
  }

  #dropPending(id: number): void {
    const pending = this.#blocked.get(id);
    if (pending === undefined) return;
    this.#queued -= pending.bytes;
    this.#blocked.delete(id);
  }

  #writeFailed(id: number, error: unknown): void {
    const code = codeIn(error, 'StreamStopped');
    if (code >= 0) {
      this.#dropPending(id);
      try {
        // Let quiche forget the stream's sending side (it answered STOP_SENDING already).
        this.#conn.streamShutdown(id, QuicShutdown.WRITE, code);
      } catch {
        // Gone already.
      }
      this.#stops.push(id, code);
      this.#scheduleFlush();
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    if (message === 'StreamLimit')
      throw new WirekitError(ErrorCode.QUIC_STREAM_LIMIT, `stream ${id} is past the peer's limit`);
    throw new WirekitError(
      ErrorCode.QUIC_CLOSED,
      `stream ${id} cannot be written (${message}): it is finished or was never opened`,
    );
  }

  #reportStops(): void {
    const stops = this.#stops;
    this.#stops = [];
    for (let i = 0; i < stops.length; i += 2)
      this.#handler.stopSending(this, stops[i]!, stops[i + 1]!);
  }

  #arm(): void {
    const wait = this.#conn.timeout();
    const now = performance.now();
    let at = wait === null ? Number.POSITIVE_INFINITY : now + wait;
    if (!this.#established && this.#handshakeDeadline < at) at = this.#handshakeDeadline;
    if (at === Number.POSITIVE_INFINITY) {
      if (this.#timer !== undefined) clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#timerAt = at;
      return;
    }
    if (this.#timer !== undefined) {
      // An earlier timer stays: it re-arms for the later deadline when it fires.
      if (this.#timerAt <= at) return;
      clearTimeout(this.#timer);
    }
    this.#timerAt = at;
    this.#timer = setTimeout(this.#onTimer, Math.max(0, Math.ceil(at - now)));
    this.#timer.unref();
  }

  readonly #onTimer = (): void => {
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    if (this.#released) return;
    const conn = this.#conn;
    if (!this.#established && performance.now() >= this.#handshakeDeadline) {
      this.#timeoutSource = QuicCloseSource.HANDSHAKE_TIMEOUT;
      this.#reportClose();
      this.#release();
      return;
    }
    conn.onTimeout();
    if (conn.isClosed()) {
      if (this.#closeInfo === undefined) {
        if (conn.isTimedOut()) this.#timeoutSource = QuicCloseSource.IDLE_TIMEOUT;
        this.#reportClose();
      }
      this.#release();
      return;
    }
    if (this.#blocked.size > 0) this.#resumeBlocked();
    this.flush();
  };

  #reportClose(): void {
    if (this.#closeInfo !== undefined) return;
    const conn = this.#conn;
    let info: QuicCloseInfo;
    const timeout = this.#timeoutSource;
    if (timeout !== undefined) info = { source: timeout, application: false, code: 0, reason: '' };
    else {
      const peer = conn.peerError();
      const error: QuicheConnectionError | null = peer ?? conn.localError();
      info = {
        source: peer !== null ? QuicCloseSource.PEER : QuicCloseSource.LOCAL,
        application: error?.isApp ?? true,
        code: error?.errorCode ?? 0,
        reason: error === null ? '' : decoder.decode(error.reason),
      };
    }
    this.#closeInfo = info;
    this.#blocked.clear();
    this.#queued = 0;
    this.#open.clear();
    this.#paused.clear();
    this.#handler.close(this, info);
    this.#host.closing(this);
  }

  #release(): void {
    if (this.#released) return;
    if (this.#closeInfo === undefined) this.#reportClose();
    this.#released = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#host.released(this);
  }
}
