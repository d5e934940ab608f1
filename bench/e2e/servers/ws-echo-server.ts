/**
 * The `ws` benchmark server: `WebSocketServer` on its own port, routes by path (see
 * `route.ts`), broadcast by looping `send` over the subscribers. ws loads the `bufferutil`
 * addon for masking when it is installed, unless `WS_NO_BUFFER_UTIL=1` is set: the ready line
 * says which. With BENCH_TLS_KEY and BENCH_TLS_CERT it serves `wss://` from an `https` server,
 * which is how ws does TLS.
 *
 * Run: `node dist/bench/e2e/servers/ws-echo-server.js --port 0`
 */
import { createServer } from 'node:https';
import { createRequire } from 'node:module';
import { type WebSocket, WebSocketServer } from 'ws';
import { PHASE_ACK, PHASE_MESSAGE, PhaseAction, PhaseScript } from './phase-script.js';
import { routeOf } from './route.js';
import { portArgument, reportReady, type ServerStats } from './server-report.js';
import { serverTls } from './server-tls.js';

const stats: ServerStats = { messages: 0 };
const subscribers = new Set<WebSocket>();

/** Mirrors ws/lib/buffer-util.js: the addon is used when it loads and the env allows it. */
function bufferUtilState(): string {
  if (process.env['WS_NO_BUFFER_UTIL']) return 'bufferutil disabled (WS_NO_BUFFER_UTIL=1)';
  try {
    createRequire(import.meta.url)('bufferutil');
    return 'bufferutil loaded';
  } catch (error) {
    throw new Error(`bufferutil is installed as a devDependency but does not load: ${error}`);
  }
}

const tls = serverTls();
const https = tls === undefined ? undefined : createServer({ key: tls.key, cert: tls.cert });
const limits = { perMessageDeflate: false, maxPayload: 16 * 1024 * 1024 } as const;
const wss =
  https === undefined
    ? new WebSocketServer({ host: '127.0.0.1', port: portArgument(), ...limits })
    : new WebSocketServer({ server: https, ...limits });

wss.on('connection', (ws, request) => {
  const route = routeOf(request.url ?? '/');
  ws.on('error', () => {});
  switch (route.kind) {
    case 'echo':
      ws.on('message', (data, isBinary) => {
        stats.messages++;
        ws.send(data, { binary: isBinary });
      });
      return;
    case 'sub':
      subscribers.add(ws);
      ws.on('close', () => subscribers.delete(ws));
      ws.on('message', (data, isBinary) => {
        stats.messages++;
        ws.send(data, { binary: isBinary });
      });
      return;
    case 'pub':
      ws.on('message', (data, isBinary) => {
        stats.messages++;
        const options = { binary: isBinary };
        for (const subscriber of subscribers) subscriber.send(data, options);
      });
      return;
    case 'phases': {
      const script = new PhaseScript(route.messages);
      ws.on('message', (data, isBinary) => {
        stats.messages++;
        switch (script.next()) {
          case PhaseAction.COUNT:
            return;
          case PhaseAction.ACK:
            ws.send(PHASE_ACK);
            return;
          case PhaseAction.ECHO:
            ws.send(data, { binary: isBinary });
            return;
          case PhaseAction.PUSH:
            for (let i = 0; i < script.messages; i++) ws.send(PHASE_MESSAGE);
            return;
        }
      });
      return;
    }
  }
});

function listening(): void {
  const address = wss.address();
  if (address === null || typeof address === 'string') throw new Error('expected a TCP address');
  reportReady('ws', address.port, `${bufferUtilState()}${https ? ', TLS' : ''}`, stats);
}

if (https === undefined) wss.on('listening', listening);
else https.listen(portArgument(), '127.0.0.1', listening);
