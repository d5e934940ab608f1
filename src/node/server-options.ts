/** The options of a {@link WebSocketServer}: its handler, its limits, where it listens. */
import type { IncomingHttpHeaders } from 'node:http';
import type { ServerHttp2Stream, Settings } from 'node:http2';
import type { TlsOptions } from 'node:tls';
import type { ConnectionHandler } from './connection.js';
import type { ConnectionOptions } from './connection-options.js';
import type { DeflateConfig } from './deflate-config.js';
import type { Http3ServeOptions } from './http3/h3-server.js';
import type { PubSubOptions } from './pubsub/pubsub-options.js';
import type { UpgradeRequestInfo } from './upgrade-request.js';

/** The server's handler: connection callbacks plus the upgrade hook. */
export interface ServerHandler<Data = unknown> extends ConnectionHandler<Data> {
  /**
   * Decide on an upgrade request after the protocol checks passed: return the connection's
   * `data` (or a promise of it) to accept; throw {@link rejectUpgrade}`(status, message)` to
   * refuse (auth, origin check). Any other error refuses with 500.
   */
  upgrade?(request: UpgradeRequestInfo): Data | Promise<Data>;
}

/** Options of a {@link WebSocketServer}. */
export interface ServerOptions<Data = unknown> extends ConnectionOptions {
  /** The callbacks, shared by every connection. */
  readonly handler: ServerHandler<Data>;
  /** Accept upgrades only on this path (others get 404). Default: any path. */
  readonly path?: string;
  /** Choose one of the offered subprotocols, or none. Default: none. */
  readonly selectProtocol?: (
    protocols: readonly string[],
    request: UpgradeRequestInfo,
  ) => string | undefined;
  /**
   * Look at or add to the header fields of the accepting answer just before it is written: the
   * 101 of an HTTP/1.1 upgrade, the 200 of an extended CONNECT (HTTP/2, HTTP/3; names are
   * lower-cased there and connection-specific ones left out): a `Set-Cookie`, say. Added fields
   * are checked as any other (no CR, LF or NUL).
   */
  readonly responseHeaders?: (
    headers: (readonly [name: string, value: string])[],
    request: UpgradeRequestInfo,
  ) => void;
  /** Drop a socket whose handshake (request and `upgrade` hook) takes longer. Default 10 000 ms. */
  readonly handshakeTimeout?: number;
  /** Largest request head accepted (431 beyond). Default 16 KiB. */
  readonly maxHeadBytes?: number;
  /** permessage-deflate (RFC 7692): `true` or settings. Default off. */
  readonly deflate?: boolean | DeflateConfig;
  /**
   * How received bytes reach `message`. By default every TCP and TLS connection reads into one
   * buffer shared by the process (no allocation per read, no stream events) and each message
   * is copied out of it, so `data` is yours to keep. `true` (64 KiB) or a size: this server's
   * connections read into their own shared buffer and `data` is a view of it, valid only during
   * the `message` callback — copy what you keep (async iteration copies for you), as with
   * uWebSockets.js. `false`: Node's `'data'` events, a fresh chunk per read.
   */
  readonly readBuffer?: boolean | number;
  /** HTTP/2 settings of RFC 8441 sessions (`initialWindowSize`, `maxConcurrentStreams`, ...).
   * `enableConnectProtocol` is always on. */
  readonly http2Settings?: Settings;
  /** The session-level receive window of HTTP/2 sessions, in bytes (all streams together).
   * Default 4 MiB (HTTP/2's own 64 KiB throttles many busy WebSockets on one session). */
  readonly http2WindowSize?: number;
  /** With `listen({ http2: true })`: serve HTTP/2 streams that are not WebSocket CONNECTs
   * (pages, APIs). Default: 404. */
  readonly http2Stream?: (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => void;
  /** Topics (`ws.subscribe`, `server.publish`): limits, slow subscribers, a broker. */
  readonly pubsub?: PubSubOptions;
}

/** Where to listen. */
export interface ListenOptions {
  /** TCP port; 0 picks a free one. Default 9001. */
  readonly port?: number;
  /** Address to bind. Default `127.0.0.1`. */
  readonly host?: string;
  /** Serve `wss://`: `key`, `cert` (and any `tls.createServer` option). */
  readonly tls?: TlsOptions;
  /**
   * Also serve WebSockets over HTTP/2 (RFC 8441) on the same port: with `tls`, by ALPN (`h2`
   * or `http/1.1`); without, by the HTTP/2 connection preface (h2c with prior knowledge) —
   * other bytes are HTTP/1.1.
   */
  readonly http2?: boolean;
  /**
   * Also serve WebSockets over HTTP/3 (RFC 9220) on UDP (default: the same port number), from
   * `wirekit/http3` (loaded only then; needs the optional `@matrixai/quic`). HTTP/1.1 answers
   * advertise it with `Alt-Svc: h3=":port"` (RFC 7838).
   */
  readonly http3?: Http3ServeOptions;
}
