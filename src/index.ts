/** wirekit: low-latency WebSocket and HTTP/1.1 for TypeScript. */
export * from './core/index.js';
