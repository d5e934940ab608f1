/**
 * The options of the WebSocket client (`connect`), shared by its transports (HTTP/1.1 over TCP
 * or TLS, RFC 8441 over HTTP/2).
 */

import type { HeaderPairs } from '../core/ws/header-source.js';
import type { ConnectionHandler } from './connection.js';
import type { ConnectionOptions } from './connection-options.js';
import type { DeflateConfig } from './deflate-config.js';
import type { ProxyOption } from './proxy-option.js';
import type { ClientTlsOptions } from './tls-options.js';

export type { ClientTlsOptions };

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
  /** Give up if TCP (and the proxy's tunnel, and TLS) is not ready within this many ms; with
   * `http3`, the QUIC handshake and the server's SETTINGS (`ERR_TIMEOUT`). Default 10 000. */
  readonly connectTimeout?: number;
  /**
   * Connect through an HTTP proxy's CONNECT tunnel (RFC 9110 §9.3.6), over HTTP/1.1 and HTTP/2:
   * a proxy URL `'http://[user:password@]host[:port]'`, or `'env'` to use the proxy the
   * environment names — `https_proxy` then `HTTPS_PROXY` for `wss://`, `http_proxy` then
   * `HTTP_PROXY` for `ws://` (lower case first, as curl and undici; an empty value is unset;
   * `wss://` never falls back to `http_proxy`) unless `no_proxy` / `NO_PROXY` lists the host
   * (`*`, `example.com` / `.example.com` for a domain and its subdomains, `host:port`, IP
   * literals, CIDR ranges). Absent: no proxy; the environment is read only with `'env'`.
   * A proxy that does not open the tunnel fails the connect with `ERR_PROXY`.
   */
  readonly proxy?: ProxyOption;
  /**
   * Give up (`ERR_TIMEOUT`) if the server's answer — the 101, or the 200 to the extended
   * CONNECT over HTTP/2 and HTTP/3 — has not arrived within this many ms of connecting (of the
   * end of `connectTimeout`'s part). A refusal's body, quoted in the error, is read within the
   * same time. Default 10 000.
   */
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
   * Connect over HTTP/3 (RFC 9220, QUIC on UDP to the URL's port; `wss://` only; needs the
   * optional `@matrixai/quic` package, else `ERR_HTTP3_UNAVAILABLE`): `true` requires it;
   * `'prefer'` falls back to the other transports when the QUIC handshake fails or times out,
   * or the package is missing. To open several WebSockets on one QUIC connection use
   * `Http3WebSocketSession` from `wirekit/http3`.
   */
  readonly http3?: boolean | 'prefer';
  /**
   * Read into one reused buffer (this one, or a new one of this many bytes) instead of a fresh
   * chunk per read (`net.Socket` `onread`): no allocation per read. The price: a message's
   * `data` is valid only during its `message` callback — copy what you keep (async iteration
   * copies for you). HTTP/1.1 only.
   */
  readonly readBuffer?: number | Uint8Array;
}
