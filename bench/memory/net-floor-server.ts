/**
 * The floor Node itself sets: a bare `net` server that holds every socket and echoes what it
 * reads, with no WebSocket at all. Its two listeners (`'data'` to echo, `'error'` so a reset
 * does not crash the process) are functions shared by every socket, so what each connection
 * costs here is `net.Socket` and its TCP handle, nothing of ours.
 *
 * Run: `node --expose-gc dist/bench/memory/net-floor-server.js`
 */
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { deflateArgument, memoryProbe } from './memory-probe.js';

deflateArgument(['off']);

function echo(this: Socket, chunk: Buffer): void {
  this.write(chunk);
}
function ignore(): void {}

const server = createServer((socket) => {
  socket.on('data', echo);
  socket.on('error', ignore);
});
server.listen(0, '127.0.0.1', () => {
  memoryProbe({
    name: 'node net',
    port: (server.address() as AddressInfo).port,
    detail: 'net.createServer, echo by a shared data listener',
    connections: () =>
      new Promise((resolve, reject) =>
        server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
      ),
  });
});
