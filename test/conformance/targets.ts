/**
 * The conformance suite's two targets, built from one entry of the transport list
 * (`test/transports/test-transports.ts`): wirekit's server, or wirekit's client, as an echo
 * endpoint, and `open()` returning a {@link RawPeer} connected to it after an opening
 * handshake done by hand over that transport. The same cases run against every target; a new
 * transport is a new entry in the list, not a target here and not a copy of the cases.
 */
import {
  type Connection,
  type ConnectionOptions,
  connect,
  type WebSocketServer,
} from '../../src/index.js';
import { echo } from '../helpers/echo.js';
import type { RawClients, RawServer, TestTransport } from '../transports/test-transports.js';
import type { RawPeer } from './raw-peer.js';

export interface ConformanceTarget {
  /** e.g. `server over TCP`. */
  readonly name: string;
  /** Which wirekit side the cases exercise. */
  readonly side: 'server' | 'client';
  /** A new connection to the wirekit side, handshake done. */
  open(): Promise<RawPeer>;
  /** Stop everything this target started. */
  close(): Promise<void>;
}

/** Options every target applies to the wirekit side (limits the cases rely on). */
export const TARGET_LIMITS: ConnectionOptions = {
  maxMessageSize: 16 * 1024 * 1024,
  closeTimeout: 2_000,
  pingInterval: 0,
  idleTimeout: 0,
};

/** wirekit's echo server on `transport`, with raw client peers doing the handshake by hand. */
export function serverTarget(transport: TestTransport): ConformanceTarget {
  let server: WebSocketServer | undefined;
  let raw: RawClients | undefined;
  return {
    name: `server over ${transport.description}`,
    side: 'server',
    async open() {
      server ??= await transport.listen({ handler: echo, ...TARGET_LIMITS });
      raw ??= transport.rawClients(server.address!.port);
      return raw.peer();
    },
    async close() {
      await raw?.close();
      await server?.close();
    },
  };
}

/** wirekit's echo client on `transport`, connecting to a raw server that answers by hand. */
export function clientTarget(transport: TestTransport): ConformanceTarget {
  let raw: RawServer | undefined;
  const clients: Connection[] = [];
  return {
    name: `client over ${transport.description}`,
    side: 'client',
    async open() {
      raw ??= await transport.rawServer();
      const connecting = connect(raw.url('/'), {
        ...transport.connect,
        handler: echo,
        ...TARGET_LIMITS,
      });
      const request = await raw.nextRequest();
      const peer = request.accept();
      clients.push(await connecting);
      return peer;
    },
    async close() {
      for (const client of clients) client.terminate();
      await raw?.close();
    },
  };
}
