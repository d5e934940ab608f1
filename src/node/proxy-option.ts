/**
 * The `proxy` option of the clients that dial (`connect`, `Http2WebSocketSession`,
 * `HttpConnection`, `ClientPool`) and its resolution for one target.
 */
import { type ProxiedTarget, proxyFromEnv } from './proxy-from-env.js';
import { type ProxyEndpoint, parseProxyUrl } from './proxy-url.js';

/**
 * Connect through an HTTP proxy with a CONNECT tunnel (RFC 9110 §9.3.6):
 *
 * - `'http://[user:password@]host[:port]'` (or a `URL`): always this proxy. Credentials are
 *   percent-decoded and sent as `Proxy-Authorization: Basic` (RFC 7617).
 * - `'env'`: the proxy the environment names for the target, read when the client is created
 *   (`connect()` call, `HttpConnection` constructor): `https_proxy` / `HTTPS_PROXY` for `wss:`
 *   and `https:`, `http_proxy` / `HTTP_PROXY` for `ws:` and `http:` (lower case first; an empty
 *   value is unset; no fallback from secure to `http_proxy`), and none when `no_proxy` /
 *   `NO_PROXY` lists the host (comma list; `*`; `example.com`, `.example.com` and
 *   `*.example.com` match the domain and its subdomains; `host:port`; IP literals and CIDR
 *   ranges). Nothing is read from the environment without this opt-in.
 * - absent: connect directly.
 *
 * The tunnel is set up within `connectTimeout`; for a secure target TLS then runs through it to
 * the target, with the target's server name.
 */
export type ProxyOption = 'env' | (string & {}) | URL;

/**
 * The proxy to use for `target`, or `undefined` for a direct connection.
 * @throws {WirekitError} `ERR_INVALID_ARGUMENT` for a proxy URL that is not usable (see
 * {@link parseProxyUrl}), including one read from the environment.
 */
export function resolveProxy(
  option: ProxyOption | undefined,
  target: ProxiedTarget,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ProxyEndpoint | undefined {
  if (option === undefined) return undefined;
  if (option === 'env') {
    const url = proxyFromEnv(target, env);
    return url === undefined ? undefined : parseProxyUrl(url);
  }
  return parseProxyUrl(option);
}
