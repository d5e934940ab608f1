/**
 * Decoding an encoded field section (RFC 9204 §4.5) for a decoder whose dynamic table capacity
 * is 0: this endpoint sends SETTINGS_QPACK_MAX_TABLE_CAPACITY 0 and
 * SETTINGS_QPACK_BLOCKED_STREAMS 0, so a conformant peer references only the static table.
 *
 * - Prefix (§4.5.1): Required Insert Count must decode to 0. With a capacity of 0, MaxEntries is
 *   0 and any non-zero encoded value "could not have been produced by a conformant encoder"
 *   (§4.5.1.1): QPACK_DECOMPRESSION_FAILED. Delta Base is read and has no use.
 * - Field lines: indexed (§4.5.2) and literal with name reference (§4.5.4) into the static
 *   table (an index past its 99 entries is QPACK_DECOMPRESSION_FAILED, §3.1), literal with
 *   literal name (§4.5.6). Any dynamic or post-base reference (§4.5.2-§4.5.5) addresses an entry
 *   at or past the Required Insert Count of 0, which §2.2.3 makes QPACK_DECOMPRESSION_FAILED.
 * - Strings (§4.1.2) are raw or Huffman-coded (RFC 7541 §5.2 rules).
 * - The size (RFC 9114 §4.2.2: name and value lengths plus 32 per line) is checked against the
 *   caller's limit before each string is decoded; over it, the result says so with
 *   `streamError`, so the session answers on that stream alone.
 *
 * Never throws. A truncated section is QPACK_DECOMPRESSION_FAILED too.
 */
import { Http3ErrorCode } from '../http3/error-code.js';
import { FieldSection } from './field-section.js';
import { huffmanDecode } from './huffman.js';
import { latin1Decode } from './latin1.js';
import { PrefixIntReader } from './prefix-int.js';
import { STATIC_NAMES, STATIC_VALUES } from './static-table.js';

/** A field section that cannot be decoded. */
export interface QpackDecodeFailure {
  /** Always `false`: the section cannot be used. */
  readonly ok: false;
  /** QPACK_DECOMPRESSION_FAILED, or H3_EXCESSIVE_LOAD for a section over the size limit. */
  readonly code: Http3ErrorCode;
  /** What was wrong, for logs. */
  readonly message: string;
  /**
   * A stream error (the section is over the size limit, or holds an integer over 2^62, which
   * RFC 9204 §7.4 (Implementation Limits) makes a stream error); otherwise a connection error.
   */
  readonly streamError: boolean;
}

/** The result of {@link decodeFieldSection}. */
export type QpackDecodeResult =
  | {
      /** The section decoded. */
      readonly ok: true;
      /** The decoded field lines, in wire order, pseudo-headers included. */
      readonly fields: FieldSection;
    }
  | QpackDecodeFailure;

const STATIC_COUNT = 99;

function failed(message: string): QpackDecodeFailure {
  return {
    ok: false,
    code: Http3ErrorCode.QPACK_DECOMPRESSION_FAILED,
    message,
    streamError: false,
  };
}

function tooLarge(_room: number): QpackDecodeFailure {
  return {
    ok: false,
    code: Http3ErrorCode.H3_EXCESSIVE_LOAD,
    message: 'field section over the size limit (RFC 9114 §4.2.2)',
    streamError: true,
  };
}

const reader = new PrefixIntReader();

/**
 * Decode the encoded field section `bytes` (a HEADERS frame payload) against the static table
 * only. `maxSize` bounds the decoded size (RFC 9114 §4.2.2).
 */
export function decodeFieldSection(bytes: Uint8Array, maxSize: number): QpackDecodeResult {
  const r = reader;
  r.reset(bytes, 0, bytes.length);
  const insertCount = r.read(8);
  if (insertCount < 0) return failed('field section prefix is truncated');
  // §4.5.1.1: with MaxEntries 0, only an encoded Required Insert Count of 0 is valid.
  if (insertCount !== 0)
    return failed(`Required Insert Count ${insertCount} with a dynamic table capacity of 0`);
  // Delta Base (§4.5.1.2): sign bit and 7-bit prefix. Base is unused without dynamic entries.
  if (r.read(7) < 0) return failed('field section prefix is truncated');
  const fields = new FieldSection();
  let size = 0;
  while (r.at < r.end) {
    const first = bytes[r.at]!;
    let name: string;
    let value: string;
    if ((first & 0x80) !== 0) {
      // §4.5.2 Indexed Field Line: 1 T index(6).
      if ((first & 0x40) === 0) return failed('indexed field line references the dynamic table');
      const index = r.read(6);
      if (index < 0 || index >= STATIC_COUNT) return failed(`static index ${index} out of range`);
      name = STATIC_NAMES[index]!;
      value = STATIC_VALUES[index]!;
      size += name.length + value.length + 32;
      if (size > maxSize) return tooLarge(maxSize);
    } else if ((first & 0x40) !== 0) {
      // §4.5.4 Literal Field Line with Name Reference: 0 1 N T index(4), value.
      if ((first & 0x10) === 0) return failed('literal field line references a dynamic name');
      const index = r.read(4);
      if (index < 0 || index >= STATIC_COUNT) return failed(`static index ${index} out of range`);
      name = STATIC_NAMES[index]!;
      size += name.length + 32;
      if (size > maxSize) return tooLarge(maxSize);
      const text = readString(r, 7, maxSize - size);
      if (typeof text !== 'string') return text;
      value = text;
      size += value.length;
    } else if ((first & 0x20) !== 0) {
      // §4.5.6 Literal Field Line with Literal Name: 0 0 1 N H length(3), name, value.
      size += 32;
      if (size > maxSize) return tooLarge(maxSize);
      const nameText = readString(r, 3, maxSize - size);
      if (typeof nameText !== 'string') return nameText;
      name = nameText;
      size += name.length;
      const text = readString(r, 7, maxSize - size);
      if (typeof text !== 'string') return text;
      value = text;
      size += value.length;
    } else {
      // §4.5.3 Indexed Field Line with Post-Base Index (0001) and §4.5.5 Literal Field Line
      // with Post-Base Name Reference (0000): dynamic references.
      return failed('post-base reference with a Required Insert Count of 0');
    }
    if (size > maxSize) return tooLarge(maxSize);
    fields.names.push(name);
    fields.values.push(value);
  }
  fields.size = size;
  return { ok: true, fields };
}

/**
 * A string literal (§4.1.2) whose H bit sits just above an `prefix`-bit length: the string, or
 * the failure. `room` is how much decoded size is left under the limit.
 */
function readString(r: PrefixIntReader, prefix: number, room: number): string | QpackDecodeFailure {
  if (r.at >= r.end) return failed('field line is truncated');
  const huffman = (r.bytes[r.at]! & (1 << prefix)) !== 0;
  const length = r.read(prefix);
  if (length === -1) return failed('string length is truncated');
  // RFC 9204 §7.4 (Implementation Limits): "If an implementation encounters a value larger than it is able to decode,
  // this MUST be treated as a stream error of type QPACK_DECOMPRESSION_FAILED if on a request
  // stream".
  if (length === -2)
    return {
      ok: false,
      code: Http3ErrorCode.QPACK_DECOMPRESSION_FAILED,
      message: 'string length over 2^62',
      streamError: true,
    };
  if (length > r.end - r.at) return failed('string literal runs past the field section');
  const start = r.at;
  r.at += length;
  if (!huffman) {
    if (length > room) return tooLarge(room);
    return latin1Decode(r.bytes, start, start + length);
  }
  // A Huffman string decodes to at least 8/30 of a character per byte; reject early when even
  // that is too much, then check the decoded length.
  if (Math.floor((length * 8) / 30) > room) return tooLarge(room);
  const text = huffmanDecode(r.bytes, start, start + length);
  if (text === undefined) return failed('invalid Huffman string (RFC 7541 §5.2)');
  if (text.length > room) return tooLarge(room);
  return text;
}
