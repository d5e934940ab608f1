/**
 * A burst of 100,000 × 77 B messages sent in one synchronous loop over `wss://` with default
 * options is delivered whole, in order, then closed cleanly — or refused with the documented
 * backpressure error (the sender closes with 1008 "backpressure limit exceeded" once more than
 * `maxBackpressure` is queued, and the receiver learns it from the close code — 1008, or 1006
 * if the connection went down — never from a 1000 close that lost messages). Every direction, with ws on either side: burst.test.ts has the
 * wirekit client → wirekit server and ws client → wirekit server cases; these are the rest:
 * server → client, wirekit client → ws server, wirekit server → ws client, ws server → wirekit
 * client. Outcomes are asserted, never durations.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { WebSocket as WsClient, WebSocketServer as WsServer } from 'ws';
import { connect } from '../../src/node/connect.js';
import { serve } from '../../src/node/websocket-server.js';
import { testCertificate } from '../helpers/tls-cert.js';
import { deferred, within } from './helpers.js';

const BURST = 100_000;
const SIZE = 77;
const WAIT_MS = 150_000;

/** Message `i`: 77 bytes carrying its number, so a lost or reordered one shows. */
function message(i: number): Buffer {
  const bytes = Buffer.alloc(SIZE, 0x61 + (i % 26));
  bytes.writeUInt32BE(i, 0);
  return bytes;
}

/** Counts in-order, intact messages; the first one out of place is remembered. */
class BurstReader {
  received = 0;
  wrong: string | undefined;

  accept(data: Buffer): void {
    if (this.wrong === undefined && !data.equals(message(this.received)))
      this.wrong = `message #${this.received} is not the one sent (${data.length} bytes)`;
    this.received++;
  }
}

interface Ending {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
}

/**
 * The burst's promise: all delivered then a clean 1000, or the sender's documented refusal
 * (1008, backpressure limit) with an in-order prefix delivered and the receiver told so by its
 * close (1008 from the close frame, or 1006), never a 1000.
 */
function assertWholeOrRefused(
  reader: BurstReader,
  sender: Ending,
  receiver: Ending,
  diagnostic: (message: string) => void,
): void {
  assert.equal(reader.wrong, undefined, 'every delivered message intact and in order');
  if (sender.code === 1008) {
    diagnostic(`refused after ${reader.received} messages: ${sender.reason}`);
    assert.match(sender.reason, /backpressure limit/);
    assert.ok(
      receiver.code === 1008 || (receiver.code === 1006 && !receiver.wasClean),
      `the receiver learns of the refusal (closed ${JSON.stringify(receiver)})`,
    );
    assert.ok(reader.received < BURST, 'a refused burst is cut');
    return;
  }
  diagnostic(`delivered whole: ${reader.received} messages`);
  assert.equal(reader.received, BURST, 'every message delivered');
  assert.deepEqual(sender, { code: 1000, reason: 'all sent', wasClean: true });
  assert.deepEqual(receiver, { code: 1000, reason: 'all sent', wasClean: true });
}

/** An HTTPS server with ws's server on it, on 127.0.0.1. */
async function wsServer(
  onConnection: (socket: WsClient) => void,
): Promise<{ port: number; close(): Promise<void> }> {
  const { key, cert } = testCertificate();
  const https = createHttpsServer({ key, cert });
  const wss = new WsServer({ server: https });
  wss.on('connection', (socket: WsClient) => {
    socket.on('error', () => {});
    onConnection(socket);
  });
  https.listen(0, '127.0.0.1');
  await once(https, 'listening');
  return {
    port: (https.address() as AddressInfo).port,
    async close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      await new Promise<void>((resolve) => https.close(() => resolve()));
    },
  };
}

describe(`bursts of ${BURST} × ${SIZE} B in one synchronous loop over wss://, default options`, {
  timeout: 4 * WAIT_MS,
}, () => {
  test('wirekit server → wirekit client: whole, in order, or refused with 1008', async (t) => {
    const { key, cert } = testCertificate();
    const senderClosed = deferred<Ending>();
    const server = await serve({
      port: 0,
      host: '127.0.0.1',
      tls: { key, cert },
      handler: {
        open(ws) {
          for (let i = 0; i < BURST; i++) ws.send(message(i));
          ws.close(1000, 'all sent');
        },
        close(_ws, code, reason, wasClean) {
          senderClosed.resolve({ code, reason, wasClean });
        },
      },
    });
    t.after(() => server.close());
    const reader = new BurstReader();
    const receiverClosed = deferred<Ending>();
    await connect(`wss://127.0.0.1:${server.address.port}`, {
      tls: { ca: cert },
      handler: {
        message(_ws, data) {
          reader.accept(data);
        },
        close(_ws, code, reason, wasClean) {
          receiverClosed.resolve({ code, reason, wasClean });
        },
      },
    });
    assertWholeOrRefused(
      reader,
      await within(senderClosed.promise, WAIT_MS, 'the server’s close'),
      await within(receiverClosed.promise, WAIT_MS, 'the client’s close'),
      (line) => t.diagnostic(line),
    );
  });

  test('wirekit client → ws server: whole, in order, or refused with 1008', async (t) => {
    const reader = new BurstReader();
    const receiverClosed = deferred<Ending>();
    const server = await wsServer((socket) => {
      socket.on('message', (data: Buffer) => reader.accept(data));
      socket.on('close', (code: number, reason: Buffer) =>
        receiverClosed.resolve({ code, reason: reason.toString(), wasClean: code !== 1006 }),
      );
    });
    t.after(() => server.close());
    const senderClosed = deferred<Ending>();
    const ws = await connect(`wss://127.0.0.1:${server.port}`, {
      tls: { ca: testCertificate().cert },
      handler: {
        close(_ws, code, reason, wasClean) {
          senderClosed.resolve({ code, reason, wasClean });
        },
      },
    });
    for (let i = 0; i < BURST; i++) ws.send(message(i));
    ws.close(1000, 'all sent');
    assertWholeOrRefused(
      reader,
      await within(senderClosed.promise, WAIT_MS, 'the wirekit client’s close'),
      await within(receiverClosed.promise, WAIT_MS, 'the ws server’s close'),
      (line) => t.diagnostic(line),
    );
  });

  test('wirekit server → ws client: whole, in order, or refused with 1008', async (t) => {
    const { key, cert } = testCertificate();
    const senderClosed = deferred<Ending>();
    const server = await serve({
      port: 0,
      host: '127.0.0.1',
      tls: { key, cert },
      handler: {
        open(ws) {
          for (let i = 0; i < BURST; i++) ws.send(message(i));
          ws.close(1000, 'all sent');
        },
        close(_ws, code, reason, wasClean) {
          senderClosed.resolve({ code, reason, wasClean });
        },
      },
    });
    t.after(() => server.close());
    const reader = new BurstReader();
    const receiverClosed = deferred<Ending>();
    const peer = new WsClient(`wss://127.0.0.1:${server.address.port}`, { ca: cert });
    t.after(() => peer.terminate());
    peer.on('error', () => {});
    peer.on('message', (data: Buffer) => reader.accept(data));
    peer.addEventListener('close', (event) =>
      receiverClosed.resolve({ code: event.code, reason: event.reason, wasClean: event.wasClean }),
    );
    assertWholeOrRefused(
      reader,
      await within(senderClosed.promise, WAIT_MS, 'the wirekit server’s close'),
      await within(receiverClosed.promise, WAIT_MS, 'the ws client’s close'),
      (line) => t.diagnostic(line),
    );
  });

  test('with maxBackpressure: 256 KiB the server refuses the burst with 1008, and the client is told', async (t) => {
    const { key, cert } = testCertificate();
    const senderClosed = deferred<Ending>();
    const server = await serve({
      port: 0,
      host: '127.0.0.1',
      tls: { key, cert },
      maxBackpressure: 256 * 1024,
      handler: {
        open(ws) {
          for (let i = 0; i < BURST; i++) ws.send(message(i));
          ws.close(1000, 'all sent');
        },
        close(_ws, code, reason, wasClean) {
          senderClosed.resolve({ code, reason, wasClean });
        },
      },
    });
    t.after(() => server.close());
    const reader = new BurstReader();
    const receiverClosed = deferred<Ending>();
    await connect(`wss://127.0.0.1:${server.address.port}`, {
      tls: { ca: cert },
      handler: {
        message(_ws, data) {
          reader.accept(data);
        },
        close(_ws, code, reason, wasClean) {
          receiverClosed.resolve({ code, reason, wasClean });
        },
      },
    });
    const sender = await within(senderClosed.promise, WAIT_MS, 'the server’s close');
    const receiver = await within(receiverClosed.promise, WAIT_MS, 'the client’s close');
    assert.equal(sender.code, 1008, `the burst was refused (${JSON.stringify(sender)})`);
    assertWholeOrRefused(reader, sender, receiver, (line) => t.diagnostic(line));
  });

  test('ws server → wirekit client: every message arrives in order, then a clean close', async (t) => {
    const senderClosed = deferred<Ending>();
    const server = await wsServer((socket) => {
      socket.on('close', (code: number, reason: Buffer) =>
        senderClosed.resolve({ code, reason: reason.toString(), wasClean: code !== 1006 }),
      );
      // ws queues whatever it is given (it has no backpressure limit): the whole burst goes.
      for (let i = 0; i < BURST; i++) socket.send(message(i));
      socket.close(1000, 'all sent');
    });
    t.after(() => server.close());
    const reader = new BurstReader();
    const receiverClosed = deferred<Ending>();
    await connect(`wss://127.0.0.1:${server.port}`, {
      tls: { ca: testCertificate().cert },
      handler: {
        message(_ws, data) {
          reader.accept(data);
        },
        close(_ws, code, reason, wasClean) {
          receiverClosed.resolve({ code, reason, wasClean });
        },
      },
    });
    const receiver = await within(receiverClosed.promise, WAIT_MS, 'the wirekit client’s close');
    const sender = await within(senderClosed.promise, WAIT_MS, 'the ws server’s close');
    assert.equal(reader.wrong, undefined, 'every message intact and in order');
    assert.equal(reader.received, BURST);
    assert.deepEqual(receiver, { code: 1000, reason: 'all sent', wasClean: true });
    assert.deepEqual(sender, { code: 1000, reason: 'all sent', wasClean: true });
  });
});
