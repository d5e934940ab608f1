/**
 * The benchmark's HTTP server: plain `node:http`, run in its own process (forked by `run.ts`)
 * so the clients under test do not share its event loop. Every client talks to this one server
 * in the same run.
 *
 * - `GET /json`: a small JSON quote (Content-Length).
 * - `POST /json`: reads the JSON body, answers a small JSON acknowledgement.
 *
 * Sends `{ port }` to the parent over IPC once listening; exits when the parent disconnects.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export const QUOTE: string = JSON.stringify({
  symbol: 'BTC-USD',
  bid: 65000.5,
  ask: 65001.25,
  qty: 1.25,
  ts: 1_700_000_000_000,
});

const QUOTE_BYTES = Buffer.from(QUOTE);
const QUOTE_HEADERS = {
  'content-type': 'application/json',
  'content-length': String(QUOTE_BYTES.length),
};

const server = createServer((req, res) => {
  if (req.method === 'GET') {
    res.writeHead(200, QUOTE_HEADERS);
    res.end(QUOTE_BYTES);
    return;
  }
  let length = 0;
  req.on('data', (chunk: Buffer) => {
    length += chunk.length;
  });
  req.on('end', () => {
    const ack = `{"accepted":true,"bytes":${length}}`;
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(ack)),
    });
    res.end(ack);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});
process.on('disconnect', () => {
  server.closeAllConnections();
  server.close();
});
