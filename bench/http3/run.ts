/**
 * WebSocket echo over HTTP/3 vs HTTP/2 vs HTTP/1.1 TLS, same run, same process: one client
 * sends a message, waits for the echo, repeats. Reports round-trip p50/p99 and the process's
 * CPU per echo (client and server together: both run here), for 1 WebSocket and for 100
 * WebSockets on one connection (HTTP/2 session, HTTP/3 QUIC connection; 100 TLS sockets for
 * HTTP/1.1), payloads of 512 B and 16 KiB.
 *
 * Run: `npm run build && node dist/bench/http3/run.js [echoes]`
 */
import { performance } from 'node:perf_hooks';
import { connect } from '../../src/node/connect.js';
import type { Connection } from '../../src/node/connection.js';
import { Http2WebSocketSession } from '../../src/node/http2-session.js';
import { Http3WebSocketSession } from '../../src/node/http3/h3-client.js';
import type { Http3Listener } from '../../src/node/http3/h3-server.js';
import { serve } from '../../src/node/websocket-server.js';
import { testCertificate } from '../../test/helpers/tls-cert.js';

const ECHOES = Number(process.argv[2] ?? 2000);
const { key, cert } = testCertificate();

type Transport = 'h1-tls' | 'h2' | 'h3';

async function open(
  transport: Transport,
  tcpPort: number,
  udpPort: number,
  count: number,
): Promise<{ sockets: Connection<unknown>[]; close(): Promise<void> }> {
  const handler = {
    message(ws: Connection<unknown>) {
      const done = (ws.data as { done?: () => void }).done;
      done?.();
    },
  };
  if (transport === 'h1-tls') {
    const sockets = await Promise.all(
      Array.from({ length: count }, () =>
        connect<unknown>(`wss://127.0.0.1:${tcpPort}/`, { tls: { ca: cert }, handler, data: {} }),
      ),
    );
    return {
      sockets,
      close: async () => {
        for (const s of sockets) s.close();
      },
    };
  }
  if (transport === 'h2') {
    const session = await Http2WebSocketSession.connect(`wss://127.0.0.1:${tcpPort}/`, {
      tls: { ca: cert },
    });
    const sockets = await Promise.all(
      Array.from({ length: count }, () =>
        session.openWebSocket<unknown>('/', { handler, data: {} }),
      ),
    );
    return { sockets, close: () => session.close() };
  }
  const session = await Http3WebSocketSession.connect(`wss://127.0.0.1:${udpPort}/`, {
    tls: { ca: cert },
  });
  const sockets = await Promise.all(
    Array.from({ length: count }, () => session.openWebSocket<unknown>('/', { handler, data: {} })),
  );
  return { sockets, close: () => session.close() };
}

async function run(transport: Transport, count: number, size: number): Promise<string> {
  const server = (await serve({
    port: 0,
    host: '127.0.0.1',
    tls: { key, cert },
    http2: true,
    http3: { key, cert },
    handler: { message: (ws, data, isBinary) => void ws.send(data, isBinary) },
  })) as Awaited<ReturnType<typeof serve>> & { http3: Http3Listener };
  const { sockets, close } = await open(transport, server.address.port, server.http3.port, count);
  const payload = Buffer.alloc(size, 7);
  const latencies: number[] = [];
  // Each socket runs its own echo loop; all loops together make ECHOES round trips.
  const perSocket = Math.max(1, Math.floor(ECHOES / count));
  const loop = async (ws: Connection<unknown>, n: number): Promise<void> => {
    for (let i = 0; i < n; i++) {
      const start = performance.now();
      await new Promise<void>((resolve) => {
        (ws.data as { done?: () => void }).done = resolve;
        ws.send(payload);
      });
      latencies.push(performance.now() - start);
    }
  };
  await Promise.all(sockets.map((ws) => loop(ws, Math.min(50, perSocket)))); // warm-up
  latencies.length = 0;
  const cpu = process.cpuUsage();
  const wall = performance.now();
  await Promise.all(sockets.map((ws) => loop(ws, perSocket)));
  const elapsed = performance.now() - wall;
  const used = process.cpuUsage(cpu);
  await close();
  await server.close();
  latencies.sort((a, b) => a - b);
  const p = (q: number): string =>
    (latencies[Math.floor(q * (latencies.length - 1))]! * 1000).toFixed(0);
  const echoes = latencies.length;
  const cpuPer = ((used.user + used.system) / echoes).toFixed(1);
  return `${transport.padEnd(7)} ${String(count).padStart(3)} ws ${String(size).padStart(5)} B  ${String(echoes).padStart(6)} echoes  ${(echoes / (elapsed / 1000)).toFixed(0).padStart(6)} echo/s  CPU ${cpuPer.padStart(6)} µs/echo  p50 ${p(0.5).padStart(5)} µs  p99 ${p(0.99).padStart(6)} µs`;
}

for (const count of [1, 100])
  for (const size of [512, 16 * 1024])
    for (const transport of ['h1-tls', 'h2', 'h3'] as const)
      console.log(await run(transport, count, size));
