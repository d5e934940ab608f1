/**
 * The wirekit echo server of the compression benchmarks: `serve()` with `deflate` in the given
 * mode and level, optionally with smaller windows (`--window-bits`, both directions) and
 * memLevel (`--mem-level`); `--mode off` serves without compression. It echoes every message
 * to its sender. See `server-control.ts` for the protocol with the runner.
 *
 * Run: `node --expose-gc dist/bench/deflate/wirekit-server.js --mode shared --level 1`
 */
import { serve } from '../../src/index.js';
import { reportReady, serverArguments } from './server-control.js';

const { mode, level, windowBits, memLevel } = serverArguments();

const deflate = {
  mode: mode === 'off' ? 'shared' : mode,
  ...(level === undefined ? {} : { level }),
  ...(windowBits === undefined
    ? {}
    : { serverMaxWindowBits: windowBits, clientMaxWindowBits: windowBits }),
  ...(memLevel === undefined ? {} : { memLevel }),
} as const;

const server = await serve({
  port: 0,
  host: '127.0.0.1',
  ...(mode === 'off' ? {} : { deflate }),
  handler: {
    message(ws, data, isBinary) {
      ws.send(data, isBinary);
    },
  },
});

const detail =
  mode === 'off'
    ? 'no compression'
    : `deflate ${mode}, level ${level ?? 'default'}, windows ${windowBits ?? 15} bits, memLevel ${memLevel ?? 8}`;
reportReady('wirekit', server.address!.port, detail, () => server.connections.size);
