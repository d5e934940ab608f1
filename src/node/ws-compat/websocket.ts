/**
 * ws's `WebSocket` class (ws.md, "Class: WebSocket") on top of a wirekit {@link Connection}: an
 * `EventEmitter` with ws's events, methods, states and errors, usable as a client
 * (`new WebSocket(url, protocols, options)`) and as the server's per-connection object.
 *
 * The client handshake goes through `node:http`/`node:https` as ws's does, so every
 * `http.request` option ws passes on (an `agent`, TLS settings, `lookup`, `localAddress`,
 * `ws+unix:` sockets) and the `'upgrade'`, `'unexpected-response'` and `'redirect'` events
 * behave the same. After the 101, wirekit's core and connection take over the socket.
 *
 * Per message, the path is one shared handler object (no closures per connection) and one
 * `emit`. A `send` callback is called once the bytes are written: at the end of the tick when
 * the write went through at once (the usual case), otherwise after a zero-length write queued
 * behind the data on the socket, whose callback Node calls once everything before it is
 * written (or with the error that stopped it).
 */
import { EventEmitter } from 'node:events';
import {
  type ClientRequest,
  request as httpRequest,
  type IncomingMessage,
  type OutgoingHttpHeaders,
} from 'node:http';
import { type RequestOptions as HttpsRequestOptions, request as httpsRequest } from 'node:https';
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { type Duplex, finished } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { isAnyArrayBuffer } from 'node:util/types';
import { WirekitError } from '../../core/errors.js';
import { isValidCloseCode } from '../../core/ws/close-code.js';
import { parseExtensionHeader } from '../../core/ws/extension-header.js';
import { computeAccept, generateKey } from '../../core/ws/handshake-key.js';
import { isToken } from '../../core/ws/header-tokens.js';
import { deflateOffer, PERMESSAGE_DEFLATE } from '../../core/ws/permessage-deflate.js';
import { ReadyState } from '../../core/ws/ready-state.js';
import { clientConnection } from '../client-connection.js';
import type { Connection, ConnectionHandler } from '../connection.js';
import { resolveConnectionOptions } from '../connection-options.js';
import { type ResolvedDeflate, resolveDeflate } from '../deflate-config.js';
import { nodePlatform } from '../node-platform.js';
import { byteStreamTraits } from '../stream-traits.js';
import { isWirekitLimit, notOpenError, peerFailure, WsErrorCode, wsError } from './errors.js';
import {
  addEventListener,
  type CloseEvent,
  type ErrorEvent,
  type EventSource,
  getAttribute,
  type MessageEvent,
  removeEventListener,
  setAttribute,
  type WsAddEventListenerOptions,
  type Event as WsEvent,
  type WsEventListener,
} from './event-target.js';
import {
  type CommonOptions,
  connectionOptions,
  deflateConfig,
  type PerMessageDeflateOptions,
} from './options.js';

/** How binary messages are handed to `'message'` listeners. */
export type BinaryType = 'nodebuffer' | 'arraybuffer' | 'fragments' | 'blob';

/** A message as `'message'` listeners get it (text is always a `Buffer`). */
export type RawData = Buffer | ArrayBuffer | Buffer[] | Blob;

/**
 * What `send`, `ping` and `pong` take: every form of a received message (so an echo needs no
 * conversion; a list of buffers, `binaryType` `'fragments'`, is sent as their concatenation),
 * numbers (as text), and other objects through `Buffer.from`.
 */
export type WsSendData =
  | string
  | number
  | Buffer
  | ArrayBuffer
  | SharedArrayBuffer
  | ArrayBufferView
  | Blob
  | readonly Uint8Array[]
  | readonly number[]
  | null
  | undefined;

/** Called once the data is written, or with the error that prevented it. */
export type SendCallback = (error?: Error) => void;

/** Options of `WebSocket.send` (ws's `send(data, options, callback)`). */
export interface SendOptions {
  /** Send as binary (default: anything but a string) or text. */
  readonly binary?: boolean;
  /** Accepted for compatibility: wirekit compresses every message of at least the threshold. */
  readonly compress?: boolean;
  /** `false`: the message continues with the next `send` calls, until one with `fin: true`. */
  readonly fin?: boolean;
  /** Accepted for compatibility: a client always masks, a server never does (RFC 6455 §5.1). */
  readonly mask?: boolean;
}

/** The events of a {@link WebSocket} and their arguments. */
export type WebSocketEvents = {
  /** The opening handshake succeeded; `readyState` is `OPEN`. */
  open: [];
  /**
   * A whole message: its bytes (as `binaryType` says) and whether it was binary; text stays bytes,
   * as in ws 8.
   */
  message: [data: RawData, isBinary: boolean];
  /**
   * The connection closed: the close code (1005 without one, 1006 without a close frame) and the
   * reason's bytes.
   */
  close: [code: number, reason: Buffer];
  /** The connection failed (handshake, peer protocol error, transport); `close` follows. */
  error: [error: Error];
  /**
   * A ping arrived with this application data, 0–125 bytes (RFC 6455 §5.5.2); answered already when
   * `autoPong` is on.
   */
  ping: [data: Buffer];
  /** A pong arrived with this application data, 0–125 bytes (RFC 6455 §5.5.3). */
  pong: [data: Buffer];
  /** Client: the server's 101 answer arrived, before `open`. */
  upgrade: [response: IncomingMessage];
  /**
   * Client: the server answered with something other than 101; without a listener the handshake
   * fails with an error.
   */
  'unexpected-response': [request: ClientRequest, response: IncomingMessage];
  /** Client, `followRedirects`: a 3xx was followed; the new URL and the request sent to it. */
  redirect: [url: string, request: ClientRequest];
};

/** Options of the client (ws.md, `new WebSocket`): ws's own, then any `http.request` option. */
export interface ClientOptions
  extends CommonOptions,
    Omit<HttpsRequestOptions, 'headers' | 'timeout' | 'method' | 'path' | 'protocol'> {
  /** Subprotocols, when the options take the place of the `protocols` argument. */
  readonly protocols?: string | readonly string[];
  /** Extra request header fields. */
  readonly headers?: OutgoingHttpHeaders;
  /** Give up when the server has not answered within this many ms. Default 10 000 (ws: none). */
  readonly handshakeTimeout?: number;
  /** Offer permessage-deflate. Default true, as in ws. */
  readonly perMessageDeflate?: boolean | PerMessageDeflateOptions;
  /** `Sec-WebSocket-Version`: 13 (default) or 8. */
  readonly protocolVersion?: number;
  /** `Origin` (`Sec-WebSocket-Origin` with version 8). */
  readonly origin?: string;
  /** Follow 3xx answers with a `Location`. Default false. */
  readonly followRedirects?: boolean;
  /** At most this many redirects. Default 10. */
  readonly maxRedirects?: number;
  /** Finish each request (the first and every redirect) yourself; call `request.end()`. */
  readonly finishRequest?: (request: ClientRequest, websocket: WebSocket) => void;
  /** Accepted for compatibility: masks come from a pool filled by `crypto.randomFillSync`. */
  readonly generateMask?: (mask: Buffer) => void;
}

const EMPTY = Buffer.alloc(0);
const ABNORMAL = 1006;
const PROTOCOL_VERSIONS: readonly number[] = [8, 13];

/** An operation waiting behind a `Blob` being read, so that frames keep their order. */
interface QueuedOp {
  /** A `Blob` to read first, or the payload (copied when queued). */
  readonly data: Blob | string | Uint8Array;
  readonly run: (payload: string | Uint8Array) => void;
  readonly fail: (error: Error) => void;
  reading: boolean;
}

let bindSocket: (ws: WebSocket, socket: Duplex) => void;
let handler: ConnectionHandler<WebSocket>;

/**
 * A WebSocket, as in ws.
 *
 * @example
 * ```ts
 * import WebSocket from 'wirekit/ws';
 * const ws = new WebSocket('ws://127.0.0.1:9001');
 * ws.on('open', () => ws.send('hello'));
 * ws.on('message', (data, isBinary) => console.log(isBinary ? data : data.toString()));
 * ```
 */
export class WebSocket extends EventEmitter<WebSocketEvents> {
  static readonly CONNECTING: 0 = 0;
  static readonly OPEN: 1 = 1;
  static readonly CLOSING: 2 = 2;
  static readonly CLOSED: 3 = 3;
  declare readonly CONNECTING: 0;
  declare readonly OPEN: 1;
  declare readonly CLOSING: 2;
  declare readonly CLOSED: 3;

  static {
    // One handler object for every connection: `connection.data` is the WebSocket.
    handler = {
      open(connection) {
        connection.data.#opened(connection);
      },
      message(connection, data, isBinary) {
        connection.data.#received(data, isBinary);
      },
      ping(connection, data) {
        connection.data.emit('ping', data);
      },
      pong(connection, data) {
        connection.data.emit('pong', data);
      },
      close(connection, code, reason, wasClean) {
        connection.data.#connectionClosed(code, reason, wasClean);
      },
    };
    bindSocket = (ws, socket) => {
      ws.#socket = socket;
    };
  }

  #readyState: ReadyState = ReadyState.CONNECTING;
  #binaryType: BinaryType = 'nodebuffer';
  #protocol = '';
  #extensions = '';
  #url: string | undefined;
  #connection: Connection<WebSocket> | undefined;
  #socket: Duplex | undefined;
  #paused = false;
  #closeCode = ABNORMAL;
  #closeMessage: Buffer = EMPTY;
  #closedCleanly = false;
  #errorEmitted = false;
  /** Bytes passed to `send` once closing started (ws counts them in `bufferedAmount`). */
  #unsent = 0;
  /** The kind of the fragmented message being sent (`fin: false`): 1 text, 2 binary. */
  #fragment = 0;
  /** Callbacks of this tick's sends, settled together at the end of the tick. */
  #writeCallbacks: SendCallback[] | undefined;
  /** Operations behind a `Blob` being read; `undefined` while none is. */
  #queue: QueuedOp[] | undefined;
  // Client handshake.
  #request: ClientRequest | undefined;
  #redirects = 0;
  #original: { readonly host: string; readonly secure: boolean; readonly ipc: boolean } | undefined;

  /**
   * A client connecting to `address` (`ws:`, `wss:`, `http:`, `https:` or `ws+unix:`). Throws a
   * `SyntaxError` for an invalid URL or subprotocol list and a `RangeError` for an unsupported
   * `protocolVersion`; connection failures are emitted as `'error'` then `'close'`. `null`
   * makes the server's object (the server does it).
   */
  constructor(
    address: string | URL | null,
    protocols?: string | readonly string[] | ClientOptions,
    options?: ClientOptions,
  ) {
    super();
    if (address === null) return;
    let list: readonly string[];
    let opts: ClientOptions = options ?? {};
    if (protocols === undefined) {
      list = asList(opts.protocols);
    } else if (typeof protocols === 'string') {
      list = [protocols];
    } else if (Array.isArray(protocols)) {
      list = protocols as readonly string[];
    } else {
      opts = protocols as ClientOptions;
      list = asList(opts.protocols);
    }
    this.#initAsClient(address, list, opts);
  }

  // -------------------------------------------------------------------------------------------
  // Attributes

  /** `'nodebuffer'` (default), `'arraybuffer'`, `'fragments'` or `'blob'`; others are ignored. */
  get binaryType(): BinaryType {
    return this.#binaryType;
  }

  set binaryType(type: BinaryType) {
    if (type === 'nodebuffer' || type === 'arraybuffer' || type === 'fragments' || type === 'blob')
      this.#binaryType = type;
  }

  /** Bytes queued by `send` and not yet handed to the kernel, frame headers included. */
  get bufferedAmount(): number {
    return (this.#connection?.bufferedAmount ?? 0) + this.#unsent;
  }

  /** The negotiated extensions' names: `'permessage-deflate'` or `''`. */
  get extensions(): string {
    return this.#extensions;
  }

  /** Whether `pause()` holds the socket. */
  get isPaused(): boolean {
    return this.#paused;
  }

  /** The subprotocol the server chose, or `''`. */
  get protocol(): string {
    return this.#protocol;
  }

  /** CONNECTING (0), OPEN (1), CLOSING (2) or CLOSED (3). */
  get readyState(): ReadyState {
    const state = this.#readyState;
    const connection = this.#connection;
    if (state !== ReadyState.OPEN || connection === undefined) return state;
    // The close handshake started on the connection (this side or the peer): CLOSING until
    // the 'close' event, as in ws.
    return connection.readyState === ReadyState.OPEN ? ReadyState.OPEN : ReadyState.CLOSING;
  }

  /** The URL, serialized; `undefined` on the server's objects, as in ws. */
  get url(): string | undefined {
    return this.#url;
  }

  /** The network socket once open (ws's undocumented `_socket`, read by many libraries). */
  get _socket(): Duplex | null {
    return this.#socket ?? null;
  }

  /** @internal Whether the close handshake completed (for `CloseEvent.wasClean`). */
  get closedCleanly(): boolean {
    return this.#closedCleanly;
  }

  get onopen(): ((this: WebSocket, event: WsEvent) => unknown) | null {
    return getAttribute(this.#events(), 'open') as ((event: WsEvent) => unknown) | null;
  }
  set onopen(handler: ((this: WebSocket, event: WsEvent) => unknown) | null) {
    setAttribute(this.#events(), 'open', handler);
  }

  get onmessage(): ((this: WebSocket, event: MessageEvent) => unknown) | null {
    return getAttribute(this.#events(), 'message') as ((event: MessageEvent) => unknown) | null;
  }
  set onmessage(handler: ((this: WebSocket, event: MessageEvent) => unknown) | null) {
    setAttribute(this.#events(), 'message', handler);
  }

  get onclose(): ((this: WebSocket, event: CloseEvent) => unknown) | null {
    return getAttribute(this.#events(), 'close') as ((event: CloseEvent) => unknown) | null;
  }
  set onclose(handler: ((this: WebSocket, event: CloseEvent) => unknown) | null) {
    setAttribute(this.#events(), 'close', handler);
  }

  get onerror(): ((this: WebSocket, event: ErrorEvent) => unknown) | null {
    return getAttribute(this.#events(), 'error') as ((event: ErrorEvent) => unknown) | null;
  }
  set onerror(handler: ((this: WebSocket, event: ErrorEvent) => unknown) | null) {
    setAttribute(this.#events(), 'error', handler);
  }

  /**
   * ws's `EventTarget` emulation: `'open'`, `'message'`, `'close'` and `'error'` listeners get
   * event objects; other types are ignored. A listener is added once.
   */
  addEventListener(
    type: 'open' | 'message' | 'close' | 'error',
    listener: WsEventListener<never>,
    options?: WsAddEventListenerOptions,
  ): void {
    addEventListener(this.#events(), type, listener, options);
  }

  /** Remove a listener added with `addEventListener`. */
  removeEventListener(
    type: 'open' | 'message' | 'close' | 'error',
    listener: WsEventListener<never>,
  ): void {
    removeEventListener(this.#events(), type, listener);
  }

  #events(): EventSource {
    return this as unknown as EventSource;
  }

  // -------------------------------------------------------------------------------------------
  // Sending

  /**
   * Send a message. Throws while CONNECTING; once closing started the data is not sent and
   * `cb` gets an error (ws's `sendAfterClose`). `cb` is called once the data is written.
   */
  send(data: WsSendData, options?: SendOptions | SendCallback, cb?: SendCallback): void {
    if (this.#readyState === ReadyState.CONNECTING) throw notOpenError(ReadyState.CONNECTING);
    let opts: SendOptions | undefined;
    if (typeof options === 'function') cb = options;
    else opts = options;
    const value = typeof data === 'number' ? data.toString() : data;
    if (this.readyState !== ReadyState.OPEN) {
      this.#sendAfterClose(value, cb);
      return;
    }
    const binary = opts?.binary ?? typeof value !== 'string';
    const fin = opts?.fin ?? true;
    if (value instanceof Blob || this.#queue !== undefined) {
      this.#enqueue(value, (payload) => this.#transmit(payload, binary, fin, cb), cb);
      return;
    }
    this.#transmit(toPayload(value), binary, fin, cb);
  }

  #transmit(
    payload: string | Uint8Array,
    binary: boolean,
    fin: boolean,
    cb: SendCallback | undefined,
  ): void {
    // The connection's own state: a send queued behind a Blob before `close()` still goes.
    const connection = this.#connection;
    if (connection === undefined || connection.readyState !== ReadyState.OPEN) {
      this.#sendAfterClose(payload, cb);
      return;
    }
    // A continuation keeps the kind its message started with, whatever `binary` says (ws).
    const isBinary = this.#fragment === 0 ? binary : this.#fragment === 2;
    this.#fragment = fin ? 0 : isBinary ? 2 : 1;
    connection.send(payload, isBinary, fin);
    if (cb !== undefined) this.#afterWrite(cb);
  }

  /** Send a ping (at most 125 bytes). Throws while CONNECTING. */
  ping(data?: WsSendData | SendCallback, mask?: boolean | SendCallback, cb?: SendCallback): void {
    this.#control(true, data, mask, cb);
  }

  /** Send a pong (at most 125 bytes). Throws while CONNECTING. */
  pong(data?: WsSendData | SendCallback, mask?: boolean | SendCallback, cb?: SendCallback): void {
    this.#control(false, data, mask, cb);
  }

  #control(
    isPing: boolean,
    data: WsSendData | SendCallback,
    mask: boolean | SendCallback | undefined,
    cb: SendCallback | undefined,
  ): void {
    if (this.#readyState === ReadyState.CONNECTING) throw notOpenError(ReadyState.CONNECTING);
    let value: WsSendData;
    if (typeof data === 'function') {
      cb = data;
      value = undefined;
    } else {
      value = typeof data === 'number' ? data.toString() : data;
      if (typeof mask === 'function') cb = mask;
    }
    if (this.readyState !== ReadyState.OPEN) {
      this.#sendAfterClose(value, cb);
      return;
    }
    const send = (payload: string | Uint8Array): void => {
      const connection = this.#connection;
      if (connection === undefined || connection.readyState !== ReadyState.OPEN) {
        this.#sendAfterClose(payload, cb);
        return;
      }
      if (isPing) connection.ping(payload);
      else connection.pong(payload);
      if (cb !== undefined) this.#afterWrite(cb);
    };
    if (value instanceof Blob) {
      checkControlSize(value.size);
      this.#enqueue(value, send, cb);
      return;
    }
    const payload = toPayload(value);
    checkControlSize(typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length);
    if (this.#queue !== undefined) this.#enqueue(payload, send, cb);
    else send(payload);
  }

  /**
   * Start the closing handshake. `code`: 1000–1003, 1007–1014 or 3000–4999 (else a
   * `TypeError`); `reason`: at most 123 bytes (else a `RangeError`), sent only with a code.
   * While CONNECTING the attempt is aborted and `'error'` then `'close'` follow.
   */
  close(code?: number, reason?: string | Buffer): void {
    if (this.#readyState === ReadyState.CLOSED) return;
    if (this.#readyState === ReadyState.CONNECTING) {
      this.#abortHandshake('WebSocket was closed before the connection was established');
      return;
    }
    if (this.readyState === ReadyState.CLOSING) return;
    if (code !== undefined && (typeof code !== 'number' || !isValidCloseCode(code))) {
      throw wsError(
        TypeError,
        WsErrorCode.INVALID_CLOSE_CODE,
        'First argument must be a valid error code number',
      );
    }
    const text = code === undefined || reason === undefined ? '' : reason.toString();
    if (Buffer.byteLength(text) > 123) {
      throw wsError(
        RangeError,
        WsErrorCode.CONTROL_TOO_LARGE,
        'The message must not be greater than 123 bytes',
      );
    }
    const run = (): void => this.#connection?.close(code, text);
    if (this.#queue !== undefined)
      this.#queue.push({ data: EMPTY, run, fail: noop, reading: false });
    else run();
    this.#readyState = ReadyState.CLOSING;
  }

  /** Destroy the socket now, without a closing handshake; `'close'` follows with 1006. */
  terminate(): void {
    if (this.#readyState === ReadyState.CLOSED) return;
    if (this.#readyState === ReadyState.CONNECTING) {
      this.#abortHandshake('WebSocket was closed before the connection was established');
      return;
    }
    this.#readyState = ReadyState.CLOSING;
    this.#connection?.terminate();
  }

  /** Stop reading from the socket; messages already read are still emitted. */
  pause(): void {
    const state = this.#readyState;
    if (state === ReadyState.CONNECTING || state === ReadyState.CLOSED) return;
    this.#paused = true;
    this.#socket?.pause();
  }

  /** Read from the socket again after `pause()`. */
  resume(): void {
    const state = this.#readyState;
    if (state === ReadyState.CONNECTING || state === ReadyState.CLOSED) return;
    this.#paused = false;
    this.#socket?.resume();
  }

  // -------------------------------------------------------------------------------------------
  // Write callbacks and Blob sends

  /** `cb` is called once what was sent so far is written (see the file comment). */
  #afterWrite(cb: SendCallback): void {
    const pending = this.#writeCallbacks;
    if (pending !== undefined) {
      pending.push(cb);
      return;
    }
    this.#writeCallbacks = [cb];
    // Queued after the connection's own end-of-tick flush (scheduled by the send before).
    process.nextTick(WebSocket.#settleWrites, this);
  }

  static #settleWrites(ws: WebSocket): void {
    const callbacks = ws.#writeCallbacks ?? [];
    ws.#writeCallbacks = undefined;
    const socket = ws.#socket;
    if ((ws.#connection?.bufferedAmount ?? 0) === 0 || socket === undefined) {
      for (const cb of callbacks) cb();
      return;
    }
    whenWritten(socket, callbacks);
  }

  /** ws's `sendAfterClose`: count the bytes, and give `cb` an error on the next tick. */
  #sendAfterClose(data: WsSendData, cb: SendCallback | undefined): void {
    if (data !== undefined && data !== null && data !== '') {
      this.#unsent += data instanceof Blob ? data.size : byteLength(data);
    }
    if (cb !== undefined) process.nextTick(cb, notOpenError(this.readyState));
  }

  /** Queue an operation behind the `Blob` being read, or start with this `Blob`. */
  #enqueue(
    data: WsSendData,
    run: (payload: string | Uint8Array) => void,
    cb: SendCallback | undefined,
  ): void {
    const fail = (error: Error): void => {
      if (cb !== undefined) process.nextTick(cb, error);
    };
    let value: Blob | string | Uint8Array;
    if (data instanceof Blob) value = data;
    else {
      const payload = toPayload(data);
      // The caller may reuse its buffer once `send` returns; the queue keeps its own bytes.
      value = typeof payload === 'string' ? payload : payload.slice();
    }
    const op: QueuedOp = { data: value, run, fail, reading: false };
    const queue = this.#queue;
    if (queue !== undefined) {
      queue.push(op);
      return;
    }
    const created = [op];
    this.#queue = created;
    this.#pump(created);
  }

  /** Run queued operations in order; a `Blob` is read first and continues the pump once read. */
  #pump(queue: QueuedOp[]): void {
    while (this.#queue === queue && queue.length > 0) {
      const op = queue[0]!;
      const data = op.data;
      if (data instanceof Blob) {
        if (op.reading) return;
        op.reading = true;
        data.arrayBuffer().then(
          (buffer) => {
            if (this.#queue !== queue) return;
            queue.shift();
            op.run(new Uint8Array(buffer));
            this.#pump(queue);
          },
          (error: unknown) => {
            if (this.#queue !== queue) return;
            queue.shift();
            op.fail(error instanceof Error ? error : new Error(String(error)));
            this.#pump(queue);
          },
        );
        return;
      }
      queue.shift();
      op.run(data);
    }
    if (this.#queue === queue) this.#queue = undefined;
  }

  #failQueue(): void {
    const queue = this.#queue;
    if (queue === undefined) return;
    this.#queue = undefined;
    const error = notOpenError(ReadyState.CLOSED);
    for (const op of queue) op.fail(error);
  }

  // -------------------------------------------------------------------------------------------
  // Feedback from the connection

  #opened(connection: Connection<WebSocket>): void {
    if (this.#readyState !== ReadyState.CONNECTING) {
      // Closed or terminated in an 'upgrade' listener: the events were already emitted.
      connection.terminate();
      return;
    }
    this.#connection = connection;
    this.#protocol = connection.protocol;
    this.#extensions = connection.extensions === '' ? '' : PERMESSAGE_DEFLATE;
    this.#readyState = ReadyState.OPEN;
    this.emit('open');
  }

  #received(data: Buffer, isBinary: boolean): void {
    if (!isBinary) {
      this.emit('message', data, false);
      return;
    }
    switch (this.#binaryType) {
      case 'nodebuffer':
        this.emit('message', data, true);
        return;
      case 'arraybuffer':
        this.emit('message', toArrayBuffer(data), true);
        return;
      case 'fragments':
        // wirekit reassembles fragmented messages before they reach here: one fragment.
        this.emit('message', [data], true);
        return;
      case 'blob':
        this.emit('message', new Blob([data]), true);
        return;
    }
  }

  #connectionClosed(code: number, reason: string, wasClean: boolean): void {
    if (this.#readyState === ReadyState.CLOSED) return;
    this.#readyState = ReadyState.CLOSING;
    this.#failQueue();
    let error: ReturnType<typeof peerFailure>;
    if (wasClean) {
      this.#closedCleanly = true;
      this.#closeCode = code;
      this.#closeMessage = reason === '' ? EMPTY : Buffer.from(reason);
    } else if (code !== ABNORMAL) {
      // This side failed the connection because of the peer (or a wirekit limit); ws emits
      // the error, then 'close' with 1006 (no close frame came back).
      error = peerFailure(code, reason);
      if (error !== undefined && isWirekitLimit(error) && this.listenerCount('error') === 0)
        error = undefined;
    }
    try {
      if (error !== undefined && !this.#errorEmitted) {
        this.#errorEmitted = true;
        this.emit('error', error);
      }
    } finally {
      this.#emitCloseWithSocket();
    }
  }

  /**
   * ws emits `'close'` once the socket is closed, not while the close frame is being read:
   * listeners that handle messages on a later tick (Socket.IO does) see every message before
   * the close. The socket closes within `closeTimeout` (wirekit's close timer).
   */
  #emitCloseWithSocket(): void {
    const socket = this.#socket;
    if (socket === undefined || socket.closed) this.#emitClose();
    else socket.once('close', () => this.#emitClose());
  }

  #emitClose(): void {
    if (this.#readyState === ReadyState.CLOSED) return;
    this.#readyState = ReadyState.CLOSED;
    this.emit('close', this.#closeCode, this.#closeMessage);
  }

  #emitErrorAndClose(error: Error): void {
    this.#readyState = ReadyState.CLOSING;
    this.#errorEmitted = true;
    try {
      this.emit('error', error);
    } finally {
      this.#emitClose();
    }
  }

  // -------------------------------------------------------------------------------------------
  // The client's opening handshake (ws's `initAsClient`)

  #initAsClient(address: string | URL, protocols: readonly string[], options: ClientOptions): void {
    const version = options.protocolVersion ?? 13;
    if (!PROTOCOL_VERSIONS.includes(version)) {
      throw wsError(
        RangeError,
        WsErrorCode.INVALID_OPTION,
        `Unsupported protocol version: ${version} (supported versions: 8, 13)`,
      );
    }
    let url: URL;
    if (address instanceof URL) {
      url = address;
    } else {
      try {
        url = new URL(address);
      } catch {
        throw wsError(SyntaxError, WsErrorCode.INVALID_URL, `Invalid URL: ${address}`);
      }
    }
    if (url.protocol === 'http:' || url.protocol === 'https:') {
      url = new URL(url);
      url.protocol = url.protocol === 'http:' ? 'ws:' : 'wss:';
    }
    this.#url = url.href;
    const secure = url.protocol === 'wss:';
    const ipc = url.protocol === 'ws+unix:';
    let invalid: string | undefined;
    if (url.protocol !== 'ws:' && !secure && !ipc) {
      invalid =
        'The URL\'s protocol must be one of "ws:", "wss:", "http:", "https:", or "ws+unix:"';
    } else if (ipc && !url.pathname) {
      invalid = "The URL's pathname is empty";
    } else if (url.hash) {
      invalid = 'The URL contains a fragment identifier';
    }
    if (invalid !== undefined) {
      const error = wsError(SyntaxError, WsErrorCode.INVALID_URL, invalid);
      if (this.#redirects === 0) throw error;
      this.#emitErrorAndClose(error);
      return;
    }
    const key = generateKey(nodePlatform);
    const headers: OutgoingHttpHeaders = {
      ...options.headers,
      'Sec-WebSocket-Version': version,
      'Sec-WebSocket-Key': key,
      Connection: 'Upgrade',
      Upgrade: 'websocket',
    };
    const config = deflateConfig(options.perMessageDeflate, true);
    const deflate = config === false ? undefined : resolveDeflate(config, false);
    if (deflate !== undefined)
      headers['Sec-WebSocket-Extensions'] = deflateOffer(deflate.negotiation);
    for (let i = 0; i < protocols.length; i++) {
      const protocol = protocols[i];
      if (typeof protocol !== 'string' || !isToken(protocol) || protocols.indexOf(protocol) !== i) {
        throw wsError(
          SyntaxError,
          WsErrorCode.INVALID_SUBPROTOCOL,
          'An invalid or duplicated subprotocol was specified',
        );
      }
    }
    if (protocols.length > 0) headers['Sec-WebSocket-Protocol'] = protocols.join(',');
    if (options.origin) {
      if (version < 13) headers['Sec-WebSocket-Origin'] = options.origin;
      else headers['Origin'] = options.origin;
    }
    const defaultPort = secure ? 443 : 80;
    const request: Record<string, unknown> = {
      ...options,
      createConnection: options.createConnection ?? (secure ? tlsConnection : netConnection),
      defaultPort: options.defaultPort ?? defaultPort,
      host: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
      port: url.port || defaultPort,
      path: url.pathname + url.search,
      method: 'GET',
      headers,
      timeout: options.handshakeTimeout ?? 10_000,
      protocol: undefined,
      hostname: undefined,
      socketPath: undefined,
    };
    if (url.username || url.password) {
      request['auth'] = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    }
    if (ipc) {
      const path = request['path'] as string;
      const colon = path.indexOf(':');
      request['socketPath'] = colon === -1 ? path : path.slice(0, colon);
      request['path'] = colon === -1 ? '' : path.slice(colon + 1);
    }
    if (options.followRedirects) this.#redirectHeaders(url, secure, ipc, request, headers, options);

    const req = (secure ? httpsRequest : httpRequest)(request as HttpsRequestOptions);
    this.#request = req;
    if (this.#redirects > 0) this.emit('redirect', this.#url, req);

    req.on('timeout', () => {
      if (this.#request === req) this.#abortHandshake('Opening handshake has timed out');
    });
    req.on('error', (error) => {
      if (this.#request !== req) return;
      this.#request = undefined;
      this.#emitErrorAndClose(error);
    });
    req.on('response', (response) => {
      if (this.#request !== req) return;
      const location = response.headers.location;
      const status = response.statusCode ?? 0;
      if (location && options.followRedirects && status >= 300 && status < 400) {
        if (++this.#redirects > (options.maxRedirects ?? 10)) {
          this.#abortHandshake('Maximum redirects exceeded');
          return;
        }
        this.#request = undefined;
        req.destroy();
        let next: URL;
        try {
          next = new URL(location, address);
        } catch {
          this.#emitErrorAndClose(
            wsError(SyntaxError, WsErrorCode.INVALID_URL, `Invalid URL: ${location}`),
          );
          return;
        }
        this.#initAsClient(next, protocols, options);
      } else if (!this.emit('unexpected-response', req, response)) {
        this.#abortHandshake(`Unexpected server response: ${status}`);
      }
    });
    req.on('upgrade', (response: IncomingMessage, socket: Socket, head: Buffer) => {
      if (this.#request !== req) return;
      this.emit('upgrade', response);
      // A listener may have closed or terminated the WebSocket.
      if (this.#readyState !== ReadyState.CONNECTING) {
        socket.destroy();
        return;
      }
      this.#request = undefined;
      const why = checkAnswer(response, key, protocols, deflate);
      if (why !== undefined) {
        this.#failUpgrade(socket, why);
        return;
      }
      const protocol = response.headers['sec-websocket-protocol'];
      const extensions = response.headers['sec-websocket-extensions'];
      const made = clientConnection<WebSocket>({
        stream: socket,
        traits: byteStreamTraits(socket),
        chosen: { protocol, extensions },
        deflate,
        options: { handler, data: this },
        connectionOptions: resolveConnectionOptions(connectionOptions(options), false),
      });
      if (made instanceof WirekitError) {
        this.#failUpgrade(socket, 'Invalid Sec-WebSocket-Extensions header');
        return;
      }
      // The handshake's idle timeout does not apply to the connection.
      socket.setTimeout(0);
      this.#socket = socket;
      made.start(head);
    });
    if (options.finishRequest) options.finishRequest(req, this);
    else req.end();
  }

  /** ws (and curl): a redirect to another host, or from wss: to ws:, drops the credentials. */
  #redirectHeaders(
    url: URL,
    secure: boolean,
    ipc: boolean,
    request: Record<string, unknown>,
    headers: OutgoingHttpHeaders,
    options: ClientOptions,
  ): void {
    const host = ipc ? (request['socketPath'] as string) : url.host;
    if (this.#redirects === 0) {
      this.#original = { host, secure, ipc };
    } else if (this.listenerCount('redirect') === 0 && this.#original !== undefined) {
      const original = this.#original;
      const sameHost = ipc === original.ipc && host === original.host;
      if (!sameHost || (original.secure && !secure)) {
        for (const name of Object.keys(headers)) {
          const lower = name.toLowerCase();
          if (lower === 'authorization' || lower === 'cookie' || (!sameHost && lower === 'host'))
            delete headers[name];
        }
        delete request['auth'];
      }
    }
    // The first `Authorization` wins over credentials in a redirect's URL.
    const hasAuthorization = Object.keys(options.headers ?? {}).some(
      (name) => name.toLowerCase() === 'authorization',
    );
    if (typeof request['auth'] === 'string' && !hasAuthorization) {
      headers['authorization'] = `Basic ${Buffer.from(request['auth']).toString('base64')}`;
    }
  }

  /** Give up the handshake: abort the request, then `'error'` and `'close'` on the next tick. */
  #abortHandshake(message: string): void {
    this.#readyState = ReadyState.CLOSING;
    const req = this.#request;
    this.#request = undefined;
    if (req !== undefined) {
      req.destroy();
      req.socket?.destroy();
    }
    const error = wsError(Error, WsErrorCode.HANDSHAKE, message);
    process.nextTick(() => this.#emitErrorAndClose(error));
  }

  /** A 101 that fails the checks: drop the socket, then `'error'` and `'close'`. */
  #failUpgrade(socket: Socket, message: string): void {
    this.#readyState = ReadyState.CLOSING;
    socket.destroy();
    const error = wsError(Error, WsErrorCode.HANDSHAKE, message);
    process.nextTick(() => this.#emitErrorAndClose(error));
  }
}

const constant = { enumerable: true, writable: false, configurable: false } as const;
Object.defineProperties(WebSocket.prototype, {
  CONNECTING: { value: ReadyState.CONNECTING, ...constant },
  OPEN: { value: ReadyState.OPEN, ...constant },
  CLOSING: { value: ReadyState.CLOSING, ...constant },
  CLOSED: { value: ReadyState.CLOSED, ...constant },
});

/** @internal The handler every connection of a ws-compatible WebSocket uses. */
export function webSocketHandler(): ConnectionHandler<WebSocket> {
  return handler;
}

/** @internal Give a server's WebSocket its socket (before the connection starts). */
export function setServerSocket(ws: WebSocket, socket: Duplex): void {
  bindSocket(ws, socket);
}

// ---------------------------------------------------------------------------------------------
// Helpers

function noop(): void {}

function asList(value: string | readonly string[] | undefined): readonly string[] {
  if (value === undefined) return [];
  return typeof value === 'string' ? [value] : value;
}

/** ws's `toBuffer`: strings stay strings; bytes are viewed, not copied; other values go
 * through `Buffer.from` (a `TypeError` for what it does not take). */
function toPayload(data: WsSendData): string | Uint8Array {
  if (data === undefined || data === null || data === '')
    return typeof data === 'string' ? '' : EMPTY;
  if (typeof data === 'string') return data;
  if (data instanceof Uint8Array) return data;
  if (isAnyArrayBuffer(data)) return new Uint8Array(data);
  if (ArrayBuffer.isView(data))
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (Array.isArray(data) && data.length > 0 && data.every((part) => part instanceof Uint8Array))
    return Buffer.concat(data as readonly Uint8Array[]);
  return Buffer.from(data as unknown as readonly number[]);
}

function byteLength(data: WsSendData): number {
  const payload = toPayload(data);
  return typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
}

function checkControlSize(size: number): void {
  if (size > 125) {
    throw wsError(
      RangeError,
      WsErrorCode.CONTROL_TOO_LARGE,
      'The data size must not be greater than 125 bytes',
    );
  }
}

/** The message's bytes as an `ArrayBuffer` of their own (a copy unless the view is whole). */
function toArrayBuffer(data: Buffer): ArrayBuffer {
  const buffer = data.buffer as ArrayBuffer;
  if (data.byteOffset === 0 && data.byteLength === buffer.byteLength) return buffer;
  return buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
}

/**
 * Call `callbacks` once `socket` has written everything queued before now: a zero-length write
 * completes after the writes before it (libuv keeps them in order, including writes wirekit
 * made past the stream), or with their error. A socket already ended is waited for instead,
 * as writing to it would destroy it.
 */
function whenWritten(socket: Duplex, callbacks: readonly SendCallback[]): void {
  const done = (error?: Error | null): void => {
    for (const cb of callbacks) {
      if (error) cb(error);
      else cb();
    }
  };
  if (socket.writableFinished) done();
  else if (socket.writableEnded && !socket.destroyed) finished(socket, { readable: false }, done);
  else socket.write(EMPTY, done);
}

/** ws's checks of the 101 answer, with ws's messages; `undefined` when it is fine. */
function checkAnswer(
  response: IncomingMessage,
  key: string,
  protocols: readonly string[],
  deflate: ResolvedDeflate | undefined,
): string | undefined {
  const upgrade = response.headers.upgrade;
  if (upgrade === undefined || upgrade.toLowerCase() !== 'websocket')
    return 'Invalid Upgrade header';
  if (response.headers['sec-websocket-accept'] !== computeAccept(key, nodePlatform))
    return 'Invalid Sec-WebSocket-Accept header';
  const protocol = response.headers['sec-websocket-protocol'];
  if (protocol !== undefined) {
    if (protocols.length === 0) return 'Server sent a subprotocol but none was requested';
    if (!protocols.includes(protocol)) return 'Server sent an invalid subprotocol';
  } else if (protocols.length > 0) {
    return 'Server sent no subprotocol';
  }
  const extensions = response.headers['sec-websocket-extensions'];
  if (extensions !== undefined) {
    if (deflate === undefined)
      return 'Server sent a Sec-WebSocket-Extensions header but no extension was requested';
    const elements = parseExtensionHeader(extensions);
    if (elements === undefined) return 'Invalid Sec-WebSocket-Extensions header';
    if (elements.length !== 1 || elements[0]!.name !== PERMESSAGE_DEFLATE)
      return 'Server indicated an extension that was not requested';
  }
  return undefined;
}

/** `createConnection` for `ws:`/`ws+unix:` (`http.request` passes its own `path`). */
function netConnection(options: Record<string, unknown>): Socket {
  return netConnect({ ...options, path: options['socketPath'] } as unknown as Parameters<
    typeof netConnect
  >[0]);
}

/** `createConnection` for `wss:`: SNI with the host name, none for an IP address (as ws). */
function tlsConnection(options: Record<string, unknown>): Socket {
  const host = String(options['host'] ?? '');
  const servername =
    options['servername'] || options['servername'] === ''
      ? options['servername']
      : isIP(host) === 0
        ? host
        : '';
  return tlsConnect({ ...options, path: undefined, servername } as unknown as Parameters<
    typeof tlsConnect
  >[0]);
}
