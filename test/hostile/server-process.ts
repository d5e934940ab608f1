/**
 * Child-process entry: a wirekit WebSocket server alone in its process, so a hostile test can
 * read the server's peak memory without counting its own. Started by {@link ServerProcess}
 * (`server-process-handle.ts`) with `--expose-gc` and the server options as a JSON argument;
 * it reports over IPC (messages in `server-process-messages.ts`): its port, every open, message
 * (length and SHA-1) and close, and on request its memory figures. Messages of at most 1 KiB
 * are echoed, so a test can check the server still answers. On `shut-down` it closes the
 * server, reports any socket or timer left behind, and exits by itself — a leaked handle would
 * keep it alive, which the parent notices.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type AddressInfo, createServer as createNetServer, type Socket } from 'node:net';
import { WebSocketServer } from '../../src/node/websocket-server.js';
import { type Census, leftBehind, takeCensus } from './resource-census.js';
import type {
  FromServerProcess,
  ServerProcessOptions,
  ServerProcessStats,
  ToServerProcess,
} from './server-process-messages.js';

const ECHO_LIMIT = 1024;
/** Taken once listening (the IPC channel and listener included): the baseline for leaks. */
let census: Census | undefined;

function report(message: FromServerProcess): void {
  process.send?.(message);
}

/** Peak resident set size from the kernel (`VmHWM`, Linux), or undefined elsewhere. */
function kernelPeakRss(): number | undefined {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'latin1'));
    return match === null ? undefined : Number(match[1]) * 1024;
  } catch {
    return undefined;
  }
}

const options = JSON.parse(process.argv[2] ?? '{}') as ServerProcessOptions;
let sampledPeak = process.memoryUsage.rss();
const sampler = setInterval(() => {
  sampledPeak = Math.max(sampledPeak, process.memoryUsage.rss());
}, 10);

const sockets = new Set<Socket>();
let bytesReadByClosed = 0;

const wss = new WebSocketServer({
  ...options,
  handler: {
    open() {
      report({ type: 'open' });
    },
    message(ws, data, isBinary) {
      report({
        type: 'message',
        length: data.length,
        sha1: createHash('sha1').update(data).digest('hex'),
      });
      if (data.length <= ECHO_LIMIT) ws.send(data, isBinary);
    },
    close(_ws, code, reason, wasClean) {
      report({ type: 'close', code, reason, wasClean });
    },
  },
});

const listener = createNetServer((socket) => {
  sockets.add(socket);
  socket.once('close', () => {
    sockets.delete(socket);
    bytesReadByClosed += socket.bytesRead;
  });
  wss.acceptSocket(socket);
});

function stats(): ServerProcessStats {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const memory = process.memoryUsage();
  sampledPeak = Math.max(sampledPeak, memory.rss);
  let bytesRead = bytesReadByClosed;
  for (const socket of sockets) bytesRead += socket.bytesRead;
  return {
    rss: memory.rss,
    peakRss: kernelPeakRss() ?? sampledPeak,
    arrayBuffers: memory.arrayBuffers,
    bytesRead,
    connections: wss.connections.size,
  };
}

async function shutDown(): Promise<void> {
  clearInterval(sampler);
  await wss.close();
  await new Promise<void>((resolve) => listener.close(() => resolve()));
  report({ type: 'shut-down', leftBehind: census === undefined ? [] : await leftBehind(census) });
  process.off('message', onMessage);
  process.off('disconnect', onParentGone);
  process.disconnect?.();
}

function onMessage(message: ToServerProcess): void {
  switch (message.type) {
    case 'stats':
      report({ type: 'stats', id: message.id, stats: stats() });
      break;
    case 'shut-down':
      void shutDown();
      break;
  }
}

/** The parent went away without asking: do not outlive it. */
function onParentGone(): void {
  clearInterval(sampler);
  listener.close();
  void wss.close();
}

process.on('message', onMessage);
process.once('disconnect', onParentGone);
listener.listen(0, '127.0.0.1', () => {
  census = takeCensus();
  report({ type: 'ready', port: (listener.address() as AddressInfo).port, stats: stats() });
});
