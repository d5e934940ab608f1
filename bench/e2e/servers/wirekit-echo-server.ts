/**
 * The wirekit benchmark server: `serve()` from the built package entry, one handler object,
 * routes by path (see `route.ts`). Broadcast uses topics, as the uWebSockets.js and Bun servers
 * do: every `/sub` connection subscribes to one topic and each `/pub` message is published to
 * it with `server.publish` (framed once; each subscriber's messages of a tick leave in one
 * write). WIREKIT_BROADCAST=loop: a loop of `send` over the subscribers instead.
 *
 * `maxBackpressure` is 64 MiB on every server in this suite (wirekit's default, set here so the
 * suite does not depend on it): the recv phase queues 100,000 messages at once.
 *
 * Run: `node dist/bench/e2e/servers/wirekit-echo-server.js --port 0` (set WIREKIT_READ_BUFFER=1
 * for the shared read buffer; BENCH_TLS_KEY and BENCH_TLS_CERT for `wss://`; WIREKIT_URING=1
 * for the same server on `serveUring()` from `wirekit/uring`, which needs `npm run build:uring`).
 */
import {
  type Connection,
  type ServeOptions,
  serve,
  type WebSocketServer,
} from '../../../src/index.js';
import { serveUring } from '../../../src/node/uring/index.js';
import { PHASE_ACK, PHASE_MESSAGE, PhaseAction, PhaseScript } from './phase-script.js';
import { type Route, routeOf } from './route.js';
import { portArgument, reportReady, type ServerStats } from './server-report.js';
import { serverTls } from './server-tls.js';

interface ConnectionData {
  readonly route: Route;
  readonly script: PhaseScript | undefined;
  /** Position in `subscribers` while subscribed (WIREKIT_BROADCAST=loop), else -1. */
  index: number;
}

const TOPIC = 'broadcast';
const loop = process.env['WIREKIT_BROADCAST'] === 'loop';

function readBufferOption(setting: string | undefined): { readBuffer?: boolean } {
  return setting === '1' ? { readBuffer: true } : setting === '0' ? { readBuffer: false } : {};
}

const stats: ServerStats = { messages: 0 };
const subscribers: Connection<ConnectionData>[] = [];

function unsubscribe(ws: Connection<ConnectionData>): void {
  const at = ws.data.index;
  if (at < 0) return;
  const last = subscribers.pop()!;
  if (last !== ws) {
    subscribers[at] = last;
    last.data.index = at;
  }
  ws.data.index = -1;
}

const tls = serverTls();
const uring = process.env['WIREKIT_URING'] === '1';
const options: ServeOptions<ConnectionData> = {
  port: portArgument(),
  host: '127.0.0.1',
  ...(tls === undefined ? {} : { tls: { key: tls.key, cert: tls.cert } }),
  maxBackpressure: 64 * 1024 * 1024,
  // Default: the shared read buffer with messages copied out. WIREKIT_READ_BUFFER=1: payloads
  // borrowed from the server's read buffer (uWebSockets.js style); =0: Node's 'data' events.
  ...readBufferOption(process.env['WIREKIT_READ_BUFFER']),
  handler: {
    upgrade(request) {
      const route = routeOf(request.url);
      const script = route.kind === 'phases' ? new PhaseScript(route.messages) : undefined;
      return { route, script, index: -1 };
    },
    open(ws) {
      if (ws.data.route.kind !== 'sub') return;
      if (!loop) ws.subscribe(TOPIC);
      else {
        ws.data.index = subscribers.length;
        subscribers.push(ws);
      }
    },
    message(ws, data, isBinary) {
      stats.messages++;
      const { route, script } = ws.data;
      switch (route.kind) {
        case 'echo':
        case 'sub':
          ws.send(data, isBinary);
          return;
        case 'pub':
          if (!loop) server.publish(TOPIC, data, isBinary);
          else for (let i = 0; i < subscribers.length; i++) subscribers[i]!.send(data, isBinary);
          return;
        case 'phases':
          switch (script!.next()) {
            case PhaseAction.COUNT:
              return;
            case PhaseAction.ACK:
              ws.send(PHASE_ACK);
              return;
            case PhaseAction.ECHO:
              ws.send(data, isBinary);
              return;
            case PhaseAction.PUSH:
              for (let i = 0; i < script!.messages; i++) ws.send(PHASE_MESSAGE);
              return;
          }
      }
    },
    close(ws) {
      unsubscribe(ws);
    },
  },
};
const started = uring ? await serveUring(options) : await serve(options);
const server: WebSocketServer<ConnectionData> = 'server' in started ? started.server : started;

reportReady(
  uring ? 'wirekit-uring' : 'wirekit',
  started.address!.port,
  `${uring ? 'serveUring() from dist/src/node/uring/index.js' : 'serve() from dist/src/index.js'}${tls === undefined ? '' : ', TLS'}`,
  stats,
);
