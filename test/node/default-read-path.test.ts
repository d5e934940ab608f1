/**
 * The default read path: TCP and TLS connections read into the process's shared buffer and copy
 * each message out, so payloads handed to callbacks stay intact after later reads, on the server
 * and on the client, while many connections share that buffer. Writes go straight to the TCP
 * handle when nothing is queued; when the kernel cannot take them, they are counted as
 * buffered, drain in order, and the `drain` callback follows.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Connection, connect } from '../../src/index.js';
import { echo } from '../helpers/echo.js';
import { testTransports } from '../transports/test-transports.js';
import { deferred, within } from './helpers.js';

/** Message `i` of connection `c`: sizes from 0 B to past the 64 KiB shared buffer. */
function payloadOf(c: number, i: number): Buffer {
  const size = (i * 7919 + c * 131) % (i % 10 === 9 ? 150_000 : 3_000);
  const bytes = Buffer.allocUnsafe(size);
  for (let k = 0; k < size; k++) bytes[k] = (c * 31 + i * 7 + k) & 0xff;
  return bytes;
}

const CONNECTIONS = 8;
const MESSAGES = 60;

// The transports whose sockets read into the shared buffer and write to the TCP handle: the
// HTTP/1.1 ones (TCP and TLS). HTTP/2 streams keep Node's 'data' events and their own writes.
for (const transport of testTransports().filter((t) => t.http === '1.1')) {
  describe(`default read path over ${transport.name}`, { timeout: 60_000 }, () => {
    test('the server keeps every payload intact while many connections share the read buffer', async (t) => {
      const kept = new Map<number, Buffer[]>();
      const pings: Buffer[] = [];
      const all = deferred();
      let total = 0;
      const server = await transport.listen<{ id: number }>({
        handler: {
          upgrade: (request) => ({
            id: Number(new URL(request.url, 'http://x').searchParams.get('c')),
          }),
          message(ws, data) {
            const list = kept.get(ws.data.id) ?? [];
            list.push(data);
            kept.set(ws.data.id, list);
            if (++total === CONNECTIONS * MESSAGES) all.resolve();
          },
          ping(_ws, data) {
            pings.push(data);
          },
        },
      });
      t.after(() => server.close());
      const clients = await Promise.all(
        Array.from({ length: CONNECTIONS }, (_, c) =>
          connect(transport.url(server.address!.port, `/?c=${c}`), transport.connect),
        ),
      );
      // Interleave the connections' sends so their reads alternate in the shared buffer.
      for (let i = 0; i < MESSAGES; i++)
        for (let c = 0; c < CONNECTIONS; c++) {
          clients[c]!.send(payloadOf(c, i));
          if (i === 0) clients[c]!.ping(`ping ${c}`);
        }
      await within(all.promise, 50_000, 'every message');
      for (let c = 0; c < CONNECTIONS; c++) {
        const list = kept.get(c)!;
        assert.equal(list.length, MESSAGES);
        for (let i = 0; i < MESSAGES; i++)
          assert.ok(list[i]!.equals(payloadOf(c, i)), `connection ${c} message ${i} intact`);
      }
      assert.deepEqual(
        pings.map((p) => p.toString()).sort(),
        clients.map((_, c) => `ping ${c}`).sort(),
      );
      for (const client of clients) client.close(1000);
    });

    test('a client keeps every payload intact', async (t) => {
      const server = await transport.listen({
        handler: echo,
      });
      t.after(() => server.close());
      const kept: Buffer[] = [];
      const all = deferred();
      const client = await connect(transport.url(server.address!.port), {
        ...transport.connect,
        handler: {
          message(_ws, data) {
            kept.push(data);
            if (kept.length === MESSAGES) all.resolve();
          },
        },
      });
      for (let i = 0; i < MESSAGES; i++) client.send(payloadOf(1, i));
      await within(all.promise, 50_000, 'every echo');
      for (let i = 0; i < MESSAGES; i++)
        assert.ok(kept[i]!.equals(payloadOf(1, i)), `echo ${i} intact`);
      client.close(1000);
    });

    test('output the kernel cannot take at once is buffered, drains in order and calls drain', async (t) => {
      const CHUNK = Buffer.alloc(256 * 1024, 7);
      const SENDS = 64; // 16 MiB: far past the loopback socket buffers
      let serverWs: Connection | undefined;
      const drained = deferred();
      const opened = deferred();
      const server = await transport.listen({
        maxBackpressure: 64 * 1024 * 1024,
        handler: {
          open(ws) {
            serverWs = ws;
            opened.resolve();
          },
          drain() {
            drained.resolve();
          },
        },
      });
      t.after(() => server.close());
      let received = 0;
      let inOrder = true;
      const all = deferred();
      const client = await connect(transport.url(server.address!.port), {
        ...transport.connect,
        handler: {
          message(_ws, data) {
            if (data.length !== CHUNK.length || data[0] !== received % 251) inOrder = false;
            if (++received === SENDS) all.resolve();
          },
        },
      });
      await within(opened.promise, 10_000, 'open');
      let sawBackpressure = false;
      for (let i = 0; i < SENDS; i++) {
        CHUNK.fill(i % 251);
        if (!serverWs!.send(CHUNK)) sawBackpressure = true;
      }
      assert.ok(serverWs!.bufferedAmount > 0, 'queued bytes are counted');
      await within(all.promise, 50_000, 'every chunk');
      assert.ok(inOrder, 'chunks arrive whole and in order');
      if (sawBackpressure) await within(drained.promise, 10_000, 'the drain callback');
      assert.equal(serverWs!.bufferedAmount, 0);
      client.close(1000);
    });
  });
}
