/**
 * The floor: a plain `node:net` server that writes back every chunk it reads, whatever the
 * bytes are. The load client talks to it without an HTTP handshake and reads its own masked
 * frames back, so the same client code measures what Node's socket path alone costs.
 *
 * Run: `node dist/bench/e2e/servers/net-echo-server.js --port 0`
 */
import { type AddressInfo, createServer } from 'node:net';
import { portArgument, reportReady, type ServerStats } from './server-report.js';

const stats: ServerStats = { messages: 0 };

const server = createServer({ noDelay: true }, (socket) => {
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk) => {
    stats.messages++;
    socket.write(chunk);
  });
});

server.listen(portArgument(), '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  reportReady('net', port, 'node:net, data event → write(chunk)', stats);
});
