/**
 * Connection churn against one wirekit server, with wirekit clients (`connect`) in the same
 * process: many short connect/close cycles, and many idle connections held open at once and
 * then closed by `server.close()`. Each scenario takes a census of sockets and timers before it
 * starts its server and after everything closed, and returns its figures; the test asserts on
 * them. Run in the test process, or in a child with a raised fd limit (`churn-process.ts`).
 *
 * @example
 * ```ts
 * const figures = await connectCloseCycles(10_000, 50);
 * figures.leftBehind; // [] when no socket, timer or listener outlived the scenario
 * ```
 */
import { connect } from '../../src/node/connect.js';
import type { ConnectionHandler } from '../../src/node/connection.js';
import { serve } from '../../src/node/websocket-server.js';
import { within } from '../node/helpers.js';
import { leftBehind, takeCensus } from './resource-census.js';

/** What a churn scenario saw. */
export interface ChurnFigures {
  /** Connections opened (and closed) in all. */
  readonly connections: number;
  /** Most connections open at once on the server. */
  readonly peakOpen: number;
  /** Close codes the server's `close` callback reported, by code. */
  readonly serverCloseCodes: Readonly<Record<string, number>>;
  /** Close codes the clients' `close` callbacks reported, by code. */
  readonly clientCloseCodes: Readonly<Record<string, number>>;
  /** Clean closes (close handshake completed) seen by the server. */
  readonly serverClean: number;
  /** The server's open connections after the scenario (must be 0). */
  readonly serverConnectionsAfter: number;
  /** Sockets, timers or listeners still alive after the scenario (must be empty). */
  readonly leftBehind: readonly string[];
  /** Wall time, for the report only (never asserted). */
  readonly ms: number;
}

/** Tallies of close callbacks, by code. */
class CloseTally {
  readonly codes: Record<string, number> = {};
  clean = 0;
  total = 0;
  #waiters: { count: number; resolve: () => void }[] = [];

  add(code: number, wasClean: boolean): void {
    this.codes[code] = (this.codes[code] ?? 0) + 1;
    if (wasClean) this.clean++;
    this.total++;
    const ready = this.#waiters.filter((w) => this.total >= w.count);
    this.#waiters = this.#waiters.filter((w) => this.total < w.count);
    for (const waiter of ready) waiter.resolve();
  }

  /** Resolve once `count` closes were seen (bounded). */
  reach(count: number, what: string, ms = 60_000): Promise<void> {
    if (this.total >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`only ${this.total} of ${count} ${what} within ${ms} ms`)),
        ms,
      );
      this.#waiters.push({
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }
}

/** Run `task(i)` for i in [0, total) with at most `concurrency` running at once. */
async function inPool(
  total: number,
  concurrency: number,
  task: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < total) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
}

/** A server with the default limits and timers (heartbeat included) and close tallies. */
async function churnServer(): Promise<{
  url: string;
  closes: CloseTally;
  server: Awaited<ReturnType<typeof serve>>;
  open: () => number;
}> {
  const closes = new CloseTally();
  let open = 0;
  let peak = 0;
  const server = await serve({
    port: 0,
    handler: {
      open() {
        open++;
        peak = Math.max(peak, open);
      },
      close(_ws, code, _reason, wasClean) {
        open--;
        closes.add(code, wasClean);
      },
    },
  });
  return { url: `ws://127.0.0.1:${server.address!.port}/`, closes, server, open: () => peak };
}

/** `count` connect/close cycles, `concurrency` at a time: each client closes with 1000. */
export async function connectCloseCycles(
  count: number,
  concurrency: number,
): Promise<ChurnFigures> {
  const started = Date.now();
  const before = takeCensus();
  const { url, closes, server, open } = await churnServer();
  const clientCloses = new CloseTally();
  // Each client's data is the function that ends its cycle.
  const handler: ConnectionHandler<() => void> = {
    close(ws, code, _reason, wasClean) {
      clientCloses.add(code, wasClean);
      ws.data();
    },
  };
  await inPool(count, concurrency, async () => {
    let cycleDone!: () => void;
    const closed = new Promise<void>((resolve) => {
      cycleDone = resolve;
    });
    const ws = await connect(url, { handler, data: cycleDone });
    ws.close(1000, 'cycle');
    await within(closed, 30_000, 'a client close callback');
  });
  await closes.reach(count, 'server closes');
  await server.close();
  return {
    connections: count,
    peakOpen: open(),
    serverCloseCodes: closes.codes,
    clientCloseCodes: clientCloses.codes,
    serverClean: closes.clean,
    serverConnectionsAfter: server.connections.size,
    leftBehind: await leftBehind(before),
    ms: Date.now() - started,
  };
}

/** `count` idle connections open at once (opened `concurrency` at a time), then `server.close()`. */
export async function idleConnections(count: number, concurrency: number): Promise<ChurnFigures> {
  const started = Date.now();
  const before = takeCensus();
  const { url, closes, server, open } = await churnServer();
  const clientCloses = new CloseTally();
  const handler: ConnectionHandler = {
    close(_ws, code, _reason, wasClean) {
      clientCloses.add(code, wasClean);
    },
  };
  await inPool(count, concurrency, async () => {
    await connect(url, { handler });
  });
  const peakOpen = open();
  const openOnServer = server.connections.size;
  if (openOnServer !== count)
    throw new Error(`${openOnServer} of ${count} connections open on the server`);
  // Going away (1001) for every one of them; resolves once every socket closed.
  await server.close();
  await clientCloses.reach(count, 'client closes');
  return {
    connections: count,
    peakOpen,
    serverCloseCodes: closes.codes,
    clientCloseCodes: clientCloses.codes,
    serverClean: closes.clean,
    serverConnectionsAfter: server.connections.size,
    leftBehind: await leftBehind(before),
    ms: Date.now() - started,
  };
}
