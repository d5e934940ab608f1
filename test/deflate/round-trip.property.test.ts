/**
 * Property (RFC 7692 end to end): any sequence of messages — empty to past
 * `maxCompressedSize`, zeros to random bytes, text and binary, strings and bytes, some sent in
 * fragments — under any server and client deflate configuration (modes, levels, memLevels,
 * thresholds, window bits, context takeover) arrives byte-exact and in order at wirekit's
 * server, and its echo arrives byte-exact and in order at wirekit's client. Two clients with
 * their own configurations send at once, so shared engines and scratch memory are used by
 * interleaved connections.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { connect } from '../../src/node/connect.js';
import type { Connection } from '../../src/node/connection.js';
import type { DeflateConfig } from '../../src/node/deflate-config.js';
import { serve } from '../../src/node/websocket-server.js';
import { until, within } from '../node/helpers.js';
import { deflateConfig, materialize, messagePlan, type PlannedMessage } from './message-plan.js';

const MiB = 1024 * 1024;
const LIMITS = {
  maxMessageSize: MiB,
  maxBackpressure: 64 * MiB,
  pingInterval: 0,
  idleTimeout: 0,
  closeTimeout: 2_000,
} as const;

interface Received {
  readonly data: Buffer;
  readonly isBinary: boolean;
}

function assertSame(
  got: readonly Received[],
  sent: readonly PlannedMessage[],
  where: string,
): void {
  assert.equal(got.length, sent.length, `${where}: message count`);
  for (let i = 0; i < sent.length; i++) {
    assert.equal(got[i]!.isBinary, sent[i]!.isBinary, `${where}: message ${i} type`);
    assert.equal(got[i]!.data.length, sent[i]!.bytes.length, `${where}: message ${i} length`);
    assert.ok(got[i]!.data.equals(sent[i]!.bytes), `${where}: message ${i} content`);
  }
}

const clientPlan = fc.record({
  config: deflateConfig,
  messages: fc.array(messagePlan, { minLength: 1, maxLength: 16 }),
});

test('any messages under any deflate configuration round-trip byte-exact, in order', async () => {
  await fc.assert(
    fc.asyncProperty(
      deflateConfig,
      fc.array(clientPlan, { minLength: 1, maxLength: 2 }),
      async (serverConfig: DeflateConfig, plans) => {
        const atServer = new Map<Connection<number>, Received[]>();
        const server = await serve<number>({
          port: 0,
          host: '127.0.0.1',
          deflate: serverConfig,
          ...LIMITS,
          handler: {
            message(ws, data, isBinary) {
              const list = atServer.get(ws) ?? [];
              atServer.set(ws, list);
              list.push({ data, isBinary });
              ws.send(data, isBinary);
            },
          },
        });
        const clients: Connection<undefined>[] = [];
        try {
          const echoes: Received[][] = plans.map(() => []);
          const early: string[] = [];
          const closed: Promise<number>[] = [];
          for (const [i, plan] of plans.entries()) {
            let onClose: (code: number) => void = () => {};
            closed.push(
              new Promise<number>((resolve) => {
                onClose = resolve;
              }),
            );
            const client = await connect(`ws://127.0.0.1:${server.address!.port}/`, {
              deflate: plan.config,
              ...LIMITS,
              handler: {
                message(_ws, data, isBinary) {
                  echoes[i]!.push({ data, isBinary });
                },
                close(_ws, code, reason) {
                  early.push(`client ${i} closed with ${code} ${reason}`);
                  onClose(code);
                },
              },
            });
            assert.match(client.extensions, /^permessage-deflate/, 'deflate negotiated');
            clients.push(client);
          }
          const sent = plans.map((plan) => plan.messages.map(materialize));
          // Interleave the clients' messages within the same ticks.
          const longest = Math.max(...sent.map((list) => list.length));
          for (let m = 0; m < longest; m++) {
            for (const [i, client] of clients.entries()) {
              const message = sent[i]![m];
              if (message === undefined) continue;
              for (const [p, piece] of message.pieces.entries())
                client.send(piece, message.isBinary, p === message.pieces.length - 1);
            }
          }
          await until(
            () => early.length > 0 || sent.every((list, i) => echoes[i]!.length >= list.length),
            'every echo',
            20_000,
          );
          assert.deepEqual(early, [], 'no connection closed before its echoes arrived');
          for (const [i, list] of sent.entries()) assertSame(echoes[i]!, list, `client ${i} echo`);
          const serverSide = [...atServer.values()];
          assert.equal(serverSide.length, clients.length);
          for (const list of serverSide)
            assert.ok(
              sent.some(
                (s) => s.length === list.length && s.every((m, k) => m.bytes.equals(list[k]!.data)),
              ),
              'the server received one client’s messages byte-exact, in order',
            );
          early.length = 0;
          for (const client of clients) client.close(1000);
          assert.deepEqual(
            await within(Promise.all(closed), 10_000, 'clean closes'),
            clients.map(() => 1000),
          );
        } finally {
          for (const client of clients) client.terminate();
          await server.close();
        }
      },
    ),
    { numRuns: 80 },
  );
});
