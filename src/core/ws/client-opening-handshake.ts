/**
 * The client's opening handshake as a sans-IO object (RFC 6455 §4.1): the request bytes out,
 * the server's answer in, one event out (accepted, with the bytes that followed the 101, or
 * refused, with an error that says exactly why). Any adapter drives it the same way.
 *
 * The answer is read by the http1 core's `ResponseReader` with its limits; 1xx interim answers
 * other than 101 are skipped. A non-101 answer is read on until its end or the first 256 bytes
 * of its body, so the error can quote the start of the body (an auth challenge, a proxy's error
 * page). A 101 is checked as §4.1 requires of the client: Upgrade, Connection, the accept value,
 * and only offered subprotocols and extensions.
 *
 * @example
 * ```ts
 * import { ClientOpeningHandshake } from 'wirekit/core';
 * const handshake = new ClientOpeningHandshake({ host: 'example.com', resource: '/feed' });
 * socket.write(handshake.request);
 * handshake.receive(bytesFromSocket);
 * const event = handshake.next();
 * if (event.type === 'accepted') startWebSocket(event.protocol, event.trailing);
 * else if (event.type === 'refused') throw event.error;
 * ```
 */
import { ErrorCode, WirekitError } from '../errors.js';
import type { HeaderList } from '../http1/header-list.js';
import { ResponseReader } from '../http1/response-reader.js';
import { encodeRequestHead } from '../http1/write-head.js';
import { type Platform, portablePlatform } from '../platform.js';
import { checkUpgradeResponse, RefusalSnippet, upgradeRequestHeaders } from './client-handshake.js';
import { generateKey } from './handshake-key.js';
import { type HeaderPairs, headerListSource } from './header-source.js';

/** Options of a {@link ClientOpeningHandshake}. */
export interface ClientOpeningHandshakeOptions {
  /** The `Host` value: `host[:port]` (§4.1 item 4). */
  readonly host: string;
  /** The request target: path and query (§4.1 item 3). */
  readonly resource: string;
  /** Subprotocols to offer, most preferred first (unique tokens, §4.1 item 10). */
  readonly protocols?: readonly string[];
  /** A `Sec-WebSocket-Extensions` offer, e.g. from `deflateOffer`. */
  readonly extensions?: string;
  /** The names of the extensions offered, to check the answer against (§4.1 item 5). */
  readonly extensionNames?: readonly string[];
  /** `Origin`, for servers that check it. */
  readonly origin?: string;
  /** Extra request header fields. */
  readonly headers?: HeaderPairs;
  /** Largest answer head accepted. Default 16 KiB. */
  readonly maxHeadBytes?: number;
  /** Randomness for the key and hashing for the accept check; portable by default. */
  readonly platform?: Platform;
}

/** More bytes are needed. */
export interface ClientHandshakeNeedData {
  /** Tag of this event: feed more bytes of the server's answer. */
  readonly type: 'need-data';
}

/** The server accepted: WebSocket frames follow, starting with `trailing`. */
export interface ClientHandshakeAccepted {
  /** Tag of this event. */
  readonly type: 'accepted';
  /** The subprotocol the server chose, if any. */
  readonly protocol: string | undefined;
  /** The server's `Sec-WebSocket-Extensions` answer, for the extension negotiation. */
  readonly extensions: string | undefined;
  /** The 101's header fields. */
  readonly headers: HeaderList;
  /** Bytes that followed the 101 in the same reads. */
  readonly trailing: Uint8Array;
}

/**
 * The handshake failed: `error.code` is `ERR_WS_HANDSHAKE` (with `error.status`, the answer's
 * status) or `ERR_CONNECTION_LOST` (the server closed before answering). Close the connection.
 */
export interface ClientHandshakeRefused {
  /** Tag of this event. */
  readonly type: 'refused';
  /** Why the handshake failed: `ERR_WS_HANDSHAKE` or `ERR_CONNECTION_LOST`. */
  readonly error: WirekitError;
  /** The answer's header fields, when there was an answer. */
  readonly headers: HeaderList | undefined;
}

/** What {@link ClientOpeningHandshake.next} returns, tagged by `type`. */
export type ClientHandshakeEvent =
  | ClientHandshakeNeedData
  | ClientHandshakeAccepted
  | ClientHandshakeRefused;

const NEED_DATA: ClientHandshakeNeedData = Object.freeze({ type: 'need-data' });

/** One client-side opening handshake on one connection. */
export class ClientOpeningHandshake {
  /** The request to write: the upgrade GET's head (§4.1). */
  readonly request: Uint8Array;
  readonly #key: string;
  readonly #protocols: readonly string[] | undefined;
  readonly #extensionNames: readonly string[];
  readonly #platform: Platform;
  readonly #reader: ResponseReader;
  /** A non-101 answer whose body is being read for the error message. */
  #refusal:
    | { status: number; reason: string; headers: HeaderList; body: RefusalSnippet }
    | undefined;
  #result: ClientHandshakeAccepted | ClientHandshakeRefused | undefined;

  /** Throws `ERR_INVALID_ARGUMENT` for a repeated or invalid subprotocol, or a field with CR,
   * LF or NUL: before any I/O. */
  constructor(options: ClientOpeningHandshakeOptions) {
    const platform = options.platform ?? portablePlatform;
    this.#platform = platform;
    this.#key = generateKey(platform);
    this.#protocols = options.protocols;
    this.#extensionNames = options.extensionNames ?? [];
    const fields = upgradeRequestHeaders({
      host: options.host,
      key: this.#key,
      ...(options.protocols === undefined ? {} : { protocols: options.protocols }),
      ...(options.extensions === undefined ? {} : { extensions: options.extensions }),
      ...(options.origin === undefined ? {} : { origin: options.origin }),
    });
    this.request = encodeRequestHead({
      method: 'GET',
      target: options.resource,
      headers: options.headers === undefined ? fields : [...fields, ...options.headers],
    });
    this.#reader = new ResponseReader({ maxHeadBytes: options.maxHeadBytes ?? 16 * 1024 });
    this.#reader.expect('GET');
  }

  /** Bytes from the server. Ignored once the handshake has its result. */
  receive(bytes: Uint8Array): void {
    if (this.#result === undefined) this.#reader.receive(bytes);
  }

  /** The server closed its side. */
  receiveEof(): void {
    if (this.#result === undefined) this.#reader.receiveEof();
  }

  /** The next event: `need-data` until the answer is known, then the result. Never throws. */
  next(): ClientHandshakeEvent {
    if (this.#result !== undefined) return this.#result;
    const reader = this.#reader;
    for (;;) {
      const event = reader.next();
      switch (event.type) {
        case 'need-data':
          return NEED_DATA;
        case 'informational':
          continue; // 1xx interim answers other than 101 (e.g. 103 Early Hints)
        case 'head':
          if (event.status === 101) return this.#check(event.headers);
          this.#refusal = {
            status: event.status,
            reason: event.reason,
            headers: event.headers,
            body: new RefusalSnippet(),
          };
          continue;
        case 'body':
          if (!this.#refusal!.body.add(event.data)) continue;
          return this.#refuseWithStatus();
        case 'end':
          if (this.#refusal !== undefined) return this.#refuseWithStatus();
          continue;
        case 'error':
          return this.#finish({
            type: 'refused',
            error: new WirekitError(
              ErrorCode.WS_HANDSHAKE,
              `invalid answer to the WebSocket handshake: ${event.error.message}`,
              { status: event.error.status ?? 502, cause: event.error },
            ),
            headers: undefined,
          });
        default:
          // Closed: the server ended the connection.
          if (this.#refusal !== undefined) return this.#refuseWithStatus();
          return this.#finish({
            type: 'refused',
            error: new WirekitError(
              ErrorCode.CONNECTION_LOST,
              'the server closed the connection during the WebSocket handshake',
            ),
            headers: undefined,
          });
      }
    }
  }

  #check(headers: HeaderList): ClientHandshakeEvent {
    const result = checkUpgradeResponse(
      { status: 101, headers: headerListSource(headers) },
      {
        key: this.#key,
        ...(this.#protocols === undefined ? {} : { protocols: this.#protocols }),
        extensions: this.#extensionNames,
      },
      this.#platform,
    );
    if (!result.ok) return this.#finish({ type: 'refused', error: result.error, headers });
    // A 101 has no body: the reader ends the message and pauses; the rest is WebSocket.
    const reader = this.#reader;
    let next = reader.next();
    if (next.type === 'end') next = reader.next();
    const trailing = next.type === 'paused' ? reader.takeRemaining() : new Uint8Array(0);
    return this.#finish({
      type: 'accepted',
      protocol: result.protocol,
      extensions: result.extensions,
      headers,
      trailing,
    });
  }

  #refuseWithStatus(): ClientHandshakeEvent {
    const refusal = this.#refusal!;
    const snippet = refusal.body.text();
    const result = checkUpgradeResponse(
      {
        status: refusal.status,
        statusText: refusal.reason,
        headers: headerListSource(refusal.headers),
        bodySnippet: snippet,
      },
      { key: this.#key },
      this.#platform,
    );
    const error = result.ok
      ? new WirekitError(ErrorCode.WS_HANDSHAKE, `server answered ${refusal.status}`)
      : result.error;
    return this.#finish({ type: 'refused', error, headers: refusal.headers });
  }

  #finish(
    result: ClientHandshakeAccepted | ClientHandshakeRefused,
  ): ClientHandshakeAccepted | ClientHandshakeRefused {
    this.#result = result;
    return result;
  }
}
