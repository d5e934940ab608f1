export {
  checkUpgradeResponse,
  type UpgradeEstablished,
  type UpgradeExpectation,
  type UpgradeFailed,
  type UpgradeRequestOptions,
  type UpgradeResponse,
  type UpgradeResult,
  upgradeRequestHeaders,
} from './client-handshake.js';
export { CloseCode, isValidCloseCode } from './close-code.js';
export { FrameBuffer } from './frame-buffer.js';
export {
  DEFAULT_MAX_MESSAGE_SIZE,
  FrameReader,
  type FrameReaderOptions,
  ReadKind,
  type Role,
} from './frame-reader.js';
export { FrameWriter, type FrameWriterOptions, headerSize } from './frame-writer.js';
export { computeAccept, generateKey, isValidKey, WEBSOCKET_GUID } from './handshake-key.js';
export type { HeaderPairs, HeaderSource } from './header-source.js';
export { hasToken, isToken, splitList } from './header-tokens.js';
export { MaskKeyPool } from './mask-key-pool.js';
export { isControlOpcode, Opcode } from './opcode.js';
export { ReadyState } from './ready-state.js';
export {
  type AcceptChoice,
  acceptHeaders,
  checkUpgradeRequest,
  type UpgradeAccepted,
  type UpgradeCheck,
  type UpgradeRefused,
  type UpgradeRequest,
} from './server-handshake.js';
export { WebSocketConnection, type WebSocketConnectionOptions } from './websocket-connection.js';
export type {
  BinaryEvent,
  CloseEvent,
  CloseInitiator,
  PingEvent,
  PongEvent,
  TextEvent,
  WebSocketEvent,
} from './websocket-event.js';
