/**
 * wirekit: low-latency WebSocket and HTTP/1.1 for TypeScript on Node.js.
 *
 * This entry is the Node API (server, client, connection) plus the names every user needs
 * (errors, close codes, ready states). The sans-IO protocol core is `wirekit/core`.
 *
 * @module wirekit
 */
export { ErrorCode, WirekitError } from './core/errors.js';
export { CloseCode, isValidCloseCode } from './core/ws/close-code.js';
export { ReadyState } from './core/ws/ready-state.js';
export * from './node/index.js';
