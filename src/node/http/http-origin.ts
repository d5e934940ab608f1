/**
 * The origin an HTTP client connects to, from an `http:` or `https:` URL.
 *
 * @module
 */
import { ErrorCode, WirekitError } from '../../core/errors.js';

/** Where an {@link HttpConnection} connects, parsed once from its URL. */
export interface HttpOrigin {
  /** `https:` (TLS) or `http:`. */
  readonly secure: boolean;
  /** Host name or IP address to connect to (IPv6 without brackets). */
  readonly hostname: string;
  /** TCP port to connect to: the URL's, else 443 for `https` and 80 for `http`. */
  readonly port: number;
  /** The `Host` field value (RFC 9112 §3.2): host, and the port when it is not the default. */
  readonly host: string;
  /** The URL's path (`/` when none), e.g. as a pool's base path. */
  readonly pathname: string;
  /** `scheme://host[:port]`, for messages. */
  readonly href: string;
}

/** Default ports by scheme (RFC 9110 §4.2.1, §4.2.2). */
const DEFAULT_PORT = { 'http:': 80, 'https:': 443 } as const;

/**
 * Parses and checks an `http:` / `https:` URL. Query and fragment are not allowed: they would
 * not be sent (build requests with a `RequestWriter`).
 *
 * @example
 * ```ts
 * import { parseHttpOrigin } from './http-origin.js';
 * const origin = parseHttpOrigin('https://api.example.com:8443/v3');
 * origin.host;     // 'api.example.com:8443'
 * origin.pathname; // '/v3'
 * ```
 * @throws {WirekitError} `ERR_INVALID_ARGUMENT` for another scheme or an invalid URL.
 */
export function parseHttpOrigin(input: string | URL): HttpOrigin {
  let url: URL;
  try {
    url = new URL(String(input));
  } catch (cause) {
    throw new WirekitError(
      ErrorCode.INVALID_ARGUMENT,
      `invalid HTTP URL ${JSON.stringify(String(input))}`,
      { cause },
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new WirekitError(
      ErrorCode.INVALID_ARGUMENT,
      `an HTTP URL needs http: or https:, not ${url.protocol}`,
    );
  }
  if (url.search !== '' || url.hash !== '') {
    throw new WirekitError(
      ErrorCode.INVALID_ARGUMENT,
      'an HTTP origin URL may not have a query or fragment',
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw new WirekitError(
      ErrorCode.INVALID_ARGUMENT,
      'credentials in the URL are not sent; use an Authorization header',
    );
  }
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return {
    secure: url.protocol === 'https:',
    hostname,
    port: url.port === '' ? DEFAULT_PORT[url.protocol] : Number(url.port),
    host: url.host,
    pathname: url.pathname === '' ? '/' : url.pathname,
    href: `${url.protocol}//${url.host}`,
  };
}
