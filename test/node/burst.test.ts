/**
 * Bursts are delivered, peers that stop reading are not waited for (issue 13, part 3), with
 * default options unless a test says otherwise:
 * - a wirekit client sending 100,000 × 77 B in one synchronous loop over `wss://` does not close
 *   its own connection: everything arrives, then a clean close;
 * - a `ws` client doing the same to a wirekit echo server gets every echo (the server pauses
 *   reading while its output is backpressured, `pauseOnBackpressure`);
 * - a peer that stops reading gets 1008 once nothing was taken for `backpressureTimeout`, on
 *   the server and on the client (over every transport: limits.test.ts);
 * - the deadline counts from the last progress (driven by hand: no timing in the assertion).
 * Outcomes are asserted, never durations.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Duplex } from 'node:stream';
import { describe, test } from 'node:test';
import { WebSocket as WsClient } from 'ws';
import { ReadyState } from '../../src/core/ws/ready-state.js';
import { connect } from '../../src/node/connect.js';
import { Connection } from '../../src/node/connection.js';
import { resolveConnectionOptions } from '../../src/node/connection-options.js';
import { serve } from '../../src/node/websocket-server.js';
import { testCertificate } from '../helpers/tls-cert.js';
import { deferred, recorder, until, within } from './helpers.js';

const BURST = 100_000;
const PAYLOAD = Buffer.alloc(77, 0x61);
interface CloseSeen {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
}

describe('bursts over wss:// with default options', { timeout: 180_000 }, () => {
  test(`a wirekit client sends ${BURST} × 77 B in one synchronous loop: all arrive, then a clean close`, async (t) => {
    const { key, cert } = testCertificate();
    let received = 0;
    let wrong = 0;
    const serverClosed = deferred<CloseSeen & { readonly received: number }>();
    const server = await serve({
      port: 0,
      host: '127.0.0.1',
      tls: { key, cert },
      handler: {
        message(_ws, data) {
          if (!data.equals(PAYLOAD)) wrong++;
          received++;
        },
        close(_ws, code, reason, wasClean) {
          serverClosed.resolve({ code, reason, wasClean, received });
        },
      },
    });
    t.after(() => server.close());
    const client = recorder();
    const ws = await connect(`wss://127.0.0.1:${server.address!.port}`, {
      tls: { ca: cert },
      handler: client.handler,
    });
    let backpressured = 0;
    for (let i = 0; i < BURST; i++) if (!ws.send(PAYLOAD)) backpressured++;
    assert.equal(ws.readyState, ReadyState.OPEN, 'the loop did not close its own connection');
    ws.close(1000, 'all sent');
    const atServer = await within(serverClosed.promise, 120_000, 'the server’s close');
    t.diagnostic(`send() returned false ${backpressured} times`);
    assert.deepEqual(atServer, {
      code: 1000,
      reason: 'all sent',
      wasClean: true,
      received: BURST,
    });
    assert.equal(wrong, 0, 'every message intact');
    assert.deepEqual(await client.closed, {
      event: 'close',
      code: 1000,
      reason: 'all sent',
      wasClean: true,
    });
    assert.equal(ws.droppedSends, 0);
  });

  test(`a ws client sends ${BURST} × 77 B in one loop to a wirekit echo server: every echo arrives`, async (t) => {
    const { key, cert } = testCertificate();
    const serverSide = deferred<CloseSeen>();
    const server = await serve({
      port: 0,
      host: '127.0.0.1',
      tls: { key, cert },
      handler: {
        message(ws, data, isBinary) {
          ws.send(data, isBinary);
        },
        close(_ws, code, reason, wasClean) {
          serverSide.resolve({ code, reason, wasClean });
        },
      },
    });
    t.after(() => server.close());
    const peer = new WsClient(`wss://127.0.0.1:${server.address!.port}`, { ca: cert });
    t.after(() => peer.terminate());
    const peerClosed = deferred<CloseSeen>();
    peer.on('error', () => {});
    peer.addEventListener('close', (event) =>
      peerClosed.resolve({ code: event.code, reason: event.reason, wasClean: event.wasClean }),
    );
    let echoes = 0;
    let wrong = 0;
    peer.on('message', (data: Buffer) => {
      if (!data.equals(PAYLOAD)) wrong++;
      echoes++;
    });
    await once(peer, 'open');
    for (let i = 0; i < BURST; i++) peer.send(PAYLOAD);
    let closedEarly: CloseSeen | undefined;
    void peerClosed.promise.then((seen) => {
      closedEarly = seen;
    });
    await until(
      () => echoes === BURST || closedEarly !== undefined,
      `${BURST} echoes (have ${echoes})`,
      150_000,
    );
    assert.equal(closedEarly, undefined, `closed after ${echoes} echoes`);
    assert.equal(echoes, BURST);
    assert.equal(wrong, 0, 'every echo intact');
    peer.close(1000, 'thanks');
    assert.deepEqual(await within(peerClosed.promise, 10_000, 'the ws close'), {
      code: 1000,
      reason: 'thanks',
      wasClean: true,
    });
    assert.deepEqual(await within(serverSide.promise, 10_000, 'the server close'), {
      code: 1000,
      reason: 'thanks',
      wasClean: true,
    });
  });
});

/**
 * A transport whose writes complete only when the test says so: `writableLength` shows the
 * bytes the "kernel" has not taken, and {@link release} lets it take the oldest write.
 */
class HeldWrites extends Duplex {
  readonly #held: (() => void)[] = [];

  constructor() {
    super({ writableHighWaterMark: 64 });
  }

  override _read(): void {}

  override _write(_chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.#held.push(callback);
  }

  /** Let the transport take the write in progress. */
  release(): void {
    this.#held.shift()?.();
  }
}

function heldConnection(
  options: Parameters<typeof resolveConnectionOptions>[0],
  closes: CloseSeen[],
): { connection: Connection; socket: HeldWrites } {
  const socket = new HeldWrites();
  const connection = new Connection<unknown>({
    socket,
    role: 'server',
    handler: {
      close(_ws, code, reason, wasClean) {
        closes.push({ code, reason, wasClean });
      },
    },
    data: undefined,
    options: resolveConnectionOptions({ pingInterval: 0, idleTimeout: 0, ...options }, true),
    heartbeat: undefined,
    protocol: '',
    extensions: '',
    onDispose: undefined,
  });
  connection.start(Buffer.alloc(0));
  return { connection, socket };
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

describe('backpressureTimeout counts from the last progress (ticks driven by hand)', () => {
  test('a slow reader that takes some bytes within each timeout is kept; a stalled one gets 1008', async () => {
    const closes: CloseSeen[] = [];
    const { connection, socket } = heldConnection({ backpressureTimeout: 1_000 }, closes);
    connection.heartbeat(1); // output empty: progress at 1
    connection.send(Buffer.alloc(100));
    await nextTurn();
    connection.send(Buffer.alloc(100));
    await nextTurn();
    assert.ok(socket.writableLength > 200, 'both writes are held');
    connection.heartbeat(900); // nothing taken for 899 ms
    assert.equal(connection.readyState, ReadyState.OPEN);
    socket.release(); // the peer read the first write
    connection.heartbeat(1_500); // would be past the timeout without that progress
    assert.equal(connection.readyState, ReadyState.OPEN);
    connection.heartbeat(2_499);
    assert.equal(connection.readyState, ReadyState.OPEN);
    assert.deepEqual(closes, []);
    connection.heartbeat(2_500); // nothing taken since 1 500
    assert.equal(connection.readyState, ReadyState.CLOSED);
    assert.deepEqual(closes, [
      { code: 1008, reason: 'backpressure timeout: the peer stopped reading', wasClean: false },
    ]);
    connection.terminate();
  });

  test('output that empties counts as progress; 0 disables the deadline', async () => {
    const closes: CloseSeen[] = [];
    const { connection, socket } = heldConnection({ backpressureTimeout: 1_000 }, closes);
    connection.heartbeat(1);
    connection.send(Buffer.alloc(100));
    await nextTurn();
    socket.release();
    assert.equal(socket.writableLength, 0);
    connection.heartbeat(5_000);
    connection.send(Buffer.alloc(100));
    await nextTurn();
    connection.heartbeat(5_999);
    assert.equal(connection.readyState, ReadyState.OPEN);

    const off = heldConnection({ backpressureTimeout: 0 }, closes);
    off.connection.heartbeat(1);
    off.connection.send(Buffer.alloc(100));
    await nextTurn();
    off.connection.heartbeat(1_000_000);
    assert.equal(off.connection.readyState, ReadyState.OPEN);
    assert.deepEqual(closes, []);
    connection.terminate();
    off.connection.terminate();
  });

  test('while the server pauses reading for backpressure, the peer’s silence does not count', async () => {
    const closes: CloseSeen[] = [];
    const { connection, socket } = heldConnection(
      { backpressureTimeout: 0, idleTimeout: 5_000 },
      closes,
    );
    connection.heartbeat(1);
    connection.send(Buffer.alloc(1_000)); // past the 64-byte high-water mark: reading pauses
    await nextTurn();
    assert.equal(socket.isPaused(), true, 'pauseOnBackpressure is on by default on the server');
    connection.heartbeat(10_000);
    assert.equal(connection.readyState, ReadyState.OPEN, 'no idle timeout while we do not read');
    socket.release(); // drained: reading resumes
    assert.equal(socket.isPaused(), false);
    connection.heartbeat(15_000);
    assert.equal(connection.readyState, ReadyState.CLOSED);
    assert.deepEqual(closes, [{ code: 1001, reason: 'idle timeout', wasClean: false }]);
    connection.terminate();
  });
});
