/**
 * ws under the memory benchmark: `WebSocketServer` echoing every message, without compression
 * or with `perMessageDeflate: true` (its defaults: context takeover both ways, 15-bit windows,
 * threshold 1 KiB, so the 77-byte echo goes out uncompressed while the client's compressed
 * message is inflated).
 *
 * Run: `node --expose-gc dist/bench/memory/ws-server.js --deflate on`
 */
import { WebSocketServer } from 'ws';
import { deflateArgument, memoryProbe } from './memory-probe.js';

const mode = deflateArgument(['off', 'on']);
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: mode === 'on' });

wss.on('connection', (ws) => {
  ws.on('error', () => {});
  ws.on('message', (data, isBinary) => {
    ws.send(data as Buffer, { binary: isBinary });
  });
});

wss.on('listening', () => {
  const address = wss.address();
  if (address === null || typeof address === 'string') throw new Error('expected a TCP address');
  memoryProbe({
    name: 'ws',
    port: address.port,
    detail: mode === 'on' ? 'perMessageDeflate: true' : 'no compression',
    connections: () => wss.clients.size,
  });
});
