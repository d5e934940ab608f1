/**
 * Field-line parsing for heads and trailer sections (RFC 9112 §5, RFC 9110 §5), and the
 * summary of the fields that decide framing and persistence, gathered in the same pass.
 *
 * @module
 */
import {
  asciiBytes,
  COLON,
  COMMA,
  CR,
  equalsLowerBytes,
  HTAB,
  isHostValue,
  LF,
  SEMICOLON,
  SP,
  TCHAR,
} from './ascii.js';
import { HttpFailure } from './http-failure.js';

const HOST = asciiBytes('host');
const EXPECT = asciiBytes('expect');
const UPGRADE = asciiBytes('upgrade');
const CONNECTION = asciiBytes('connection');
const CONTENT_LENGTH = asciiBytes('content-length');
const TRANSFER_ENCODING = asciiBytes('transfer-encoding');
const CHUNKED = asciiBytes('chunked');
const CLOSE = asciiBytes('close');
const KEEP_ALIVE = asciiBytes('keep-alive');
const CONTINUE = asciiBytes('100-continue');
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;

/** What the framing-relevant fields of one head said (reused by a reader, reset per head). */
export class FieldSummary {
  /** Content-Length value, or -1 when absent. */
  contentLength = -1;
  /** Any Transfer-Encoding line seen. */
  transferEncoding = false;
  /** Times `chunked` appears in Transfer-Encoding. */
  chunkedCount = 0;
  /** Whether the last transfer coding is `chunked`. */
  chunkedLast = false;
  /** Number of transfer codings other than `chunked`. */
  otherCodings = 0;
  /** A Transfer-Encoding value that is not a list of codings. */
  badTransferEncoding = false;
  connectionClose = false;
  connectionKeepAlive = false;
  connectionUpgrade = false;
  /** A non-empty Upgrade field. */
  upgrade = false;
  hostCount = 0;
  /** A Host value that is not `uri-host [ ":" port ]`. */
  badHost = false;
  expectContinue = false;

  reset(): void {
    this.contentLength = -1;
    this.transferEncoding = false;
    this.chunkedCount = 0;
    this.chunkedLast = false;
    this.otherCodings = 0;
    this.badTransferEncoding = false;
    this.connectionClose = false;
    this.connectionKeepAlive = false;
    this.connectionUpgrade = false;
    this.upgrade = false;
    this.hostCount = 0;
    this.badHost = false;
    this.expectContinue = false;
  }
}

/**
 * Parses the field lines in `bytes[pos, end)` (a block that ends with an empty line, every line
 * ending in CRLF, as found by `InputQueue.scanBlock`) into `offsets` (four per field: name
 * start, name end, value start, value end; appended). When `summary` is given, framing fields are
 * interpreted into it. `afterStartLine` says the block follows a start line (it changes which
 * rule a leading whitespace line breaks). Returns `null` or the rule broken; on `null`, every
 * line of the block but the empty one is in `offsets`.
 */
export function parseFields(
  bytes: Uint8Array,
  pos: number,
  offsets: number[],
  summary: FieldSummary | null,
  afterStartLine: boolean,
): HttpFailure | null {
  let p = pos;
  let b = bytes[p]!;
  if (b === SP || b === HTAB) {
    // RFC 9112 §2.2: whitespace between the start-line and the first field line: reject.
    // RFC 9112 §5.2: a line starting with whitespace is obs-fold: a server MUST reject it
    // (or unfold); we reject for both roles.
    return afterStartLine ? HttpFailure.WHITESPACE_AFTER_START_LINE : HttpFailure.OBS_FOLD;
  }
  while (b !== CR) {
    if (b === SP || b === HTAB) return HttpFailure.OBS_FOLD; // RFC 9112 §5.2
    // field-name = token (RFC 9110 §5.1, §5.6.2)
    const nameStart = p;
    while (TCHAR[bytes[p]!] === 1) p++;
    const nameEnd = p;
    b = bytes[p]!;
    if (b !== COLON) {
      // RFC 9112 §5.1: no whitespace is allowed between the field name and colon; a server
      // MUST reject such a request with 400 (we reject responses too).
      if (nameEnd > nameStart && (b === SP || b === HTAB)) return HttpFailure.SPACE_BEFORE_COLON;
      return HttpFailure.BAD_FIELD_NAME;
    }
    if (nameEnd === nameStart) return HttpFailure.BAD_FIELD_NAME;
    p++;
    // field-line = field-name ":" OWS field-value OWS (RFC 9112 §5)
    b = bytes[p]!;
    while (b === SP || b === HTAB) b = bytes[++p]!;
    const valueStart = p;
    // field-vchar / SP / HTAB: every octet from 0x20 up but DEL, and HTAB. (An index past the
    // end reads `undefined`, which fails both tests.)
    for (;;) {
      const c = bytes[p]!;
      if ((c >= 0x20 && c !== 0x7f) || c === HTAB) p++;
      else break;
    }
    let valueEnd = p;
    while (valueEnd > valueStart && (bytes[valueEnd - 1] === SP || bytes[valueEnd - 1] === HTAB)) {
      valueEnd--;
    }
    // RFC 9110 §5.5: CR, LF and NUL in a value are invalid and dangerous; other CTLs are
    // invalid too. We reject the message rather than replace them.
    if (bytes[p] !== CR) return HttpFailure.BAD_FIELD_VALUE;
    if (bytes[p + 1] !== LF) return HttpFailure.BARE_CR; // RFC 9112 §2.2
    p += 2;
    offsets.push(nameStart, nameEnd, valueStart, valueEnd);
    if (summary !== null) {
      const failure = summarize(bytes, nameStart, nameEnd, valueStart, valueEnd, summary);
      if (failure !== null) return failure;
    }
    b = bytes[p]!;
  }
  // RFC 9112 §2.2: a bare CR MUST be rejected. A line that starts with CR is the empty line
  // that ends the block only when LF follows (the scan ends the block at the first CRLF line);
  // taking "\rX: y" for it would drop the lines after it, Content-Length or
  // Transfer-Encoding among them, and read the body as the next message.
  if (bytes[p + 1] !== LF) return HttpFailure.BARE_CR;
  return null;
}

function summarize(
  bytes: Uint8Array,
  nameStart: number,
  nameEnd: number,
  valueStart: number,
  valueEnd: number,
  summary: FieldSummary,
): HttpFailure | null {
  switch (nameEnd - nameStart) {
    case 4:
      if (equalsLowerBytes(bytes, nameStart, nameEnd, HOST)) {
        summary.hostCount++;
        if (!isHostValue(bytes, valueStart, valueEnd)) summary.badHost = true;
      }
      break;
    case 6:
      // RFC 9110 §10.1.1: 100-continue is the only expectation defined.
      if (
        equalsLowerBytes(bytes, nameStart, nameEnd, EXPECT) &&
        equalsLowerBytes(bytes, valueStart, valueEnd, CONTINUE)
      ) {
        summary.expectContinue = true;
      }
      break;
    case 7:
      if (equalsLowerBytes(bytes, nameStart, nameEnd, UPGRADE) && valueEnd > valueStart) {
        summary.upgrade = true;
      }
      break;
    case 10:
      // Connection options (RFC 9110 §7.6.1) deciding persistence (RFC 9112 §9.3) and upgrade
      // (RFC 9110 §7.8).
      if (equalsLowerBytes(bytes, nameStart, nameEnd, CONNECTION)) {
        connectionOptions(bytes, valueStart, valueEnd, summary);
      }
      break;
    case 14:
      if (equalsLowerBytes(bytes, nameStart, nameEnd, CONTENT_LENGTH)) {
        return contentLength(bytes, valueStart, valueEnd, summary);
      }
      break;
    case 17:
      if (equalsLowerBytes(bytes, nameStart, nameEnd, TRANSFER_ENCODING)) {
        transferEncoding(bytes, valueStart, valueEnd, summary);
      }
      break;
  }
  return null;
}

/** Connection = #connection-option (RFC 9110 §7.6.1): one pass over the list elements. */
function connectionOptions(
  bytes: Uint8Array,
  start: number,
  end: number,
  summary: FieldSummary,
): void {
  let i = start;
  while (i < end) {
    const b = bytes[i];
    if (b === SP || b === HTAB || b === COMMA) {
      i++;
      continue;
    }
    const s = i;
    while (i < end && bytes[i] !== COMMA) i++;
    let e = i;
    while (e > s && (bytes[e - 1] === SP || bytes[e - 1] === HTAB)) e--;
    switch (e - s) {
      case 5:
        if (equalsLowerBytes(bytes, s, e, CLOSE)) summary.connectionClose = true;
        break;
      case 7:
        if (equalsLowerBytes(bytes, s, e, UPGRADE)) summary.connectionUpgrade = true;
        break;
      case 10:
        if (equalsLowerBytes(bytes, s, e, KEEP_ALIVE)) summary.connectionKeepAlive = true;
        break;
    }
  }
}

/**
 * Content-Length = 1*DIGIT (RFC 9110 §8.6). RFC 9112 §6.3 item 5: a value that is a
 * comma-separated list of identical valid values (from duplicated lines or one line) is
 * accepted; differing values or a non-numeric element are unrecoverable framing errors.
 */
function contentLength(
  bytes: Uint8Array,
  start: number,
  end: number,
  summary: FieldSummary,
): HttpFailure | null {
  let i = start;
  for (;;) {
    let value = 0;
    const digitsStart = i;
    while (i < end) {
      const d = bytes[i]! - 0x30;
      if (d < 0 || d > 9) break;
      value = value * 10 + d;
      // RFC 9110 §8.6: anticipate large decimal numerals; refuse past 2^53-1.
      if (value > Number.MAX_SAFE_INTEGER) return HttpFailure.CONTENT_LENGTH_TOO_LARGE;
      i++;
    }
    if (i === digitsStart) return HttpFailure.BAD_CONTENT_LENGTH;
    if (summary.contentLength !== -1 && summary.contentLength !== value) {
      return HttpFailure.CONTENT_LENGTH_MISMATCH;
    }
    summary.contentLength = value;
    while (i < end && (bytes[i] === SP || bytes[i] === HTAB)) i++;
    if (i === end) return null;
    if (bytes[i] !== COMMA) return HttpFailure.BAD_CONTENT_LENGTH;
    i++;
    while (i < end && (bytes[i] === SP || bytes[i] === HTAB)) i++;
  }
}

/**
 * Transfer-Encoding = #transfer-coding (RFC 9112 §6.1), transfer-coding = token *( OWS ";" OWS
 * transfer-parameter ). Lines add to one list in order; empty list elements are skipped
 * (RFC 9110 §5.6.1). Records how often `chunked` appears, whether it is last, and how many other
 * codings there are; the reader decides what is acceptable.
 */
function transferEncoding(
  bytes: Uint8Array,
  start: number,
  end: number,
  summary: FieldSummary,
): void {
  summary.transferEncoding = true;
  let i = start;
  let elements = 0;
  while (i < end) {
    let b = bytes[i]!;
    if (b === COMMA || b === SP || b === HTAB) {
      i++;
      continue;
    }
    const tokenStart = i;
    while (i < end && TCHAR[bytes[i]!] === 1) i++;
    if (i === tokenStart) {
      summary.badTransferEncoding = true;
      return;
    }
    const chunked = equalsLowerBytes(bytes, tokenStart, i, CHUNKED);
    while (i < end && (bytes[i] === SP || bytes[i] === HTAB)) i++;
    if (i < end && bytes[i] === SEMICOLON) {
      // `chunked` takes no parameters; skip the parameters of other codings, honouring
      // quoted-strings (RFC 9110 §5.6.4) so a quoted comma does not split the element.
      if (chunked) {
        summary.badTransferEncoding = true;
        return;
      }
      let quoted = false;
      while (i < end) {
        b = bytes[i]!;
        if (quoted) {
          if (b === BACKSLASH) i++;
          else if (b === DQUOTE) quoted = false;
        } else if (b === DQUOTE) {
          quoted = true;
        } else if (b === COMMA) {
          break;
        }
        i++;
      }
    }
    if (i < end && bytes[i] !== COMMA) {
      summary.badTransferEncoding = true;
      return;
    }
    elements++;
    if (chunked) {
      summary.chunkedCount++;
      summary.chunkedLast = true;
    } else {
      summary.otherCodings++;
      summary.chunkedLast = false;
    }
  }
  // A Transfer-Encoding line with no coding at all is not a valid list (1#transfer-coding).
  if (elements === 0 && summary.chunkedCount === 0 && summary.otherCodings === 0) {
    summary.badTransferEncoding = true;
  }
}
