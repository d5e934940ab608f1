/**
 * Connection IDs (RFC 9000 §5.1) as map keys: the destination connection ID of a datagram is
 * read straight from the first packet's header (RFC 9000 §17.2, §17.3) without the binding's
 * header parser, so routing a datagram to its connection costs one short string.
 */

/** Length of the connection IDs this endpoint issues. */
export const CID_LENGTH = 16;

/** A connection ID as a map key. */
export function cidKey(cid: Uint8Array): string {
  return Buffer.from(cid.buffer, cid.byteOffset, cid.byteLength).toString('latin1');
}

/**
 * The destination connection ID of the datagram's first packet as a key, or `undefined` when
 * the bytes cannot be a QUIC packet. A long header (first bit set) carries its length; a
 * short header carries ours ({@link CID_LENGTH}).
 */
export function datagramCidKey(datagram: Buffer): string | undefined {
  if (datagram.length < 1 + CID_LENGTH) return undefined;
  const first = datagram[0]!;
  if ((first & 0x80) === 0) return datagram.toString('latin1', 1, 1 + CID_LENGTH);
  if (datagram.length < 6) return undefined;
  const length = datagram[5]!;
  if (length > 20 || datagram.length < 6 + length) return undefined;
  return datagram.toString('latin1', 6, 6 + length);
}

/** Whether a long-header datagram is an Initial packet of QUIC version 1 (RFC 9000 §17.2.2). */
export function isInitialV1(datagram: Buffer): boolean {
  return datagram.length >= 7 && (datagram[0]! & 0xb0) === 0x80 && datagram.readUInt32BE(1) === 1;
}
