/**
 * The WHATWG `WebSocket` interface (https://websockets.spec.whatwg.org/) on top of
 * {@link connect} and {@link Connection}, so browser code runs unchanged on Node.js.
 *
 * What the standard leaves to the platform, decided here:
 * - Events fire synchronously from the socket callbacks that cause them (each one a task of its
 *   own), never inside a call the script made: a close caused by `send()` or `close()` itself is
 *   reported from a later task.
 * - The connection is failed (an `error` event, then `close` with 1006, `wasClean` false) when
 *   the opening handshake fails, when `close()` is called while CONNECTING, when a subprotocol
 *   was requested and the server chose none, and when this side closes the connection because
 *   of the peer (protocol error, invalid UTF-8, a message over `maxMessageSize`, the
 *   `maxBackpressure` limit, a missed heartbeat). As the standard asks, the close event then
 *   carries 1006 and no reason, whatever code went into the close frame (RFC 6455 §7.1.5).
 * - `binaryType` also takes `'nodebuffer'`: binary messages arrive as `Buffer` views of the
 *   received memory, without a copy.
 * - A third constructor argument takes Node-only options: headers, TLS, timeouts, limits.
 */

import { isArrayBuffer } from 'node:util/types';
import type { MessagePort } from 'node:worker_threads';
import { isToken } from '../core/ws/header-tokens.js';
import { ReadyState } from '../core/ws/ready-state.js';
import { type ConnectOptions, connect } from './connect.js';
import type { Connection, ConnectionHandler } from './connection.js';

/** How binary messages are exposed: `MessageEvent.data` is a `Blob`, `ArrayBuffer` or `Buffer`. */
export type BinaryType = 'blob' | 'arraybuffer' | 'nodebuffer';

/** What `send()` takes. Anything else is converted to a string, as Web IDL does. */
export type WebSocketSendData = string | ArrayBuffer | ArrayBufferView | Blob;

/** Node-only settings: everything {@link connect} takes except what the class manages itself. */
export interface WebSocketOptions
  extends Omit<ConnectOptions<WebSocket>, 'handler' | 'data' | 'protocols'> {
  /** Subprotocols, when the options are passed in place of `protocols` (undici's form). */
  readonly protocols?: string | readonly string[];
}

/** The events of a {@link WebSocket}, for typed listeners. */
export interface WebSocketEventMap {
  /** The opening handshake succeeded; `readyState` is `OPEN`. */
  open: Event;
  /** A whole message arrived. */
  message: MessageEvent<WebSocketMessageData>;
  /**
   * The connection failed (handshake refused, protocol error, transport lost); a `close` event
   * follows.
   */
  error: Event;
  /** The connection is closed; fired once, last. */
  close: CloseEvent;
}

/** `MessageEvent.data` of a WebSocket message: text as a string, binary as `binaryType` says. */
export type WebSocketMessageData = string | Blob | ArrayBuffer | Buffer;

/** An `on<event>` attribute handler. */
export type WebSocketEventHandler<E extends Event> =
  | ((this: WebSocket, event: E) => unknown)
  | null;

/** `EventInit` (DOM §"Interface Event"); not a global type in Node's typings. */
export interface EventInit {
  /** Whether the event bubbles; default `false` (a WebSocket has no parent to bubble to). */
  readonly bubbles?: boolean;
  /** Whether `preventDefault()` may cancel the event; default `false`. */
  readonly cancelable?: boolean;
  /** Whether the event crosses shadow DOM boundaries; default `false`, meaningless in Node. */
  readonly composed?: boolean;
}

/** Options of `addEventListener`. */
export interface AddEventListenerOptions {
  readonly capture?: boolean;
  readonly once?: boolean;
  readonly passive?: boolean;
  readonly signal?: AbortSignal;
}

/** Any event listener. */
export type EventListenerOrObject =
  | ((event: Event) => unknown)
  | { handleEvent(event: Event): unknown };

/** A listener for {@link WebSocket.addEventListener}. */
export type WebSocketEventListener<E extends Event> =
  | ((this: WebSocket, event: E) => unknown)
  | {
      /** Called with each event, with the object as `this`. */
      handleEvent(event: E): unknown;
    };

// ---------------------------------------------------------------------------------------------
// Events

/** `CloseEventInit` (WHATWG WebSockets §"The CloseEvent interface"). */
export interface CloseEventInit extends EventInit {
  /** Whether the close handshake completed; default `false`. */
  readonly wasClean?: boolean;
  /** The close code (RFC 6455 §7.4); default 0. */
  readonly code?: number;
  /** The close reason; default `''`. */
  readonly reason?: string;
}

/**
 * The event fired when a WebSocket connection closes (Node 20 has no global `CloseEvent`).
 *
 * @example
 * ```ts
 * ws.onclose = (event) => console.log(event.code, event.reason, event.wasClean);
 * ```
 */
export class CloseEvent extends Event {
  readonly #wasClean: boolean;
  readonly #code: number;
  readonly #reason: string;

  /**
   * A close event of type `type` (`'close'` for a WebSocket); fields missing from `init` default to
   * `wasClean` false, `code` 0, `reason` `''`.
   */
  constructor(type: string, init?: CloseEventInit) {
    super(type, init);
    this.#wasClean = init?.wasClean ?? false;
    this.#code = init?.code ?? 0;
    this.#reason = init?.reason ?? '';
  }

  /** Did the close handshake complete? */
  get wasClean(): boolean {
    return this.#wasClean;
  }

  /** The close code from the peer's close frame: 1005 if it had none, 1006 if none came. */
  get code(): number {
    return this.#code;
  }

  /** The close reason from the peer's close frame, or `''`. */
  get reason(): string {
    return this.#reason;
  }

  /** `'CloseEvent'`, as the DOM's class reports itself. */
  get [Symbol.toStringTag](): string {
    return 'CloseEvent';
  }
}

/** `MessageEventInit` (HTML §"The MessageEvent interface"), the fields a WebSocket uses. */
export interface MessageEventInit<T> extends EventInit {
  /** The message payload; default `null`. */
  readonly data?: T;
  /**
   * Origin of the sender, the serialized URL origin of the server for a WebSocket; default `''`.
   */
  readonly origin?: string;
  /** Last event ID (used by server-sent events; always `''` for a WebSocket); default `''`. */
  readonly lastEventId?: string;
}

const NO_PORTS: readonly MessagePort[] = Object.freeze([]);
/** Sets data and origin of a fresh event without an init dictionary (the per-message path). */
let initMessage: <T>(event: MessageEvent<T>, data: T, origin: string) => void;

/**
 * The event of a received message. Unlike Node's global `MessageEvent`, building one allocates
 * nothing but the event itself; it still passes `instanceof MessageEvent` (global) checks.
 *
 * @example
 * ```ts
 * ws.onmessage = (event) => console.log(event.data, 'from', event.origin);
 * ```
 */
export class MessageEvent<T = unknown> extends Event {
  #data: T;
  #origin: string;
  readonly #lastEventId: string;

  static {
    initMessage = (event, data, origin) => {
      event.#data = data;
      event.#origin = origin;
    };
  }

  /**
   * A message event of type `type` (`'message'` for a WebSocket); `data` defaults to `null`,
   * `origin` and `lastEventId` to `''`.
   */
  constructor(type: string, init?: MessageEventInit<T>) {
    super(type, init);
    this.#data = (init?.data ?? null) as T;
    this.#origin = init?.origin ?? '';
    this.#lastEventId = init?.lastEventId ?? '';
  }

  /** The message: a string for text, binary data as the socket's `binaryType` says. */
  get data(): T {
    return this.#data;
  }

  /** The serialized origin of the WebSocket's URL, e.g. `ws://127.0.0.1:9001`. */
  get origin(): string {
    return this.#origin;
  }

  /** Always `''`: WebSocket messages have no event id (a DOM `MessageEvent` field for server-sent events). */
  get lastEventId(): string {
    return this.#lastEventId;
  }

  /** Always `null`: a WebSocket message comes from no window or worker. */
  get source(): null {
    return null;
  }

  /** Always empty: a WebSocket message transfers no `MessagePort`s. */
  get ports(): readonly MessagePort[] {
    return NO_PORTS;
  }
}
// `event instanceof MessageEvent` holds for Node's global class too; every accessor that class
// defines is overridden above, and construction goes through `Event` alone.
Object.setPrototypeOf(MessageEvent.prototype, globalThis.MessageEvent.prototype);

// ---------------------------------------------------------------------------------------------
// The WebSocket

type EventType = keyof WebSocketEventMap;
/** What Node's `EventTarget` typings call a listener. */
type EventListenerObject = Parameters<EventTarget['addEventListener']>[1];

/** One `on<event>` attribute: the current handler and the listener registered for it. */
interface HandlerSlot {
  handler: ((this: WebSocket, event: Event) => unknown) | null;
  readonly listener: (event: Event) => void;
  registered: boolean;
}

/** Sends waiting behind a `Blob` being read, so that messages keep their order. */
interface PendingSend {
  readonly data: string | Uint8Array | Blob;
  readonly size: number;
}

/** §"The WebSocket interface": a close frame's reason is at most 123 bytes (RFC 6455 §5.5). */
const MAX_REASON_BYTES = 123;
const ABNORMAL = 1006;

/**
 * A WebSocket client with the browser API.
 *
 * @example
 * ```ts
 * const ws = new WebSocket('ws://127.0.0.1:9001', ['chat']);
 * ws.binaryType = 'arraybuffer';
 * ws.onopen = () => ws.send('hello');
 * ws.onmessage = (event) => console.log(event.data);
 * ws.addEventListener('close', (event) => console.log('closed', event.code));
 * ```
 *
 * @example Node-only options: headers, TLS, limits
 * ```ts
 * const ws = new WebSocket('wss://example.com/feed', [], {
 *   headers: { authorization: `Bearer ${token}` },
 *   tls: { ca: readFileSync('ca.pem') },
 * });
 * ```
 */
export class WebSocket extends EventTarget {
  /** `readyState` 0: the opening handshake is in progress. */
  static readonly CONNECTING: 0 = 0;
  /** `readyState` 1: the connection is open; messages can be sent. */
  static readonly OPEN: 1 = 1;
  /** `readyState` 2: the close handshake is in progress. */
  static readonly CLOSING: 2 = 2;
  /** `readyState` 3: the connection is closed. */
  static readonly CLOSED: 3 = 3;
  /** `readyState` 0: the opening handshake is in progress. */
  declare readonly CONNECTING: 0;
  /** `readyState` 1: the connection is open; messages can be sent. */
  declare readonly OPEN: 1;
  /** `readyState` 2: the close handshake is in progress. */
  declare readonly CLOSING: 2;
  /** `readyState` 3: the connection is closed. */
  declare readonly CLOSED: 3;

  /** One handler object for every WebSocket: `connection.data` is the WebSocket. */
  static readonly #handler: ConnectionHandler<WebSocket> = {
    open(connection) {
      connection.data.#opened(connection);
    },
    message(connection, data, isBinary) {
      connection.data.#received(connection, data, isBinary);
    },
    close(connection, code, reason, wasClean) {
      connection.data.#connectionClosed(connection, code, reason, wasClean);
    },
  };

  readonly #url: string;
  readonly #origin: string;
  readonly #protocols: readonly string[];
  #readyState: ReadyState = ReadyState.CONNECTING;
  #binaryType: BinaryType = 'blob';
  #protocol = '';
  #extensions = '';
  #connection: Connection<WebSocket> | undefined;
  /** Application bytes given to the connection since its buffer was last seen empty. */
  #queued = 0;
  /** Bytes that will never be transmitted: sent once closing started, or unsent at close. */
  #unsent = 0;
  /** Sends behind a Blob being read, and their bytes; `undefined` when no Blob is pending. */
  #pending: PendingSend[] | undefined;
  #pendingBytes = 0;
  /** `close()` called while Blob sends were pending: the close frame goes after them. */
  #closeAfterPending: { readonly code: number | undefined; readonly reason: string } | undefined;
  /** Inside `send()`/`close()`: a close they cause is reported from a later task. */
  #inCall = false;
  /** This side failed the connection (Blob unreadable): report an `error` with the close. */
  #failing = false;
  /** Cancels the connection attempt when `close()` is called while CONNECTING. */
  readonly #connecting = new AbortController();
  /** Received binary data lives in a reused read buffer (`readBuffer`): copy what is kept. */
  readonly #copyReceived: boolean;
  #handlers: Partial<Record<EventType, HandlerSlot>> = {};

  /**
   * Open a connection to `url` (`ws:`/`wss:`, or `http:`/`https:` mapped to them). Throws a
   * `SyntaxError` `DOMException` for an invalid URL, another scheme, a fragment, or a
   * subprotocol that is repeated or not a token. Connection failures are reported as an
   * `error` event followed by a `close` event.
   */
  constructor(
    url: string | URL,
    protocols?: string | readonly string[] | WebSocketOptions,
    options?: WebSocketOptions,
  ) {
    super();
    let connectOptions: WebSocketOptions = options ?? {};
    let offered: string | Iterable<string> | undefined;
    if (isOptionsObject(protocols)) {
      connectOptions = protocols;
      offered = protocols.protocols;
    } else {
      offered = protocols;
    }
    const target = parseUrl(url);
    const list = subprotocols(offered);
    this.#url = target.href;
    this.#origin = target.origin;
    this.#protocols = list;
    this.#copyReceived = connectOptions.readBuffer !== undefined;
    const cancel = this.#connecting.signal;
    const signal =
      connectOptions.signal === undefined
        ? cancel
        : AbortSignal.any([connectOptions.signal, cancel]);
    // Everything not checked above (a header with CR/LF, say) throws here, synchronously.
    connect<WebSocket>(this.#url, {
      ...connectOptions,
      signal,
      protocols: list,
      handler: WebSocket.#handler,
      data: this,
    }).then(undefined, () => this.#connectFailed());
  }

  /** The URL, serialized. */
  get url(): string {
    return this.#url;
  }

  /** CONNECTING (0), OPEN (1), CLOSING (2) or CLOSED (3). */
  get readyState(): ReadyState {
    return this.#readyState;
  }

  /**
   * Bytes of application data passed to `send()` and not yet transmitted to the network
   * (framing not included). Once the connection is closing or closed, every `send()` still adds
   * its size and the number never goes back to zero (WHATWG WebSockets, `bufferedAmount`).
   */
  get bufferedAmount(): number {
    let amount = this.#unsent + this.#pendingBytes;
    const connection = this.#connection;
    if (connection !== undefined && this.#queued !== 0) {
      const wire = connection.bufferedAmount;
      if (wire === 0) this.#queued = 0;
      // `wire` has frame headers too: while it is larger, every queued byte is still there.
      else amount += Math.min(wire, this.#queued);
    }
    return amount;
  }

  /** The extensions the server accepted, or `''`. */
  get extensions(): string {
    return this.#extensions;
  }

  /** The subprotocol the server chose, or `''`. */
  get protocol(): string {
    return this.#protocol;
  }

  /** `'blob'` (default), `'arraybuffer'` or `'nodebuffer'`; other values are ignored. */
  get binaryType(): BinaryType {
    return this.#binaryType;
  }

  /** Sets how binary messages are delivered from the next message on; other values are ignored (Web IDL). */
  set binaryType(type: BinaryType) {
    // Web IDL: assigning a string outside the enumeration does nothing.
    if (type === 'blob' || type === 'arraybuffer' || type === 'nodebuffer') this.#binaryType = type;
  }

  /** The `open` event handler attribute (`null` when none); one of the listeners, as in the DOM. */
  get onopen(): WebSocketEventHandler<Event> {
    return this.#handlers.open?.handler ?? null;
  }
  /** Replaces the `open` handler attribute; `null` (or a non-function) removes it. */
  set onopen(handler: WebSocketEventHandler<Event>) {
    this.#setHandler('open', handler);
  }

  /** The `message` event handler attribute (`null` when none). */
  get onmessage(): WebSocketEventHandler<MessageEvent<WebSocketMessageData>> {
    return (this.#handlers.message?.handler ?? null) as WebSocketEventHandler<
      MessageEvent<WebSocketMessageData>
    >;
  }
  /** Replaces the `message` handler attribute; `null` (or a non-function) removes it. */
  set onmessage(handler: WebSocketEventHandler<MessageEvent<WebSocketMessageData>>) {
    this.#setHandler('message', handler as WebSocketEventHandler<Event>);
  }

  /** The `error` event handler attribute (`null` when none). */
  get onerror(): WebSocketEventHandler<Event> {
    return this.#handlers.error?.handler ?? null;
  }
  /** Replaces the `error` handler attribute; `null` (or a non-function) removes it. */
  set onerror(handler: WebSocketEventHandler<Event>) {
    this.#setHandler('error', handler);
  }

  /** The `close` event handler attribute (`null` when none). */
  get onclose(): WebSocketEventHandler<CloseEvent> {
    return (this.#handlers.close?.handler ?? null) as WebSocketEventHandler<CloseEvent>;
  }
  /** Replaces the `close` handler attribute; `null` (or a non-function) removes it. */
  set onclose(handler: WebSocketEventHandler<CloseEvent>) {
    this.#setHandler('close', handler as WebSocketEventHandler<Event>);
  }

  /** Listen for `open`, `message`, `error` or `close` with the event's own type. */
  override addEventListener<K extends EventType>(
    type: K,
    listener: WebSocketEventListener<WebSocketEventMap[K]> | null,
    options?: boolean | AddEventListenerOptions,
  ): void;
  /** Listen for any event type, as `EventTarget` does. */
  override addEventListener(
    type: string,
    listener: EventListenerOrObject | null,
    options?: boolean | AddEventListenerOptions,
  ): void;
  override addEventListener(
    type: string,
    listener: EventListenerOrObject | null,
    options?: boolean | AddEventListenerOptions,
  ): void {
    if (listener !== null) super.addEventListener(type, listener as EventListenerObject, options);
  }

  /** Stop listening: the same `type`, `listener` and `capture` as when it was added. */
  override removeEventListener<K extends EventType>(
    type: K,
    listener: WebSocketEventListener<WebSocketEventMap[K]> | null,
    options?: boolean | { readonly capture?: boolean },
  ): void;
  /** Stop listening for any event type, as `EventTarget` does. */
  override removeEventListener(
    type: string,
    listener: EventListenerOrObject | null,
    options?: boolean | { readonly capture?: boolean },
  ): void;
  override removeEventListener(
    type: string,
    listener: EventListenerOrObject | null,
    options?: boolean | { readonly capture?: boolean },
  ): void {
    if (listener !== null)
      super.removeEventListener(type, listener as EventListenerObject, options);
  }

  /**
   * Send a message: a string as text, an `ArrayBuffer`, a view of one, or a `Blob` as binary.
   * Throws an `InvalidStateError` `DOMException` while CONNECTING. Once closing has started the
   * data is dropped and only `bufferedAmount` grows (WHATWG WebSockets, `send()`).
   */
  send(data: WebSocketSendData): void {
    if (this.#readyState === ReadyState.CONNECTING) {
      throw new DOMException('the WebSocket is still connecting', 'InvalidStateError');
    }
    let bytes: Uint8Array | undefined;
    let text: string | undefined;
    let blob: Blob | undefined;
    let size: number;
    if (typeof data === 'string') {
      text = data;
      size = Buffer.byteLength(data);
    } else if (isArrayBuffer(data)) {
      bytes = new Uint8Array(data);
      size = bytes.length;
    } else if (ArrayBuffer.isView(data)) {
      bytes =
        data instanceof Uint8Array
          ? data
          : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      size = bytes.length;
    } else if (data instanceof Blob) {
      blob = data;
      size = data.size;
    } else {
      // Web IDL: anything else is converted to a USVString.
      text = String(data);
      size = Buffer.byteLength(text);
    }
    const connection = this.#connection;
    if (this.#readyState !== ReadyState.OPEN || connection === undefined) {
      this.#unsent += size;
      return;
    }
    if (this.#pending !== undefined || blob !== undefined) {
      this.#enqueue(text ?? blob ?? bytes!.slice(), size);
      return;
    }
    this.#countQueued(connection, size);
    this.#inCall = true;
    try {
      if (text !== undefined) connection.sendText(text);
      else connection.sendBinary(bytes!);
    } finally {
      this.#inCall = false;
    }
  }

  /**
   * Start the closing handshake with an optional `code` (1000 or 3000–4999, else an
   * `InvalidAccessError`) and `reason` (at most 123 UTF-8 bytes, else a `SyntaxError`). Messages
   * sent before still go out first. While CONNECTING, fails the connection instead.
   */
  close(code?: number, reason?: string): void {
    let closeCode: number | undefined;
    if (code !== undefined) {
      // Web IDL `[Clamp] unsigned short`, then the standard's range check.
      closeCode = clampUnsignedShort(code);
      if (closeCode !== 1000 && (closeCode < 3000 || closeCode > 4999)) {
        throw new DOMException(
          `close code must be 1000 or in 3000-4999, not ${closeCode}`,
          'InvalidAccessError',
        );
      }
    }
    let text = '';
    if (reason !== undefined) {
      text = String(reason);
      if (Buffer.byteLength(text) > MAX_REASON_BYTES) {
        throw new DOMException(
          `close reason must be at most ${MAX_REASON_BYTES} UTF-8 bytes`,
          'SyntaxError',
        );
      }
    }
    switch (this.#readyState) {
      case ReadyState.CLOSING:
      case ReadyState.CLOSED:
        return;
      case ReadyState.CONNECTING:
        // Fail the WebSocket connection: the attempt is cancelled (its socket destroyed now,
        // as a browser does), and the events follow from a later task.
        this.#readyState = ReadyState.CLOSING;
        this.#connecting.abort();
        setImmediate(() => this.#reportClosed(ABNORMAL, '', false, true));
        return;
      case ReadyState.OPEN: {
        this.#readyState = ReadyState.CLOSING;
        // A reason needs a code in the close frame (RFC 6455 §5.5.1): 1000 stands in.
        if (closeCode === undefined && text !== '') closeCode = 1000;
        if (this.#pending !== undefined) {
          this.#closeAfterPending = { code: closeCode, reason: text };
          return;
        }
        this.#inCall = true;
        try {
          this.#connection?.close(closeCode, text);
        } finally {
          this.#inCall = false;
        }
        return;
      }
    }
  }

  /** `'WebSocket'`, as the DOM's class reports itself. */
  get [Symbol.toStringTag](): string {
    return 'WebSocket';
  }

  // -------------------------------------------------------------------------------------------
  // Feedback from the protocol

  #opened(connection: Connection<WebSocket>): void {
    if (this.#readyState !== ReadyState.CONNECTING) {
      // close() was called while connecting; the events were already fired.
      connection.terminate();
      return;
    }
    // WHATWG WebSockets §"Opening handshake": subprotocols were requested and the server
    // acknowledged none: fail the WebSocket connection.
    if (this.#protocols.length > 0 && connection.protocol === '') {
      connection.terminate();
      this.#reportClosed(ABNORMAL, '', false, true);
      return;
    }
    this.#connection = connection;
    this.#protocol = connection.protocol;
    this.#extensions = connection.extensions;
    this.#readyState = ReadyState.OPEN;
    this.dispatchEvent(new Event('open'));
  }

  #received(connection: Connection<WebSocket>, data: Buffer, isBinary: boolean): void {
    // §"Feedback from the protocol": messages are dropped once the ready state is not OPEN.
    if (this.#readyState !== ReadyState.OPEN || connection !== this.#connection) return;
    let value: WebSocketMessageData;
    if (!isBinary) value = data.toString();
    else if (this.#binaryType === 'nodebuffer')
      value = this.#copyReceived ? Buffer.from(data) : data;
    else if (this.#binaryType === 'arraybuffer')
      value = toArrayBuffer(this.#copyReceived ? Buffer.from(data) : data);
    else value = new Blob([data]);
    const event = new MessageEvent<WebSocketMessageData>('message');
    initMessage(event, value, this.#origin);
    this.dispatchEvent(event);
  }

  #connectionClosed(
    connection: Connection<WebSocket>,
    code: number,
    reason: string,
    wasClean: boolean,
  ): void {
    if (connection !== this.#connection) return; // terminated by #opened: already reported
    // What the connection still held is never transmitted; after a clean close it all was.
    if (!wasClean && this.#queued !== 0) {
      this.#unsent += Math.min(connection.bufferedAmount, this.#queued);
    }
    this.#queued = 0;
    this.#connection = undefined;
    if (this.#pending !== undefined) {
      this.#unsent += this.#pendingBytes;
      this.#pendingBytes = 0;
      this.#pending = undefined;
      this.#closeAfterPending = undefined;
    }
    // Without a completed close handshake RFC 6455 §7.1.5 makes the code 1006, and
    // a code other than 1006 here is one this side sent: it failed the connection.
    const failed = this.#failing || (!wasClean && code !== ABNORMAL);
    if (wasClean) this.#reportClosed(code, reason, true, false);
    else this.#reportClosed(ABNORMAL, '', false, failed);
  }

  #connectFailed(): void {
    if (this.#readyState === ReadyState.CLOSED) return;
    this.#reportClosed(ABNORMAL, '', false, true);
  }

  /** §"Feedback from the protocol": CLOSED, then `error` if the connection failed, then `close`. */
  #reportClosed(code: number, reason: string, wasClean: boolean, failed: boolean): void {
    if (this.#readyState === ReadyState.CLOSED) return;
    this.#readyState = ReadyState.CLOSED;
    const fire = (): void => {
      if (failed) this.dispatchEvent(new Event('error'));
      this.dispatchEvent(new CloseEvent('close', { code, reason, wasClean }));
    };
    if (this.#inCall) setImmediate(fire);
    else fire();
  }

  // -------------------------------------------------------------------------------------------
  // Blob sends: read asynchronously, and everything sent after one waits for it.

  #enqueue(data: string | Uint8Array | Blob, size: number): void {
    this.#pendingBytes += size;
    if (this.#pending === undefined) {
      const pending: PendingSend[] = [];
      this.#pending = pending;
      this.#readBlob(data as Blob, size, pending);
    } else {
      this.#pending.push({ data, size });
    }
  }

  #readBlob(blob: Blob, size: number, pending: PendingSend[]): void {
    blob.arrayBuffer().then(
      (buffer) => {
        if (this.#pending !== pending) return; // the connection closed meanwhile
        this.#pendingBytes -= size;
        this.#transmit(new Uint8Array(buffer), size, true);
        this.#sendPending(pending);
      },
      () => {
        if (this.#pending !== pending) return;
        // The data cannot be sent: fail the connection.
        this.#failing = true;
        this.#connection?.terminate();
      },
    );
  }

  #sendPending(pending: PendingSend[]): void {
    for (let item = pending.shift(); item !== undefined; item = pending.shift()) {
      if (item.data instanceof Blob) {
        this.#readBlob(item.data, item.size, pending);
        return;
      }
      this.#pendingBytes -= item.size;
      this.#transmit(item.data, item.size, typeof item.data !== 'string');
    }
    this.#pending = undefined;
    const close = this.#closeAfterPending;
    if (close !== undefined) {
      this.#closeAfterPending = undefined;
      this.#connection?.close(close.code, close.reason);
    }
  }

  #transmit(data: string | Uint8Array, size: number, isBinary: boolean): void {
    const connection = this.#connection;
    if (connection === undefined) {
      this.#unsent += size;
      return;
    }
    this.#countQueued(connection, size);
    connection.send(data, isBinary);
  }

  /** `size` application bytes go to the connection; what it held before may be gone since. */
  #countQueued(connection: Connection<WebSocket>, size: number): void {
    if (this.#queued !== 0 && connection.bufferedAmount === 0) this.#queued = 0;
    this.#queued += size;
  }

  // -------------------------------------------------------------------------------------------
  // Event handler attributes (HTML §"Event handlers")

  #setHandler(type: EventType, handler: WebSocketEventHandler<Event>): void {
    const value = typeof handler === 'function' ? handler : null;
    let slot = this.#handlers[type];
    if (slot === undefined) {
      if (value === null) return;
      const created: HandlerSlot = {
        handler: value,
        listener: (event: Event) => {
          created.handler?.call(this, event);
        },
        registered: false,
      };
      slot = created;
      this.#handlers[type] = slot;
    }
    slot.handler = value;
    // The listener keeps its place among the others while the handler is replaced; setting
    // null removes it, and a later handler is registered anew, last.
    if (value === null && slot.registered) {
      super.removeEventListener(type, slot.listener);
      slot.registered = false;
    } else if (value !== null && !slot.registered) {
      super.addEventListener(type, slot.listener);
      slot.registered = true;
    }
  }
}

const constant = { writable: false, enumerable: true, configurable: false } as const;
Object.defineProperties(WebSocket.prototype, {
  CONNECTING: { value: ReadyState.CONNECTING, ...constant },
  OPEN: { value: ReadyState.OPEN, ...constant },
  CLOSING: { value: ReadyState.CLOSING, ...constant },
  CLOSED: { value: ReadyState.CLOSED, ...constant },
});
Object.defineProperties(WebSocket, {
  CONNECTING: constant,
  OPEN: constant,
  CLOSING: constant,
  CLOSED: constant,
});

// ---------------------------------------------------------------------------------------------
// Helpers

function isOptionsObject(
  value: string | readonly string[] | WebSocketOptions | undefined,
): value is WebSocketOptions {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<Iterable<string>>)[Symbol.iterator] !== 'function'
  );
}

/**
 * Constructor steps 1–4 (and the standard's newer "get a URL record"): parse, map `http:` and
 * `https:` to `ws:` and `wss:`, refuse other schemes and any fragment, even an empty one.
 */
function parseUrl(input: string | URL): URL {
  let url: URL;
  try {
    url = new URL(String(input));
  } catch {
    throw new DOMException(`invalid URL ${JSON.stringify(String(input))}`, 'SyntaxError');
  }
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new DOMException(`a WebSocket URL needs ws: or wss:, not ${url.protocol}`, 'SyntaxError');
  }
  if (url.hash !== '' || url.href.endsWith('#')) {
    throw new DOMException('a WebSocket URL may not have a fragment', 'SyntaxError');
  }
  return url;
}

/**
 * Constructor steps 5–6: a string is a list of one; each value must be a token
 * (`Sec-WebSocket-Protocol`, RFC 6455 §4.1 and §11.3.4) and appear once.
 */
function subprotocols(value: string | Iterable<string> | undefined): readonly string[] {
  if (value === undefined) return [];
  const list = typeof value === 'string' ? [value] : Array.from(value, String);
  list.forEach((protocol, i) => {
    if (!isToken(protocol) || list.indexOf(protocol) !== i) {
      throw new DOMException(
        `subprotocol ${JSON.stringify(protocol)} is not a unique token`,
        'SyntaxError',
      );
    }
  });
  return list;
}

/** Web IDL `[Clamp] unsigned short`: clamp to 0–65535, round half to even, NaN to 0. */
function clampUnsignedShort(value: number): number {
  const x = Number(value);
  if (Number.isNaN(x)) return 0;
  const clamped = Math.min(Math.max(x, 0), 65535);
  const floor = Math.floor(clamped);
  const fraction = clamped - floor;
  if (fraction > 0.5) return floor + 1;
  if (fraction < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * The bytes as an `ArrayBuffer` of their own: a copy, unless the view covers its whole buffer
 * (the slab of a reassembled message, which the connection hands over and never reuses).
 */
function toArrayBuffer(data: Buffer): ArrayBuffer {
  const buffer = data.buffer as ArrayBuffer;
  if (data.byteOffset === 0 && data.byteLength === buffer.byteLength) return buffer;
  return buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
}
