/**
 * Well-formedness of HTTP/3 header and trailer sections (RFC 9114 §4.1.2, §4.2, §4.3, §10.3;
 * RFC 8441 §4 and RFC 9220 §3 for `:protocol`). A section that fails is malformed, which the
 * session turns into a stream error of type H3_MESSAGE_ERROR.
 *
 * The checks: field names are lower-case tokens (§4.2: "characters in field names MUST be
 * converted to lowercase ... a request or response containing uppercase characters in field
 * names MUST be treated as malformed"; §10.3: invalid names are malformed); values hold only
 * characters RFC 9110 §5.5 permits (no NUL, CR, LF or other controls but HTAB, §10.3);
 * connection-specific fields are absent and `te` is at most `trailers` (§4.2); pseudo-header
 * fields come first (§4.3), only the defined ones, each at most once; the mandatory ones are
 * present (§4.3.1, §4.3.2); Content-Length values agree (RFC 9110 §8.6).
 */
import type { FieldSection } from '../qpack/field-section.js';

/** What the session needs from a well-formed request head. */
export interface RequestHead {
  /** The `:method` pseudo-header (RFC 9114 §4.3.1). */
  readonly method: string;
  /** `:protocol` of an extended CONNECT (RFC 9220), else `undefined`. */
  readonly protocol: string | undefined;
  /** Content-Length, or -1 when absent. */
  readonly contentLength: number;
}

/** What the session needs from a well-formed response head. */
export interface ResponseHead {
  /** The `:status` pseudo-header as a number (RFC 9114 §4.3.2): 100 to 599, never 101 (§4.5). */
  readonly status: number;
  /** Content-Length, or -1 when absent. */
  readonly contentLength: number;
}

const CONNECTION_SPECIFIC: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
]);

/** A lower-case token character (RFC 9110 §5.6.2 tchar without A-Z). */
function isLowerTchar(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x30 && c <= 0x39) ||
    c === 0x21 ||
    (c >= 0x23 && c <= 0x27) ||
    c === 0x2a ||
    c === 0x2b ||
    c === 0x2d ||
    c === 0x2e ||
    c === 0x5e ||
    c === 0x5f ||
    c === 0x60 ||
    c === 0x7c ||
    c === 0x7e
  );
}

/** A problem with one field line, or `undefined`. `from` skips a pseudo-header's colon. */
function lineProblem(name: string, value: string, from: number): string | undefined {
  if (name.length <= from) return 'empty field name';
  for (let i = from; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (!isLowerTchar(c))
      return c >= 0x41 && c <= 0x5a
        ? `upper-case field name ${JSON.stringify(name)} (RFC 9114 §4.2)`
        : `invalid field name ${JSON.stringify(name)} (RFC 9114 §10.3)`;
  }
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f)
      return `field ${name} has a control character in its value (RFC 9114 §10.3)`;
  }
  return undefined;
}

/** Regular fields from `start` on: their problem, or the Content-Length (-1 when absent). */
function checkRegular(fields: FieldSection, start: number): string | number {
  let contentLength = -1;
  const { names, values } = fields;
  for (let i = start; i < names.length; i++) {
    const name = names[i]!;
    const value = values[i]!;
    if (name.charCodeAt(0) === 0x3a)
      return `pseudo-header ${name} after a regular field or in trailers (RFC 9114 §4.3)`;
    const problem = lineProblem(name, value, 0);
    if (problem !== undefined) return problem;
    if (CONNECTION_SPECIFIC.has(name)) return `connection-specific field ${name} (RFC 9114 §4.2)`;
    if (name === 'te' && value !== 'trailers') return 'te other than "trailers" (RFC 9114 §4.2)';
    if (name === 'content-length') {
      const n = parseContentLength(value);
      if (n < 0 || (contentLength >= 0 && n !== contentLength))
        return `invalid content-length ${JSON.stringify(value)}`;
      contentLength = n;
    }
  }
  return contentLength;
}

/** A Content-Length value (digits, or a list of equal values), or -1. */
function parseContentLength(value: string): number {
  let result = -1;
  for (const part of value.split(',')) {
    const text = part.trim();
    if (!/^[0-9]{1,15}$/.test(text)) return -1;
    const n = Number(text);
    if (result >= 0 && n !== result) return -1;
    result = n;
  }
  return result;
}

/**
 * Check a request's header section. `connectProtocol`: this server advertised
 * SETTINGS_ENABLE_CONNECT_PROTOCOL, so `:protocol` is defined. Returns the head, or the reason
 * it is malformed.
 */
export function checkRequestHead(
  fields: FieldSection,
  connectProtocol: boolean,
): RequestHead | string {
  const { names, values } = fields;
  let method: string | undefined;
  let scheme: string | undefined;
  let authority: string | undefined;
  let path: string | undefined;
  let protocol: string | undefined;
  let i = 0;
  for (; i < names.length; i++) {
    const name = names[i]!;
    if (name.charCodeAt(0) !== 0x3a) break;
    const value = values[i]!;
    const problem = lineProblem(name, value, 1);
    if (problem !== undefined) return problem;
    let previous: string | undefined;
    switch (name) {
      case ':method':
        previous = method;
        method = value;
        break;
      case ':scheme':
        previous = scheme;
        scheme = value;
        break;
      case ':authority':
        previous = authority;
        authority = value;
        break;
      case ':path':
        previous = path;
        path = value;
        break;
      case ':protocol':
        // RFC 8441 §4, RFC 9220 §3: defined only where the server enabled extended CONNECT.
        if (!connectProtocol) return ':protocol without SETTINGS_ENABLE_CONNECT_PROTOCOL';
        previous = protocol;
        protocol = value;
        break;
      default:
        // §4.3: response or undefined pseudo-headers in a request are malformed.
        return `pseudo-header ${name} is not defined for requests (RFC 9114 §4.3)`;
    }
    if (previous !== undefined) return `duplicate ${name} (RFC 9114 §4.3.1)`;
  }
  const regular = checkRegular(fields, i);
  if (typeof regular === 'string') return regular;
  if (method === undefined || method === '') return 'request without :method (RFC 9114 §4.3.1)';
  if (method === 'CONNECT' && protocol === undefined) {
    // §4.4: a classic CONNECT has :authority only.
    if (scheme !== undefined || path !== undefined)
      return 'CONNECT with :scheme or :path (RFC 9114 §4.4)';
    if (authority === undefined || authority === '')
      return 'CONNECT without :authority (RFC 9114 §4.4)';
    return { method, protocol, contentLength: regular };
  }
  if (protocol !== undefined) {
    // RFC 8441 §4: :protocol goes with CONNECT, which then carries :scheme, :path, :authority.
    if (method !== 'CONNECT') return ':protocol on a request that is not CONNECT (RFC 8441 §4)';
    if (scheme === undefined || path === undefined || authority === undefined)
      return 'extended CONNECT without :scheme, :path or :authority (RFC 9220 §3)';
  }
  if (scheme === undefined || scheme === '') return 'request without :scheme (RFC 9114 §4.3.1)';
  if (path === undefined || path === '') return 'request without :path (RFC 9114 §4.3.1)';
  if (scheme === 'http' || scheme === 'https') {
    // §4.3.1: an :authority or a Host field, not empty, and equal when both are present.
    const host = fields.get('host');
    if (authority === '' || host === '') return 'empty :authority or host (RFC 9114 §4.3.1)';
    if (authority === undefined && host === undefined)
      return 'request without :authority or host (RFC 9114 §4.3.1)';
    if (authority !== undefined && host !== undefined && authority !== host)
      return ':authority and host differ (RFC 9114 §4.3.1)';
  }
  return { method, protocol, contentLength: regular };
}

/** Check a response's header section: the head, or the reason it is malformed. */
export function checkResponseHead(fields: FieldSection): ResponseHead | string {
  const { names, values } = fields;
  let status: string | undefined;
  let i = 0;
  for (; i < names.length; i++) {
    const name = names[i]!;
    if (name.charCodeAt(0) !== 0x3a) break;
    const problem = lineProblem(name, values[i]!, 1);
    if (problem !== undefined) return problem;
    if (name !== ':status')
      return `pseudo-header ${name} is not defined for responses (RFC 9114 §4.3)`;
    if (status !== undefined) return 'duplicate :status (RFC 9114 §4.3.2)';
    status = values[i]!;
  }
  const regular = checkRegular(fields, i);
  if (typeof regular === 'string') return regular;
  if (status === undefined) return 'response without :status (RFC 9114 §4.3.2)';
  if (!/^[1-5][0-9][0-9]$/.test(status)) return `invalid :status ${JSON.stringify(status)}`;
  const code = Number(status);
  // §4.5: HTTP/3 has no 101 (Switching Protocols).
  if (code === 101) return ':status 101 (RFC 9114 §4.5)';
  return { status: code, contentLength: regular };
}

/** Check a trailer section: `undefined`, or the reason it is malformed. */
export function checkTrailers(fields: FieldSection): string | undefined {
  const result = checkRegular(fields, 0);
  return typeof result === 'string' ? result : undefined;
}
