/**
 * The QPACK static table (RFC 9204 Appendix A): 99 entries, index 0 to 98, and the lookups the
 * encoder uses (an exact name-value match, else the first entry with the name).
 */

/**
 * Appendix A, in index order: each line is `name` or `name value` (the first space separates
 * them; values may contain spaces). Kept as one string so the table is data, not code.
 */
const TABLE_TEXT = `:authority
:path /
age 0
content-disposition
content-length 0
cookie
date
etag
if-modified-since
if-none-match
last-modified
link
location
referer
set-cookie
:method CONNECT
:method DELETE
:method GET
:method HEAD
:method OPTIONS
:method POST
:method PUT
:scheme http
:scheme https
:status 103
:status 200
:status 304
:status 404
:status 503
accept */*
accept application/dns-message
accept-encoding gzip, deflate, br
accept-ranges bytes
access-control-allow-headers cache-control
access-control-allow-headers content-type
access-control-allow-origin *
cache-control max-age=0
cache-control max-age=2592000
cache-control max-age=604800
cache-control no-cache
cache-control no-store
cache-control public, max-age=31536000
content-encoding br
content-encoding gzip
content-type application/dns-message
content-type application/javascript
content-type application/json
content-type application/x-www-form-urlencoded
content-type image/gif
content-type image/jpeg
content-type image/png
content-type text/css
content-type text/html; charset=utf-8
content-type text/plain
content-type text/plain;charset=utf-8
range bytes=0-
strict-transport-security max-age=31536000
strict-transport-security max-age=31536000; includesubdomains
strict-transport-security max-age=31536000; includesubdomains; preload
vary accept-encoding
vary origin
x-content-type-options nosniff
x-xss-protection 1; mode=block
:status 100
:status 204
:status 206
:status 302
:status 400
:status 403
:status 421
:status 425
:status 500
accept-language
access-control-allow-credentials FALSE
access-control-allow-credentials TRUE
access-control-allow-headers *
access-control-allow-methods get
access-control-allow-methods get, post, options
access-control-allow-methods options
access-control-expose-headers content-length
access-control-request-headers content-type
access-control-request-method get
access-control-request-method post
alt-svc clear
authorization
content-security-policy script-src 'none'; object-src 'none'; base-uri 'none'
early-data 1
expect-ct
forwarded
if-range
origin
purpose prefetch
server
timing-allow-origin *
upgrade-insecure-requests 1
user-agent
x-forwarded-for
x-frame-options deny
x-frame-options sameorigin`;

const names: string[] = [];
const values: string[] = [];
for (const line of TABLE_TEXT.split('\n')) {
  const space = line.indexOf(' ');
  names.push(space === -1 ? line : line.slice(0, space));
  values.push(space === -1 ? '' : line.slice(space + 1));
}

/** Names of the static table's entries, by index (RFC 9204 Appendix A). */
export const STATIC_NAMES: readonly string[] = names;
/** Values of the static table's entries, by index (empty where the entry has none). */
export const STATIC_VALUES: readonly string[] = values;

const exact = new Map<string, Map<string, number>>();
const byName = new Map<string, number>();
for (let i = 0; i < names.length; i++) {
  const name = names[i]!;
  if (!byName.has(name)) byName.set(name, i);
  let forName = exact.get(name);
  if (forName === undefined) {
    forName = new Map();
    exact.set(name, forName);
  }
  if (!forName.has(values[i]!)) forName.set(values[i]!, i);
}

/** The index of the static entry with exactly this name and value, or -1. */
export function staticExactIndex(name: string, value: string): number {
  return exact.get(name)?.get(value) ?? -1;
}

/** The index of the first static entry with this name, or -1. */
export function staticNameIndex(name: string): number {
  return byName.get(name) ?? -1;
}
