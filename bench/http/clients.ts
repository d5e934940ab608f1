/**
 * The HTTP clients under test, behind one shape: `start(origin, connections)` opens a client,
 * `get()` / `post()` perform one request and parse the JSON response, `close()` ends it. Every
 * client reads the whole body and parses it with `JSON.parse`, as a REST caller would.
 *
 * - wirekit: `HttpConnection` (one connection) or `ClientPool` (n connections; a request takes
 *   a slot with `tryAcquire() ?? await acquire()`, sends, releases).
 * - undici: `Client` (one connection, pipelining 1) or `Pool` (n connections), `request()`
 *   and `body.json()`.
 * - node:http: `http.request` with a keep-alive `Agent` (maxSockets n), body collected and
 *   parsed.
 */
import { Agent, request as httpRequest } from 'node:http';
import { Client, Pool } from 'undici';
import { RequestWriter } from '../../src/core/http1/request-writer.js';
import { ClientPool } from '../../src/node/http/client-pool.js';
import { HttpConnection } from '../../src/node/http/http-connection.js';

/** A client opened against the benchmark server. */
export interface OpenClient {
  get(): Promise<unknown>;
  post(): Promise<unknown>;
  close(): Promise<void>;
}

/** A client library, opened with a number of connections. */
export interface ClientKind {
  readonly name: string;
  start(origin: string, connections: number): Promise<OpenClient>;
}

export const ORDER: string = JSON.stringify({
  side: 'buy',
  symbol: 'BTC-USD',
  qty: 1.5,
  price: 65000,
  clientOrderId: 'abc-123',
});
const ORDER_BYTES = Buffer.from(ORDER);
const JSON_TYPE = 'application/json';

/** wirekit `HttpConnection` (connections = 1) or `ClientPool` (connections > 1). */
export const wirekit: ClientKind = {
  name: 'wirekit',
  async start(origin, connections) {
    if (connections === 1) {
      const connection = await HttpConnection.connect(origin);
      const writer = new RequestWriter(new URL(origin).host);
      return {
        get: async () => (await connection.send(writer.get('/json'))).json(),
        post: async () =>
          (
            await connection.send(
              writer.post('/json').header('Content-Type', JSON_TYPE).body(ORDER),
            )
          ).json(),
        close: () => connection.close(),
      };
    }
    const pool = await ClientPool.create({ url: origin, connections });
    return {
      async get() {
        const slot = pool.tryAcquire() ?? (await pool.acquire());
        try {
          return (await slot.send(slot.writer.get('/json'))).json();
        } finally {
          slot.release();
        }
      },
      async post() {
        const slot = pool.tryAcquire() ?? (await pool.acquire());
        try {
          return (
            await slot.send(slot.writer.post('/json').header('Content-Type', JSON_TYPE).body(ORDER))
          ).json();
        } finally {
          slot.release();
        }
      },
      close: () => pool.close(),
    };
  },
};

/** undici `Client` (connections = 1) or `Pool`. */
export const undici: ClientKind = {
  name: 'undici',
  async start(origin, connections) {
    const dispatcher =
      connections === 1
        ? new Client(origin, { pipelining: 1 })
        : new Pool(origin, { connections, pipelining: 1 });
    return {
      async get() {
        const { body } = await dispatcher.request({ path: '/json', method: 'GET' });
        return body.json();
      },
      async post() {
        const { body } = await dispatcher.request({
          path: '/json',
          method: 'POST',
          headers: { 'content-type': JSON_TYPE },
          body: ORDER,
        });
        return body.json();
      },
      close: () => dispatcher.close(),
    };
  },
};

/** `node:http` with a keep-alive `Agent`. */
export const nodeHttp: ClientKind = {
  name: 'node:http',
  async start(origin, connections) {
    const url = new URL(origin);
    const agent = new Agent({ keepAlive: true, maxSockets: connections });
    const base = { agent, host: url.hostname, port: Number(url.port), path: '/json' };
    const call = (post: boolean): Promise<unknown> =>
      new Promise((resolve, reject) => {
        const req = httpRequest(
          post
            ? {
                ...base,
                method: 'POST',
                headers: { 'content-type': JSON_TYPE, 'content-length': ORDER_BYTES.length },
              }
            : { ...base, method: 'GET' },
          (res) => {
            const parts: Buffer[] = [];
            res.on('data', (chunk: Buffer) => parts.push(chunk));
            res.on('end', () => {
              try {
                resolve(JSON.parse(Buffer.concat(parts).toString('utf8')));
              } catch (error) {
                reject(error);
              }
            });
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(post ? ORDER_BYTES : undefined);
      });
    return {
      get: () => call(false),
      post: () => call(true),
      close: async () => agent.destroy(),
    };
  },
};
