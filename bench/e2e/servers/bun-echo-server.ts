/**
 * The Bun benchmark server: `Bun.serve` with WebSocket handlers (Bun's server is uWebSockets in
 * Zig/C++ underneath), routes by path like the other servers (see `route.ts`). Every upgrade
 * goes through `fetch` → `server.upgrade`, which is Bun's only way in. Broadcast uses Bun's own
 * pub/sub (`ws.subscribe` + `server.publish`), as uWS's server does.
 *
 * Compiled by tsc with the suite and run by the `bun` binary (npm package `bun`), which also
 * runs `server-report.ts`, so the runner sees the same ready and exit lines as from Node.
 *
 * Run: `node_modules/bun/bin/bun.exe dist/bench/e2e/servers/bun-echo-server.js --port 0`
 * (BENCH_TLS_KEY and BENCH_TLS_CERT for `wss://`).
 */
import { type BunServerWebSocket, bunApi } from './bun-api.js';
import { PHASE_ACK, PHASE_MESSAGE, PhaseAction, PhaseScript } from './phase-script.js';
import { type Route, routeOf } from './route.js';
import { portArgument, reportReady, type ServerStats } from './server-report.js';
import { serverTls } from './server-tls.js';

interface ConnectionData {
  readonly route: Route;
  readonly script: PhaseScript | undefined;
}

const bun = bunApi();
const stats: ServerStats = { messages: 0 };
const TOPIC = 'broadcast';
const MiB = 1024 * 1024;
const tls = serverTls();

function onMessage(ws: BunServerWebSocket<ConnectionData>, message: string | Uint8Array): void {
  stats.messages++;
  const { route, script } = ws.data;
  switch (route.kind) {
    case 'echo':
    case 'sub':
      ws.send(message);
      return;
    case 'pub':
      server.publish(TOPIC, message);
      return;
    case 'phases':
      switch (script!.next()) {
        case PhaseAction.COUNT:
          return;
        case PhaseAction.ACK:
          ws.send(PHASE_ACK);
          return;
        case PhaseAction.ECHO:
          ws.send(message);
          return;
        case PhaseAction.PUSH:
          for (let i = 0; i < script!.messages; i++) ws.send(PHASE_MESSAGE);
          return;
      }
  }
}

const server = bun.serve<ConnectionData>({
  hostname: '127.0.0.1',
  port: portArgument(),
  ...(tls === undefined ? {} : { tls: { key: tls.key, cert: tls.cert } }),
  fetch(request, bunServer) {
    const url = new URL(request.url);
    const route = routeOf(`${url.pathname}${url.search}`);
    const script = route.kind === 'phases' ? new PhaseScript(route.messages) : undefined;
    if (bunServer.upgrade(request, { data: { route, script } })) return undefined;
    return new Response('WebSocket only', { status: 426 });
  },
  // Same limits as the other servers: no compression, 16 MiB messages, 64 MiB backpressure
  // (queued, not dropped, past it), and no idle timeout.
  websocket: {
    maxPayloadLength: 16 * MiB,
    backpressureLimit: 64 * MiB,
    closeOnBackpressureLimit: false,
    perMessageDeflate: false,
    idleTimeout: 0,
    publishToSelf: false,
    open(ws) {
      if (ws.data.route.kind === 'sub') ws.subscribe(TOPIC);
    },
    message: onMessage,
  },
});

reportReady(
  'bun',
  server.port,
  `Bun.serve, Bun ${bun.version}${tls === undefined ? '' : ', TLS'}`,
  stats,
);
