/** wirekit/node: WebSocket server and client on Node.js sockets. */
export {
  type ClientTlsOptions,
  type ConnectOptions,
  connect,
  parseWebSocketUrl,
  type WebSocketTarget,
} from './connect.js';
export {
  Connection,
  type ConnectionHandler,
  ConnectionWriter,
  type Message,
} from './connection.js';
export type { ConnectionOptions } from './connection-options.js';
export { nodePlatform } from './node-platform.js';
export type { UpgradeRequestInfo } from './upgrade-request.js';
export {
  type ListenOptions,
  rejectUpgrade,
  type ServeOptions,
  type ServerHandler,
  type ServerOptions,
  serve,
  WebSocketServer,
} from './websocket-server.js';
