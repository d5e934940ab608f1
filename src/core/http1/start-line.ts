/**
 * Pieces of start-line parsing shared by the readers: the HTTP version, leading empty lines,
 * and interned method names.
 *
 * @module
 */
import { CR, decodeLatin1, LF } from './ascii.js';
import type { HttpVersion } from './body-framing.js';
import { HttpFailure } from './http-failure.js';
import type { InputQueue } from './input-queue.js';

/**
 * Parses `HTTP-version = HTTP-name "/" DIGIT "." DIGIT` (RFC 9112 §2.3; HTTP-name is
 * case-sensitive) at `bytes[p, p + 8)`. A major version other than 1 is unsupported (505,
 * RFC 9110 §15.6.6); a minor version above 1 reads as 1.1 (RFC 9110 §6.2: process as the
 * highest minor version implemented).
 */
export function parseHttpVersion(bytes: Uint8Array, p: number): HttpVersion | HttpFailure {
  if (
    bytes[p] !== 0x48 || // H
    bytes[p + 1] !== 0x54 || // T
    bytes[p + 2] !== 0x54 || // T
    bytes[p + 3] !== 0x50 || // P
    bytes[p + 4] !== 0x2f || // /
    bytes[p + 6] !== 0x2e // .
  ) {
    return HttpFailure.BAD_VERSION;
  }
  const major = bytes[p + 5]! - 0x30;
  const minor = bytes[p + 7]! - 0x30;
  if (!(major >= 0 && major <= 9 && minor >= 0 && minor <= 9)) return HttpFailure.BAD_VERSION;
  if (major !== 1) return HttpFailure.UNSUPPORTED_VERSION;
  return minor === 0 ? '1.0' : '1.1';
}

/**
 * Skips empty lines before a start line (RFC 9112 §2.2: a server SHOULD ignore at least one
 * empty line received before the request-line; we also do it before a status line). Returns
 * the bytes skipped (the next byte may still be a CR whose LF has not arrived), or the failure
 * for a bare CR or LF.
 */
export function skipEmptyLines(queue: InputQueue): number | HttpFailure {
  let skipped = 0;
  for (;;) {
    const b = queue.byteAt(0);
    if (b === LF) return HttpFailure.BARE_LF;
    if (b !== CR) return skipped;
    const b1 = queue.byteAt(1);
    if (b1 === -1) return skipped; // a lone CR so far: the caller waits for more input
    if (b1 !== LF) return HttpFailure.BARE_CR;
    queue.skip(2);
    skipped += 2;
  }
}

/** The method at `bytes[start, end)`: a shared string for the RFC 9110 §9 methods. */
export function methodName(bytes: Uint8Array, start: number, end: number): string {
  const c0 = bytes[start];
  switch (end - start) {
    case 3:
      if (c0 === 0x47 && bytes[start + 1] === 0x45 && bytes[start + 2] === 0x54) return 'GET';
      if (c0 === 0x50 && bytes[start + 1] === 0x55 && bytes[start + 2] === 0x54) return 'PUT';
      break;
    case 4:
      if (is(bytes, start, 'POST')) return 'POST';
      if (is(bytes, start, 'HEAD')) return 'HEAD';
      break;
    case 5:
      if (is(bytes, start, 'PATCH')) return 'PATCH';
      if (is(bytes, start, 'TRACE')) return 'TRACE';
      break;
    case 6:
      if (is(bytes, start, 'DELETE')) return 'DELETE';
      break;
    case 7:
      if (is(bytes, start, 'OPTIONS')) return 'OPTIONS';
      if (is(bytes, start, 'CONNECT')) return 'CONNECT';
      break;
  }
  return decodeLatin1(bytes, start, end);
}

function is(bytes: Uint8Array, start: number, name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    if (bytes[start + i] !== name.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * Is `bytes[start, end)` a request-target of a form other than authority-form (RFC 9112 §3.2):
 * origin-form (starts with "/"), asterisk-form ("*"), or absolute-form (a scheme,
 * `ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )`, then ":")? Only the shape that tells the
 * forms apart is checked; the characters were checked by the caller.
 */
export function isRequestTargetForm(bytes: Uint8Array, start: number, end: number): boolean {
  const b0 = bytes[start]!;
  if (b0 === 0x2f) return true; // origin-form
  if (b0 === 0x2a) return end - start === 1; // asterisk-form
  if (!isAlpha(b0)) return false;
  for (let p = start + 1; p < end; p++) {
    const b = bytes[p]!;
    if (b === 0x3a) return true; // the ":" after the scheme
    if (!(isAlpha(b) || (b >= 0x30 && b <= 0x39) || b === 0x2b || b === 0x2d || b === 0x2e)) {
      return false;
    }
  }
  return false;
}

/**
 * Is `bytes[start, end)` authority-form, `uri-host ":" port` (RFC 9112 §3.2.3), the target of a
 * CONNECT? The host is non-empty and holds no "/", "?", "#" or "@" (no path, query, fragment
 * or userinfo); the port is digits.
 */
export function isAuthorityForm(bytes: Uint8Array, start: number, end: number): boolean {
  let colon = -1;
  for (let p = end - 1; p >= start; p--) {
    if (bytes[p] === 0x3a) {
      colon = p;
      break;
    }
  }
  if (colon <= start) return false;
  for (let p = colon + 1; p < end; p++) if (bytes[p]! < 0x30 || bytes[p]! > 0x39) return false;
  for (let p = start; p < colon; p++) {
    const b = bytes[p]!;
    if (b === 0x2f || b === 0x3f || b === 0x23 || b === 0x40) return false;
  }
  return true;
}

function isAlpha(b: number): boolean {
  return (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);
}
