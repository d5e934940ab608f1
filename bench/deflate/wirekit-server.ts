/**
 * The wirekit echo server of the compression benchmarks: `serve()` with `deflate` in the given
 * mode and level (`--mode off` serves without compression), echoing every message to its
 * sender. See `server-control.ts` for the protocol with the runner.
 *
 * Run: `node --expose-gc dist/bench/deflate/wirekit-server.js --mode shared --level 1`
 */
import { serve } from '../../src/index.js';
import { reportReady, serverArguments } from './server-control.js';

const { mode, level } = serverArguments();

const server = await serve({
  port: 0,
  host: '127.0.0.1',
  ...(mode === 'off' ? {} : { deflate: { mode, ...(level === undefined ? {} : { level }) } }),
  handler: {
    message(ws, data, isBinary) {
      ws.send(data, isBinary);
    },
  },
});

const detail = mode === 'off' ? 'no compression' : `deflate ${mode}, level ${level ?? 'default'}`;
reportReady('wirekit', server.address!.port, detail, () => server.connections.size);
