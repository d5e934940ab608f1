/**
 * Field sections this endpoint sends (RFC 9114 §4.2, §4.3): the caller's fields normalised
 * (lower-case names, pseudo-headers first), checked (the shared HTTP/2 and HTTP/3 field rules,
 * known pseudo-headers, Latin-1 values, the peer's SETTINGS_MAX_FIELD_SECTION_SIZE), QPACK-encoded
 * and framed as HEADERS.
 */
import { ErrorCode, WirekitError } from '../errors.js';
import { encodeFieldSectionView, type FieldLines } from '../qpack/field-encoder.js';
import { isLatin1 } from '../qpack/latin1.js';
import { checkOutgoingField } from '../ws/extended-connect.js';
import { FrameType } from './frame-type.js';
import { frameHeaderLength, writeFrameHeader } from './frame-writer.js';

/** Field lines to send: pairs, or an object (`extendedConnectResponse` returns one). Names are
 * lower-cased; pseudo-headers are sent first whatever their position. */
export type Http3Fields =
  | Iterable<readonly [string, string]>
  | Readonly<Record<string, string | number>>;

const PSEUDO_TO_SEND: ReadonlySet<string> = new Set([
  ':method',
  ':scheme',
  ':authority',
  ':path',
  ':protocol',
  ':status',
]);

/** Normalise fields to send: lower-case names, pseudo-headers first, values as strings. */
export function toFieldLines(fields: Http3Fields): FieldLines {
  const pseudo: [string, string][] = [];
  const regular: [string, string][] = [];
  const pairs: Iterable<readonly [string, string | number]> =
    Symbol.iterator in fields
      ? (fields as Iterable<readonly [string, string]>)
      : Object.entries(fields as Readonly<Record<string, string | number>>);
  for (const [name, value] of pairs) {
    const lower = name.toLowerCase();
    (lower.charCodeAt(0) === 0x3a ? pseudo : regular).push([lower, String(value)]);
  }
  return pseudo.length === 0 ? regular : regular.length === 0 ? pseudo : pseudo.concat(regular);
}

/**
 * A HEADERS frame holding `lines`, after checking them; `peerLimit` is the peer's
 * SETTINGS_MAX_FIELD_SECTION_SIZE.
 * @throws {WirekitError} `ERR_INVALID_ARGUMENT` for an unknown pseudo-header, a forbidden field
 * or a section over `peerLimit`; `ERR_HTTP_INVALID_HEADER` for a bad name or value.
 */
export function encodeHeadersFrame(lines: FieldLines, peerLimit: number): Uint8Array {
  let size = 0;
  for (const [name, value] of lines) {
    if (name.charCodeAt(0) === 0x3a) {
      if (!PSEUDO_TO_SEND.has(name))
        throw new WirekitError(ErrorCode.INVALID_ARGUMENT, `unknown pseudo-header ${name}`);
      for (let i = 0; i < value.length; i++) {
        const c = value.charCodeAt(i);
        if (c < 0x20 || c === 0x7f)
          throw new WirekitError(ErrorCode.HTTP_INVALID_HEADER, `${name} has a control character`);
      }
    } else {
      checkOutgoingField(name, value);
    }
    if (!isLatin1(value))
      throw new WirekitError(
        ErrorCode.HTTP_INVALID_HEADER,
        `field ${name} has a character above U+00FF`,
      );
    size += name.length + value.length + 32;
  }
  // RFC 9114 §4.2.2: the peer's limit "SHOULD NOT" be exceeded; it would refuse the message.
  if (size > peerLimit)
    throw new WirekitError(
      ErrorCode.INVALID_ARGUMENT,
      `field section of ${size} bytes exceeds the peer's limit of ${peerLimit}`,
    );
  const section = encodeFieldSectionView(lines);
  const out = new Uint8Array(frameHeaderLength(FrameType.HEADERS, section.length) + section.length);
  out.set(section, writeFrameHeader(out, 0, FrameType.HEADERS, section.length));
  return out;
}
