/**
 * Cookbook: a REST client on a `ClientPool` that retries idempotent requests.
 *
 * A kept-alive connection can be closed by the server at any moment it is idle; the request
 * written into it then gets no answer and `send` rejects with `ERR_HTTP_STALE_CONNECTION`.
 * Nothing was processed, so a GET is safe to send again on a fresh connection (RFC 9112
 * §9.3.1). A POST is not retried here: the server may have acted on it.
 */
import { pathToFileURL } from 'node:url';
import { ClientPool, ErrorCode, type HttpResponse, WirekitError } from 'wirekit/http';

/** GET `path` from the pool, sending it again (up to `attempts` times) on a stale connection. */
export async function getIdempotent(
  pool: ClientPool,
  path: string,
  attempts = 3,
): Promise<HttpResponse> {
  using slot = await pool.acquire(); // released at the end of this scope, whatever happens
  for (let attempt = 1; ; attempt++) {
    try {
      return await slot.send(slot.writer.get(path));
    } catch (error) {
      const stale = error instanceof WirekitError && error.code === ErrorCode.HTTP_STALE_CONNECTION;
      if (!stale || attempt === attempts) throw error;
      await slot.connection.reconnect(); // the same slot, a new socket
    }
  }
}

/** Fetch the ticker of each symbol from `url` and report each price to `log`. */
export async function printTickers(
  url: string,
  symbols: readonly string[],
  log: (line: string) => void,
): Promise<void> {
  const pool = await ClientPool.create({ url, connections: 2, basePath: '/api' });
  try {
    for (const symbol of symbols) {
      const response = await getIdempotent(pool, `/ticker?symbol=${encodeURIComponent(symbol)}`);
      const { price } = response.json<{ price: number }>();
      log(`${symbol} ${response.status} ${price}`);
    }
  } finally {
    await pool.close();
  }
}

// Run as a program: `URL=http://127.0.0.1:8080 node dist/examples/cookbook/rest-pool.js`.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await printTickers(
    process.env['URL'] ?? 'http://127.0.0.1:8080',
    ['BTC-USD', 'ETH-USD'],
    (line) => console.log(line),
  );
}
