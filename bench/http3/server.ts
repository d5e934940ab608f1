/**
 * The echo server of `bench/http3/run.ts`, in a process of its own so that its CPU time is
 * measured alone: TLS (HTTP/1.1 and HTTP/2) on a TCP port and HTTP/3 on UDP. It tells its
 * parent the ports and certificate, then answers `cpu` requests with `process.cpuUsage()`.
 */
import { serve } from '../../src/node/websocket-server.js';
import { testCertificate } from '../../test/helpers/tls-cert.js';

const { key, cert } = testCertificate();
const server = await serve({
  port: 0,
  host: '127.0.0.1',
  tls: { key, cert },
  http2: true,
  http3: { key, cert },
  pingInterval: 0,
  idleTimeout: 0,
  handler: { message: (ws, data, isBinary) => void ws.send(data, isBinary) },
});

process.on('message', (message: string) => {
  if (message === 'cpu') process.send?.({ cpu: process.cpuUsage() });
  else if (message === 'exit') void server.close().then(() => process.exit(0));
});
process.send?.({ ready: true, tcp: server.address.port, udp: server.http3.port, cert });
