/**
 * `NO_PROXY` matching: which targets bypass the proxy named by the environment.
 */
import { BlockList, isIP } from 'node:net';

// An entry with a port: `host:port`, `[v6]:port`; a bracketed IPv6 literal without one.
const WITH_PORT = /^(.*):(\d+)$/;
const BRACKETED = /^\[([^\]]+)\](?::(\d+))?$/;

/**
 * Whether the `NO_PROXY` value `list` names `hostname` (as in a URL, IPv6 without brackets) on
 * `port`, so that it is reached directly. The list is read as curl and undici's
 * `EnvHttpProxyAgent` read it:
 *
 * - entries are separated by commas or white space; case does not matter;
 * - `*` matches every host;
 * - `example.com`, `.example.com` and `*.example.com` all match `example.com` and every name
 *   under it (`api.example.com`), never `notexample.com`;
 * - `host:port` (`[::1]:8080` for IPv6) matches that host on that port only;
 * - an IP literal matches that address only (no suffix matching on addresses), and
 *   `10.0.0.0/8` or `fd00::/8` every address in that range, as curl ≥ 7.86 does.
 *
 * Host names are compared as written: nothing is resolved.
 *
 * @example
 * ```ts
 * import { noProxyMatches } from './no-proxy.js';
 * noProxyMatches('localhost,.internal:8080', 'api.internal', 8080); // true
 * noProxyMatches('localhost,.internal:8080', 'api.internal', 443);  // false
 * ```
 */
export function noProxyMatches(list: string, hostname: string, port: number): boolean {
  const host = normalizeHost(hostname);
  const family = isIP(host);
  for (const raw of list.split(/[\s,]+/)) {
    let entry = raw.toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return true;
    let entryPort = 0;
    const bracketed = BRACKETED.exec(entry);
    if (bracketed !== null) {
      entry = bracketed[1]!;
      entryPort = bracketed[2] === undefined ? 0 : Number(bracketed[2]);
    } else if (entry.indexOf(':') === entry.lastIndexOf(':')) {
      // One colon at most: a name or IPv4 address, maybe with a port. More: a bare IPv6.
      const withPort = WITH_PORT.exec(entry);
      if (withPort !== null) {
        entry = withPort[1]!;
        entryPort = Number(withPort[2]);
      }
    }
    if (entryPort !== 0 && entryPort !== port) continue;
    if (family !== 0) {
      if (addressMatches(entry, host, family)) return true;
      continue;
    }
    // A leading `.` or `*.` only says "the domain": the name itself matches too, as in curl.
    const name = normalizeHost(entry.startsWith('*.') ? entry.slice(2) : entry.replace(/^\.+/, ''));
    if (name !== '' && (host === name || host.endsWith(`.${name}`))) return true;
  }
  return false;
}

function normalizeHost(host: string): string {
  const lower = host.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

// An address entry (`127.0.0.1`, `::1`, `10.0.0.0/8`) against the target's address.
function addressMatches(entry: string, address: string, family: number): boolean {
  const slash = entry.indexOf('/');
  const base = slash === -1 ? entry : entry.slice(0, slash);
  const baseFamily = isIP(base);
  if (baseFamily !== family) return false;
  const type = family === 6 ? 'ipv6' : 'ipv4';
  const list = new BlockList();
  if (slash === -1) {
    list.addAddress(base, type);
  } else {
    const bits = Number(entry.slice(slash + 1));
    if (!Number.isInteger(bits) || bits < 0 || bits > (family === 6 ? 128 : 32)) return false;
    list.addSubnet(base, bits, type);
  }
  return list.check(address, type);
}
