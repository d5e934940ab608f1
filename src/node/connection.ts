/**
 * A WebSocket connection on a Node socket (TCP or TLS), server or client side: the sans-IO
 * core driven by socket events, with write batching, backpressure, heartbeat and the close
 * handshake.
 *
 * The hot path, per received chunk: one `'data'` listener shared by all connections (it finds
 * its connection on the socket), `core.receive`, a `poll()` loop that hands each message to the
 * one handler object as a `Buffer` view, and at most one `socket.write` of everything the
 * handler sent meanwhile. Sends outside a receive are collected per tick: the first marks the
 * connection dirty, and one `process.nextTick` flushes every dirty connection, so 100k sends in
 * a loop become a few large writes (large batches flush as soon as they pass 64 KiB).
 */
import type { Duplex } from 'node:stream';
import { ErrorCode, WirekitError } from '../core/errors.js';
import { CloseCode, closeReasonBytes } from '../core/ws/close-code.js';
import { ReadKind, type Role } from '../core/ws/frame-reader.js';
import { OutputPool } from '../core/ws/output-pool.js';
import type { PreparedMessage } from '../core/ws/prepared-message.js';
import { ReadyState } from '../core/ws/ready-state.js';
import { checkMessageData, controlPayload } from '../core/ws/send-arguments.js';
import { WebSocketConnection } from '../core/ws/websocket-connection.js';
import type { ResolvedConnectionOptions } from './connection-options.js';
import {
  type DirectStream,
  DirectWrite,
  directHandle,
  directStream,
  type StreamHandle,
  writeDirect,
  writeError,
} from './direct-write.js';
import type { Heartbeat } from './heartbeat.js';
import { nodePlatform } from './node-platform.js';
import { Delivery, type TopicRegistry } from './pubsub/topic-registry.js';
import { canReadInto, plainBytes, readInto } from './shared-read-buffer.js';
import { byteStreamTraits, type StreamTraits } from './stream-traits.js';
import { type TlsDirectWriter, tlsDirectWriter } from './tls-direct-write.js';
import type { ConnectionCompression } from './zlib-codec.js';

/**
 * Callbacks for connections, one object shared by all of them (no closures per connection).
 * Every callback gets the connection first; keep per-connection state in `ws.data`.
 *
 * A callback that throws is a bug in the application, and wirekit neither hides it nor lets it
 * break the connection's bookkeeping: the connection is closed with 1011 (internal error, RFC
 * 6455 §7.4.1) unless it is already closed, and the error is thrown again on the next tick,
 * where it reaches `process.on('uncaughtException')` as an `EventEmitter` listener's would.
 */
export interface ConnectionHandler<Data = unknown> {
  /** The connection is open; sends are allowed. */
  open?(ws: Connection<Data>): void;
  /**
   * A complete message. `data` is yours to keep, unless the server or client was made with
   * `readBuffer` (payloads borrowed from a reused buffer): then it is valid only until this
   * callback returns — copy what you keep. Text is validated UTF-8: `data.toString()` decodes
   * it. Sending `data` itself back as text from this callback does not validate it again (ws
   * checks once too): change its bytes, if at all, only into other valid UTF-8. Without this
   * callback, messages queue for async iteration (`for await (const m of ws)`).
   */
  message?(ws: Connection<Data>, data: Buffer, isBinary: boolean): void;
  /** Sends were backpressured and the socket has drained. */
  drain?(ws: Connection<Data>): void;
  /** A ping arrived (already answered unless `autoPong` is off). */
  ping?(ws: Connection<Data>, data: Buffer): void;
  /** A pong arrived. */
  pong?(ws: Connection<Data>, data: Buffer): void;
  /**
   * The connection closed. `wasClean`: the close handshake completed. Otherwise `code` says why:
   * 1006 for a lost transport, or the code this side sent (1002 protocol error, 1007 invalid
   * UTF-8, 1008 backpressure limit, 1009 too big, 1001 heartbeat or idle timeout).
   */
  close?(ws: Connection<Data>, code: number, reason: string, wasClean: boolean): void;
}

/** A message for async iteration. */
export interface Message {
  /** The message's bytes (a text message's validated UTF-8); the caller may keep them. */
  readonly data: Buffer;
  /** `true` for a binary message, `false` for text (RFC 6455 §5.6). */
  readonly isBinary: boolean;
}

/** How a {@link Connection} is set up; built by the server and client, not by users. */
export interface ConnectionInit<Data> {
  /** The byte stream: a TCP or TLS socket, or an HTTP/2 or HTTP/3 stream (RFC 8441/9220). */
  readonly socket: Duplex;
  /** The peer's address when the stream does not carry one (an HTTP/2 stream). */
  readonly remoteAddress?: string;
  /** What the transport does at the end of the stream; by default a byte stream's
   * (`byteStreamTraits`: TCP, TLS, any `Duplex`). */
  readonly traits?: StreamTraits;
  readonly role: Role;
  readonly handler: ConnectionHandler<Data>;
  readonly data: Data;
  readonly options: ResolvedConnectionOptions;
  readonly heartbeat: Heartbeat | undefined;
  readonly protocol: string;
  readonly extensions: string;
  /** Called once when the connection is gone (socket closed). */
  readonly onDispose: ((connection: Connection<Data>) => void) | undefined;
  /** permessage-deflate codecs, when negotiated. */
  readonly compression?: ConnectionCompression | undefined;
  /** Reads land in one reused buffer (`onread`): payloads live only during their callback. */
  readonly reusedReadBuffer?: boolean;
  /** Switch the socket, once started, to reading into this buffer shared with other
   * connections (see shared-read-buffer.ts), when its transport allows it. */
  readonly sharedReadBuffer?: Buffer | undefined;
  /** With `sharedReadBuffer`: hand payloads out as views of the shared buffer, valid only during
   * their callback, instead of copies the application may keep. */
  readonly borrowPayloads?: boolean;
  /** The server's topics (pub/sub); none on a client. */
  readonly topics?: TopicRegistry | undefined;
}

/**
 * Output buffers shared by every connection of the process (see core/ws/output-pool.ts). They
 * are plain `Uint8Array`s: `takeOutput()` makes a view per flush, and V8's own `subarray` makes
 * it without the `buffer`/`byteOffset` getter calls that `Buffer#subarray` pays. Sockets take
 * a `Uint8Array` as they take a `Buffer`.
 */
const processOutputPool = new OutputPool({
  ...nodePlatform,
  allocUnsafe: (size) => new Uint8Array(size),
});

/** Outputs larger than this are written at once instead of at the end of the tick. */
const FLUSH_AT = 64 * 1024;
/** Async-iteration inbox size (messages) past which reading pauses. */
const INBOX_HIGH = 1024;
/** Bytes read and ignored after the close past which a connection stops reading. */
const DISCARD_AFTER_CLOSE = 64 * 1024;

/**
 * Where reading stands after a drain, with `pauseOnBackpressure`: a drain resumes reading and
 * owes the peer one read before backpressure may pause it again, so a handler that refills its
 * output on every drain still hears the peer (its messages, pings, pongs, close frame), one
 * read (at most 64 KiB on TCP) per drain.
 */
const ReadGate = {
  /** Backpressure pauses reading at once. */
  OPEN: 0,
  /** Reading resumed on a drain; no read since. */
  OWED: 1,
  /** As OWED, and sends backed up again: pause after the owed read. */
  PAUSE_AFTER_READ: 2,
} as const;
type ReadGate = (typeof ReadGate)[keyof typeof ReadGate];

/** How the socket is to be ended once a pending TLS direct write completes (see
 * {@link Connection.encryptedWriteDone}): ending it earlier would shut TCP down before the
 * bytes that write and the output held behind it carry. */
const PendingEnd = {
  NONE: 0,
  /** The transport's `endStream` (the connection finished). */
  TRAITS: 1,
  /** `socket.end()` (the peer ended its side after the connection finished). */
  END: 2,
} as const;
type PendingEnd = (typeof PendingEnd)[keyof typeof PendingEnd];

const kConnection = Symbol('wirekit.connection');
type TaggedSocket = Duplex & {
  [kConnection]?: Connection<unknown>;
  setNoDelay?: (noDelay?: boolean) => unknown;
  remoteAddress?: string | undefined;
};

/** Connections with output queued this tick; flushed by one nextTick. */
const dirty: Connection<unknown>[] = [];
let flushScheduled = false;

function flushDirty(): void {
  flushScheduled = false;
  // Flushing may make more connections dirty (a close echo); those join this same pass.
  for (let i = 0; i < dirty.length; i++) dirty[i]!.flush();
  dirty.length = 0;
}

// Socket listeners shared by every connection: `this` is the socket.
function onSocketData(this: TaggedSocket, chunk: Buffer): void {
  this[kConnection]?.receive(chunk);
}
/** Returns `false` to stop reading: with a read buffer the socket reads on whenever the stream
 * is asked to, even paused (a `resume()` made before the connection paused is one such ask),
 * so each read confirms the pause. */
function onSharedRead(this: TaggedSocket, length: number, buffer: Buffer): boolean {
  // The buffer and the length read: no view is made per read.
  return this[kConnection]?.receiveRead(buffer, length) ?? true;
}

/**
 * `WIREKIT_CHECK_BORROWED=1` (development): payloads borrowed from a reused read buffer
 * (`readBuffer`) are lent in memory of their own that is detached when the callback returns, so
 * a view kept past its callback reads as empty (length 0) at once, instead of changing under
 * the application later, when the buffer is reused.
 */
const CHECK_BORROWED = process.env['WIREKIT_CHECK_BORROWED'] === '1';

/** A copy of `view` in an `ArrayBuffer` of its own, for {@link revoke}. */
function lend(view: Buffer): Buffer {
  const loan = Buffer.from(new ArrayBuffer(view.length));
  loan.set(view);
  return loan;
}

/** Detach a loan's memory: every view of it now has length 0. */
function revoke(loan: Buffer): void {
  const memory = loan.buffer as ArrayBuffer; // made by lend()
  if (memory.byteLength > 0) structuredClone(memory, { transfer: [memory] });
}

/** A payload the application may keep: a copy (pooled by Node below 4 KiB). */
function copyOf(view: Uint8Array): Buffer {
  const copy = Buffer.allocUnsafe(view.length);
  copy.set(view);
  return copy;
}
function onSocketEnd(this: TaggedSocket): void {
  this[kConnection]?.transportEnded(undefined);
}
function onSocketError(this: TaggedSocket, error: Error): void {
  this[kConnection]?.transportEnded(error);
}
function onSocketClose(this: TaggedSocket): void {
  this[kConnection]?.transportClosed();
}
function onSocketDrain(this: TaggedSocket): void {
  this[kConnection]?.drained();
}

/** One WebSocket connection over a Node socket. Created by `serve`/`handleUpgrade`/`connect`. */
export class Connection<Data = unknown> implements AsyncIterable<Message> {
  /** Your per-connection data (set by the server's `upgrade` hook, or `connect` options). */
  data: Data;
  /** The subprotocol agreed in the handshake, or `''`. */
  readonly protocol: string;
  /** The extensions agreed in the handshake (`Sec-WebSocket-Extensions`), or `''`. */
  readonly extensions: string;
  /** The peer's address, as the socket reported it at connection time. */
  readonly remoteAddress: string;

  readonly #socket: TaggedSocket;
  readonly #core: WebSocketConnection;
  readonly #handler: ConnectionHandler<Data>;
  readonly #options: ResolvedConnectionOptions;
  readonly #server: boolean;
  readonly #heartbeat: Heartbeat | undefined;
  readonly #onDispose: ((connection: Connection<Data>) => void) | undefined;
  readonly #compression: ConnectionCompression | undefined;
  /** The transport's end-of-stream behaviour, consulted when the connection finishes. */
  readonly #traits: StreamTraits;
  /** Queued messages must be copied: their memory is reused after the callback. */
  readonly #copyQueued: boolean;
  /** Payloads are copied before any callback sees them (reads land in a shared buffer). */
  readonly #copyPayloads: boolean;
  /** Borrowed payloads are lent in memory detached after their callback (development check). */
  readonly #checkBorrowed: boolean;
  /** The TCP handle written to directly (see direct-write.ts), set by start(). */
  #handle: StreamHandle | undefined;
  /** The TLS socket's direct writer (see tls-direct-write.ts), set by start(). */
  #tls: TlsDirectWriter | undefined;
  /** The in-process stream written to directly (an HTTP/3 stream), set by start(). */
  #direct: DirectStream | undefined;
  /** Bytes of direct writes not completed yet: on TCP those libuv queued (the kernel's buffer
   * was full), on TLS the one write pending until its completion, on an in-process stream
   * those it holds for flow control. */
  #pendingDirect = 0;
  /** A TLS direct write awaits its completion: the handle takes no other write until then. */
  #encrypting = false;
  /** Outputs taken while a TLS direct write was pending, in order (their buffers are not given
   * back to the pool until they are written), and their bytes. */
  #held: Uint8Array[] | undefined;
  #heldBytes = 0;
  /** The socket's end waits for the pending TLS direct write. */
  #pendingEnd: PendingEnd = PendingEnd.NONE;
  /** Direct writes backed up (TCP: the kernel queued one; TLS: the pending bytes reached the
   * socket's high-water mark): sends say false until everything is out, then `drain`. */
  #needDrain = false;
  /** The socket's `writableHighWaterMark`: TLS direct writes back up from there, as the
   * socket's own `write` would. */
  #highWater = 16 * 1024;
  /** The transport is done with written bytes once a write completes synchronously. */
  readonly #writesCopied: boolean;
  /** The transport copies written bytes within its write call (the io_uring socket). */
  readonly #copiesWrites: boolean;
  /** A TLS socket: its write call encrypts the plaintext at once when nothing is queued. */
  readonly #encrypts: boolean;
  readonly #sharedReadBuffer: Buffer | undefined;
  /** What the core parses reads of {@link #sharedReadBuffer} as: a plain `Uint8Array` of its
   * memory when payloads are copied out (cheaper views), else the buffer itself (borrowed
   * payloads are `Buffer`s). */
  readonly #sharedReadBytes: Uint8Array | undefined;
  readonly #topics: TopicRegistry | undefined;

  #dispatching = false;
  /** The text message being handed to the `message` callback: validated on receipt, so sending
   * it back from the callback skips a second UTF-8 check (RFC 6455 §8.1 was applied once). */
  #receivedText: Buffer | undefined;
  #dirty = false;
  /** Bytes were written since the last heartbeat tick (the output buffer is in use). */
  #wroteSinceTick = false;
  #finished = false;
  #disposed = false;
  #terminated = false;
  #transportError: Error | undefined;
  #closeTimer: NodeJS.Timeout | undefined;
  #lastSeen = 0;
  #pingSentAt = 0;
  #readingPaused = false;
  #readGate: ReadGate = ReadGate.OPEN;
  #droppedSends = 0;
  /** Bytes handed to the transport; minus what it still queues, the bytes it took. */
  #written = 0;
  /** Bytes the transport had taken at {@link #progressAt}. */
  #takenAtProgress = 0;
  /** Heartbeat time when the output was last empty or the transport last took bytes. */
  #progressAt = 0;
  /** Bytes read and ignored since the close; past {@link DISCARD_AFTER_CLOSE} reading stops. */
  #discarded = 0;
  // Made on first use, like the `'drain'` listener: an idle connection holds none of them.
  #drainWaiters: (() => void)[] | undefined;
  #watchingDrain = false;
  // Async iteration.
  #inbox: Message[] | undefined;
  #waiting: ((result: IteratorResult<Message>) => void) | undefined;

  /** @internal Use `serve`, `WebSocketServer#handleUpgrade` or `connect`. */
  constructor(init: ConnectionInit<Data>) {
    this.#socket = init.socket as TaggedSocket;
    this.#handler = init.handler;
    this.data = init.data;
    this.#options = init.options;
    this.#server = init.role === 'server';
    this.#heartbeat = init.heartbeat;
    this.#onDispose = init.onDispose;
    this.protocol = init.protocol;
    this.extensions = init.extensions;
    this.remoteAddress = init.remoteAddress ?? (init.socket as TaggedSocket).remoteAddress ?? '';
    const ownBuffer = init.reusedReadBuffer ?? false;
    const shared =
      init.sharedReadBuffer !== undefined && canReadInto(init.socket)
        ? init.sharedReadBuffer
        : undefined;
    const reuseBuffers = ownBuffer || shared !== undefined;
    const borrow = ownBuffer || (shared !== undefined && (init.borrowPayloads ?? false));
    this.#core = new WebSocketConnection({
      role: init.role,
      platform: nodePlatform,
      maxMessageSize: init.options.maxMessageSize,
      maxFrameSize: init.options.maxFrameSize,
      autoPong: init.options.autoPong,
      reuseBuffers,
      outputPool: processOutputPool,
      ...(init.compression === undefined ? {} : { compression: init.compression }),
    });
    this.#copyQueued = borrow;
    this.#copyPayloads = reuseBuffers && !borrow;
    this.#checkBorrowed = borrow && CHECK_BORROWED;
    this.#traits = init.traits ?? byteStreamTraits(init.socket);
    this.#writesCopied = this.#traits.writesCopied;
    this.#copiesWrites = (init.socket as { copiesWrites?: unknown }).copiesWrites === true;
    this.#encrypts = (init.socket as { encrypted?: boolean }).encrypted === true;
    this.#sharedReadBuffer = shared;
    this.#sharedReadBytes =
      shared !== undefined && this.#copyPayloads ? plainBytes(shared) : shared;
    this.#compression = init.compression;
    this.#topics = init.topics;
  }

  /** @internal Attach to the socket, feed bytes read past the handshake, call `open`. */
  start(head: Uint8Array): void {
    const socket = this.#socket;
    socket[kConnection] = this as Connection<unknown>;
    if (this.#options.noDelay && typeof socket.setNoDelay === 'function') socket.setNoDelay(true);
    const shared = this.#sharedReadBuffer;
    if (shared === undefined || !readInto(socket, shared, onSharedRead))
      socket.on('data', onSocketData);
    socket.on('end', onSocketEnd);
    socket.on('error', onSocketError);
    socket.on('close', onSocketClose);
    // A write made before this connection took the socket (the 101) may already wait for one.
    if (socket.writableNeedDrain) this.#watchDrain();
    this.#handle = directHandle(socket);
    if (this.#handle === undefined) {
      const direct = directStream(socket);
      if (direct !== undefined) {
        this.#direct = direct;
        direct.readDirect(this);
      } else {
        this.#tls = tlsDirectWriter(socket, this);
        this.#highWater = socket.writableHighWaterMark;
      }
    }
    if (this.#heartbeat !== undefined) {
      this.#heartbeat.add(this);
      this.#lastSeen = this.#heartbeat.now;
      this.#progressAt = this.#lastSeen;
    }
    try {
      this.#handler.open?.(this);
    } catch (error) {
      this.#handlerFailed(error);
    }
    if (head.length > 0 && !this.#finished) this.receive(head);
    if (this.#socket.destroyed && !this.#disposed) this.transportClosed();
  }

  /** OPEN, CLOSING (close sent, waiting for the peer's) or CLOSED (as `WebSocket.readyState`). */
  get readyState(): ReadyState {
    return this.#core.readyState;
  }

  /** Bytes sent but not yet handed to the kernel. */
  get bufferedAmount(): number {
    return (
      this.#socket.writableLength + this.#pendingDirect + this.#heldBytes + this.#core.outputLength
    );
  }

  // ---------------------------------------------------------------------------------------
  // Sending

  /** Sends, pings and pongs dropped because the connection was closing or closed. */
  get droppedSends(): number {
    return this.#droppedSends;
  }

  /**
   * Send a message: a string as text, bytes as binary, unless `isBinary` says otherwise. With
   * `fin: false` the message continues with the next sends of the same kind (fragmentation).
   * The data is copied before this returns. Returns `false` when the socket is backpressured
   * (wait for the `drain` callback before sending much more), and when the connection is
   * closing or closed: the data is then dropped and counted in {@link droppedSends}, so a loop
   * over many connections needs no `readyState` check. Misuse throws a `WirekitError` in any
   * state: `ERR_INVALID_ARGUMENT` for data that is not a string or a `Uint8Array`; while open,
   * also `ERR_WS_INVALID_UTF8` (text bytes) and `ERR_WS_FRAGMENT_ORDER` (RFC 6455 §5.4).
   */
  send(
    data: string | Uint8Array,
    isBinary: boolean = typeof data !== 'string',
    fin = true,
  ): boolean {
    if (this.#core.readyState !== ReadyState.OPEN) return this.#drop(data);
    this.#drainPublished();
    if (isBinary) this.#core.sendBinary(data, fin);
    else this.#core.sendText(data, fin, data === this.#receivedText);
    return this.#afterSend();
  }

  /** Send a text message (a `Uint8Array` must be UTF-8); as {@link send}. */
  sendText(text: string | Uint8Array, fin = true): boolean {
    if (this.#core.readyState !== ReadyState.OPEN) return this.#drop(text);
    this.#drainPublished();
    this.#core.sendText(text, fin, text === this.#receivedText);
    return this.#afterSend();
  }

  /** Send a binary message; as {@link send}. */
  sendBinary(data: Uint8Array | string, fin = true): boolean {
    if (this.#core.readyState !== ReadyState.OPEN) return this.#drop(data);
    this.#drainPublished();
    this.#core.sendBinary(data, fin);
    return this.#afterSend();
  }

  /**
   * Send a ping (at most 125 bytes, else `ERR_WS_CONTROL_TOO_LARGE` in any state). Still sent
   * while CLOSING: RFC 6455 §5.5.1 forbids only data frames after a close frame. Once CLOSED it
   * is dropped (counted in {@link droppedSends}) and returns `false`; otherwise returns `false`
   * only when the socket is backpressured.
   */
  ping(data?: Uint8Array | string): boolean {
    if (this.#core.readyState === ReadyState.CLOSED) return this.#dropControl(data);
    this.#drainPublished();
    this.#core.ping(data);
    return this.#afterSend();
  }

  /**
   * Send a pong (at most 125 bytes); as {@link ping}. Still sent while CLOSING: with
   * `autoPong: false` a ping that arrives after this side's close frame is answered here
   * (RFC 6455 §5.5.2).
   */
  pong(data?: Uint8Array | string): boolean {
    if (this.#core.readyState === ReadyState.CLOSED) return this.#dropControl(data);
    this.#drainPublished();
    this.#core.pong(data);
    return this.#afterSend();
  }

  /** A data send on a closing or closed connection: check the argument, drop, count. */
  #drop(data: unknown): false {
    checkMessageData(data);
    this.#droppedSends++;
    return false;
  }

  /** A ping or pong on a closed connection: check the payload (§5.5), drop, count. */
  #dropControl(data: unknown): false {
    if (data !== undefined) controlPayload(data);
    this.#droppedSends++;
    return false;
  }

  /**
   * Start the close handshake: everything sent before reaches the peer first, then the close
   * frame. Without a code the close frame has no body. Closing twice does nothing. If the peer
   * does not answer within `closeTimeout`, the socket is destroyed (code 1006). A code that may
   * not be sent (`ERR_WS_INVALID_CLOSE_CODE`, RFC 6455 §7.4) or a reason over 123 bytes
   * (`ERR_WS_CONTROL_TOO_LARGE`) throws in any state, so misuse shows before the close races.
   * The connection leaves its topics at once: it can take no more messages.
   */
  close(code?: number, reason?: string): void {
    closeReasonBytes(code, reason ?? '');
    if (this.#core.readyState !== ReadyState.OPEN) return;
    const topics = this.#topics;
    if (topics !== undefined) {
      // What was published before the close reaches the peer before the close frame; after it,
      // the connection can take no more data frames (RFC 6455 §5.5.1), so it leaves its topics
      // now, and publishes count only subscribers that can still receive.
      this.#drainPublished();
      topics.remove(this);
    }
    this.#core.close(code, reason);
    this.#armCloseTimer();
    this.#afterSend();
  }

  /** Destroy the socket now, without a close handshake. `close` reports code 1006. */
  terminate(): void {
    this.#terminated = true;
    this.#socket.destroy();
  }

  // ---------------------------------------------------------------------------------------
  // Topics (pub/sub, server side; see pubsub/topic-registry.ts)

  /**
   * Receive what is published to `topic` from now on, until {@link unsubscribe} or the end of
   * the connection. Returns `false` if already subscribed (or the connection is closing).
   * Throws `ERR_PUBSUB_INVALID_TOPIC` for an empty or too long name,
   * `ERR_PUBSUB_TOO_MANY_TOPICS` past the server's `maxTopicsPerConnection`, and
   * `ERR_PUBSUB_UNAVAILABLE` on a client connection.
   */
  subscribe(topic: string): boolean {
    return this.#registry().subscribe(this, topic);
  }

  /** Stop receiving `topic`; `false` if not subscribed. */
  unsubscribe(topic: string): boolean {
    return this.#registry().unsubscribe(this, topic);
  }

  /** Is this connection subscribed to `topic`? */
  isSubscribed(topic: string): boolean {
    return this.#topics?.isSubscribed(this, topic) ?? false;
  }

  /** The topics this connection is subscribed to, in subscription order (a copy). */
  get topics(): readonly string[] {
    return this.#topics?.topicsOf(this) ?? [];
  }

  /**
   * Publish to every subscriber of `topic` except this connection (as uWebSockets.js does),
   * on this server and, with a broker, beyond it. A string is text and bytes are binary unless
   * `isBinary` says otherwise. Returns how many of this server's subscribers it is queued for.
   */
  publish(
    topic: string,
    data: string | Uint8Array,
    isBinary: boolean = typeof data !== 'string',
  ): number {
    return this.#registry().publish(topic, data, isBinary, this);
  }

  /** @internal A published message for this subscriber: `false` if it was not queued (the
   * connection is not OPEN, or more than `dropAbove` bytes wait). */
  deliver(message: PreparedMessage, dropAbove: number): boolean {
    if (this.#core.readyState !== ReadyState.OPEN) return false;
    if (dropAbove < Number.POSITIVE_INFINITY && this.bufferedAmount > dropAbove) return false;
    this.#core.sendPrepared(message);
    // #afterSend's scheduling, without its return value (stream getters per delivery).
    if (this.#core.outputLength >= FLUSH_AT) this.flush();
    else if (!this.#dispatching && !this.#dirty) this.#markDirty();
    return true;
  }

  /** @internal No permessage-deflate: published frames are sent as they are. */
  get sharesFrames(): boolean {
    return this.#compression === undefined;
  }

  /**
   * @internal Frames published to a topic of this connection, queued by reference. Returns
   * {@link Delivery.SKIPPED} if the connection is not OPEN, {@link Delivery.QUEUED}, or
   * {@link Delivery.FLUSH} when its output is large enough to be written now: the registry
   * calls {@link flush} then, once every subscriber has the frames (a flush can close a
   * connection and run its handler, which must find the frames queued everywhere).
   */
  deliverFrames(frames: Uint8Array): number {
    const core = this.#core;
    if (core.readyState !== ReadyState.OPEN) return Delivery.SKIPPED;
    core.sendFrame(frames);
    if (core.outputLength >= FLUSH_AT) return Delivery.FLUSH;
    if (!this.#dispatching && !this.#dirty) this.#markDirty();
    return Delivery.QUEUED;
  }

  /** Messages published to this connection's topics and still batched go out before anything
   * it queues now (see topic-registry.ts: order). */
  #drainPublished(): void {
    const topics = this.#topics;
    if (topics?.batching === true) topics.drainBefore(this);
  }

  #markDirty(): void {
    this.#dirty = true;
    dirty.push(this as Connection<unknown>);
    if (!flushScheduled) {
      flushScheduled = true;
      process.nextTick(flushDirty);
    }
  }

  #registry(): TopicRegistry {
    if (this.#topics === undefined) {
      throw new WirekitError(
        ErrorCode.PUBSUB_UNAVAILABLE,
        'topics are a server feature: a client connection has none',
      );
    }
    return this.#topics;
  }

  /** @internal Write everything queued (called at the end of a receive or of the tick). */
  flush(): void {
    this.#dirty = false;
    const core = this.#core;
    if (core.outputLength === 0 || this.#socket.destroyed) return;
    const socket = this.#socket;
    const backlog = socket.writableLength + this.#pendingDirect + this.#heldBytes;
    if (backlog > this.#options.maxBackpressure && core.readyState === ReadyState.OPEN) {
      // What earlier flushes wrote is still not taken by the peer, past the hard limit: close
      // (1008) rather than buffer without bound. The check is on the backlog before this
      // write, so one message larger than the limit can still be sent. A peer that stops
      // reading below the limit is found by the heartbeat (`backpressureTimeout`).
      core.abort(CloseCode.POLICY_VIOLATION, 'backpressure limit exceeded');
      this.#finish();
      return;
    }
    this.#wroteSinceTick = true;
    const tls = this.#tls;
    if (tls !== undefined && (this.#encrypting || socket.writableLength === 0)) {
      this.#flushEncrypted(tls, core);
      return;
    }
    const output = core.takeOutput();
    this.#written += output.length;
    const handle = this.#handle;
    if (handle !== undefined && socket.writableLength === 0) {
      // Nothing is queued on the stream: past Writable straight to the TCP handle. Behind a
      // direct write still queued too (libuv keeps their order), so that the last completion
      // reports the drain: a stream write that Writable takes without backing up would end
      // without a 'drain' event, and the connection would wait for one for good.
      const status = writeDirect(handle, output, this);
      if (status === DirectWrite.WRITTEN) {
        if (this.#pendingDirect === 0) core.releaseOutput();
      } else if (status === DirectWrite.QUEUED) {
        this.#pendingDirect += output.length;
        this.#needDrain = true;
        this.#backpressured();
      } else socket.destroy(writeError(status));
      return;
    }
    const direct = this.#direct;
    if (direct !== undefined && socket.writableLength === 0) {
      // An in-process stream (HTTP/3): past its Writable to the transport, which copies the
      // bytes, so the buffer is free at once; what waits for flow control reports its drain.
      const status = direct.writeDirect(output, this);
      core.releaseOutput();
      if (status === DirectWrite.QUEUED) {
        this.#pendingDirect += output.length;
        this.#needDrain = true;
        this.#backpressured();
      }
      return;
    }
    const idle = backlog === 0;
    const ok = socket.write(output);
    // The transport is done with the bytes (the buffer goes back to the pool) when the write
    // completed synchronously on a transport that copies, or when an idle TLS socket took it:
    // OpenSSL encrypts (or copies) the plaintext within the write call, though Node reports
    // the write as pending until the ciphertext is out. A JavaScript Duplex may keep the
    // chunk itself, and a queued direct write still holds the buffer's start.
    if (
      this.#copiesWrites ||
      (this.#writesCopied &&
        this.#pendingDirect === 0 &&
        (socket.writableLength === 0 || (idle && this.#encrypts)))
    )
      core.releaseOutput();
    if (!ok) this.#backpressured();
  }

  /**
   * The TLS direct path (see tls-direct-write.ts). With a write pending, the output waits: in
   * the core while it is small (the completion flushes it), else taken into {@link #held} so
   * the core's buffer does not grow by copying. Otherwise everything held and queued goes to the
   * handle in one write, which OpenSSL encrypts within the call: the output buffer goes back to
   * the pool at once, and the completion follows on a later loop turn.
   */
  #flushEncrypted(tls: TlsDirectWriter, core: WebSocketConnection): void {
    if (this.#encrypting) {
      if (core.outputLength >= FLUSH_AT) {
        const output = core.takeOutput();
        this.#written += output.length;
        this.#held ??= [];
        this.#held.push(output);
        this.#heldBytes += output.length;
      }
      if (this.#pendingDirect + this.#heldBytes + core.outputLength >= this.#highWater)
        this.#directBackpressure();
      return;
    }
    const output = core.takeOutput();
    this.#written += output.length;
    const held = this.#held;
    let bytes = output.length;
    // A failed TCP write completes the request inside the write call: the state is set first.
    this.#encrypting = true;
    let status: number;
    if (held === undefined || held.length === 0) {
      this.#pendingDirect += bytes;
      status = tls.write(output);
    } else {
      if (output.length > 0) held.push(output);
      bytes += this.#heldBytes;
      this.#pendingDirect += bytes;
      this.#heldBytes = 0;
      this.#held = undefined;
      status = tls.writev(held, bytes);
    }
    if (status === DirectWrite.QUEUED) {
      // OpenSSL took the plaintext within the call.
      core.releaseOutput();
      if (this.#pendingDirect >= this.#highWater) this.#directBackpressure();
      return;
    }
    this.#encrypting = false;
    this.#pendingDirect -= bytes;
    if (status === DirectWrite.WRITTEN) core.releaseOutput();
    else if (!this.#socket.destroyed) this.#socket.destroy(writeError(status));
  }

  /** TLS direct writes reached the high-water mark: sends say false until all is out. */
  #directBackpressure(): void {
    if (this.#needDrain) return;
    this.#needDrain = true;
    this.#backpressured();
  }

  /** @internal A TLS direct write of `bytes` plaintext bytes completed (tls-direct-write.ts):
   * write what was held meanwhile, then end the socket or report the drain once all is out. */
  encryptedWriteDone(status: number, bytes: number): void {
    this.#encrypting = false;
    this.#pendingDirect -= bytes;
    const socket = this.#socket;
    if (status < 0) {
      if (!socket.destroyed) socket.destroy(writeError(status));
      return;
    }
    if (socket.destroyed) return;
    const core = this.#core;
    if (this.#heldBytes > 0 || core.outputLength > 0) {
      // Bytes the limit let through when they were sent: no backpressure check again.
      this.#wroteSinceTick = true;
      this.#flushEncrypted(this.#tls!, core);
      if (this.#encrypting || socket.destroyed) return;
    }
    const end = this.#pendingEnd;
    if (end !== PendingEnd.NONE) {
      this.#pendingEnd = PendingEnd.NONE;
      this.#endSocket(end);
    }
    if (this.#needDrain) {
      this.#needDrain = false;
      this.drained();
    }
  }

  /** End the socket now, or once the pending TLS direct write completed. */
  #endSocket(end: PendingEnd): void {
    if (this.#encrypting) this.#pendingEnd = end;
    else if (end === PendingEnd.TRAITS)
      this.#traits.endStream(this.#socket, this.#core.wasClean, this.#server);
    else this.#socket.end();
  }

  /** The transport holds written bytes back: stop reading if so configured (after the read
   * a drain owes the peer, see {@link ReadGate}). */
  #backpressured(): void {
    this.#watchDrain();
    if (this.#options.pauseOnBackpressure && !this.#readingPaused) {
      if (this.#readGate === ReadGate.OPEN) this.#pauseReading();
      else this.#readGate = ReadGate.PAUSE_AFTER_READ;
    }
  }

  /** Listen for `'drain'` from the first backpressure on: the listener is shared, but each
   * one a socket carries costs memory, and most connections never fill their socket. */
  #watchDrain(): void {
    if (this.#watchingDrain) return;
    this.#watchingDrain = true;
    this.#socket.on('drain', onSocketDrain);
  }

  /** @internal A direct write the kernel could not take at once has ended. */
  directWriteDone(status: number, bytes: number): void {
    this.#pendingDirect -= bytes;
    if (status < 0) {
      if (!this.#socket.destroyed) this.#socket.destroy(writeError(status));
      return;
    }
    if (this.#pendingDirect !== 0) return;
    this.#needDrain = false;
    if (this.#socket.writableLength === 0) {
      this.#core.releaseOutput();
      this.drained();
    }
  }

  #afterSend(): boolean {
    const core = this.#core;
    if (core.outputLength >= FLUSH_AT) this.flush();
    else if (!this.#dispatching && !this.#dirty) {
      this.#dirty = true;
      dirty.push(this as Connection<unknown>);
      if (!flushScheduled) {
        flushScheduled = true;
        process.nextTick(flushDirty);
      }
    }
    // False once the connection is over (e.g. this send found the backpressure limit crossed
    // and closed it with 1008; the message still went out before the close frame), or while
    // the socket wants a drain.
    return !this.#finished && !this.#socket.writableNeedDrain && !this.#needDrain;
  }

  // ---------------------------------------------------------------------------------------
  // Receiving

  /** @internal A read of `length` bytes into `buffer` (the shared read buffer, or memory the
   * transport lends for this read); returns whether reading goes on (not paused). */
  receiveRead(buffer: Buffer, length: number): boolean {
    return this.receive(
      buffer === this.#sharedReadBuffer ? this.#sharedReadBytes! : buffer,
      length,
    );
  }

  /** @internal Bytes from the socket, `chunk[0..end)` (all of it by default); returns whether
   * reading goes on (not paused). */
  receive(chunk: Uint8Array, end: number = chunk.length): boolean {
    if (this.#finished) {
      this.#ignoreAfterClose(end);
      return this.#discarded <= DISCARD_AFTER_CLOSE;
    }
    if (this.#heartbeat !== undefined) {
      this.#lastSeen = this.#heartbeat.now;
      this.#pingSentAt = 0;
    }
    this.#core.receive(chunk, end);
    this.#process();
    if (this.#readGate !== ReadGate.OPEN) this.#owedReadDone();
    return !this.#readingPaused;
  }

  /** The read a drain owed the peer has happened: pause now if sends backed up meanwhile. */
  #owedReadDone(): void {
    const pause = this.#readGate === ReadGate.PAUSE_AFTER_READ;
    this.#readGate = ReadGate.OPEN;
    if (pause && !this.#finished && (this.#socket.writableNeedDrain || this.#needDrain))
      this.#pauseReading();
  }

  #pauseReading(): void {
    if (this.#readingPaused) return;
    this.#readingPaused = true;
    this.#socket.pause();
  }

  /**
   * Bytes that arrive once the connection is CLOSED. None is processed (RFC 6455 §7.1.7: after
   * failing the connection nothing more from the peer is; after a clean close the peer sends
   * no more frames, §5.5.1). Reading goes on only to see the peer close the TCP connection
   * (§7.1.1); a peer that keeps sending stops being read past {@link DISCARD_AFTER_CLOSE}
   * bytes, and the close timer destroys the socket.
   */
  #ignoreAfterClose(length: number): void {
    this.#discarded += length;
    if (this.#discarded > DISCARD_AFTER_CLOSE) this.#socket.pause();
  }

  /** Run the core's events through the handler, then flush what the handler sent. */
  #process(): void {
    const core = this.#core;
    const handler = this.#handler;
    this.#dispatching = true;
    try {
      while (!this.#terminated) {
        const kind = core.poll();
        if (kind === ReadKind.NEED_DATA) break;
        if (kind === ReadKind.TEXT || kind === ReadKind.BINARY) {
          const isBinary = kind === ReadKind.BINARY;
          if (handler.message !== undefined) {
            const data = this.#payloadOut();
            if (!isBinary) this.#receivedText = data;
            handler.message(this, data, isBinary);
            this.#receivedText = undefined;
            if (this.#checkBorrowed) revoke(data);
          } else {
            const data = this.#copyQueued ? copyOf(core.payload as Buffer) : this.#payloadOut();
            this.#enqueue({ data, isBinary });
          }
        } else if (kind === ReadKind.PING) {
          if (handler.ping !== undefined) {
            const data = this.#payloadOut();
            handler.ping(this, data);
            if (this.#checkBorrowed) revoke(data);
          }
        } else if (kind === ReadKind.PONG) {
          if (handler.pong !== undefined) {
            const data = this.#payloadOut();
            handler.pong(this, data);
            if (this.#checkBorrowed) revoke(data);
          }
        } else {
          this.#finish();
          break;
        }
      }
    } catch (error) {
      this.#handlerFailed(error);
    } finally {
      this.#dispatching = false;
      this.#receivedText = undefined;
    }
    this.flush();
  }

  /** The current payload as a callback sees it: a copy, a checked loan, or the view itself. */
  #payloadOut(): Buffer {
    const payload = this.#core.payload as Buffer;
    return this.#copyPayloads ? copyOf(payload) : this.#checkBorrowed ? lend(payload) : payload;
  }

  /** A handler callback threw: close with 1011, throw the error again on the next tick. */
  #handlerFailed(error: unknown): void {
    this.#abort(CloseCode.INTERNAL_ERROR, 'handler error');
    throwLater(error);
  }

  /** @internal The peer ended the stream (`error` undefined) or the socket failed. */
  transportEnded(error: Error | undefined): void {
    if (error !== undefined) this.#transportError ??= error;
    if (!this.#finished) this.#endOfInput();
    // Our side of the close is done; a client waiting for the server's FIN stops waiting.
    // Unless the transport failed, end rather than destroy: an HTTP/2 stream holds every write
    // until nghttp2 sends it, and destroying would turn a close echo written in the same turn
    // as the peer's END_STREAM into a bare RST_STREAM (a browser then reports 1006). Queued
    // bytes go out first; the close timer armed by #finish still bounds it.
    if (this.#finished) {
      if (error === undefined && !this.#socket.writableFinished) this.#endSocket(PendingEnd.END);
      else this.#socket.destroy();
    }
  }

  /** No more input: deliver what is buffered (unless `terminate()` dropped it), then 1006. */
  #endOfInput(): void {
    this.#core.receiveEof(this.#terminated);
    this.#terminated = false;
    this.#process();
  }

  /** @internal The socket is closed: report 1006 if the close had not completed, clean up. */
  transportClosed(): void {
    if (this.#disposed) return;
    if (!this.#finished) {
      this.#endOfInput();
      if (!this.#finished) {
        // The core had already closed without us noticing (cannot happen, but never leak).
        this.#finish();
      }
    }
    this.#disposed = true;
    this.#compression?.close();
    this.#clearCloseTimer();
    this.#endInbox();
    delete this.#socket[kConnection];
    this.#onDispose?.(this);
  }

  /**
   * Resolves when sends are no longer backpressured (at once if they are not), or when the
   * connection closes. For `await ws.writable()` between bursts of sends.
   */
  writable(): Promise<void> {
    if ((!this.#socket.writableNeedDrain && !this.#needDrain) || this.#finished)
      return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.#watchDrain();
      this.#drainWaiters ??= [];
      this.#drainWaiters.push(resolve);
    });
  }

  /**
   * The connection as two halves for different parts of a program: a `reader` (async iterable
   * of messages) and a `writer` (sends, close, `writable()`). Both act on this connection.
   */
  split(): {
    /** The incoming messages, one at a time; ends when the connection closes. */
    readonly reader: AsyncIterable<Message>;
    /** Sends, close and `writable()`, without the reading side. */
    readonly writer: ConnectionWriter<Data>;
  } {
    return {
      reader: { [Symbol.asyncIterator]: () => this[Symbol.asyncIterator]() },
      writer: new ConnectionWriter<Data>(this),
    };
  }

  #wakeDrainWaiters(): void {
    const waiters = this.#drainWaiters;
    if (waiters === undefined) return;
    this.#drainWaiters = undefined;
    for (const wake of waiters) wake();
  }

  /** @internal The socket drained its write buffer. */
  drained(): void {
    // A direct write still queued keeps the socket backpressured; its completion calls again.
    if (this.#needDrain) return;
    this.#wakeDrainWaiters();
    if (this.#readingPaused && (this.#inbox?.length ?? 0) < INBOX_HIGH) {
      this.#readingPaused = false;
      this.#socket.resume();
      // The drain callback below may back the output up again at once (a producer that
      // refills on every drain): the peer is owed a read first, or it would never be heard.
      if (this.#options.pauseOnBackpressure) this.#readGate = ReadGate.OWED;
    }
    if (this.#finished || this.#handler.drain === undefined) return;
    try {
      this.#handler.drain(this);
    } catch (error) {
      this.#handlerFailed(error);
    }
  }

  /** @internal Heartbeat tick: backpressure deadline, idle timeout, heartbeat ping, pong
   * deadline. */
  heartbeat(now: number): void {
    if (this.#finished) return;
    const options = this.#options;
    const queued = this.#socket.writableLength + this.#pendingDirect + this.#heldBytes;
    // A connection that wrote nothing since the last tick gives its output buffer back (it
    // holds no queued bytes then), and a compressor unused since the last tick.
    if (!this.#wroteSinceTick && queued === 0) this.#core.trimOutput();
    this.#wroteSinceTick = false;
    // Likewise the slab a message cut across reads was assembled in (kept between messages
    // while the connection is busy).
    this.#core.trimInput();
    this.#compression?.trim();
    if (options.backpressureTimeout > 0) {
      // Progress: the output is empty, or the transport took bytes since the last look. Bytes
      // queued with none taken for the whole timeout: the peer stopped reading (1008). A burst
      // the peer reads slowly keeps making progress and is left to finish.
      const taken = this.#written - queued;
      if (queued === 0 || taken !== this.#takenAtProgress) {
        this.#takenAtProgress = taken;
        this.#progressAt = now;
      } else if (now - this.#progressAt >= options.backpressureTimeout) {
        this.#abort(CloseCode.POLICY_VIOLATION, 'backpressure timeout: the peer stopped reading');
        return;
      }
    }
    if (this.#readingPaused) {
      // This side stopped reading (its output is backpressured, or the async-iteration inbox
      // is full): the peer's bytes wait in the kernel, and the silence is ours, not the peer's.
      this.#lastSeen = now;
      this.#pingSentAt = 0;
    }
    const silent = now - this.#lastSeen;
    if (options.idleTimeout > 0 && silent >= options.idleTimeout) {
      this.#abort(CloseCode.GOING_AWAY, 'idle timeout');
    } else if (this.#pingSentAt !== 0) {
      if (now - this.#pingSentAt >= options.pongTimeout)
        this.#abort(CloseCode.GOING_AWAY, 'pong timeout');
    } else if (
      options.pingInterval > 0 &&
      silent >= options.pingInterval &&
      this.#core.readyState === ReadyState.OPEN
    ) {
      this.#pingSentAt = now;
      this.#core.ping();
      this.flush();
    }
  }

  /** Close from this side without waiting for the peer (heartbeat missed, limits). */
  #abort(code: number, reason: string): void {
    // What was published to this connection before goes out before the close frame.
    if (this.#core.readyState === ReadyState.OPEN) this.#drainPublished();
    if (this.#core.abort(code, reason)) this.#finish();
  }

  /** The core is CLOSED: flush the last frames, close the transport, tell the handler. */
  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#heartbeat?.delete(this);
    this.#topics?.remove(this);
    const core = this.#core;
    const socket = this.#socket;
    this.flush();
    if (!socket.destroyed) {
      this.#endSocket(PendingEnd.TRAITS);
      // Whoever should close next gets `closeTimeout` to do it, counted from `close()` when
      // this side started the close.
      if (this.#closeTimer === undefined) this.#armCloseTimer();
    }
    const error = this.#transportError;
    const reason =
      core.closeReason === '' && error !== undefined ? error.message : core.closeReason;
    try {
      this.#handler.close?.(this, core.closeCode, reason, core.wasClean);
    } catch (error) {
      throwLater(error);
    }
    this.#endInbox();
    this.#wakeDrainWaiters();
  }

  #armCloseTimer(): void {
    this.#clearCloseTimer();
    const timer = setTimeout(destroySocket, this.#options.closeTimeout, this.#socket);
    timer.unref();
    this.#closeTimer = timer;
  }

  #clearCloseTimer(): void {
    if (this.#closeTimer !== undefined) {
      clearTimeout(this.#closeTimer);
      this.#closeTimer = undefined;
    }
  }

  // ---------------------------------------------------------------------------------------
  // Async iteration

  #enqueue(message: Message): void {
    const waiting = this.#waiting;
    if (waiting !== undefined) {
      this.#waiting = undefined;
      waiting({ value: message, done: false });
      return;
    }
    this.#inbox ??= [];
    const inbox = this.#inbox;
    inbox.push(message);
    if (inbox.length >= INBOX_HIGH) this.#pauseReading();
  }

  #endInbox(): void {
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.({ value: undefined, done: true });
  }

  /**
   * Messages as they arrive, for `for await (const { data, isBinary } of ws)`; ends when the
   * connection closes. Leaving the loop early closes the connection with 1000. Only messages
   * not taken by a `message` callback are iterated.
   */
  [Symbol.asyncIterator](): AsyncIterator<Message> {
    return {
      next: () => {
        const message = this.#inbox?.shift();
        if (message !== undefined) {
          if (
            this.#readingPaused &&
            this.#inbox!.length < INBOX_HIGH / 2 &&
            !this.#socket.writableNeedDrain
          ) {
            this.#readingPaused = false;
            this.#socket.resume();
          }
          return Promise.resolve({ value: message, done: false });
        }
        if (this.#finished) return Promise.resolve({ value: undefined, done: true });
        if (this.#waiting !== undefined) {
          return Promise.reject(
            new WirekitError(
              ErrorCode.INVALID_ARGUMENT,
              'only one reader may iterate a connection at a time',
            ),
          );
        }
        return new Promise<IteratorResult<Message>>((resolve) => {
          this.#waiting = resolve;
        });
      },
      return: () => {
        this.close(CloseCode.NORMAL);
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}

/** The sending half of a {@link Connection}, from {@link Connection.split}. */
export class ConnectionWriter<Data = unknown> {
  readonly #connection: Connection<Data>;

  /** @internal Use {@link Connection.split}. */
  constructor(connection: Connection<Data>) {
    this.#connection = connection;
  }

  /** See {@link Connection.send}. */
  send(
    data: string | Uint8Array,
    isBinary: boolean = typeof data !== 'string',
    fin = true,
  ): boolean {
    return this.#connection.send(data, isBinary, fin);
  }

  /** See {@link Connection.ping}. */
  ping(data?: Uint8Array | string): boolean {
    return this.#connection.ping(data);
  }

  /** See {@link Connection.close}. */
  close(code?: number, reason?: string): void {
    this.#connection.close(code, reason);
  }

  /** See {@link Connection.writable}. */
  writable(): Promise<void> {
    return this.#connection.writable();
  }

  /** See {@link Connection.bufferedAmount}. */
  get bufferedAmount(): number {
    return this.#connection.bufferedAmount;
  }

  /** See {@link Connection.readyState}. */
  get readyState(): ReadyState {
    return this.#connection.readyState;
  }
}

/**
 * Throw `error` on the next tick, outside wirekit's bookkeeping: an application callback's
 * error reaches `process.on('uncaughtException')` as an `EventEmitter` listener's would.
 */
export function throwLater(error: unknown): void {
  process.nextTick(rethrow, error);
}

function rethrow(error: unknown): never {
  throw error;
}

function destroySocket(socket: Duplex): void {
  socket.destroy();
}
