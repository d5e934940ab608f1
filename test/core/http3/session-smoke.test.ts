/**
 * A client and a server session joined in memory: SETTINGS exchange, a WebSocket extended
 * CONNECT (RFC 9220) checked with the shared RFC 8441 check, the 200 answer, DATA both ways,
 * FIN, and GOAWAY.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Http3Session } from '../../../src/core/http3/http3-session.js';
import {
  checkExtendedConnect,
  checkExtendedConnectResponse,
  extendedConnectResponse,
} from '../../../src/core/ws/extended-connect.js';
import { exchange } from './helpers.js';

test('a WebSocket over HTTP/3 between two in-memory sessions: settings, CONNECT, 200, data both ways, FIN', () => {
  const server = new Http3Session({ role: 'server' });
  const client = new Http3Session({ role: 'client' });
  const opened = exchange(client, server);
  assert.deepEqual(
    opened.client.map((e) => e.type),
    ['settings'],
  );
  assert.deepEqual(
    opened.server.map((e) => e.type),
    ['settings'],
  );
  assert.equal(client.peerSettings?.enableConnectProtocol, true);
  assert.equal(server.peerSettings?.enableConnectProtocol, false);

  const id = client.openWebSocket({
    scheme: 'https',
    authority: 'example.com',
    path: '/chat',
    protocols: ['chat', 'superchat'],
  });
  assert.equal(id, 0);
  const [request] = exchange(client, server).server;
  assert.ok(request !== undefined && request.type === 'request');
  assert.equal(request.protocol, 'websocket');
  const check = checkExtendedConnect(request.fields);
  assert.ok(check.ok);
  assert.deepEqual(check.protocols, ['chat', 'superchat']);
  server.sendHeaders(id, extendedConnectResponse(check, { protocol: 'chat' }));
  server.sendData(id, Uint8Array.of(0x81, 0x02, 0x68, 0x69));
  const [response, data] = exchange(client, server).client;
  assert.ok(response !== undefined && response.type === 'response');
  assert.equal(response.status, 200);
  const answer = checkExtendedConnectResponse(response.status, response.fields, {
    protocols: ['chat', 'superchat'],
  });
  assert.ok(answer.ok);
  assert.equal(answer.protocol, 'chat');
  assert.ok(data !== undefined && data.type === 'data');
  assert.deepEqual([...data.data], [0x81, 0x02, 0x68, 0x69]);

  client.sendData(id, Uint8Array.of(1, 2, 3), true);
  assert.deepEqual(
    exchange(client, server).server.map((e) => e.type),
    ['data', 'end'],
  );
  server.finish(id);
  assert.deepEqual(
    exchange(client, server).client.map((e) => e.type),
    ['end'],
  );
  server.goaway();
  const [goaway] = exchange(client, server).client;
  assert.ok(goaway !== undefined && goaway.type === 'goaway');
  assert.equal(goaway.id, 4);
  assert.throws(() => client.openRequest([[':method', 'GET']]), { code: 'ERR_INVALID_ARGUMENT' });
});
