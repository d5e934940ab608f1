/**
 * wirekit/ws: the public API of the `ws` package (its doc/ws.md) on wirekit's protocol core and
 * connections, so code and libraries written for ws (Socket.IO's `wsEngine`, graphql-ws) run
 * unchanged.
 *
 * Shaped as ws's entries are: `WebSocket` is the default export and carries `Server`,
 * `WebSocketServer`, `WebSocket` and `createWebSocketStream` as statics, and CommonJS gets the
 * class itself from `require('wirekit/ws')` (the `'module.exports'` export of Node's
 * `require(esm)`).
 *
 * @example
 * ```ts
 * import WebSocket, { WebSocketServer } from 'wirekit/ws';
 * const wss = new WebSocketServer({ port: 8080 });
 * wss.on('connection', (ws) => ws.on('message', (data) => ws.send(data)));
 * const ws = new WebSocket('ws://127.0.0.1:8080');
 * ws.on('open', () => ws.send('hello'));
 * ```
 *
 * @module wirekit/ws
 */
import { createWebSocketStream } from './create-websocket-stream.js';
import { WebSocket as WebSocketClass } from './websocket.js';
import { WebSocketServer } from './websocket-server.js';

/** The statics ws puts on its `WebSocket` class. */
export interface WebSocketStatics {
  /** ws's older name of {@link WebSocketServer}. */
  readonly Server: typeof WebSocketServer;
  /** The server class, as `require('ws').WebSocketServer`. */
  readonly WebSocketServer: typeof WebSocketServer;
  /** The class itself, as `require('ws').WebSocket`. */
  readonly WebSocket: typeof WebSocketClass & WebSocketStatics;
  /** A `Duplex` stream over a WebSocket, as ws's `createWebSocketStream`. */
  readonly createWebSocketStream: typeof createWebSocketStream;
}

/** ws's `WebSocket` with its statics (`WebSocket.Server`, ...). */
const WebSocket: typeof WebSocketClass & WebSocketStatics = Object.defineProperties(
  WebSocketClass,
  {
    Server: { value: WebSocketServer, enumerable: true },
    WebSocketServer: { value: WebSocketServer, enumerable: true },
    WebSocket: { value: WebSocketClass, enumerable: true },
    createWebSocketStream: { value: createWebSocketStream, enumerable: true },
  },
) as typeof WebSocketClass & WebSocketStatics;
type WebSocket = WebSocketClass;

export { WsErrorCode } from './errors.js';
export {
  CloseEvent,
  ErrorEvent,
  Event,
  MessageEvent,
  type WsAddEventListenerOptions,
  type WsEventListener,
} from './event-target.js';
export type { CommonOptions, PerMessageDeflateOptions } from './options.js';
export type {
  BinaryType,
  ClientOptions,
  RawData,
  SendCallback,
  SendOptions,
  WebSocketEvents,
  WsSendData,
} from './websocket.js';
export type {
  ServerOptions,
  UpgradeCallback,
  VerifyClientCallback,
  VerifyClientInfo,
  WebSocketServerEvents,
} from './websocket-server.js';
export {
  createWebSocketStream,
  WebSocket,
  WebSocket as 'module.exports',
  WebSocketServer as Server,
  WebSocketServer,
};
export default WebSocket;
