/** WebSocket URLs (RFC 6455 §3): parsed and checked once, for every client transport. */
import { ErrorCode, WirekitError } from '../core/errors.js';

/** Default ports by scheme (RFC 6455 §3). */
const DEFAULT_PORT = { 'ws:': 80, 'wss:': 443 } as const;

/** A WebSocket URL checked as RFC 6455 §3 and the WHATWG constructor do. */
export interface WebSocketTarget {
  readonly secure: boolean;
  readonly hostname: string;
  readonly port: number;
  /** `Host` header value. */
  readonly host: string;
  /** Path and query for the request line. */
  readonly resource: string;
  readonly href: string;
}

/** Parse and check a WebSocket URL; `http:`/`https:` map to `ws:`/`wss:` as in browsers. */
export function parseWebSocketUrl(input: string | URL): WebSocketTarget {
  let url: URL;
  try {
    url = new URL(String(input));
  } catch (cause) {
    throw new WirekitError(
      ErrorCode.INVALID_ARGUMENT,
      `invalid WebSocket URL ${JSON.stringify(String(input))}`,
      { cause },
    );
  }
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new WirekitError(
      ErrorCode.INVALID_ARGUMENT,
      `a WebSocket URL needs ws: or wss:, not ${url.protocol}`,
    );
  }
  // §3: fragment identifiers MUST NOT be used in WebSocket URIs.
  if (url.hash !== '')
    throw new WirekitError(ErrorCode.INVALID_ARGUMENT, 'a WebSocket URL may not have a fragment');
  const secure = url.protocol === 'wss:';
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return {
    secure,
    hostname,
    port: url.port === '' ? DEFAULT_PORT[url.protocol as 'ws:' | 'wss:'] : Number(url.port),
    host: url.host,
    resource: `${url.pathname || '/'}${url.search}`,
    href: url.href,
  };
}
