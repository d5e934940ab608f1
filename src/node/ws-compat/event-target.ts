/**
 * ws's emulation of the `EventTarget` interface on top of `EventEmitter` (ws.md,
 * `websocket.addEventListener`): `addEventListener`/`removeEventListener` and the
 * `onopen`/`onmessage`/`onclose`/`onerror` attributes register wrappers that turn the emitter's
 * arguments into small event objects. As in ws, the events are ws's own light classes, not DOM
 * events: they have `type` and `target` (and `data`, `code`/`reason`/`wasClean`,
 * `error`/`message`), and listeners for other types are ignored.
 */
/** The event types the emulation knows. */
export type WsEventType = 'open' | 'message' | 'close' | 'error';

/** A listener: a function, or an object with `handleEvent`. */
export type WsEventListener<E> =
  | ((event: E) => unknown)
  | {
      /** Called with each event, with the object as `this`. */
      handleEvent(event: E): unknown;
    };

/** Options of `addEventListener`: only `once` has an effect, as in ws. */
export interface WsAddEventListenerOptions {
  /** Remove the listener after its first call; default `false`. */
  readonly once?: boolean;
}

/** Marks a wrapper registered by an `on<event>` attribute. */
const kForAttribute: unique symbol = Symbol('wirekit.ws.forOnEventAttribute');
/** The user's listener a wrapper calls. */
const kListener: unique symbol = Symbol('wirekit.ws.listener');

/** The base event: a type and the WebSocket it was fired on. */
export class Event {
  readonly #type: string;
  #target: unknown = null;

  /** An event of type `type`, with no target until dispatched. */
  constructor(type: string) {
    this.#type = type;
  }

  /** The event's name: `'open'`, `'message'`, `'error'` or `'close'`. */
  get type(): string {
    return this.#type;
  }

  /** The WebSocket the event was fired on. */
  get target(): unknown {
    return this.#target;
  }

  /** @internal */
  static setTarget(event: Event, target: unknown): void {
    event.#target = target;
  }
}

/** `close`: the code, the reason as a string, and whether the close handshake completed. */
export class CloseEvent extends Event {
  readonly #code: number;
  readonly #reason: string;
  readonly #wasClean: boolean;

  /** A `close` event; `code` defaults to 0, `reason` to `''`, `wasClean` to `false`. */
  constructor(
    type: string,
    init: { readonly code?: number; readonly reason?: string; readonly wasClean?: boolean } = {},
  ) {
    super(type);
    this.#code = init.code ?? 0;
    this.#reason = init.reason ?? '';
    this.#wasClean = init.wasClean ?? false;
  }

  /** The close code the peer sent (RFC 6455 §7.1.5), 1005 when it sent none, 1006 when the connection was lost; 0 if not given. */
  get code(): number {
    return this.#code;
  }

  /** The close reason the peer sent, decoded as UTF-8; `''` when none. */
  get reason(): string {
    return this.#reason;
  }

  /** `true` when the close handshake completed, `false` when the connection was dropped. */
  get wasClean(): boolean {
    return this.#wasClean;
  }
}

/** `error`: the error and its message. */
export class ErrorEvent extends Event {
  readonly #error: unknown;
  readonly #message: string;

  /** An `error` event; `error` defaults to `null`, `message` to `''`. */
  constructor(type: string, init: { readonly error?: unknown; readonly message?: string } = {}) {
    super(type);
    this.#error = init.error ?? null;
    this.#message = init.message ?? '';
  }

  /** What went wrong (an `Error` with a `code`); `null` if not given. */
  get error(): unknown {
    return this.#error;
  }

  /** The error's message; `''` if not given. */
  get message(): string {
    return this.#message;
  }
}

/** `message`: text as a string, binary as the socket's `binaryType` says. */
export class MessageEvent extends Event {
  readonly #data: unknown;

  /** A `message` event; `data` defaults to `null`. */
  constructor(type: string, init: { readonly data?: unknown } = {}) {
    super(type);
    this.#data = init.data ?? null;
  }

  /** The message: a string for text, binary data as the socket's `binaryType` says. */
  get data(): unknown {
    return this.#data;
  }
}

/** A listener registered on the emitter: a wrapper made here. */
export type Wrapper = ((...args: never[]) => void) & {
  [kForAttribute]?: boolean;
  [kListener]?: unknown;
};

/** What the emulation needs of the socket: its `EventEmitter` methods, and whether its close
 * was clean. */
export interface EventSource {
  /** Whether the close handshake completed, for `CloseEvent.wasClean`. */
  readonly closedCleanly: boolean;
  on(type: string, listener: Wrapper): unknown;
  once(type: string, listener: Wrapper): unknown;
  removeListener(type: string, listener: Wrapper): unknown;
  listeners(type: string): Wrapper[];
}

function call(listener: WsEventListener<never>, target: unknown, event: Event): void {
  if (typeof listener === 'object' && listener !== null) {
    (listener.handleEvent as (event: Event) => unknown).call(listener, event);
  } else {
    (listener as (event: Event) => unknown).call(target, event);
  }
}

function wrap(type: string, listener: WsEventListener<never>): Wrapper | undefined {
  switch (type) {
    case 'message':
      return function onMessage(this: EventSource, data: unknown, isBinary: boolean): void {
        const event = new MessageEvent('message', { data: isBinary ? data : String(data) });
        Event.setTarget(event, this);
        call(listener, this, event);
      };
    case 'close':
      return function onClose(this: EventSource, code: number, reason: Buffer): void {
        const event = new CloseEvent('close', {
          code,
          reason: reason.toString(),
          wasClean: this.closedCleanly,
        });
        Event.setTarget(event, this);
        call(listener, this, event);
      };
    case 'error':
      return function onError(this: EventSource, error: Error): void {
        const event = new ErrorEvent('error', { error, message: error.message });
        Event.setTarget(event, this);
        call(listener, this, event);
      };
    case 'open':
      return function onOpen(this: EventSource): void {
        const event = new Event('open');
        Event.setTarget(event, this);
        call(listener, this, event);
      };
    default:
      return undefined;
  }
}

function register(
  source: EventSource,
  type: string,
  listener: WsEventListener<never>,
  once: boolean,
  forAttribute: boolean,
): void {
  const wrapper = wrap(type, listener);
  if (wrapper === undefined) return;
  wrapper[kForAttribute] = forAttribute;
  wrapper[kListener] = listener;
  if (once) source.once(type, wrapper);
  else source.on(type, wrapper);
}

/** `addEventListener`: a listener already added (not as an attribute) is not added twice. */
export function addEventListener(
  source: EventSource,
  type: string,
  listener: WsEventListener<never>,
  options: WsAddEventListenerOptions = {},
): void {
  for (const existing of source.listeners(type)) {
    if (existing[kListener] === listener && existing[kForAttribute] !== true) return;
  }
  register(source, type, listener, options.once === true, false);
}

/** `removeEventListener`: removes only a listener added with `addEventListener`. */
export function removeEventListener(
  source: EventSource,
  type: string,
  listener: WsEventListener<never>,
): void {
  // `listeners()` unwraps `once` registrations, and `removeListener` finds them by the wrapper.
  for (const existing of source.listeners(type)) {
    if (existing[kListener] === listener && existing[kForAttribute] !== true) {
      source.removeListener(type, existing);
      return;
    }
  }
}

/** The handler of an `on<event>` attribute, or `null`. */
export function getAttribute(source: EventSource, type: WsEventType): unknown {
  for (const existing of source.listeners(type)) {
    if (existing[kForAttribute] === true) return existing[kListener];
  }
  return null;
}

/** Set an `on<event>` attribute: replaces the previous handler; a non-function removes it. */
export function setAttribute(source: EventSource, type: WsEventType, handler: unknown): void {
  for (const existing of source.listeners(type)) {
    if (existing[kForAttribute] === true) {
      source.removeListener(type, existing);
      break;
    }
  }
  if (typeof handler !== 'function') return;
  register(source, type, handler as WsEventListener<never>, false, true);
}
