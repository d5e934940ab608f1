/**
 * Unidirectional stream types (RFC 9114 §6.2, RFC 9204 §4.2): the varint that opens every
 * unidirectional stream. Unknown types, and the reserved `0x1f * N + 0x21` ones (§6.2.3), are
 * read no further: the receiver asks the sender to stop (STOP_SENDING with
 * H3_STREAM_CREATION_ERROR) and discards what arrives.
 */

/** The unidirectional stream types, by name. */
export const StreamType = {
  /** §6.2.1: one per side, opened first, carries SETTINGS then other control frames. */
  CONTROL: 0x00,
  /** §6.2.2: a server push's response (server to client). */
  PUSH: 0x01,
  /** RFC 9204 §4.2: QPACK encoder instructions. */
  QPACK_ENCODER: 0x02,
  /** RFC 9204 §4.2: QPACK decoder instructions. */
  QPACK_DECODER: 0x03,
} as const;

/** One of the {@link StreamType} values. */
export type StreamType = (typeof StreamType)[keyof typeof StreamType];
