/**
 * A misbehaving HTTP proxy for the dialer's tests: a `net` server on 127.0.0.1 that reads one
 * request head per connection and lets the test answer it with exact bytes — or not answer, or
 * tunnel to the target after answering, with the target's first bytes in the same write as the
 * 200. Closes every socket it holds when closed.
 */
import { once } from 'node:events';
import { type AddressInfo, createServer, connect as netConnect, type Socket } from 'node:net';

export interface FakeProxy {
  readonly port: number;
  readonly url: string;
  /** The request heads received, in order (without the final CRLF CRLF). */
  readonly requests: string[];
  /** Client connections accepted, and how many of them are closed now. */
  accepted(): number;
  closedCount(): number;
  close(): Promise<void>;
}

/** What to do with a request head: write to `client`, end it, or tunnel. */
export type ProxyAnswer = (head: string, client: Socket) => void;

export async function fakeProxy(answer: ProxyAnswer): Promise<FakeProxy> {
  const sockets = new Set<Socket>();
  const requests: string[] = [];
  let accepted = 0;
  let closed = 0;
  const server = createServer((client) => {
    accepted++;
    sockets.add(client);
    client.on('close', () => {
      closed++;
      sockets.delete(client);
    });
    client.on('error', () => {});
    let buffer = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      buffer = Buffer.concat([buffer, chunk]);
      const end = buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      client.off('data', onData);
      const head = buffer.subarray(0, end).toString('latin1');
      const rest = buffer.subarray(end + 4);
      if (rest.length > 0) client.unshift(rest);
      requests.push(head);
      answer(head, client);
    };
    client.on('data', onData);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    requests,
    accepted: () => accepted,
    closedCount: () => closed,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The `host` and `port` of a `CONNECT host:port HTTP/1.1` head. */
export function connectTarget(head: string): { host: string; port: number } {
  const target = head.split(' ')[1]!;
  const colon = target.lastIndexOf(':');
  const host = target.slice(0, colon).replace(/^\[|\]$/g, '');
  return { host, port: Number(target.slice(colon + 1)) };
}

/**
 * Opens the tunnel to the CONNECT target and answers `200` (`answer`, by default
 * `HTTP/1.1 200 Connection established`). With `withFirstBytes`, waits for the target's first
 * bytes and writes them in the same write as the answer, so they reach the client in one read
 * with it. Anything in `extra` follows the answer in that write too.
 */
export function tunnel(
  head: string,
  client: Socket,
  options: { withFirstBytes?: boolean; extra?: Buffer; answer?: string } = {},
): void {
  const { host, port } = connectTarget(head);
  const upstream = netConnect({ host, port });
  upstream.on('error', () => client.destroy());
  client.on('close', () => upstream.destroy());
  upstream.on('close', () => client.destroy());
  const answer = Buffer.from(options.answer ?? 'HTTP/1.1 200 Connection established\r\n\r\n');
  const start = (first: Buffer): void => {
    client.write(Buffer.concat([answer, options.extra ?? Buffer.alloc(0), first]));
    client.pipe(upstream);
    upstream.pipe(client);
  };
  upstream.once('connect', () => {
    if (options.withFirstBytes === true) upstream.once('data', start);
    else start(Buffer.alloc(0));
  });
}
