/**
 * The server's opening handshake as a sans-IO object (RFC 6455 §4.2): bytes in, one event out
 * (a checked upgrade request to decide on, or a refusal already decided), answer bytes out.
 * Any adapter drives it the same way — a Node socket, Bun, Deno, an io_uring loop — so the
 * HTTP/1.1 reading, the §4.2.1 checks and the answers live here once.
 *
 * The HTTP/1.1 request is read by the http1 core's `RequestReader` with its limits. A request
 * that is not an upgrade gets 426 with `Upgrade: websocket` (RFC 9110 §15.5.22); a request with
 * a body gets 400 (the bytes of a body would be read as frames after the 101); the §4.2.1
 * checks give 400, 405 or 426 (§4.4). What follows the request in the same reads (frames a
 * client sent without waiting for the 101) comes back with the accepted answer as `trailing`.
 *
 * @example
 * ```ts
 * import { ServerOpeningHandshake } from 'wirekit/core';
 * const handshake = new ServerOpeningHandshake();
 * handshake.receive(bytesFromSocket);
 * const event = handshake.next();
 * if (event.type === 'refused') socket.end(event.answer);
 * else if (event.type === 'request') {
 *   const { answer, trailing } = handshake.accept({ protocol: event.upgrade.protocols[0] });
 *   socket.write(answer); // then WebSocket frames, starting with `trailing`
 * }
 * ```
 */
import { ErrorCode, WirekitError } from '../errors.js';
import { BodyFraming } from '../http1/body-framing.js';
import type { HttpLimits } from '../http1/http-limits.js';
import type { RequestHead } from '../http1/request-head.js';
import { RequestReader } from '../http1/request-reader.js';
import { type Platform, portablePlatform } from '../platform.js';
import { refusalAnswer, switchingProtocolsAnswer } from './handshake-answer.js';
import { type HeaderPairs, headerListSource } from './header-source.js';
import {
  type AcceptChoice,
  acceptHeaders,
  checkUpgradeRequest,
  type UpgradeAccepted,
} from './server-handshake.js';

/** Options of a {@link ServerOpeningHandshake}. */
export interface ServerOpeningHandshakeOptions {
  /** Largest request head accepted (431 beyond). Default 16 KiB. */
  readonly maxHeadBytes?: number;
  /** Hashing for the accept value; the portable SHA-1 by default. */
  readonly platform?: Platform;
}

/** More bytes are needed. */
export interface HandshakeNeedData {
  /** Tag of this event: feed more bytes of the request. */
  readonly type: 'need-data';
}

/** A valid upgrade request: call `accept` or `refuse`. */
export interface HandshakeRequest {
  /** Tag of this event. */
  readonly type: 'request';
  /** The parsed request (method, target, headers). */
  readonly head: RequestHead;
  /** The §4.2.1 checks' result: key, offered subprotocols and extensions, origin. */
  readonly upgrade: UpgradeAccepted;
}

/** The request was refused here: write `answer`, then close the connection. */
export interface HandshakeRefused {
  /** Tag of this event. */
  readonly type: 'refused';
  /** HTTP status of the refusal, a 4xx such as 400, 405, 426 or 431 (head over `maxHeadBytes`). */
  readonly status: number;
  /** `ERR_WS_HANDSHAKE` naming what was wrong, with the same `status`. */
  readonly error: WirekitError;
  /**
   * The complete HTTP/1.1 refusal (status line, fields, short text body) to write before closing.
   */
  readonly answer: Uint8Array;
}

/** The client closed, or sent something that is not HTTP, before a whole request: close. */
export interface HandshakeClosed {
  /** Tag of this event. */
  readonly type: 'closed';
}

/** What {@link ServerOpeningHandshake.next} returns, tagged by `type`. */
export type ServerHandshakeEvent =
  | HandshakeNeedData
  | HandshakeRequest
  | HandshakeRefused
  | HandshakeClosed;

/** What {@link ServerOpeningHandshake.accept} takes: the choice and any fields to add. */
export interface AcceptOptions extends AcceptChoice {
  /** Fields added to the 101 answer. */
  readonly headers?: HeaderPairs;
  /** Look at or add to the answer's fields just before they are encoded. */
  readonly review?: (fields: (readonly [name: string, value: string])[]) => void;
}

/** What {@link ServerOpeningHandshake.accept} returns. */
export interface HandshakeAccepted {
  /** The 101 answer to write. */
  readonly answer: Uint8Array;
  /** Bytes received after the request: the first WebSocket frames, if any. */
  readonly trailing: Uint8Array;
}

const NEED_DATA: HandshakeNeedData = Object.freeze({ type: 'need-data' });
const CLOSED: HandshakeClosed = Object.freeze({ type: 'closed' });
const NOTHING = new Uint8Array(0);

const State = {
  READING: 0,
  /** A `request` event was returned: waiting for accept or refuse. */
  DECIDING: 1,
  DONE: 2,
} as const;
type State = (typeof State)[keyof typeof State];

/** One server-side opening handshake on one connection. */
export class ServerOpeningHandshake {
  readonly #reader: RequestReader;
  readonly #platform: Platform;
  #state: State = State.READING;
  #key = '';

  /**
   * A handshake that reads one upgrade request, at most `options.maxHeadBytes` (default 16 KiB) of
   * head.
   */
  constructor(options: ServerOpeningHandshakeOptions = {}) {
    const limits: Partial<HttpLimits> = { maxHeadBytes: options.maxHeadBytes ?? 16 * 1024 };
    this.#reader = new RequestReader(limits);
    this.#platform = options.platform ?? portablePlatform;
  }

  /** Bytes from the client: the request, then (while the request is decided) the first frames,
   * which {@link accept} hands back as `trailing`. Ignored once the handshake was decided. */
  receive(bytes: Uint8Array): void {
    if (this.#state !== State.DONE) this.#reader.receive(bytes);
  }

  /** The client closed its side. */
  receiveEof(): void {
    if (this.#state === State.READING) this.#reader.receiveEof();
  }

  /** The next event; `need-data` until a whole request head arrived. Never throws. */
  next(): ServerHandshakeEvent {
    if (this.#state !== State.READING) return this.#state === State.DONE ? CLOSED : NEED_DATA;
    const reader = this.#reader;
    const event = reader.next();
    switch (event.type) {
      case 'need-data':
        return NEED_DATA;
      case 'error':
        return this.#refused(event.error.status ?? 400, event.error.message);
      case 'head':
        return this.#checkHead(event);
      default:
        this.#state = State.DONE;
        return CLOSED;
    }
  }

  #checkHead(head: RequestHead): ServerHandshakeEvent {
    // Not an upgrade at all: 426 names the protocol to switch to (RFC 9110 §15.5.22). One with
    // an Upgrade field but no `upgrade` connection option goes to the §4.2.1 checks (400).
    if (!head.upgrade && head.headers.get('upgrade') === undefined)
      return this.#refused(426, 'this is a WebSocket endpoint', [['Upgrade', 'websocket']]);
    // §4.1: the handshake is a GET without a body; the bytes of one would be read as frames.
    if (head.framing !== BodyFraming.NONE && head.contentLength !== 0)
      return this.#refused(400, 'a WebSocket upgrade request has no body');
    const check = checkUpgradeRequest({
      method: head.method,
      httpVersion: head.version,
      headers: headerListSource(head.headers),
    });
    if (!check.ok) {
      const status = check.error.status ?? 400;
      return this.#refused(status, check.error.message, check.headers);
    }
    this.#key = check.key;
    this.#state = State.DECIDING;
    return { type: 'request', head, upgrade: check };
  }

  #refused(status: number, message: string, headers: HeaderPairs = []): HandshakeRefused {
    this.#state = State.DONE;
    return {
      type: 'refused',
      status,
      error: new WirekitError(ErrorCode.WS_HANDSHAKE, message, { status }),
      answer: refusalAnswer(status, message, headers),
    };
  }

  /**
   * Accept the request (§4.2.2): the 101 answer with the accept value, the chosen subprotocol
   * and extensions and `headers`, and the bytes that followed the request. `review` sees the
   * answer's fields just before they are encoded and may add to them (a `Set-Cookie`); every
   * field is checked as it is encoded. Throws `ERR_INVALID_ARGUMENT` unless a `request` event
   * is waiting for a decision, or for a subprotocol that is not a token, and
   * `ERR_HTTP_INVALID_HEADER` for a field with CR, LF or NUL.
   */
  accept(choice: AcceptOptions = {}): HandshakeAccepted {
    this.#decide();
    const fields = [...acceptHeaders(this.#key, choice, this.#platform)];
    if (choice.headers !== undefined) fields.push(...choice.headers);
    choice.review?.(fields);
    const answer = switchingProtocolsAnswer(fields);
    // An upgrade GET has no body: after its end the reader pauses and hands over what follows.
    const reader = this.#reader;
    let next = reader.next();
    while (next.type === 'body') next = reader.next();
    const paused = next.type === 'end' && reader.next().type === 'paused';
    return { answer, trailing: paused ? reader.takeRemaining() : NOTHING };
  }

  /**
   * Refuse the request with `status` (e.g. 401, 403, 404) and a short text body; write the
   * answer, then close. Throws `ERR_INVALID_ARGUMENT` unless a `request` event is waiting, or
   * for a status outside 400–599.
   */
  refuse(status: number, message = '', headers: HeaderPairs = []): Uint8Array {
    if (!Number.isInteger(status) || status < 400 || status > 599)
      throw new WirekitError(ErrorCode.INVALID_ARGUMENT, `refusal status ${status} is not 4xx/5xx`);
    this.#decide();
    return refusalAnswer(status, message, headers);
  }

  #decide(): void {
    if (this.#state !== State.DECIDING) {
      throw new WirekitError(
        ErrorCode.INVALID_ARGUMENT,
        'accept() and refuse() answer a request event, once',
      );
    }
    this.#state = State.DONE;
  }
}
