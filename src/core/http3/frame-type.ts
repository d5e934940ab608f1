/**
 * HTTP/3 frame types (RFC 9114 §7.2, §11.2.1) and the types reserved for greasing
 * (`0x1f * N + 0x21`, §7.2.8), which a receiver ignores like any unknown type.
 */

/** The frame types HTTP/3 defines, by name. */
export const FrameType = {
  /** §7.2.1: content bytes of a request or response. */
  DATA: 0x00,
  /** §7.2.2: a QPACK-encoded field section. */
  HEADERS: 0x01,
  /** §7.2.3: the client or server cancels a server push (control stream). */
  CANCEL_PUSH: 0x03,
  /** §7.2.4: configuration parameters, first frame of each control stream. */
  SETTINGS: 0x04,
  /** §7.2.5: a server push's request headers (request streams, server to client). */
  PUSH_PROMISE: 0x05,
  /** §7.2.6: graceful shutdown (control stream). */
  GOAWAY: 0x07,
  /** §7.2.7: the client raises the number of pushes it allows (control stream). */
  MAX_PUSH_ID: 0x0d,
} as const;

/** One of the {@link FrameType} values. */
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

/**
 * Is `type` a frame type HTTP/2 used that HTTP/3 reserves (PRIORITY 0x02, PING 0x06,
 * WINDOW_UPDATE 0x08, CONTINUATION 0x09)? §7.2.8: "their receipt MUST be treated as a
 * connection error of type H3_FRAME_UNEXPECTED".
 */
export function isHttp2FrameType(type: number): boolean {
  return type === 0x02 || type === 0x06 || type === 0x08 || type === 0x09;
}

/**
 * Is `value` of the form `0x1f * N + 0x21`, the values RFC 9114 reserves for greasing frame
 * types (§7.2.8), stream types (§6.2.3), settings (§7.2.4.1) and error codes (§8.1)?
 */
export function isReservedValue(value: number): boolean {
  return value >= 0x21 && (value - 0x21) % 0x1f === 0;
}
