/**
 * Request and response heads written straight into bytes.
 *
 * @module
 */
import { ErrorCode, WirekitError } from '../errors.js';
import { TCHAR } from './ascii.js';

/**
 * Header fields to write: `[name, value]` pairs in order (an array, a `Map`, a
 * {@link HeaderList}…) or a plain object (one field per key, or one per element of an array
 * value).
 */
export type HeaderInit =
  | Iterable<readonly [name: string, value: string]>
  | Readonly<Record<string, string | readonly string[]>>;

/** A request head for {@link writeRequestHead}. */
export interface RequestHeadInit {
  /** A token (RFC 9110 §9.1), e.g. `GET`. */
  readonly method: string;
  /** The request-target as it goes on the wire (RFC 9112 §3.2), e.g. `/a?b=c`; visible ASCII
   * only: percent-encode anything else first. */
  readonly target: string;
  /**
   * Header fields, written in order as given (names must be tokens, values without CR, LF or NUL);
   * default none.
   */
  readonly headers?: HeaderInit;
  /** Default `1.1`. */
  readonly version?: '1.0' | '1.1';
}

/** A response head for {@link writeResponseHead}. */
export interface ResponseHeadInit {
  /** 100..599 (RFC 9110 §15). */
  readonly status: number;
  /** Default: the standard phrase for the status, or empty. */
  readonly reason?: string;
  /**
   * Header fields, written in order as given (names must be tokens, values without CR, LF or NUL);
   * default none.
   */
  readonly headers?: HeaderInit;
  /** Default `1.1`. */
  readonly version?: '1.0' | '1.1';
}

const REASONS: Readonly<Record<number, string>> = {
  100: 'Continue',
  101: 'Switching Protocols',
  103: 'Early Hints',
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'No Content',
  206: 'Partial Content',
  301: 'Moved Permanently',
  302: 'Found',
  303: 'See Other',
  304: 'Not Modified',
  307: 'Temporary Redirect',
  308: 'Permanent Redirect',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  411: 'Length Required',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  417: 'Expectation Failed',
  426: 'Upgrade Required',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  505: 'HTTP Version Not Supported',
};

/**
 * Writes `method SP target SP HTTP/1.1 CRLF`, the fields and the empty line into `dst` at
 * `offset`; returns the number of bytes written. Adds no field of its own (no Host, no
 * Content-Length): framing is the caller's.
 *
 * @throws {WirekitError} `ERR_HTTP_INVALID_HEADER` when the method or a field name is not a
 * token, or the target, a name or a value has CR, LF, NUL or another forbidden char
 * (header injection); `ERR_BUFFER_TOO_SMALL` when `dst` has no room (what was written before is
 * garbage then).
 *
 * @example
 * ```ts
 * import { writeRequestHead } from './write-head.js';
 * const out = new Uint8Array(256);
 * const n = writeRequestHead(out, 0, { method: 'GET', target: '/', headers: [['Host', 'a']] });
 * new TextDecoder().decode(out.subarray(0, n)); // 'GET / HTTP/1.1\r\nHost: a\r\n\r\n'
 * ```
 */
export function writeRequestHead(dst: Uint8Array, offset: number, head: RequestHeadInit): number {
  let p = writeToken(dst, offset, head.method, 'method');
  p = writeByte(dst, p, 0x20);
  p = writeTarget(dst, p, head.target);
  p = writeByte(dst, p, 0x20);
  p = writeVersion(dst, p, head.version);
  p = writeCrlf(dst, p);
  if (head.headers !== undefined) p = writeFields(dst, p, head.headers);
  return writeCrlf(dst, p) - offset;
}

/**
 * Writes `HTTP/1.1 SP status SP reason CRLF`, the fields and the empty line into `dst` at
 * `offset`; returns the number of bytes written. Adds no field of its own.
 *
 * @throws {WirekitError} `ERR_HTTP_INVALID_HEADER` for a bad field name, value or reason;
 * `ERR_INVALID_ARGUMENT` for a status outside 100..599; `ERR_BUFFER_TOO_SMALL` when `dst` has
 * no room.
 *
 * @example
 * ```ts
 * import { writeResponseHead } from './write-head.js';
 * const out = new Uint8Array(256);
 * const n = writeResponseHead(out, 0, { status: 204, headers: { 'X-A': '1' } });
 * new TextDecoder().decode(out.subarray(0, n)); // 'HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n'
 * ```
 */
export function writeResponseHead(dst: Uint8Array, offset: number, head: ResponseHeadInit): number {
  const status = head.status;
  if (!Number.isInteger(status) || status < 100 || status > 599) {
    throw new WirekitError(
      ErrorCode.INVALID_ARGUMENT,
      `status must be an integer in 100..599 (RFC 9110 §15), got ${String(status)}`,
    );
  }
  let p = writeVersion(dst, offset, head.version);
  p = writeByte(dst, p, 0x20);
  p = writeByte(dst, p, 0x30 + Math.floor(status / 100));
  p = writeByte(dst, p, 0x30 + (Math.floor(status / 10) % 10));
  p = writeByte(dst, p, 0x30 + (status % 10));
  p = writeByte(dst, p, 0x20);
  p = writeFieldValue(dst, p, head.reason ?? REASONS[status] ?? '', 'reason phrase');
  p = writeCrlf(dst, p);
  if (head.headers !== undefined) p = writeFields(dst, p, head.headers);
  return writeCrlf(dst, p) - offset;
}

/**
 * {@link writeRequestHead} into a new array of the exact size.
 *
 * @example
 * ```ts
 * import { encodeRequestHead } from './write-head.js';
 * encodeRequestHead({ method: 'GET', target: '/chat', headers: { Host: 'a' } }).length; // 31
 * ```
 */
export function encodeRequestHead(head: RequestHeadInit): Uint8Array {
  const init = replayable(head);
  return encodeGrowing((dst) => writeRequestHead(dst, 0, init));
}

/**
 * {@link writeResponseHead} into a new array of the exact size.
 *
 * @example
 * ```ts
 * import { encodeResponseHead } from './write-head.js';
 * const head = encodeResponseHead({ status: 101, headers: { Upgrade: 'websocket' } });
 * new TextDecoder().decode(head); // 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n'
 * ```
 */
export function encodeResponseHead(head: ResponseHeadInit): Uint8Array {
  const init = replayable(head);
  return encodeGrowing((dst) => writeResponseHead(dst, 0, init));
}

// A head whose headers can be iterated again (a generator cannot) when a write is retried.
function replayable<T extends { readonly headers?: HeaderInit }>(head: T): T {
  const headers = head.headers;
  if (headers === undefined || Array.isArray(headers) || !isIterable(headers)) return head;
  return { ...head, headers: Array.from(headers) };
}

// Writes into a scratch buffer, doubling it on ERR_BUFFER_TOO_SMALL, then copies the result.
let scratch = new Uint8Array(1024);
function encodeGrowing(write: (dst: Uint8Array) => number): Uint8Array {
  for (;;) {
    try {
      return scratch.slice(0, write(scratch));
    } catch (error) {
      if (!(error instanceof WirekitError) || error.code !== ErrorCode.BUFFER_TOO_SMALL) {
        throw error;
      }
      scratch = new Uint8Array(scratch.length * 2);
    }
  }
}

/** Writes every field of `headers` as `name: value CRLF`; returns the new position. */
export function writeFields(dst: Uint8Array, p: number, headers: HeaderInit): number {
  if (isIterable(headers)) {
    for (const [name, value] of headers) p = writeField(dst, p, name, value);
    return p;
  }
  for (const name of Object.keys(headers)) {
    const value = headers[name]!;
    if (typeof value === 'string') {
      p = writeField(dst, p, name, value);
    } else {
      for (const v of value) p = writeField(dst, p, name, v);
    }
  }
  return p;
}

/** Writes `name: value CRLF`, validating both; returns the new position. */
export function writeField(dst: Uint8Array, p: number, name: string, value: string): number {
  p = writeToken(dst, p, name, 'header name');
  p = writeByte(dst, p, 0x3a);
  p = writeByte(dst, p, 0x20);
  p = writeFieldValue(dst, p, value, 'header value');
  return writeCrlf(dst, p);
}

/**
 * Writes a token (method or field name, RFC 9110 §5.6.2); throws `ERR_HTTP_INVALID_HEADER` if
 * it is empty or has a non-tchar (a CR/LF there would inject a line).
 */
export function writeToken(dst: Uint8Array, p: number, token: string, what: string): number {
  const n = token.length;
  if (n === 0) throw invalid(what, token, 'is empty');
  room(dst, p, n);
  for (let i = 0; i < n; i++) {
    const c = token.charCodeAt(i);
    if (c > 0x7f || TCHAR[c] !== 1) throw invalid(what, token, 'is not a token (RFC 9110 §5.6.2)');
    dst[p + i] = c;
  }
  return p + n;
}

/**
 * Writes a field value or reason phrase: HTAB, SP, VCHAR and obs-text (chars up to 0xFF,
 * written as one octet). RFC 9110 §5.5: CR, LF and NUL are invalid (header injection), other
 * CTLs too; a char above 0xFF cannot be sent as one octet. Throws `ERR_HTTP_INVALID_HEADER`.
 */
export function writeFieldValue(dst: Uint8Array, p: number, value: string, what: string): number {
  const n = value.length;
  room(dst, p, n);
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f || c > 0xff) {
      throw invalid(
        what,
        value,
        'has CR, LF, NUL, a control char or a char above U+00FF (RFC 9110 §5.5)',
      );
    }
    dst[p + i] = c;
  }
  return p + n;
}

function writeTarget(dst: Uint8Array, p: number, target: string): number {
  const n = target.length;
  if (n === 0) throw invalid('request-target', target, 'is empty');
  room(dst, p, n);
  for (let i = 0; i < n; i++) {
    const c = target.charCodeAt(i);
    // RFC 9112 §3.2: the request-target is visible ASCII; SP or CRLF would split the line.
    if (c < 0x21 || c > 0x7e) {
      throw invalid(
        'request-target',
        target,
        'has a char other than visible ASCII (RFC 9112 §3.2)',
      );
    }
    dst[p + i] = c;
  }
  return p + n;
}

// HTTP-version (RFC 9112 §2.3).
function writeVersion(dst: Uint8Array, p: number, version: '1.0' | '1.1' | undefined): number {
  room(dst, p, 8);
  dst[p] = 0x48;
  dst[p + 1] = 0x54;
  dst[p + 2] = 0x54;
  dst[p + 3] = 0x50;
  dst[p + 4] = 0x2f;
  dst[p + 5] = 0x31;
  dst[p + 6] = 0x2e;
  dst[p + 7] = version === '1.0' ? 0x30 : 0x31;
  return p + 8;
}

function writeCrlf(dst: Uint8Array, p: number): number {
  room(dst, p, 2);
  dst[p] = 0x0d;
  dst[p + 1] = 0x0a;
  return p + 2;
}

function writeByte(dst: Uint8Array, p: number, b: number): number {
  room(dst, p, 1);
  dst[p] = b;
  return p + 1;
}

function room(dst: Uint8Array, p: number, n: number): void {
  if (p + n > dst.length) {
    throw new WirekitError(
      ErrorCode.BUFFER_TOO_SMALL,
      `head does not fit: need more than ${dst.length} bytes`,
    );
  }
}

function isIterable(value: HeaderInit): value is Iterable<readonly [name: string, value: string]> {
  return typeof (value as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function';
}

/** The `ERR_HTTP_INVALID_HEADER` error for `text` (quoted, truncated) used as `what`. */
export function invalid(what: string, text: string, problem: string): WirekitError {
  const shown = JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}…` : text);
  return new WirekitError(ErrorCode.HTTP_INVALID_HEADER, `${what} ${shown} ${problem}`);
}
