/**
 * What the Node API suites do on every transport of the list, each stopped when the test
 * ends: a wirekit server, a wirekit client of it, raw client peers of it, and a raw server for
 * a wirekit client. What a test started is stopped in reverse order (raw peers before the
 * server they talk to, so a server's shutdown never waits on a peer that does not answer).
 *
 * @example
 * ```ts
 * for (const transport of testTransports()) {
 *   test(`echo over ${transport.name}`, async (t) => {
 *     const server = await serveOver(t, transport, { handler: echo });
 *     const ws = await connectOver(transport, server, { handler: client.handler });
 *     const peer = await rawClientsOver(t, transport, server).peer();
 *   });
 * }
 * ```
 */
import { type ConnectOptions, connect } from '../../src/node/connect.js';
import type { Connection } from '../../src/node/connection.js';
import type { ListeningServer, ServerOptions } from '../../src/node/websocket-server.js';
import type { RawClients, RawServer, TestTransport } from './test-transports.js';

/** The part of node:test's context the fixtures use. */
export interface AfterHook {
  after(fn: () => unknown): void;
}

const stacks = new WeakMap<AfterHook, (() => unknown)[]>();

/** Run `stop` when the test ends, before whatever was registered earlier here. */
export function stopAfter(t: AfterHook, stop: () => unknown): void {
  let stack = stacks.get(t);
  if (stack === undefined) {
    const created: (() => unknown)[] = [];
    stack = created;
    stacks.set(t, created);
    t.after(async () => {
      let failure: unknown;
      for (const fn of created.reverse()) {
        try {
          await fn();
        } catch (error) {
          failure ??= error;
        }
      }
      if (failure !== undefined) throw failure;
    });
  }
  stack.push(stop);
}

/** A wirekit server on `transport` (127.0.0.1, a free port), closed after the test. */
export async function serveOver<Data = unknown>(
  t: AfterHook,
  transport: TestTransport,
  options: ServerOptions<Data>,
): Promise<ListeningServer<Data>> {
  const server = await transport.listen<Data>(options);
  stopAfter(t, () => server.close());
  return server;
}

/** A server of the test: a wirekit server, a raw server, or a port. */
export type ServerLike =
  | { readonly address: { readonly port: number } }
  | { readonly port: number };

function portOf(server: ServerLike): number {
  return 'address' in server ? server.address.port : server.port;
}

/** A wirekit client of `server` over `transport` (the test closes it, or the server does). */
export function connectOver<Data = undefined>(
  transport: TestTransport,
  server: ServerLike,
  options: ConnectOptions<Data> = {},
  path = '/',
): Promise<Connection<Data>> {
  return connect<Data>(transport.url(portOf(server), path), {
    ...options,
    ...transport.connect,
  });
}

/** Raw client peers of `server` over `transport`, all ended after the test. */
export function rawClientsOver(
  t: AfterHook,
  transport: TestTransport,
  server: ServerLike,
): RawClients {
  const raw = transport.rawClients(portOf(server));
  stopAfter(t, () => raw.close());
  return raw;
}

/** A raw server on `transport` for a wirekit client, closed after the test. */
export async function rawServerOver(t: AfterHook, transport: TestTransport): Promise<RawServer> {
  const raw = await transport.rawServer();
  stopAfter(t, () => raw.close());
  return raw;
}
