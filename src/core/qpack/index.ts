/**
 * QPACK (RFC 9204) with the static table only: field section decoding and encoding, the
 * Huffman code of RFC 7541 Appendix B, prefixed integers, and the peer's encoder and decoder
 * streams for a dynamic table capacity of 0.
 *
 * @module
 */
export {
  decodeFieldSection,
  type QpackDecodeFailure,
  type QpackDecodeResult,
} from './field-decoder.js';
export {
  encodeFieldSection,
  encodeFieldSectionView,
  type FieldLines,
  fieldSectionBound,
  writeFieldSection,
} from './field-encoder.js';
export { FieldSection } from './field-section.js';
export { huffmanCode, huffmanDecode, huffmanEncode, huffmanEncodedLength } from './huffman.js';
export {
  QpackInstructionStream,
  type QpackStreamError,
  type QpackStreamKind,
} from './instruction-stream.js';
export { isLatin1, latin1Decode, latin1Encode } from './latin1.js';
export { MAX_PREFIX_INT, PrefixIntReader, prefixIntLength, writePrefixInt } from './prefix-int.js';
export { STATIC_NAMES, STATIC_VALUES, staticExactIndex, staticNameIndex } from './static-table.js';
