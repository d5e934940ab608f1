/**
 * HTTP/3 (RFC 9114) for WebSockets over HTTP/3 (RFC 9220), sans-IO: varints, frames, settings,
 * stream types, message checks, error codes and the per-connection {@link Http3Session}.
 *
 * @module
 */

export { type ControlItem, PeerControlStream } from './control-stream.js';
export { Http3ErrorCode, http3ErrorName } from './error-code.js';
export { FrameRead, Http3FrameReader } from './frame-reader.js';
export { FrameType, isHttp2FrameType, isReservedValue } from './frame-type.js';
export { encodeFrame, frameHeaderLength, writeFrameHeader } from './frame-writer.js';
export type {
  Http3CloseAction,
  Http3DataEvent,
  Http3EndEvent,
  Http3Event,
  Http3GoawayEvent,
  Http3RequestEvent,
  Http3RequestRefusedEvent,
  Http3ResetStreamAction,
  Http3ResponseEvent,
  Http3SettingsEvent,
  Http3StopSendingAction,
  Http3StreamErrorEvent,
  Http3StreamResetEvent,
  Http3StreamStoppedEvent,
  Http3TrailersEvent,
  Http3WriteAction,
} from './http3-event.js';
export {
  DEFAULT_MAX_FIELD_SECTION_SIZE,
  Http3Session,
  type Http3SessionOptions,
} from './http3-session.js';
export {
  checkRequestHead,
  checkResponseHead,
  checkTrailers,
  type RequestHead,
  type ResponseHead,
} from './message-check.js';
export { encodeHeadersFrame, type Http3Fields, toFieldLines } from './outgoing-fields.js';
export type { Http3Role } from './role.js';
export {
  DEFAULT_SETTINGS,
  encodeSettings,
  type Http3Settings,
  parseSettings,
  SettingId,
  type SettingsResult,
} from './settings.js';
export { StreamType } from './stream-type.js';
export {
  MAX_VARINT,
  readVarint,
  VarintAccumulator,
  varintLength,
  varintSize,
  writeVarint,
} from './varint.js';
