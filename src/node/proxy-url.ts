/**
 * An HTTP proxy given as a URL, `http://[user:password@]host[:port]`, parsed once into where to
 * connect and what `Proxy-Authorization` to send.
 */
import { ErrorCode, WirekitError } from '../core/errors.js';

/** Where a tunnel goes through: the result of {@link parseProxyUrl}. */
export interface ProxyEndpoint {
  /** Host name or IP address of the proxy (IPv6 without brackets). */
  readonly hostname: string;
  readonly port: number;
  /** `http://host:port`, for messages: never the credentials. */
  readonly href: string;
  /** The `Proxy-Authorization` field value (`Basic …`) when the URL has credentials. */
  readonly authorization: string | undefined;
}

// RFC 3986 §3.1: scheme ":" — a value without one (`proxy.corp:3128`, as environment variables
// often hold) is taken as http://, as curl does.
const HAS_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * Parses and checks a proxy URL. Only `http:` proxies are spoken to (the tunnel to the target
 * is TLS when the target is `wss:` or `https:`, but the way to the proxy is plain TCP). The port
 * defaults to 80, the `http` scheme's. Credentials are percent-decoded and sent with the Basic
 * scheme (RFC 7617) as UTF-8 (§2.1). Errors never repeat the URL: it may hold a password.
 *
 * @example
 * ```ts
 * import { parseProxyUrl } from './proxy-url.js';
 * const proxy = parseProxyUrl('http://al%40ice:s%3Acret@127.0.0.1:3128');
 * proxy.href;          // 'http://127.0.0.1:3128'
 * proxy.authorization; // 'Basic ' + base64('al@ice:s:cret')
 * ```
 * @throws {WirekitError} `ERR_INVALID_ARGUMENT` for an unparsable URL, another scheme, a path,
 * query or fragment, or credentials Basic cannot carry.
 */
export function parseProxyUrl(input: string | URL): ProxyEndpoint {
  const text = String(input).trim();
  let url: URL;
  try {
    url = new URL(HAS_SCHEME.test(text) ? text : `http://${text}`);
  } catch {
    // No cause: the URL parser's error repeats the input, password included.
    throw new WirekitError(ErrorCode.INVALID_ARGUMENT, 'the proxy is not a valid URL');
  }
  if (url.protocol !== 'http:') {
    throw new WirekitError(
      ErrorCode.INVALID_ARGUMENT,
      `the proxy URL needs http:, not ${url.protocol} (TLS to the proxy is not supported)`,
    );
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') {
    throw new WirekitError(
      ErrorCode.INVALID_ARGUMENT,
      'the proxy URL may not have a path, query or fragment',
    );
  }
  const href = `http://${url.host}`;
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const port = url.port === '' ? 80 : Number(url.port);
  if (url.username === '' && url.password === '') {
    return { hostname, port, href, authorization: undefined };
  }
  let user: string;
  let password: string;
  try {
    user = decodeURIComponent(url.username);
    password = decodeURIComponent(url.password);
  } catch {
    throw new WirekitError(
      ErrorCode.INVALID_ARGUMENT,
      `the credentials of proxy ${href} have a bad percent-encoding`,
    );
  }
  // RFC 7617 §2: user-pass = user-id ":" password; a colon in the user-id cannot be told apart.
  if (user.includes(':')) {
    throw new WirekitError(
      ErrorCode.INVALID_ARGUMENT,
      `the user name for proxy ${href} contains ':', which Basic authentication cannot carry (RFC 7617 §2)`,
    );
  }
  if (hasControl(user) || hasControl(password)) {
    throw new WirekitError(
      ErrorCode.INVALID_ARGUMENT,
      `the credentials for proxy ${href} contain a control character (RFC 7617 §2)`,
    );
  }
  const token = Buffer.from(`${user}:${password}`, 'utf8').toString('base64');
  return { hostname, port, href, authorization: `Basic ${token}` };
}

// RFC 7617 §2: user-id and password MUST NOT contain control characters (RFC 5234 CTL).
function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}
