/**
 * SETTINGS (RFC 9114 §7.2.4): the identifiers this endpoint knows, the values it sends, and the
 * parsing and validation of the peer's frame payload.
 *
 * Known identifiers: QPACK's two (RFC 9204 §5), SETTINGS_MAX_FIELD_SECTION_SIZE (RFC 9114
 * §7.2.4.1) and SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 9220 §3, the HTTP/3 registration of RFC
 * 8441 §3). Unknown identifiers, the reserved `0x1f * N + 0x21` ones among them, are ignored
 * (§7.2.4.1: "An implementation MUST ignore any parameter with an identifier it does not
 * understand").
 */
import { Http3ErrorCode } from './error-code.js';
import { readVarint, varintLength, varintSize, writeVarint } from './varint.js';

/** Setting identifiers, by name. */
export const SettingId = {
  /** RFC 9204 §5: the largest dynamic table the decoder allows; this endpoint sends 0. */
  QPACK_MAX_TABLE_CAPACITY: 0x01,
  /** RFC 9114 §7.2.4.1: the largest field section (RFC 9114 §4.2.2) the sender accepts. */
  MAX_FIELD_SECTION_SIZE: 0x06,
  /** RFC 9204 §5: how many streams may be blocked on the dynamic table; this endpoint sends 0. */
  QPACK_BLOCKED_STREAMS: 0x07,
  /** RFC 9220 §3 (RFC 8441 §3): 1 when the sender accepts extended CONNECT. */
  ENABLE_CONNECT_PROTOCOL: 0x08,
} as const;

/** One of the {@link SettingId} values. */
export type SettingId = (typeof SettingId)[keyof typeof SettingId];

/** A peer's settings, defaults filled in for what it did not send (§7.2.4.2). */
export interface Http3Settings {
  /** SETTINGS_QPACK_MAX_TABLE_CAPACITY; default 0. */
  readonly qpackMaxTableCapacity: number;
  /** SETTINGS_QPACK_BLOCKED_STREAMS; default 0. */
  readonly qpackBlockedStreams: number;
  /** SETTINGS_MAX_FIELD_SECTION_SIZE; default unlimited (`Infinity`). */
  readonly maxFieldSectionSize: number;
  /** SETTINGS_ENABLE_CONNECT_PROTOCOL is 1. Default `false`. */
  readonly enableConnectProtocol: boolean;
}

/** The settings of an endpoint that sent an empty SETTINGS frame. */
export const DEFAULT_SETTINGS: Http3Settings = {
  qpackMaxTableCapacity: 0,
  qpackBlockedStreams: 0,
  maxFieldSectionSize: Number.POSITIVE_INFINITY,
  enableConnectProtocol: false,
};

/** The result of {@link parseSettings}: the settings, or the connection error to close with. */
export type SettingsResult =
  | {
      /** The payload is valid. */
      readonly ok: true;
      /** The peer's settings, defaults filled in for identifiers it did not send. */
      readonly settings: Http3Settings;
    }
  | {
      /** The payload breaks RFC 9114 §7.2.4: close the connection. */
      readonly ok: false;
      /** HTTP/3 error code to close with: H3_FRAME_ERROR or H3_SETTINGS_ERROR (RFC 9114 §8.1). */
      readonly code: Http3ErrorCode;
      /** Human-readable cause, for logs and the CONNECTION_CLOSE reason. */
      readonly message: string;
    };

function fail(code: Http3ErrorCode, message: string): SettingsResult {
  return { ok: false, code, message };
}

/**
 * Read a SETTINGS frame payload (§7.2.4: identifier-value pairs of varints). Never throws.
 */
export function parseSettings(payload: Uint8Array): SettingsResult {
  let qpackMaxTableCapacity = 0;
  let qpackBlockedStreams = 0;
  let maxFieldSectionSize = Number.POSITIVE_INFINITY;
  let enableConnectProtocol = false;
  const seen = new Set<number>();
  let at = 0;
  const end = payload.length;
  while (at < end) {
    const id = readVarint(payload, at, end);
    if (id < 0) return fail(Http3ErrorCode.H3_FRAME_ERROR, 'SETTINGS ends inside an identifier');
    at += varintSize(payload[at]!);
    const value = readVarint(payload, at, end);
    // §7.1: a payload that ends before its last field is H3_FRAME_ERROR.
    if (value < 0) return fail(Http3ErrorCode.H3_FRAME_ERROR, 'SETTINGS ends inside a value');
    at += varintSize(payload[at]!);
    // §7.2.4: "The same setting identifier MUST NOT occur more than once".
    if (seen.has(id))
      return fail(Http3ErrorCode.H3_SETTINGS_ERROR, `setting 0x${id.toString(16)} sent twice`);
    seen.add(id);
    switch (id) {
      case 0x00:
      case 0x02:
      case 0x03:
      case 0x04:
      case 0x05:
        // §7.2.4.1: HTTP/2's settings without an HTTP/3 counterpart are reserved; "their
        // receipt MUST be treated as a connection error of type H3_SETTINGS_ERROR".
        return fail(
          Http3ErrorCode.H3_SETTINGS_ERROR,
          `setting 0x${id.toString(16)} is reserved (an HTTP/2 setting)`,
        );
      case SettingId.QPACK_MAX_TABLE_CAPACITY:
        qpackMaxTableCapacity = value;
        break;
      case SettingId.QPACK_BLOCKED_STREAMS:
        qpackBlockedStreams = value;
        break;
      case SettingId.MAX_FIELD_SECTION_SIZE:
        maxFieldSectionSize = value;
        break;
      case SettingId.ENABLE_CONNECT_PROTOCOL:
        // RFC 8441 §3: "a value other than 0 or 1 MUST be treated as a connection error";
        // RFC 9220 §3 carries the setting over to HTTP/3.
        if (value > 1)
          return fail(
            Http3ErrorCode.H3_SETTINGS_ERROR,
            `SETTINGS_ENABLE_CONNECT_PROTOCOL is ${value}, not 0 or 1`,
          );
        enableConnectProtocol = value === 1;
        break;
      default:
        // §7.2.4.1: unknown identifiers are ignored.
        break;
    }
  }
  return {
    ok: true,
    settings: {
      qpackMaxTableCapacity,
      qpackBlockedStreams,
      maxFieldSectionSize,
      enableConnectProtocol,
    },
  };
}

/**
 * A SETTINGS frame payload from identifier-value pairs, in order. The caller chooses what to
 * send; this endpoint sends QPACK capacity 0, blocked streams 0, its field section limit and,
 * as a server, ENABLE_CONNECT_PROTOCOL 1.
 */
export function encodeSettings(
  pairs: ReadonlyArray<readonly [id: number, value: number]>,
): Uint8Array {
  let size = 0;
  for (const [id, value] of pairs) size += varintLength(id) + varintLength(value);
  const out = new Uint8Array(size);
  let at = 0;
  for (const [id, value] of pairs) {
    at = writeVarint(out, at, id);
    at = writeVarint(out, at, value);
  }
  return out;
}
