/**
 * The minimal io_uring echo server: the addon's ring (`UringLoop`) and the sans-IO core, with
 * nothing of `serve()` in between — the opening handshake by `ServerOpeningHandshake`, frames
 * by `WebSocketConnection`, every message sent back as it came. It measures what the io_uring
 * transport can give before any integration cost: if this does not beat the libuv path on CPU
 * per message, a full transport will not either.
 *
 * Received bytes are views of the ring's provided buffers, handed back after each batch; the
 * core reuses its message slab (`reuseBuffers`), as `serve({ readBuffer: true })` does.
 *
 * Run: `node dist/bench/e2e/servers/uring-echo-server.js --port 0` (needs `npm run
 * build:uring`). URING_TASKRUN=0|1|2 picks how the kernel runs completion work (see
 * `RingOptions.taskrun`).
 */
import { ReadKind } from '../../../src/core/ws/frame-reader.js';
import { OutputPool } from '../../../src/core/ws/output-pool.js';
import { ServerOpeningHandshake } from '../../../src/core/ws/server-opening-handshake.js';
import { WebSocketConnection } from '../../../src/core/ws/websocket-connection.js';
import { nodePlatform } from '../../../src/node/node-platform.js';
import { UringLoop, type UringSink } from '../../../src/node/uring/uring-loop.js';
import { portArgument, reportReady, type ServerStats } from './server-report.js';

const stats: ServerStats = { messages: 0 };
const pool = new OutputPool(nodePlatform);

/** One slot: its handshake until accepted, then its WebSocket connection. */
interface Peer {
  handshake: ServerOpeningHandshake | undefined;
  core: WebSocketConnection | undefined;
}

const peers: (Peer | undefined)[] = [];

function flushPeer(slot: number, core: WebSocketConnection): void {
  if (core.outputLength === 0) return;
  loop.send(slot, core.takeOutput());
  // The loop copied the bytes: the output buffer goes back to the pool.
  core.releaseOutput();
}

function runCore(slot: number, core: WebSocketConnection): void {
  for (;;) {
    const kind = core.poll();
    if (kind === ReadKind.NEED_DATA) break;
    if (kind === ReadKind.BINARY) {
      stats.messages++;
      core.sendBinary(core.payload);
    } else if (kind === ReadKind.TEXT) {
      stats.messages++;
      core.sendText(core.payload);
    } else if (kind === ReadKind.CLOSE) {
      flushPeer(slot, core);
      // RFC 6455 §7.1.1: the server closes TCP first, after its close frame.
      loop.end(slot);
      return;
    }
  }
  flushPeer(slot, core);
}

function handshake(slot: number, peer: Peer, bytes: Buffer): void {
  const handshake = peer.handshake!;
  // The handshake may keep the bytes past this call (trailing frames): copy out of the ring.
  handshake.receive(Uint8Array.prototype.slice.call(bytes));
  const event = handshake.next();
  if (event.type === 'need-data') return;
  peer.handshake = undefined;
  if (event.type === 'refused') {
    loop.send(slot, event.answer);
    loop.end(slot);
    return;
  }
  if (event.type === 'closed') {
    loop.destroy(slot);
    return;
  }
  const { answer, trailing } = handshake.accept();
  loop.send(slot, answer);
  const core = new WebSocketConnection({
    role: 'server',
    platform: nodePlatform,
    reuseBuffers: true,
    outputPool: pool,
  });
  peer.core = core;
  if (trailing.length > 0) {
    core.receive(trailing);
    runCore(slot, core);
  }
}

const sink: UringSink = {
  open(slot) {
    peers[slot] = {
      handshake: new ServerOpeningHandshake({ platform: nodePlatform }),
      core: undefined,
    };
  },
  data(slot, buffer, length) {
    const peer = peers[slot];
    if (peer === undefined) return;
    const core = peer.core;
    if (core !== undefined) {
      core.receive(buffer.subarray(0, length));
      runCore(slot, core);
    } else if (peer.handshake !== undefined) handshake(slot, peer, buffer.subarray(0, length));
  },
  end(slot) {
    const core = peers[slot]?.core;
    if (core !== undefined) {
      core.receiveEof();
      runCore(slot, core);
    }
    loop.destroy(slot);
  },
  error(slot) {
    loop.destroy(slot);
  },
  drain() {},
  closed(slot) {
    peers[slot] = undefined;
  },
};

const taskrun = process.env['URING_TASKRUN'];
const loop = new UringLoop(sink, taskrun === undefined ? {} : { taskrun: Number(taskrun) });
const port = loop.listen('127.0.0.1', portArgument());
reportReady(
  'uring',
  port,
  `io_uring addon + sans-IO core (taskrun ${taskrun ?? 'default'})`,
  stats,
);
process.once('SIGTERM', () => {
  process.stderr.write(`${JSON.stringify(loop.stats())}\n`);
});
