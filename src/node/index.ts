/** wirekit/node: WebSocket server and client on Node.js sockets. */
export { connect } from './connect.js';
export type { ClientTlsOptions, ConnectOptions } from './connect-options.js';
export {
  Connection,
  type ConnectionHandler,
  ConnectionWriter,
  type Message,
} from './connection.js';
export type { ConnectionOptions } from './connection-options.js';
export type { DeflateConfig } from './deflate-config.js';
export type { ProxyOption } from './proxy-option.js';
export type { Broker, BrokerSink } from './pubsub/broker.js';
export {
  ClusterBroker,
  type ClusterBrokerStats,
  type IpcLimits,
} from './pubsub/cluster-broker.js';
export type { ClusterRelayStats } from './pubsub/cluster-relay.js';
export { LocalBroker } from './pubsub/local-broker.js';
export { type PubSubOptions, SlowSubscriber } from './pubsub/pubsub-options.js';
export type { PubSubStats } from './pubsub/topic-registry.js';
export {
  type BackoffOptions,
  ReconnectingConnection,
  type ReconnectingOptions,
  reconnectDelay,
  reconnecting,
} from './reconnecting.js';
export {
  runWorkers,
  type WorkerContext,
  type WorkerExit,
  type WorkerPool,
  type WorkerServer,
  type WorkersOptions,
} from './run-workers.js';
export {
  type Http2SessionOptions,
  type Http2WebSocketOptions,
  Http2WebSocketSession,
} from './transports/h2-client.js';
export type { UpgradeRequestInfo } from './upgrade-request.js';
export {
  type BinaryType,
  CloseEvent,
  type CloseEventInit,
  MessageEvent,
  type MessageEventInit,
  WebSocket,
  type WebSocketEventHandler,
  type WebSocketEventListener,
  type WebSocketEventMap,
  type WebSocketMessageData,
  type WebSocketOptions,
  type WebSocketSendData,
} from './websocket.js';
export {
  type ListeningServer,
  type ListenOptions,
  rejectUpgrade,
  type ServeOptions,
  type ServerHandler,
  type ServerOptions,
  serve,
  WebSocketServer,
} from './websocket-server.js';
