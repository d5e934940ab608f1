/**
 * The RFC 6455 conformance suite against `serveUring()` (wirekit/uring), with the raw TCP peer
 * of the other server targets. `npm test` builds the addon first (scripts/ensure-tools.js);
 * where the transport still cannot run (the kernel refuses io_uring) the suite fails with the
 * reason and the command that builds it, rather than skip; test/node/uring/unavailable.test.ts
 * checks the typed error of that case.
 */

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect as netConnect } from 'node:net';
import { test } from 'node:test';
import type { ConnectionHandler } from '../../src/index.js';
import {
  loadUring,
  serveUring,
  UringUnavailableError,
  type UringWebSocketServer,
} from '../../src/node/uring/index.js';
import { acceptFor, readRawHead } from '../helpers/raw-handshake.js';
import { RawPeer, WAIT_MS } from './raw-peer.js';
import { runConformance } from './run-conformance.js';
import { type ConformanceTarget, TARGET_LIMITS } from './targets.js';

const echo: ConnectionHandler = {
  message(ws, data, isBinary) {
    if (ws.readyState === 1) ws.send(data, isBinary);
  },
};

function uringTarget(): ConformanceTarget {
  let server: UringWebSocketServer | undefined;
  const peers: RawPeer[] = [];
  return {
    name: 'server over TCP on io_uring',
    side: 'server',
    async open() {
      server ??= await serveUring({ port: 0, handler: echo, ...TARGET_LIMITS });
      const port = server.address.port;
      const socket = netConnect({ host: '127.0.0.1', port });
      socket.setNoDelay(true);
      const key = randomBytes(16).toString('base64');
      socket.write(
        `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
      const { head, rest } = await readRawHead(socket, WAIT_MS);
      if (
        !head.startsWith('HTTP/1.1 101 ') ||
        !head.includes(`\r\nSec-WebSocket-Accept: ${acceptFor(key)}`)
      ) {
        socket.destroy();
        throw new Error(`handshake failed: ${head}`);
      }
      const peer = new RawPeer(socket, 'client', rest);
      peers.push(peer);
      return peer;
    },
    async close() {
      for (const peer of peers) peer.destroy();
      await server?.close();
    },
  };
}

function unavailable(): string | undefined {
  try {
    loadUring();
    return undefined;
  } catch (error) {
    if (error instanceof UringUnavailableError) return `${error.reason}: ${error.message}`;
    throw error;
  }
}

const reason = unavailable();
if (reason === undefined) runConformance(uringTarget());
else
  test('RFC 6455 conformance: server over TCP on io_uring', () => {
    assert.fail(`the io_uring transport cannot run: ${reason}`);
  });
