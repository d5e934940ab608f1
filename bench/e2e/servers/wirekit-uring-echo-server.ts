/**
 * The wirekit server on the io_uring transport: `serveUring()` from `wirekit/uring` with the
 * echo handler of wirekit-echo-server.ts (the `/echo` route only: every message sent back as
 * it came). Same `Connection` objects and options as `serve()`; the sockets are the ring's.
 *
 * Run: `node dist/bench/e2e/servers/wirekit-uring-echo-server.js --port 0` (needs `npm run
 * build:uring`; WIREKIT_READ_BUFFER=1 lends payloads instead of copying them, as with serve()).
 */
import { serveUring } from '../../../src/node/uring/index.js';
import { portArgument, reportReady, type ServerStats } from './server-report.js';

const stats: ServerStats = { messages: 0 };
const borrow = process.env['WIREKIT_READ_BUFFER'] === '1';
const taskrun = process.env['URING_TASKRUN'];

const server = await serveUring({
  port: portArgument(),
  host: '127.0.0.1',
  maxBackpressure: 64 * 1024 * 1024,
  ...(borrow ? { readBuffer: true } : {}),
  ...(taskrun === undefined ? {} : { ring: { taskrun: Number(taskrun) } }),
  handler: {
    message(ws, data, isBinary) {
      stats.messages++;
      ws.send(data, isBinary);
    },
  },
});

reportReady(
  'wirekit-uring',
  server.address.port,
  `serveUring() from dist/src/node/uring/index.js${borrow ? ', readBuffer' : ''}`,
  stats,
);
process.once('SIGTERM', () => {
  process.stderr.write(`${JSON.stringify(server.stats())}\n`);
});
