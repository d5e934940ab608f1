/**
 * What a server's `upgrade` hook sees of a WebSocket upgrade request, the same whether the
 * request was parsed by wirekit (standalone server) or by `node:http` (`handleUpgrade`).
 */
import type { IncomingMessage } from 'node:http';
import type { HeaderSource } from '../core/ws/header-source.js';

/** The upgrade request, as passed to the server's `upgrade` hook and `selectProtocol`. */
export interface UpgradeRequestInfo {
  /**
   * The request method: `GET` for an HTTP/1.1 upgrade, `CONNECT` over HTTP/2 and HTTP/3 (RFC 8441
   * §4, RFC 9220 §3).
   */
  readonly method: string;
  /** The request target, e.g. `/feed?symbol=BTC`. */
  readonly url: string;
  /** The path part of `url`, without the query. */
  readonly path: string;
  /** Header lookup by lower-case name; repeated fields joined with `", "`. */
  readonly headers: HeaderSource;
  /** Offered subprotocols, in the client's order. */
  readonly protocols: readonly string[];
  /** `Origin`, if sent: compare it to refuse cross-site browser pages. */
  readonly origin: string | undefined;
  /** The peer's IP address. */
  readonly remoteAddress: string;
  /** The raw `node:http` request, when the server got it through `handleUpgrade`. */
  readonly incoming: IncomingMessage | undefined;
}

/** The path of a request target (no query, no fragment). */
export function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/** A {@link HeaderSource} over `node:http`'s header object. */
export function incomingHeaders(request: IncomingMessage): HeaderSource {
  return headerObjectSource(request.headers);
}

/** A {@link HeaderSource} over a header object (`node:http`, `node:http2`): lower-case names,
 * repeated fields as arrays. */
export function headerObjectSource(
  headers: Readonly<Record<string, string | string[] | undefined>>,
): HeaderSource {
  return {
    get(name: string): string | undefined {
      const value = headers[name];
      return Array.isArray(value) ? value.join(', ') : value;
    },
  };
}

export { headerListSource } from '../core/ws/header-source.js';
