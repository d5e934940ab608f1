/**
 * Cookbook: a server that authenticates in the `upgrade` hook and keeps per-connection data.
 *
 * The hook runs before the 101 answer: a missing or unknown token is refused with an HTTP 401
 * (the client sees the status; no WebSocket is ever opened), and a known one becomes the
 * connection's `ws.data`, typed by the server's `Data` parameter, so handlers need no lookups.
 */
import { pathToFileURL } from 'node:url';
import { type ListeningServer, rejectUpgrade, serve } from 'wirekit';

/** What the server keeps per connection. */
export interface Session {
  readonly user: string;
  messages: number;
}

/** Start the server on 127.0.0.1:`port`; `tokens` maps bearer tokens to user names. */
export function startAuthServer(
  port: number,
  tokens: ReadonlyMap<string, string>,
): Promise<ListeningServer<Session>> {
  return serve<Session>({
    port,
    host: '127.0.0.1',
    handler: {
      upgrade(request) {
        // Browsers cannot set headers on a WebSocket, so a query parameter is accepted too.
        const header = request.headers.get('authorization');
        const token =
          header?.replace(/^Bearer /, '') ??
          new URL(request.url, 'http://localhost').searchParams.get('token');
        const user = token === null ? undefined : tokens.get(token);
        if (user === undefined) throw rejectUpgrade(401, 'a valid token is required');
        return { user, messages: 0 };
      },
      open(ws) {
        ws.send(`welcome, ${ws.data.user}`);
      },
      message(ws, data) {
        ws.data.messages++;
        ws.send(`${ws.data.user} #${ws.data.messages}: ${data.toString()}`);
      },
    },
  });
}

// Run as a program: `PORT=9000 node dist/examples/cookbook/auth-server.js`.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const server = await startAuthServer(
    Number(process.env['PORT'] ?? 9000),
    new Map([['s3cret', 'ada']]),
  );
  console.log(`listening on ws://127.0.0.1:${server.address.port}/`);
  process.once('SIGINT', () => void server.close());
}
