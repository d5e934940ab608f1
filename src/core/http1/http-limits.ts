/**
 * Size limits for the HTTP/1.1 readers. Every limit is checked before the reader buffers or
 * allocates for the thing it bounds, so a hostile peer cannot make it grow past them.
 *
 * @module
 */
import { ErrorCode, WirekitError } from '../errors.js';

/** Limits for the http1 `RequestReader` and `ResponseReader`; all sizes in bytes. */
export interface HttpLimits {
  /**
   * Maximum size of a head (start line, header lines and the empty line that ends them), and
   * separately of a chunked trailer section. Over it: `ERR_HTTP_LIMIT`, status 431 (RFC 6585
   * §5), or 414 when the request line alone does not fit (RFC 9110 §15.5.15).
   * Default 16 KiB.
   */
  readonly maxHeadBytes: number;
  /** Maximum number of header lines in a head (or trailer lines). Over it: 431. Default 100. */
  readonly maxHeaders: number;
  /**
   * Maximum body size of one message, decoded. Over it: `ERR_HTTP_LIMIT`, status 413
   * (RFC 9110 §15.5.14). A `Content-Length` over it fails at the head, before any body byte.
   * Default 16 MiB; pass `Infinity` for no limit (then bodies are limited only by
   * `Number.MAX_SAFE_INTEGER`).
   */
  readonly maxBodyBytes: number;
  /**
   * Maximum length of a chunk-size line (size digits and chunk extensions, RFC 9112 §7.1),
   * without its CRLF. Over it: `ERR_HTTP_LIMIT`, status 413. Default 4 KiB.
   */
  readonly maxChunkLineBytes: number;
}

/** The defaults used when an option is left out. */
export const DEFAULT_HTTP_LIMITS: HttpLimits = Object.freeze({
  maxHeadBytes: 16 * 1024,
  maxHeaders: 100,
  maxBodyBytes: 16 * 1024 * 1024,
  maxChunkLineBytes: 4 * 1024,
});

/**
 * Fills in defaults and validates limits; throws `ERR_INVALID_ARGUMENT` for a value that is not
 * a positive integer (or `Infinity` for `maxBodyBytes`).
 *
 * @example
 * ```ts
 * import { resolveHttpLimits } from './http-limits.js';
 * resolveHttpLimits({ maxBodyBytes: Infinity }).maxHeadBytes; // 16384
 * ```
 */
export function resolveHttpLimits(options: Partial<HttpLimits> = {}): HttpLimits {
  const limits: HttpLimits = {
    maxHeadBytes: options.maxHeadBytes ?? DEFAULT_HTTP_LIMITS.maxHeadBytes,
    maxHeaders: options.maxHeaders ?? DEFAULT_HTTP_LIMITS.maxHeaders,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_HTTP_LIMITS.maxBodyBytes,
    maxChunkLineBytes: options.maxChunkLineBytes ?? DEFAULT_HTTP_LIMITS.maxChunkLineBytes,
  };
  check('maxHeadBytes', limits.maxHeadBytes, 1);
  check('maxHeaders', limits.maxHeaders, 0);
  if (limits.maxBodyBytes !== Number.POSITIVE_INFINITY)
    check('maxBodyBytes', limits.maxBodyBytes, 0);
  check('maxChunkLineBytes', limits.maxChunkLineBytes, 1);
  return limits;
}

function check(name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new WirekitError(
      ErrorCode.INVALID_ARGUMENT,
      `${name} must be an integer >= ${min}, got ${String(value)}`,
    );
  }
}
