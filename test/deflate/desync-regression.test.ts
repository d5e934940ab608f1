/**
 * Regression guard for the sockudo-ws desync: a message that did not shrink was sent
 * uncompressed after it had already entered the compressor's LZ77 window, so the sender's
 * window held bytes the receiver's never saw and later back-references decoded to the wrong
 * bytes (RFC 7692 §7.2.1 keeps the two windows equal only if everything compressed is sent
 * compressed).
 *
 * With context takeover and a low threshold, incompressible random messages alternate with
 * compressible ones that quote the random bytes before them (so back-references reach into
 * the incompressible message), many times; every echo is checked — by wirekit's own peer and
 * by the conformance peer's independent zlib inflater, strict about the window.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { connect } from '../../src/node/connect.js';
import type { Connection } from '../../src/node/connection.js';
import { serve } from '../../src/node/websocket-server.js';
import { wordText } from '../conformance/deflate-payloads.js';
import type { DeflatePeer } from '../conformance/deflate-peer.js';
import {
  type DeflateTarget,
  deflateClientTarget,
  deflateServerTarget,
} from '../conformance/deflate-targets.js';
import { OP } from '../conformance/wire-frame.js';
import { echo } from '../helpers/echo.js';
import { until } from '../node/helpers.js';
import { testTransport } from '../transports/test-transports.js';

const ROUNDS = 120;
const CONFIG = { mode: 'dedicated', threshold: 64 } as const;
const LIMITS = { pingInterval: 0, idleTimeout: 0, maxBackpressure: 64 * 1024 * 1024 } as const;

/** Round `i`: a random block (does not shrink), then text quoting it (compresses well). */
function round(i: number): [Buffer, Buffer] {
  const random = randomBytes(512 + ((i * 977) % 3000));
  const quote = random.subarray(random.length - 256);
  return [random, Buffer.concat([quote, wordText(1500, i), quote, random.subarray(0, 64)])];
}

describe('no window desync after messages that do not shrink (sockudo-ws regression)', () => {
  test('wirekit client ↔ wirekit server, context takeover both ways', async () => {
    const server = await serve({
      port: 0,
      host: '127.0.0.1',
      deflate: CONFIG,
      ...LIMITS,
      handler: echo,
    });
    const echoes: Buffer[] = [];
    const closes: number[] = [];
    let client: Connection | undefined;
    try {
      client = await connect(`ws://127.0.0.1:${server.address!.port}/`, {
        deflate: CONFIG,
        ...LIMITS,
        handler: {
          message(_ws, data) {
            echoes.push(data);
          },
          close(_ws, code) {
            closes.push(code);
          },
        },
      });
      assert.equal(client.extensions, 'permessage-deflate', 'context takeover both ways');
      const sent: Buffer[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        for (const message of round(i)) {
          client.send(message, true);
          sent.push(message);
        }
        // Let some rounds go out in separate writes, others batched.
        if (i % 10 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      await until(() => echoes.length >= sent.length || closes.length > 0, 'every echo', 20_000);
      assert.deepEqual(closes, [], 'the connection stayed open');
      assert.equal(echoes.length, sent.length);
      for (let i = 0; i < sent.length; i++)
        assert.ok(echoes[i]!.equals(sent[i]!), `echo ${i} is byte-exact`);
    } finally {
      client?.terminate();
      await server.close();
    }
  });

  // Over TCP: the desync is the codec's, whatever carries the frames.
  const targets: DeflateTarget[] = [
    deflateServerTarget(testTransport('tcp'), CONFIG, LIMITS),
    deflateClientTarget(testTransport('tcp'), CONFIG, LIMITS),
  ];
  after(() => Promise.all(targets.map((target) => target.close())));
  for (const target of targets) {
    test(`independent zlib peer ↔ wirekit ${target.side}, context takeover both ways`, async () => {
      const peer: DeflatePeer = await target.open({}, { strictWindow: true });
      try {
        const agreed = peer.agreement!;
        assert.ok(!agreed.serverNoContextTakeover && !agreed.clientNoContextTakeover);
        let compressed = 0;
        for (let i = 0; i < ROUNDS; i++) {
          for (const message of round(i)) {
            await peer.send(OP.BINARY, message);
            if ((await peer.expectMessage(OP.BINARY, message)).compressed) compressed++;
          }
        }
        // Every echo was above the threshold and within maxCompressedSize.
        assert.equal(compressed, 2 * ROUNDS, 'the wirekit side compressed every echo');
        peer.raw.closeWith(1000);
        await peer.raw.expectClose(1000);
      } finally {
        peer.destroy();
      }
    });
  }
});
