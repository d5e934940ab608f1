/**
 * Cookbook: driving the sans-IO core from your own loop.
 *
 * `wirekit/core` never touches a socket: `ServerOpeningHandshake` turns request bytes into a
 * decision and answer bytes, `WebSocketConnection` turns frame bytes into events and sends into
 * frame bytes. This program owns the I/O with a plain `node:net` server; the same two objects
 * run unchanged under any other event loop. It answers every text message in upper case.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { pathToFileURL } from 'node:url';
import { ReadyState, ServerOpeningHandshake, WebSocketConnection } from 'wirekit/core';

const decoder = new TextDecoder();

/** Serve one TCP connection: the handshake first, then frames until the close. */
function serveSocket(socket: Socket): void {
  const handshake = new ServerOpeningHandshake();
  let connection: WebSocketConnection | undefined;

  /** Handle every event the connection has ready, then write what it queued. */
  const pump = (ws: WebSocketConnection): void => {
    for (let event = ws.next(); event !== null; event = ws.next()) {
      if (event.type === 'text') ws.sendText(decoder.decode(event.data).toUpperCase());
      // Pings are answered and the peer's close frame is echoed by the connection itself.
    }
    const output = ws.takeOutput(); // the connection lets go of these bytes: no copy needed
    if (output.length > 0) socket.write(output);
    if (ws.readyState === ReadyState.CLOSED) socket.end(); // a server closes TCP first (RFC 6455 §7.1.1)
  };

  socket.on('data', (chunk: Buffer) => {
    if (connection !== undefined) {
      connection.receive(chunk);
      pump(connection);
      return;
    }
    handshake.receive(chunk);
    const event = handshake.next();
    if (event.type === 'need-data') return; // the request head is not complete yet
    if (event.type === 'refused') {
      socket.end(event.answer); // e.g. 426 for a plain HTTP request
      return;
    }
    if (event.type === 'closed') {
      socket.destroy();
      return;
    }
    const { answer, trailing } = handshake.accept(); // no subprotocol, no extensions
    socket.write(answer);
    connection = new WebSocketConnection({ role: 'server' });
    connection.receive(trailing); // frames the client sent before it saw the 101
    pump(connection);
  });
  socket.on('end', () => {
    if (connection === undefined) return void socket.destroy();
    connection.receiveEof();
    pump(connection);
    socket.destroy();
  });
  socket.on('error', () => socket.destroy());
}

/** Listen on 127.0.0.1:`port` (0 picks a free one); resolves with the listening server. */
export async function startCoreServer(port: number): Promise<Server> {
  const server = createServer(serveSocket);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return server;
}

// Run as a program: `PORT=9000 node dist/examples/cookbook/core-loop.js`.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const server = await startCoreServer(Number(process.env['PORT'] ?? 9000));
  const address = server.address();
  console.log(`listening on ws://127.0.0.1:${typeof address === 'object' ? address?.port : ''}/`);
  process.once('SIGINT', () => server.close());
}
