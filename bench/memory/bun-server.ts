/**
 * Bun under the memory benchmark: `Bun.serve` with an echo WebSocket handler, without
 * compression or with `perMessageDeflate: true`. Compiled by tsc like the rest and run by the
 * `bun` binary of the npm package `bun`.
 *
 * Run: `node_modules/bun/bin/bun.exe dist/bench/memory/bun-server.js --deflate on`
 */
import { bunApi } from '../e2e/servers/bun-api.js';
import { deflateArgument, memoryProbe } from './memory-probe.js';

const mode = deflateArgument(['off', 'on']);
const bun = bunApi();
let open = 0;

const server = bun.serve({
  hostname: '127.0.0.1',
  port: 0,
  fetch(request, bunServer) {
    if (bunServer.upgrade(request, { data: undefined })) return undefined;
    return new Response('WebSocket only', { status: 426 });
  },
  websocket: {
    maxPayloadLength: 16 * 1024 * 1024,
    perMessageDeflate: mode === 'on',
    idleTimeout: 0,
    open() {
      open++;
    },
    // `close` is a Bun handler the shared bun-api.ts types leave out.
    ...{
      close() {
        open--;
      },
    },
    message(ws, message) {
      ws.send(message);
    },
  },
});

memoryProbe({
  name: 'Bun',
  port: server.port,
  detail: `Bun.serve, perMessageDeflate: ${mode === 'on'}`,
  connections: () => open,
});
