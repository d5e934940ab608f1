/**
 * permessage-deflate negotiation over real sockets (RFC 7692 §5, §7.1): offers wirekit's server
 * must decline (parameters out of range, unknown, repeated, valued flags, an 8-bit window zlib
 * cannot honour) — and then the connection works uncompressed — fallback offers it takes, and
 * answers wirekit's client must refuse with `ERR_WS_HANDSHAKE`.
 *
 * Over TCP only, on purpose: negotiation is the same code on every transport (the compression
 * groups of the conformance suite run over all of them), and the refusal of a malformed header
 * is checked as an HTTP/1.1 status line.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { ErrorCode, WirekitError } from '../../src/core/errors.js';
import { agreementFromAnswer, DeflatePeer, parseExtensions } from '../conformance/deflate-peer.js';
import {
  type DeflateClientTarget,
  type DeflateServerTarget,
  deflateClientTarget,
  deflateServerTarget,
} from '../conformance/deflate-targets.js';
import type { RawPeer } from '../conformance/raw-peer.js';
import { OP } from '../conformance/wire-frame.js';
import { testTransport } from '../transports/test-transports.js';

const tcp = testTransport('tcp');

/** Echo a text message without compression and close cleanly: the connection works. */
async function worksUncompressed(peer: RawPeer): Promise<void> {
  peer.send({ opcode: OP.TEXT, payload: 'plain '.repeat(400) });
  await peer.expectMessage(OP.TEXT, 'plain '.repeat(400)); // asserts RSV bits are 0
  peer.closeWith(1000);
  await peer.expectClose(1000);
}

describe('server: offers it must decline (RFC 7692 §7.1)', () => {
  const target: DeflateServerTarget = deflateServerTarget(tcp, { mode: 'dedicated' });
  after(() => target.close());

  const declined: readonly [string, string][] = [
    [
      'server_max_window_bits=8 (zlib cannot compress with it)',
      'permessage-deflate; server_max_window_bits=8',
    ],
    [
      'server_max_window_bits=7 (below 8, §7.1.2.1)',
      'permessage-deflate; server_max_window_bits=7',
    ],
    ['server_max_window_bits=16 (above 15)', 'permessage-deflate; server_max_window_bits=16'],
    [
      'server_max_window_bits=010 (leading zero, §7.1.2)',
      'permessage-deflate; server_max_window_bits=010',
    ],
    ['server_max_window_bits without a value', 'permessage-deflate; server_max_window_bits'],
    ['server_max_window_bits="abc"', 'permessage-deflate; server_max_window_bits="abc"'],
    ['client_max_window_bits=16', 'permessage-deflate; client_max_window_bits=16'],
    ['client_max_window_bits=7', 'permessage-deflate; client_max_window_bits=7'],
    ['client_max_window_bits=0', 'permessage-deflate; client_max_window_bits=0'],
    ['an unknown parameter (§7.1)', 'permessage-deflate; x_window=1'],
    [
      'a repeated parameter (§7.1)',
      'permessage-deflate; client_no_context_takeover; client_no_context_takeover',
    ],
    [
      'a valued server_no_context_takeover (§7.1.1.1)',
      'permessage-deflate; server_no_context_takeover=1',
    ],
    [
      'a valued client_no_context_takeover (§7.1.1.2)',
      'permessage-deflate; client_no_context_takeover="true"',
    ],
    ['only an unknown extension', 'x-webkit-deflate-frame'],
  ];
  for (const [what, offer] of declined) {
    test(`${what}: declined, and the connection works uncompressed`, async () => {
      const { head, extensions, peer } = await target.handshake(offer);
      assert.ok(peer !== undefined, `101 expected: ${head}`);
      try {
        assert.equal(extensions, undefined, 'no Sec-WebSocket-Extensions in the answer');
        await worksUncompressed(peer);
      } finally {
        peer.destroy();
      }
    });
  }

  test('server_max_window_bits=8 with a fallback offer: the fallback is taken (§5.1)', async () => {
    const offer =
      'permessage-deflate; server_max_window_bits=8; client_max_window_bits, permessage-deflate; server_max_window_bits=10; client_max_window_bits=12';
    const { extensions, peer } = await target.handshake(offer);
    assert.ok(peer !== undefined && extensions !== undefined);
    const answer = parseExtensions(extensions);
    assert.equal(answer.length, 1);
    assert.equal(answer[0]!.params.get('server_max_window_bits'), '10');
    assert.equal(answer[0]!.params.get('client_max_window_bits'), '12');
    const deflatePeer = new DeflatePeer(
      peer,
      agreementFromAnswer(offer.slice(offer.indexOf(', ') + 2), extensions),
      extensions,
      { strictWindow: true },
    );
    try {
      const payload = Buffer.from('fallback offer, fallback offer, '.repeat(200));
      await deflatePeer.send(OP.TEXT, payload);
      const echo = await deflatePeer.expectMessage(OP.TEXT, payload);
      assert.ok(echo.compressed, 'the dedicated server compresses its echo');
    } finally {
      deflatePeer.destroy();
    }
  });

  test('a bad first offer (unknown parameter) and a good second one: the second is taken', async () => {
    const { extensions, peer } = await target.handshake(
      'permessage-deflate; mystery, permessage-deflate; client_no_context_takeover',
    );
    assert.ok(peer !== undefined);
    peer.destroy();
    assert.equal(extensions, 'permessage-deflate; client_no_context_takeover');
  });

  test('client_max_window_bits=8 is accepted: the server inflates with a larger window', async () => {
    const offer = 'permessage-deflate; client_max_window_bits=8';
    const { extensions, peer } = await target.handshake(offer);
    assert.ok(peer !== undefined && extensions !== undefined);
    const deflatePeer = new DeflatePeer(peer, agreementFromAnswer(offer, extensions), extensions);
    try {
      assert.equal(deflatePeer.agreement?.clientMaxWindowBits, 8);
      const payload = Buffer.from('eight bits '.repeat(500));
      await deflatePeer.send(OP.TEXT, payload);
      await deflatePeer.expectMessage(OP.TEXT, payload);
    } finally {
      deflatePeer.destroy();
    }
  });

  test('a malformed Sec-WebSocket-Extensions header is refused with 400 (RFC 6455 §9.1)', async () => {
    const { head, peer } = await target.handshake('permessage-deflate; a="unterminated');
    assert.equal(peer, undefined);
    assert.match(head, /^HTTP\/1\.1 400 /);
  });
});

describe('server: its own limits shape the answer', () => {
  const target: DeflateServerTarget = deflateServerTarget(tcp, {
    mode: 'dedicated',
    serverMaxWindowBits: 10,
    clientMaxWindowBits: 11,
  });
  after(() => target.close());

  test('serverMaxWindowBits and clientMaxWindowBits are answered (§7.1.2.1, §7.1.2.2)', async () => {
    const offer = 'permessage-deflate; client_max_window_bits';
    const { extensions, peer } = await target.handshake(offer);
    assert.ok(peer !== undefined && extensions !== undefined);
    const deflatePeer = new DeflatePeer(peer, agreementFromAnswer(offer, extensions), extensions, {
      strictWindow: true,
    });
    try {
      assert.equal(deflatePeer.agreement?.serverMaxWindowBits, 10);
      assert.equal(deflatePeer.agreement?.clientMaxWindowBits, 11);
      const payload = Buffer.concat([Buffer.alloc(1100, 1), Buffer.from('x'.repeat(5000))]);
      await deflatePeer.send(OP.BINARY, payload);
      await deflatePeer.expectMessage(OP.BINARY, payload);
    } finally {
      deflatePeer.destroy();
    }
  });

  test('an offer without client_max_window_bits cannot be limited (§7.1.2.2): the server declines it', async () => {
    // The answer may not carry client_max_window_bits, so a server told to limit the client's
    // window declines compression rather than inflate with a larger window than configured.
    const { extensions, peer } = await target.handshake('permessage-deflate');
    peer?.destroy();
    assert.equal(extensions, undefined);
  });
});

describe('client: answers it must refuse with ERR_WS_HANDSHAKE (RFC 7692 §7.1)', () => {
  const target: DeflateClientTarget = deflateClientTarget(tcp, {
    mode: 'dedicated',
    serverMaxWindowBits: 12,
    clientMaxWindowBits: 13,
  });
  const plain: DeflateClientTarget = deflateClientTarget(tcp, false);
  const sharedClient: DeflateClientTarget = deflateClientTarget(tcp, { mode: 'shared' });
  after(() => Promise.all([target.close(), plain.close(), sharedClient.close()]));

  const refused: readonly [string, string][] = [
    ['server_max_window_bits=16', 'permessage-deflate; server_max_window_bits=16'],
    ['server_max_window_bits=7', 'permessage-deflate; server_max_window_bits=7'],
    [
      'server_max_window_bits larger than offered (§7.1.2.1)',
      'permessage-deflate; server_max_window_bits=13',
    ],
    [
      'server_max_window_bits missing though offered (§7.1.2.1)',
      'permessage-deflate; client_max_window_bits=13',
    ],
    [
      'client_max_window_bits=16',
      'permessage-deflate; server_max_window_bits=12; client_max_window_bits=16',
    ],
    [
      'client_max_window_bits larger than offered (§7.1.2.2)',
      'permessage-deflate; server_max_window_bits=12; client_max_window_bits=14',
    ],
    [
      'client_max_window_bits without a value (§7.1.2.2)',
      'permessage-deflate; server_max_window_bits=12; client_max_window_bits',
    ],
    [
      'client_max_window_bits=8 (zlib cannot compress with it)',
      'permessage-deflate; server_max_window_bits=12; client_max_window_bits=8',
    ],
    ['an unknown parameter (§7.1)', 'permessage-deflate; server_max_window_bits=12; surprise'],
    [
      'a repeated parameter (§7.1)',
      'permessage-deflate; server_max_window_bits=12; server_max_window_bits=12',
    ],
    [
      'a valued client_no_context_takeover',
      'permessage-deflate; server_max_window_bits=12; client_no_context_takeover=1',
    ],
    [
      'permessage-deflate twice',
      'permessage-deflate; server_max_window_bits=12, permessage-deflate; server_max_window_bits=12',
    ],
    ['an extension that was not offered (RFC 6455 §4.1)', 'x-custom'],
    ['a malformed header', 'permessage-deflate; server_max_window_bits="12'],
  ];
  for (const [what, answer] of refused) {
    test(`${what}`, async () => {
      const { offer, client, peer } = await target.handshake(() => answer);
      peer.destroy();
      assert.equal(
        offer,
        'permessage-deflate; server_max_window_bits=12; client_max_window_bits=13',
        'the offer carries the configured windows',
      );
      assert.ok(client instanceof WirekitError, `rejected: ${String(client)}`);
      assert.equal(client.code, ErrorCode.WS_HANDSHAKE);
    });
  }

  test('permessage-deflate answered though the client did not offer it', async () => {
    const { offer, client, peer } = await plain.handshake(() => 'permessage-deflate');
    peer.destroy();
    assert.equal(offer, undefined);
    assert.ok(client instanceof WirekitError);
    assert.equal(client.code, ErrorCode.WS_HANDSHAKE);
  });

  test('server_no_context_takeover offered (shared mode) but not echoed (§7.1.1.1)', async () => {
    const { offer, client, peer } = await sharedClient.handshake(
      () => 'permessage-deflate; client_no_context_takeover',
    );
    peer.destroy();
    assert.match(offer ?? '', /server_no_context_takeover/);
    assert.ok(client instanceof WirekitError);
    assert.equal(client.code, ErrorCode.WS_HANDSHAKE);
  });

  test('no extension in the answer: the connection works uncompressed', async () => {
    const { client, peer } = await target.handshake(() => undefined);
    try {
      assert.ok(!(client instanceof Error));
      assert.equal(client.extensions, '');
      await worksUncompressed(peer);
    } finally {
      peer.destroy();
    }
  });

  test('server_max_window_bits=8: accepted, inflated with a window at least as large', async () => {
    const answer = 'permessage-deflate; server_max_window_bits=8; client_max_window_bits=9';
    const { offer, client, peer } = await target.handshake(() => answer);
    assert.ok(!(client instanceof Error), String(client));
    const deflatePeer = new DeflatePeer(peer, agreementFromAnswer(offer!, answer), answer, {
      strictWindow: true,
    });
    try {
      const payload = Buffer.from('eight-bit window from the server; '.repeat(300));
      await deflatePeer.send(OP.TEXT, payload);
      const echo = await deflatePeer.expectMessage(OP.TEXT, payload);
      assert.ok(echo.compressed, 'the client compressed its echo with a 9-bit window');
    } finally {
      deflatePeer.destroy();
    }
  });
});
