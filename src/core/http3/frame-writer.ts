/**
 * HTTP/3 frame encoding (RFC 9114 §7.1): a type varint, a length varint, the payload. Types and
 * lengths are written in their shortest encoding.
 */
import { varintLength, writeVarint } from './varint.js';

/** Bytes the header of a frame of `type` with a `length`-byte payload takes. */
export function frameHeaderLength(type: number, length: number): number {
  return varintLength(type) + varintLength(length);
}

/** Write a frame header at `out[offset]`; returns the offset after it. */
export function writeFrameHeader(
  out: Uint8Array,
  offset: number,
  type: number,
  length: number,
): number {
  return writeVarint(out, writeVarint(out, offset, type), length);
}

/**
 * One frame as new bytes: header and payload contiguous. `prefix` bytes are reserved in front
 * (for a stream type varint when the frame opens a unidirectional stream) and left zero.
 */
export function encodeFrame(type: number, payload: Uint8Array, prefix = 0): Uint8Array {
  const header = frameHeaderLength(type, payload.length);
  const out = new Uint8Array(prefix + header + payload.length);
  writeFrameHeader(out, prefix, type, payload.length);
  out.set(payload, prefix + header);
  return out;
}
