import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connect, serve, type WebSocketServer } from '../../src/index.js';
import { echo } from '../helpers/echo.js';
import { testTransports } from '../transports/test-transports.js';

describe('client reads into a reused buffer (net.Socket onread)', () => {
  let server: WebSocketServer;
  let port = 0;
  before(async () => {
    server = await serve({
      port: 0,
      handler: echo,
    });
    port = server.address!.port;
  });
  after(() => server.close());

  test('messages of every size, spanning reads of a 1 KiB buffer, arrive intact and in order', async () => {
    const readBuffer = Buffer.alloc(1024);
    const expected = Array.from({ length: 300 }, (_, i) => `${i}:${'z'.repeat((i * 37) % 5000)}`);
    const got: string[] = [];
    const buffers = new Set<ArrayBufferLike>();
    let done!: () => void;
    const all = new Promise<void>((resolve) => {
      done = resolve;
    });
    const ws = await connect(`ws://127.0.0.1:${port}`, {
      readBuffer,
      handler: {
        message(_ws, data) {
          buffers.add(data.buffer);
          got.push(data.toString());
          if (got.length === expected.length) done();
        },
      },
    });
    for (const message of expected) {
      if (!ws.send(message)) await ws.writable();
    }
    await all;
    ws.close(1000);
    assert.deepEqual(got, expected);
    // Small single-frame messages were views of the one read buffer.
    assert.ok(buffers.has(readBuffer.buffer), 'payloads were views of the reused buffer');
  });

  test('async iteration copies messages, since the read buffer is reused', async () => {
    const ws = await connect(`ws://127.0.0.1:${port}`, { readBuffer: 512 });
    const sent = Array.from({ length: 50 }, (_, i) => `${i}-${'q'.repeat(i * 20)}`);
    for (const message of sent) ws.send(message);
    const received: string[] = [];
    const kept: Buffer[] = [];
    for await (const { data } of ws) {
      kept.push(data);
      received.push(data.toString());
      if (received.length === sent.length) break;
    }
    assert.deepEqual(received, sent);
    // Kept payloads still hold their bytes after later reads reused the buffer.
    assert.deepEqual(
      kept.map((b) => b.toString()),
      sent,
    );
  });
});

describe('server reads every connection into one shared buffer (readBuffer)', () => {
  // readBuffer is how TCP and TLS sockets read (Node's onread): the HTTP/1.1 transports on
  // Node's sockets. HTTP/2 streams keep their 'data' events; io_uring reads land in the ring's
  // provided buffers instead (test/node/uring checks those views).
  for (const transport of testTransports().filter(
    (t) => t.http === '1.1' && t.sockets === 'libuv',
  )) {
    test(`${transport.name}: concurrent connections get intact echoes; payloads share one buffer`, async () => {
      const seen = new Set<ArrayBufferLike>();
      const server = await transport.listen({
        readBuffer: 4096,
        handler: {
          message(ws, data, isBinary) {
            seen.add(data.buffer);
            ws.send(data, isBinary);
          },
        },
      });
      try {
        const url = transport.url(server.address!.port);
        const clients = await Promise.all([0, 1, 2, 3].map(() => connect(url, transport.connect)));
        await Promise.all(
          clients.map(async (ws, k) => {
            // Sizes below and above the shared buffer, so some frames span reads.
            const sent = Array.from(
              { length: 120 },
              (_, i) => `${k}:${i}:${'s'.repeat((i * 211) % 9000)}`,
            );
            for (const message of sent) if (!ws.send(message)) await ws.writable();
            const got: string[] = [];
            for await (const { data } of ws) {
              got.push(data.toString());
              if (got.length === sent.length) break;
            }
            assert.deepEqual(got, sent);
          }),
        );
        // Single-frame messages of every connection were views of the same memory.
        assert.ok(seen.size < 20, `${seen.size} distinct buffers for 480 messages`);
      } finally {
        await server.close();
      }
    });
  }
});
