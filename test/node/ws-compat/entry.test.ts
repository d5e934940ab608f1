/**
 * The `wirekit/ws` entry has ws's shapes: `import WebSocket, { WebSocketServer } from
 * 'wirekit/ws'` (the package's `exports`, types first), the statics ws puts on its class, and
 * `require('wirekit/ws')` returning the class itself, as `require('ws')` does.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';

const require = createRequire(import.meta.url);

test("import from 'wirekit/ws': the default export is the class, with ws's statics", async () => {
  const entry = (await import(
    'wirekit/ws'
  )) as typeof import('../../../src/node/ws-compat/index.js');
  const WebSocket = entry.default;
  assert.equal(entry.WebSocket, WebSocket);
  assert.equal(entry.WebSocketServer, WebSocket.WebSocketServer);
  assert.equal(entry.Server, WebSocket.Server);
  assert.equal(entry.createWebSocketStream, WebSocket.createWebSocketStream);
  assert.equal(WebSocket.WebSocket, WebSocket);
  assert.equal(WebSocket.OPEN, 1);
});

test("require('wirekit/ws') is the WebSocket class, as require('ws') is", () => {
  const WebSocket =
    require('wirekit/ws') as typeof import('../../../src/node/ws-compat/index.js').default;
  assert.equal(typeof WebSocket, 'function');
  assert.equal(WebSocket.name, 'WebSocket');
  assert.equal(typeof WebSocket.Server, 'function');
  assert.equal(WebSocket.Server, WebSocket.WebSocketServer);
  assert.equal(typeof WebSocket.createWebSocketStream, 'function');
  const { WebSocketServer } =
    require('wirekit/ws') as typeof import('../../../src/node/ws-compat/index.js');
  assert.equal(WebSocketServer, WebSocket.WebSocketServer);
});
