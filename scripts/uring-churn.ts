/**
 * Churn census of the io_uring transport, longer than the test's: `serveUring()` in this
 * process, N connections (default 10,000) opened and closed by raw TCP clients, 64 at a time,
 * each ending one of five ways (close handshake, FIN, RST, gone mid-handshake, FIN after an
 * echo). Afterwards nothing may be left: no open slot, no receive buffer out of the ring, no
 * send-queue memory, no `Connection`, no file descriptor of the process beyond those it had
 * before; and the heap must not have grown with the count. Exits 1 with what leaked.
 *
 * With `--tls`, the server is `serveUring({ tls })` (a certificate made with openssl for the
 * run) and every client speaks TLS first: the same five endings, over TLS.
 *
 * Run: `npm run build && npm run build:uring && node --expose-gc dist/scripts/uring-churn.js
 * [cycles] [--tls]` (without `--expose-gc` the heap is not compared).
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readdirSync, readlinkSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { serveUring } from '../src/node/uring/index.js';
import { testCertificate } from '../test/helpers/tls-cert.js';

const secure = process.argv.includes('--tls');
const cycles = Number(process.argv.slice(2).find((arg) => !arg.startsWith('--')) ?? '10000');
const certificate = secure ? testCertificate() : undefined;

/** A connected client socket: TCP, or TLS with its handshake done. */
async function connect(port: number): Promise<Socket> {
  if (certificate === undefined) {
    const socket = netConnect({ host: '127.0.0.1', port });
    socket.on('error', () => {});
    await once(socket, 'connect');
    return socket;
  }
  // TLS over a TCP socket of our own: a reset is sent on the TCP socket.
  const tcp = netConnect({ host: '127.0.0.1', port });
  tcp.on('error', () => {});
  const socket = tlsConnect({ socket: tcp, ca: certificate.cert, servername: 'localhost' });
  socket.on('error', () => {});
  tcpOf.set(socket, tcp);
  await once(socket, 'secureConnect');
  return socket;
}

/** The TCP socket under a TLS client socket. */
const tcpOf = new WeakMap<Socket, Socket>();
const parallel = 64;
const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const REQUEST = `GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n`;

/** A masked client frame (mask key 0: the payload goes as it is). */
function frame(opcode: number, payload: Uint8Array): Buffer {
  const n = payload.length;
  const header =
    n < 126
      ? Buffer.from([0x80 | opcode, 0x80 | n, 0, 0, 0, 0])
      : Buffer.from([0x80 | opcode, 0x80 | 126, n >> 8, n & 0xff, 0, 0, 0, 0]);
  return Buffer.concat([header, payload]);
}

function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

/** What the process's descriptors point to (sockets, pipes, anon inodes), to name a leak. */
function fdTargets(): string[] {
  return readdirSync('/proc/self/fd').map((fd) => {
    try {
      return `${fd} → ${readlinkSync(`/proc/self/fd/${fd}`)}`;
    } catch {
      return `${fd} (gone)`;
    }
  });
}

/** Resolves when `socket` has received at least `bytes` bytes (or closed). */
function received(socket: Socket, bytes: number): Promise<void> {
  return new Promise((resolve) => {
    let have = 0;
    const onData = (chunk: Buffer): void => {
      have += chunk.length;
      if (have >= bytes) done();
    };
    const done = (): void => {
      socket.off('data', onData);
      socket.off('close', done);
      resolve();
    };
    socket.on('data', onData);
    socket.on('close', done);
  });
}

async function cycle(port: number, way: number): Promise<void> {
  const socket = await connect(port);
  if (way === 3) {
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n');
    socket.destroy();
    return;
  }
  const answer = received(socket, 129); // the 101 head is 129 bytes
  socket.write(REQUEST);
  await answer;
  const closed = once(socket, 'close');
  switch (way) {
    case 0:
      socket.write(frame(8, Buffer.from([0x03, 0xe8])));
      socket.resume();
      await closed;
      return;
    case 1:
      socket.destroy();
      return;
    case 2:
      (tcpOf.get(socket) ?? socket).resetAndDestroy();
      return;
    default: {
      const echoed = received(socket, 704);
      socket.write(frame(2, randomBytes(700)));
      await echoed;
      socket.destroy();
    }
  }
}

const server = await serveUring({
  port: 0,
  ...(certificate === undefined ? {} : { tls: { key: certificate.key, cert: certificate.cert } }),
  handshakeTimeout: 2_000,
  closeTimeout: 2_000,
  handler: {
    message(ws, data, isBinary) {
      ws.send(data, isBinary);
    },
  },
});
const port = server.address.port;
/** With `--expose-gc`, the heap after a tenth of the cycles is compared with the end. */
const collect = (globalThis as { gc?: () => void }).gc;
// One warm-up batch first: Node opens some descriptors once, lazily (/dev/null among them).
await Promise.all(Array.from({ length: parallel }, (_, i) => cycle(port, i % 5)));
const warmUp = parallel;
while (server.stats().open > 0) await new Promise((r) => setTimeout(r, 20));
const fdsBefore = openFds();
const targetsBefore = new Set(fdTargets());
const started = Date.now();
let heapAtTenth = 0;
for (let start = 0; start < cycles; start += parallel) {
  const batch = Math.min(parallel, cycles - start);
  await Promise.all(Array.from({ length: batch }, (_, i) => cycle(port, (start + i) % 5)));
  if (collect !== undefined && heapAtTenth === 0 && start >= cycles / 10) {
    collect();
    heapAtTenth = process.memoryUsage().heapUsed;
  }
}
// The server's sockets, then this process's client sockets, close asynchronously.
const deadline = Date.now() + 20_000;
while (
  (server.stats().open > 0 || server.connections.size > 0 || openFds() > fdsBefore) &&
  Date.now() < deadline
)
  await new Promise((resolve) => setTimeout(resolve, 20));
collect?.();
const stats = server.stats();
const report = {
  cycles,
  seconds: (Date.now() - started) / 1000,
  accepted: stats.accepted,
  closed: stats.closed,
  open: stats.open,
  connections: server.connections.size,
  buffersOut: stats.buffersOut,
  sendQueueBytes: stats.sendQueueBytes,
  fdsBefore,
  fdsAfter: openFds(),
  heapUsedAtTenthMiB: heapAtTenth / 2 ** 20,
  heapUsedAfterMiB: process.memoryUsage().heapUsed / 2 ** 20,
};
await server.close();
const leaks: string[] = [];
if (report.accepted !== cycles + warmUp)
  leaks.push(`accepted ${report.accepted} of ${cycles + warmUp}`);
if (report.closed !== report.accepted) leaks.push(`closed ${report.closed} of ${report.accepted}`);
if (report.open !== 0) leaks.push(`${report.open} slots open`);
if (report.connections !== 0) leaks.push(`${report.connections} connections left`);
if (report.buffersOut !== 0) leaks.push(`${report.buffersOut} receive buffers out`);
if (report.sendQueueBytes !== 0) leaks.push(`${report.sendQueueBytes} B in send queues`);
if (report.fdsAfter > report.fdsBefore) {
  const extra = fdTargets().filter((target) => !targetsBefore.has(target));
  leaks.push(`fds ${report.fdsBefore} → ${report.fdsAfter} (new: ${extra.join(', ')})`);
}
// With --expose-gc the heap is compared: growth with the count is a leak of JS objects.
if (heapAtTenth > 0 && report.heapUsedAfterMiB > report.heapUsedAtTenthMiB + 8)
  leaks.push(
    `heap ${report.heapUsedAtTenthMiB.toFixed(1)} → ${report.heapUsedAfterMiB.toFixed(1)} MiB`,
  );
console.log(JSON.stringify(report));
if (leaks.length > 0) {
  console.error(`uring-churn: LEAKS: ${leaks.join('; ')}`);
  process.exit(1);
}
console.log(`uring-churn: ${cycles} cycles${secure ? ' over TLS' : ''}, nothing left behind`);
