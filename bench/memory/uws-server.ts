/**
 * uWebSockets.js under the memory benchmark (npm `@trufflesuite/uws-js-unofficial`, its native
 * binary loaded directly, never the package's pure-JS fallback): an echo route without
 * compression, or with `SHARED_COMPRESSOR` (uWS's zero-per-socket-memory setting; with no
 * decompressor named uWS shares one too, so it agrees on no context takeover either way).
 *
 * Run: `node --expose-gc dist/bench/memory/uws-server.js --deflate shared`
 */
import { createRequire } from 'node:module';
import type * as Uws from '@trufflesuite/uws-js-unofficial';
import { deflateArgument, memoryProbe } from './memory-probe.js';

const mode = deflateArgument(['off', 'shared']);
const binary = `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`;
const uws = createRequire(import.meta.url)(
  `@trufflesuite/uws-js-unofficial/binaries/${binary}`,
) as typeof Uws;

let open = 0;
const app = uws.App();
app.ws('/*', {
  compression: mode === 'shared' ? uws.SHARED_COMPRESSOR : uws.DISABLED,
  maxPayloadLength: 16 * 1024 * 1024,
  idleTimeout: 0,
  open() {
    open++;
  },
  close() {
    open--;
  },
  message(ws, message, isBinary) {
    ws.send(message, isBinary, true);
  },
});

app.listen('127.0.0.1', 0, (listenSocket) => {
  if (listenSocket === false) throw new Error('uWebSockets.js could not listen');
  memoryProbe({
    name: 'uWebSockets.js',
    port: uws.us_socket_local_port(listenSocket as unknown as Uws.us_socket),
    detail: `${binary}, ${mode === 'shared' ? 'SHARED_COMPRESSOR' : 'DISABLED'}`,
    connections: () => open,
  });
});
