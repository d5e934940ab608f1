/**
 * The proxy the environment names for a target, when the caller opted in with `proxy: 'env'`.
 */
import { noProxyMatches } from './no-proxy.js';

/** What {@link proxyFromEnv} needs to know of a target. */
export interface ProxiedTarget {
  /** `wss:` or `https:`. */
  readonly secure: boolean;
  /** As in the URL; IPv6 without brackets. */
  readonly hostname: string;
  readonly port: number;
}

/**
 * The proxy URL the environment gives for `target`, or `undefined` to connect directly:
 *
 * 1. Secure targets (`wss:`, `https:`) read `https_proxy`, then `HTTPS_PROXY`; plain ones
 *    (`ws:`, `http:`) read `http_proxy`, then `HTTP_PROXY`. Lower case wins, as in curl and
 *    undici's `EnvHttpProxyAgent`; an empty value counts as unset. A secure target never falls
 *    back to `http_proxy` (curl's rule; undici's agent does fall back).
 * 2. `HTTP_PROXY` in upper case is ignored when `REQUEST_METHOD` is set: under CGI, a request's
 *    `Proxy:` header arrives as `HTTP_PROXY` ("httpoxy", CVE-2016-5385), as Go's
 *    `ProxyFromEnvironment` guards. curl reads only the lower-case `http_proxy` for that reason.
 * 3. `no_proxy`, then `NO_PROXY`, lists targets that bypass the proxy (see
 *    {@link noProxyMatches}).
 *
 * `ALL_PROXY` is not read: it often names a SOCKS proxy, which wirekit does not speak.
 *
 * @example
 * ```ts
 * import { proxyFromEnv } from './proxy-from-env.js';
 * const env = { https_proxy: 'http://proxy:3128', NO_PROXY: 'localhost,.internal' };
 * proxyFromEnv({ secure: true, hostname: 'api.example.com', port: 443 }, env); // 'http://proxy:3128'
 * proxyFromEnv({ secure: true, hostname: 'db.internal', port: 443 }, env);     // undefined
 * proxyFromEnv({ secure: false, hostname: 'api.example.com', port: 80 }, env); // undefined
 * ```
 */
export function proxyFromEnv(
  target: ProxiedTarget,
  env: Readonly<Record<string, string | undefined>> = process.env,
): string | undefined {
  const proxy = target.secure
    ? first(env, 'https_proxy', 'HTTPS_PROXY')
    : first(env, 'http_proxy', env['REQUEST_METHOD'] === undefined ? 'HTTP_PROXY' : '');
  if (proxy === undefined) return undefined;
  const noProxy = first(env, 'no_proxy', 'NO_PROXY');
  if (noProxy !== undefined && noProxyMatches(noProxy, target.hostname, target.port)) {
    return undefined;
  }
  return proxy;
}

function first(
  env: Readonly<Record<string, string | undefined>>,
  lower: string,
  upper: string,
): string | undefined {
  const a = env[lower]?.trim();
  if (a !== undefined && a !== '') return a;
  const b = upper === '' ? undefined : env[upper]?.trim();
  return b !== undefined && b !== '' ? b : undefined;
}
