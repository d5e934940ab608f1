/**
 * The TLS settings of every client that dials (`connect`, `Http2WebSocketSession`,
 * `HttpConnection`, `ClientPool`): one type, in a module of its own, so the REST client does not
 * import the WebSocket client's types.
 */

/** TLS settings for `wss://` and `https://`. */
export interface ClientTlsOptions {
  /** Trusted CA certificates (PEM), replacing the system's. */
  readonly ca?: string | Buffer | ReadonlyArray<string | Buffer>;
  /** Server name for SNI and certificate checks. Default: the URL's host name. */
  readonly servername?: string;
  /** Verify the server certificate. Default true; turn off only in tests. */
  readonly rejectUnauthorized?: boolean;
  /** Client certificate and key (PEM), for mutual TLS. */
  readonly cert?: string | Buffer;
  /** Private key of `cert` (PEM), for mutual TLS. */
  readonly key?: string | Buffer;
}
