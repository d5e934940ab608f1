/**
 * The compression hook of a connection (RFC 7692 permessage-deflate). The core stays free of
 * zlib: an adapter passes codecs that compress and decompress whole messages synchronously,
 * and the connection decides which messages go through them, sets RSV1, and turns codec
 * failures into close codes.
 */

/** Why {@link MessageInflater.inflate} gave no message. */
export const InflateFailure = {
  /** The output would exceed the limit: a decompression bomb or just too big (close 1009). */
  TOO_BIG: 1,
  /** Not a valid DEFLATE stream (close 1007). */
  INVALID: 2,
} as const;

export type InflateFailure = (typeof InflateFailure)[keyof typeof InflateFailure];

/** Compresses one whole message (RFC 7692 §7.2.1). */
export interface MessageDeflater {
  /**
   * DEFLATE `data` ending with an empty stored block (a sync flush) and return the output
   * without its final `00 00 ff ff` (§7.2.1 step 2), in memory the caller may keep.
   */
  compress(data: Uint8Array): Uint8Array;
}

/** Decompresses one whole message (RFC 7692 §7.2.2). */
export interface MessageInflater {
  /**
   * Append `00 00 ff ff` to `data` and inflate it (§7.2.2), stopping as soon as the output
   * would pass `limit` bytes — never allocating the whole output of a bomb. Returns the
   * message in memory the caller may keep, or an {@link InflateFailure}.
   */
  inflate(data: Uint8Array, limit: number): Uint8Array | InflateFailure;
}

/** permessage-deflate as a connection uses it, after negotiation. */
export interface MessageCompression {
  /** Compresses outgoing messages with the agreed parameters (RFC 7692 §7.2.1). */
  readonly deflater: MessageDeflater;
  /** Decompresses incoming messages that have RSV1 set (RFC 7692 §7.2.2). */
  readonly inflater: MessageInflater;
  /** Messages smaller than this many bytes are sent uncompressed. */
  readonly threshold: number;
  /** Messages larger than this are sent uncompressed (compression here is synchronous). */
  readonly maxCompressedSize: number;
  /**
   * Set when the deflater keeps no context between messages (the agreed no_context_takeover
   * for this side's sending direction, RFC 7692 §7.1.1): it names the compressor's setup
   * (window bits and settings), and connections with the same `sharedKey` may send the very
   * same compressed bytes of a message (a `PreparedMessage` compresses it once for them all).
   */
  readonly sharedKey?: string | undefined;
}
