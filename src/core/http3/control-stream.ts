/**
 * The peer's control stream (RFC 9114 §6.2.1): SETTINGS first and once (§7.2.4), then GOAWAY
 * (§5.2, §7.2.6), MAX_PUSH_ID (§7.2.7), CANCEL_PUSH (§7.2.3) and frames of unknown types; every
 * other frame is a connection error. Pull-style like the session: `receive(bytes)`, then
 * `next()` until `undefined`; an `error` item is the connection error to close with, after
 * which the stream yields nothing more.
 */
import { Http3ErrorCode } from './error-code.js';
import { FrameRead, Http3FrameReader } from './frame-reader.js';
import { FrameType, isHttp2FrameType } from './frame-type.js';
import type { Http3Role } from './role.js';
import { type Http3Settings, parseSettings } from './settings.js';
import { readVarint, varintSize } from './varint.js';

/** What the peer's control stream yields. */
export type ControlItem =
  | {
      /** The peer's SETTINGS frame arrived. */
      readonly type: 'settings';
      /** The decoded SETTINGS (RFC 9114 §7.2.4), defaults filled in. */
      readonly settings: Http3Settings;
    }
  | {
      /** The peer sent GOAWAY (RFC 9114 §5.2). */
      readonly type: 'goaway';
      /** The GOAWAY identifier: a request stream ID from a server, a push ID from a client. */
      readonly id: number;
    }
  | {
      /** The control stream broke a rule: close the connection with `code`. */
      readonly type: 'error';
      /** HTTP/3 connection error code (RFC 9114 §8.1), e.g. H3_FRAME_UNEXPECTED. */
      readonly code: Http3ErrorCode;
      /** Human-readable cause, for logs and the CONNECTION_CLOSE reason. */
      readonly message: string;
    };

function error(code: Http3ErrorCode, message: string): ControlItem {
  return { type: 'error', code, message };
}

const hexType = (type: number): string => `0x${type.toString(16)}`;

/** Reads the peer's control stream for a session of `role`. */
export class PeerControlStream {
  readonly #role: Http3Role;
  readonly #maxSettingsSize: number;
  readonly #reader = new Http3FrameReader();
  #failed = false;
  #maxPushId = -1;
  /** The peer's settings, once its SETTINGS frame arrived. */
  settings: Http3Settings | undefined;
  /** The identifier of the last GOAWAY received, or -1. */
  goawayId = -1;

  /** `maxSettingsSize`: the largest SETTINGS payload accepted (larger: H3_EXCESSIVE_LOAD). */
  constructor(role: Http3Role, maxSettingsSize: number) {
    this.#role = role;
    this.#maxSettingsSize = maxSettingsSize;
  }

  /** Queue the next bytes of the stream (after the stream type). */
  receive(data: Uint8Array): void {
    this.#reader.receive(data);
  }

  /** The next item, or `undefined` when the bytes are used up. */
  next(): ControlItem | undefined {
    if (this.#failed) return undefined;
    const reader = this.#reader;
    for (;;) {
      const read = reader.poll();
      if (read === FrameRead.NEED_DATA) return undefined;
      const item = read === FrameRead.FRAME_START ? this.#start() : this.#frame();
      if (item === undefined) continue;
      if (item.type === 'error') this.#failed = true;
      return item;
    }
  }

  #start(): ControlItem | undefined {
    const reader = this.#reader;
    const type = reader.type;
    if (this.settings === undefined && type !== FrameType.SETTINGS)
      // §6.2.1: "If the first frame of the control stream is any other frame type, this MUST be
      // treated as a connection error of type H3_MISSING_SETTINGS".
      return error(
        Http3ErrorCode.H3_MISSING_SETTINGS,
        `control stream starts with frame type ${hexType(type)}`,
      );
    switch (type) {
      case FrameType.SETTINGS:
        // §7.2.4: "If an endpoint receives a second SETTINGS frame on the control stream, the
        // endpoint MUST respond with a connection error of type H3_FRAME_UNEXPECTED".
        if (this.settings !== undefined)
          return error(Http3ErrorCode.H3_FRAME_UNEXPECTED, 'second SETTINGS frame');
        if (reader.length > this.#maxSettingsSize)
          return error(
            Http3ErrorCode.H3_EXCESSIVE_LOAD,
            `SETTINGS frame of ${reader.length} bytes`,
          );
        reader.bufferPayload();
        return undefined;
      case FrameType.GOAWAY:
      case FrameType.CANCEL_PUSH:
      case FrameType.MAX_PUSH_ID:
        // §7.2.7: "A client MUST treat the receipt of a MAX_PUSH_ID frame as a connection error
        // of type H3_FRAME_UNEXPECTED".
        if (type === FrameType.MAX_PUSH_ID && this.#role === 'client')
          return error(Http3ErrorCode.H3_FRAME_UNEXPECTED, 'MAX_PUSH_ID from a server');
        // Each carries exactly one varint (§7.1: other lengths are H3_FRAME_ERROR).
        if (reader.length < 1 || reader.length > 8)
          return error(
            Http3ErrorCode.H3_FRAME_ERROR,
            `frame type ${hexType(type)} of length ${reader.length}`,
          );
        reader.bufferPayload();
        return undefined;
      case FrameType.DATA:
      case FrameType.HEADERS:
      case FrameType.PUSH_PROMISE:
        // §7.2.1, §7.2.2, §7.2.5: on the control stream these are H3_FRAME_UNEXPECTED.
        return error(
          Http3ErrorCode.H3_FRAME_UNEXPECTED,
          `frame type ${hexType(type)} on the control stream`,
        );
      default:
        // §7.2.8: HTTP/2's frame types are H3_FRAME_UNEXPECTED; unknown ones are skipped.
        if (isHttp2FrameType(type))
          return error(Http3ErrorCode.H3_FRAME_UNEXPECTED, `HTTP/2 frame type ${hexType(type)}`);
        reader.skipPayload();
        return undefined;
    }
  }

  #frame(): ControlItem | undefined {
    const { type, payload } = this.#reader;
    if (type === FrameType.SETTINGS) {
      const result = parseSettings(payload);
      if (!result.ok) return error(result.code, result.message);
      this.settings = result.settings;
      return { type: 'settings', settings: result.settings };
    }
    // GOAWAY, CANCEL_PUSH, MAX_PUSH_ID: exactly one varint.
    const value = readVarint(payload, 0, payload.length);
    if (value < 0 || varintSize(payload[0]!) !== payload.length)
      return error(Http3ErrorCode.H3_FRAME_ERROR, `frame type ${hexType(type)} is not one varint`);
    if (type === FrameType.CANCEL_PUSH)
      // §7.2.3: a server never promised this push ID; a client allowed none (no MAX_PUSH_ID).
      return error(Http3ErrorCode.H3_ID_ERROR, `CANCEL_PUSH for push ID ${value}, never allowed`);
    if (type === FrameType.MAX_PUSH_ID) {
      // §7.2.7: "receipt of a MAX_PUSH_ID frame that contains a smaller value than previously
      // received MUST be treated as a connection error of type H3_ID_ERROR".
      if (value < this.#maxPushId)
        return error(Http3ErrorCode.H3_ID_ERROR, `MAX_PUSH_ID went down to ${value}`);
      this.#maxPushId = value;
      return undefined;
    }
    // GOAWAY. §7.2.6: from a server, a client-initiated bidirectional stream ID.
    if (this.#role === 'client' && value % 4 !== 0)
      return error(
        Http3ErrorCode.H3_ID_ERROR,
        `GOAWAY with stream ID ${value}, not a request stream`,
      );
    // §5.2: the identifier "MUST NOT be greater than the identifier in any previously received
    // GOAWAY frame", else H3_ID_ERROR.
    if (this.goawayId >= 0 && value > this.goawayId)
      return error(Http3ErrorCode.H3_ID_ERROR, `GOAWAY identifier went up to ${value}`);
    this.goawayId = value;
    return { type: 'goaway', id: value };
  }
}
