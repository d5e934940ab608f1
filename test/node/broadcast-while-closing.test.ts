/**
 * The crash of issue 13: a broadcast loop with no `readyState` check ran while one peer, just
 * kicked with `close(4000)`, had not answered yet, and the send that threw took the server
 * process down. With default options, sends on a closing or closed connection return `false`
 * and are counted in `droppedSends`; every other peer gets every message.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ReadyState } from '../../src/core/ws/ready-state.js';
import { connect } from '../../src/node/connect.js';
import type { Connection } from '../../src/node/connection.js';
import { testTransports } from '../transports/test-transports.js';
import { type Recorder, recorder, testNothingLeftOpen, until } from './helpers.js';

const CLIENTS = 6;
const MESSAGES = 1_000;
const KICKED = 0;
const LEFT = 1;

for (const transport of testTransports()) {
  describe(`broadcast while peers close, over ${transport.name}`, { timeout: 60_000 }, () => {
    test(`a loop sending ${MESSAGES} messages to ${CLIENTS} peers, one kicked with 4000 and one gone, does not throw`, async (t) => {
      // The application's own list of peers, filled by `open` and read by the loop: as in the
      // report, nothing checks `readyState` before sending.
      const peers: Connection<number>[] = [];
      const server = await transport.listen<number>({
        handler: {
          message(ws, data) {
            ws.data = Number(data.toString()); // each client says which one it is
            peers.push(ws);
          },
        },
      });
      t.after(() => server.close());
      const clients: Recorder<undefined>[] = [];
      for (let i = 0; i < CLIENTS; i++) {
        const client = recorder<undefined>();
        clients.push(client);
        const ws = await connect(transport.url(server.address!.port), {
          ...transport.connect,
          handler: client.handler,
        });
        ws.send(String(i));
      }
      await until(() => peers.length === CLIENTS, 'every client to introduce itself');
      peers.sort((a, b) => a.data - b.data);

      // One peer closes from its side; the server has its close (and echoed it): CLOSED.
      const leaving = await clients[LEFT]!.opened;
      leaving.close(1000, 'bye');
      await until(() => peers[LEFT]!.readyState === ReadyState.CLOSED, 'the peer’s close');

      // Another is kicked by the server and, in the same synchronous run, cannot have answered.
      peers[KICKED]!.close(4000, 'kicked');
      assert.equal(peers[KICKED]!.readyState, ReadyState.CLOSING);
      for (let m = 0; m < MESSAGES; m++) {
        for (const peer of peers) peer.send(`message ${m}`);
      }

      assert.equal(peers[KICKED]!.droppedSends, MESSAGES);
      assert.equal(peers[LEFT]!.droppedSends, MESSAGES);
      const expected = Array.from({ length: MESSAGES }, (_, m) => `message ${m}`);
      for (let i = 0; i < CLIENTS; i++) {
        if (i === KICKED || i === LEFT) continue;
        assert.equal(peers[i]!.droppedSends, 0);
        await until(
          () => clients[i]!.messages().length === MESSAGES,
          `client ${i}: ${MESSAGES} messages`,
        );
        assert.deepEqual(
          clients[i]!.messages().map((m) => m.data.toString()),
          expected,
        );
      }
      const kicked = await clients[KICKED]!.closed;
      assert.deepEqual(kicked, { event: 'close', code: 4000, reason: 'kicked', wasClean: true });
      assert.equal(clients[KICKED]!.messages().length, 0, 'nothing sent after the close frame');
      assert.equal((await clients[LEFT]!.closed).wasClean, true);
      assert.equal(clients[LEFT]!.messages().length, 0);
      for (let i = 0; i < CLIENTS; i++) (await clients[i]!.opened).close(1000);
      for (const client of clients) await client.closed;
    });
  });
}

testNothingLeftOpen();
