export {
  checkChoices,
  checkUpgradeResponse,
  type UpgradeEstablished,
  type UpgradeExpectation,
  type UpgradeFailed,
  type UpgradeRequestOptions,
  type UpgradeResponse,
  type UpgradeResult,
  upgradeRequestHeaders,
} from './client-handshake.js';
export {
  type ClientHandshakeAccepted,
  type ClientHandshakeEvent,
  type ClientHandshakeNeedData,
  type ClientHandshakeRefused,
  ClientOpeningHandshake,
  type ClientOpeningHandshakeOptions,
} from './client-opening-handshake.js';
export { CloseCode, isValidCloseCode } from './close-code.js';
export {
  checkExtendedConnect,
  checkExtendedConnectResponse,
  checkOutgoingField,
  type ExtendedConnectAccepted,
  type ExtendedConnectCheck,
  type ExtendedConnectChoice,
  type ExtendedConnectOptions,
  type ExtendedConnectRefused,
  extendedConnectRequest,
  extendedConnectResponse,
} from './extended-connect.js';
export {
  type ExtensionElement,
  type ExtensionParam,
  formatExtension,
  parseExtensionHeader,
} from './extension-header.js';
export { FrameBuffer } from './frame-buffer.js';
export {
  DEFAULT_MAX_MESSAGE_SIZE,
  FrameReader,
  type FrameReaderOptions,
  ReadKind,
  type Role,
} from './frame-reader.js';
export { FrameWriter, type FrameWriterOptions, headerSize } from './frame-writer.js';
export { refusalAnswer, switchingProtocolsAnswer } from './handshake-answer.js';
export { computeAccept, generateKey, isValidKey, WEBSOCKET_GUID } from './handshake-key.js';
export { type HeaderPairs, type HeaderSource, headerListSource } from './header-source.js';
export { hasToken, isToken, splitList } from './header-tokens.js';
export { MaskKeyPool } from './mask-key-pool.js';
export {
  InflateFailure,
  type MessageCompression,
  type MessageDeflater,
  type MessageInflater,
} from './message-codec.js';
export { isControlOpcode, Opcode } from './opcode.js';
export { OutputPool } from './output-pool.js';
export {
  acceptDeflateResponse,
  type DeflateAgreement,
  type DeflateOptions,
  type DeflateParams,
  deflateOffer,
  negotiateDeflate,
  PERMESSAGE_DEFLATE,
} from './permessage-deflate.js';
export { PreparedMessage } from './prepared-message.js';
export { ReadyState } from './ready-state.js';
export {
  type AcceptChoice,
  acceptHeaders,
  checkUpgradeRequest,
  offeredProtocols,
  type UpgradeAccepted,
  type UpgradeCheck,
  type UpgradeRefused,
  type UpgradeRequest,
} from './server-handshake.js';
export {
  type HandshakeAccepted,
  type HandshakeClosed,
  type HandshakeNeedData,
  type HandshakeRefused,
  type HandshakeRequest,
  type ServerHandshakeEvent,
  ServerOpeningHandshake,
  type ServerOpeningHandshakeOptions,
} from './server-opening-handshake.js';
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
