/**
 * The options of the WebSocket client (`connect`), shared by its transports (HTTP/1.1 over TCP
 * or TLS, RFC 8441 over HTTP/2).
 */

import type { HeaderPairs } from '../core/ws/header-source.js';
import type { ConnectionHandler } from './connection.js';
import type { ConnectionOptions } from './connection-options.js';
import type { DeflateConfig } from './deflate-config.js';

/** TLS settings for `wss://`. */
export interface ClientTlsOptions {
  /** Trusted CA certificates (PEM), replacing the system's. */
  readonly ca?: string | Buffer | ReadonlyArray<string | Buffer>;
  /** Server name for SNI and certificate checks. Default: the URL's host name. */
  readonly servername?: string;
  /** Verify the server certificate. Default true; turn off only in tests. */
  readonly rejectUnauthorized?: boolean;
  /** Client certificate and key (PEM), for mutual TLS. */
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
}

/** Options of {@link connect}. */
export interface ConnectOptions<Data = unknown> extends ConnectionOptions {
  /** Callbacks; without `message`, iterate the connection to read messages. */
  readonly handler?: ConnectionHandler<Data>;
  /** Initial `connection.data`. */
  readonly data?: Data;
  /** Subprotocols to offer, most preferred first. */
  readonly protocols?: readonly string[];
  /** Extra request header fields (auth tokens, cookies). */
  readonly headers?: HeaderPairs | Readonly<Record<string, string>>;
  /** `Origin` to send. */
  readonly origin?: string;
  /** Give up if TCP (and TLS) is not connected within this many ms. Default 10 000. */
  readonly connectTimeout?: number;
  /** Give up if the server's 101 has not arrived within this many ms of connecting. Default 10 000. */
  readonly handshakeTimeout?: number;
  /** TLS settings for `wss://`. */
  readonly tls?: ClientTlsOptions;
  /** Largest response head accepted. Default 16 KiB. */
  readonly maxHeadBytes?: number;
  /** Abort connecting: the promise rejects with `ERR_ABORTED` and the socket is destroyed. */
  readonly signal?: AbortSignal;
  /** Offer permessage-deflate (RFC 7692): `true` or settings. Default off. */
  readonly deflate?: boolean | DeflateConfig;
  /**
   * Connect over HTTP/2 (RFC 8441): `true` requires it (TLS with ALPN `h2` for `wss://`, h2c
   * with prior knowledge for `ws://`) and fails if the server does not enable WebSockets over
   * HTTP/2; `'prefer'` falls back to HTTP/1.1 then. The session is closed with the connection;
   * to open several WebSockets on one session use `Http2WebSocketSession`.
   */
  readonly http2?: boolean | 'prefer';
  /**
   * Read into one reused buffer (this one, or a new one of this many bytes) instead of a fresh
   * chunk per read (`net.Socket` `onread`): no allocation per read. The price: a message's
   * `data` is valid only during its `message` callback — copy what you keep (async iteration
   * copies for you). HTTP/1.1 only.
   */
  readonly readBuffer?: number | Uint8Array;
}
