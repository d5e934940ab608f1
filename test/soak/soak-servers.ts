/**
 * wirekit's servers under soak: one on plain TCP (`ws://`) and one on TLS that also serves
 * RFC 8441 over HTTP/2 (`serve({ http2: true, tls })`: ALPN picks `h2` or `http/1.1`). Every
 * connection gets an {@link Endpoint} from its request path,
 * `/soak/<case>/<mode>/<messages>[/<member>]` (a storm's clients are its members):
 * `normal` sends that many sequence messages once open, `push` pushes 64 KiB messages once it
 * has received that many (for a peer that then stops reading). Pushing connections go to a
 * second pair of servers with a short `backpressureTimeout`; the others keep wirekit's default,
 * so a clean exchange slowed down by a busy machine is never taken for a peer that stopped
 * reading. Endpoints are kept by case so a case can wait for its server ends.
 *
 * @example
 * ```ts
 * const servers = await startSoakServers(options);
 * const ends = servers.endsOf(7, 1); // resolves with case 7's server end once it is open
 * ```
 */
import type { ConnectionOptions } from '../../src/node/connection-options.js';
import { type ListeningServer, serve } from '../../src/node/websocket-server.js';
import { testCertificate } from '../helpers/tls-cert.js';
import { seededRandom } from './sequence-stream.js';
import { ENDPOINT_HANDLER, Endpoint } from './soak-endpoint.js';
import type { SoakTransport } from './soak-plan.js';

/** Both servers and the server ends of every case. */
export interface SoakServers {
  readonly ports: Readonly<Record<SoakTransport, number>>;
  /** The servers for `push` connections. */
  readonly pushPorts: Readonly<Record<SoakTransport, number>>;
  /** The first `count` server ends of case `id`, each once it is open. */
  endsOf(id: number, count: number): Promise<Endpoint[]>;
  /** Forget case `id` once it is over. */
  forget(id: number): void;
  /** Connections open on both servers. */
  readonly open: number;
  close(): Promise<void>;
}

/**
 * The timers of the soak's servers and clients: a close timeout short enough for a bounded run,
 * and a heartbeat on both sides (a client has none by default), which is how an end notices a
 * peer that is gone without a trace: over HTTP/2, Node's session may not poll a socket whose
 * connection was reset while it had nothing to write, so only a write (the ping) finds out.
 * wirekit's defaults otherwise (limits, backpressure timeout).
 */
export const SOAK_OPTIONS: ConnectionOptions = {
  closeTimeout: 2_000,
  pingInterval: 2_000,
  pongTimeout: 5_000,
};
/** For the ends that push at a peer that stops reading: found within a bounded run. */
export const PUSH_OPTIONS: ConnectionOptions = { ...SOAK_OPTIONS, backpressureTimeout: 1_000 };

interface CaseEnds {
  readonly ends: Endpoint[];
  wake: (() => void) | undefined;
}

/** Start both servers on 127.0.0.1. */
export async function startSoakServers(): Promise<SoakServers> {
  const byCase = new Map<number, CaseEnds>();
  const entry = (id: number): CaseEnds => {
    let found = byCase.get(id);
    if (found === undefined) {
      found = { ends: [], wake: undefined };
      byCase.set(id, found);
    }
    return found;
  };
  const handler = {
    ...ENDPOINT_HANDLER,
    upgrade(request: { readonly path: string }): Endpoint {
      const [, , id = '-1', mode = 'normal', messages = '0', member] = request.path.split('/');
      const name = member === undefined ? id : `${id}m${member}`;
      const end = new Endpoint(`s${name}`, `c${name}`, seededRandom(Number(id) * 7919 + 1));
      if (mode === 'push') end.pushAfter = Number(messages);
      else end.plan = (ws) => end.sendBatch(ws, Number(messages));
      const ends = entry(Number(id));
      ends.ends.push(end);
      ends.wake?.();
      return end;
    },
  };
  const pair = async (
    options: ConnectionOptions,
  ): Promise<[ListeningServer<Endpoint>, ListeningServer<Endpoint>]> => [
    await serve<Endpoint>({ port: 0, host: '127.0.0.1', ...options, handler }),
    // TLS, with RFC 8441 over HTTP/2 on the same port (ALPN).
    await serve<Endpoint>({
      port: 0,
      host: '127.0.0.1',
      tls: testCertificate(),
      http2: true,
      ...options,
      handler,
    }),
  ];
  const [tcp, tls] = await pair(SOAK_OPTIONS);
  const [tcpPush, tlsPush] = await pair(PUSH_OPTIONS);
  const all = [tcp, tls, tcpPush, tlsPush];
  return {
    ports: { tcp: tcp.address.port, tls: tls.address.port, h2: tls.address.port },
    pushPorts: { tcp: tcpPush.address.port, tls: tlsPush.address.port, h2: tlsPush.address.port },
    async endsOf(id, count) {
      const ends = entry(id);
      if (ends.ends.length < count) {
        await new Promise<void>((resolve) => {
          ends.wake = () => {
            if (ends.ends.length < count) return;
            ends.wake = undefined;
            resolve();
          };
        });
      }
      const first = ends.ends.slice(0, count);
      await Promise.all(first.map((end) => end.open.promise));
      return first;
    },
    forget(id) {
      byCase.delete(id);
    },
    get open() {
      return all.reduce((n, server) => n + server.connections.size, 0);
    },
    async close() {
      await Promise.all(all.map((server) => server.close()));
    },
  };
}
