/**
 * The wirekit side of docs/migration-from-uwebsockets.md: a uWebSockets.js app (auth in
 * `upgrade`, user data, echo, broadcast, backpressure) written with wirekit. Every ```ts block
 * of that page is a verbatim excerpt of this file, which tsc compiles and
 * test/docs/migration.test.ts runs, so the guide's code cannot rot.
 */
import type { TlsOptions } from 'node:tls';
import { type Connection, type ListeningServer, rejectUpgrade, serve } from 'wirekit';

/** What uWS kept in `getUserData()`: here the `upgrade` hook's return value, `ws.data`. */
export interface UserData {
  readonly user: string;
}

const everyone = new Set<Connection<UserData>>();

/** Start the app on 127.0.0.1:`port`; with `tls` it serves wss:// (uWS's `SSLApp`). */
export function startApp(port: number, tls?: TlsOptions): Promise<ListeningServer<UserData>> {
  return serve<UserData>({
    port,
    host: '127.0.0.1',
    ...(tls === undefined ? {} : { tls }),
    path: '/chat', // uWS: the pattern of app.ws('/chat', …)
    idleTimeout: 120_000, // uWS: idleTimeout (seconds there, ms here)
    maxMessageSize: 16 * 1024, // uWS: maxPayloadLength
    maxBackpressure: 1024 * 1024, // uWS: maxBackpressure
    deflate: true, // uWS: compression: SHARED_COMPRESSOR
    handler: {
      upgrade(request) {
        const token = request.headers.get('authorization');
        if (token !== 'Bearer let-me-in') throw rejectUpgrade(401, 'who are you?');
        return { user: new URL(request.url, 'http://localhost').searchParams.get('user') ?? '?' };
      },
      open(ws) {
        everyone.add(ws);
        ws.send(`hello ${ws.data.user}`);
      },
      message(ws, data, isBinary) {
        if (data.toString() === 'broadcast') {
          for (const other of everyone) other.send(`${ws.data.user} says hi`);
          return;
        }
        const ok = ws.send(data, isBinary); // data is a copy: keep it as long as you like
        if (!ok) console.log(`backpressured: ${ws.bufferedAmount} bytes queued`);
      },
      drain(ws) {
        console.log(`drained: ${ws.bufferedAmount} bytes left`);
      },
      close(ws, code, reason) {
        everyone.delete(ws);
        console.log(`${ws.data.user} left with ${code} ${reason}`);
      },
    },
  });
}

/** End one connection: politely (uWS `ws.end`) or at once (uWS `ws.close`). */
export function kick(ws: Connection<UserData>, politely: boolean): void {
  if (politely) ws.close(1008, 'policy violation');
  else ws.terminate();
}

/** uWS `us_listen_socket_close(listenSocket)`: stop listening and close every connection. */
export async function stopApp(app: ListeningServer<UserData>): Promise<void> {
  await app.close(); // 1001 to every connection, then waits for their sockets
}

/** The last message each borrowing server kept, copied out of the read buffer. */
export const kept: Buffer[] = [];

/** uWS-style borrowed payloads: `data` is a view of a reused buffer, valid only in `message`. */
export function startBorrowing(port: number): Promise<ListeningServer> {
  return serve({
    port,
    host: '127.0.0.1',
    readBuffer: true, // develop with WIREKIT_CHECK_BORROWED=1: a view kept too long then throws
    handler: {
      message(ws, data, isBinary) {
        ws.send(data, isBinary); // send copies before it returns: echoing a view is safe
        kept.push(Buffer.from(data)); // keep a copy, never `data` itself
      },
    },
  });
}
