/**
 * wirekit under the memory benchmark: `serve()` with default options and an echo handler;
 * `--deflate shared` turns permessage-deflate on in shared mode (no context takeover either
 * way: one zlib context per process and direction), `--deflate dedicated-small` in dedicated
 * mode with the settings documented for many connections (11-bit windows both ways,
 * memLevel 4).
 *
 * Run: `node --expose-gc dist/bench/memory/wirekit-server.js --deflate shared`
 */
import { serve } from '../../src/index.js';
import { type DeflateMode, deflateArgument, memoryProbe } from './memory-probe.js';

const mode = deflateArgument(['off', 'shared', 'dedicated-small']);

/** What each mode passes as `deflate`, and how the table names it. */
const DEFLATE = {
  off: undefined,
  shared: { mode: 'shared' },
  'dedicated-small': {
    mode: 'dedicated',
    serverMaxWindowBits: 11,
    clientMaxWindowBits: 11,
    memLevel: 4,
  },
} as const satisfies Partial<Record<DeflateMode, unknown>>;

const deflate = DEFLATE[mode as keyof typeof DEFLATE];
const server = await serve({
  port: 0,
  host: '127.0.0.1',
  ...(deflate === undefined ? {} : { deflate }),
  handler: {
    message(ws, data, isBinary) {
      ws.send(data, isBinary);
    },
  },
});

memoryProbe({
  name: 'wirekit',
  port: server.address.port,
  detail: deflate === undefined ? 'no deflate' : `deflate ${JSON.stringify(deflate)}`,
  connections: () => server.connections.size,
});
