/**
 * The sans-IO opening handshake objects (RFC 6455 §4.1, §4.2): the server's request checks and
 * answers, the client's request and answer checks, each other's peer in memory, and the same
 * events for every chunking of the same bytes.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type ClientHandshakeEvent,
  ClientOpeningHandshake,
  ErrorCode,
  type ServerHandshakeEvent,
  ServerOpeningHandshake,
  WirekitError,
} from '../../../src/core/index.js';
import { bytewise, concat, utf8 } from './helpers.js';

const decoder = new TextDecoder();
const text = (bytes: Uint8Array): string => decoder.decode(bytes);

/** RFC 6455 §1.3's sample request (and its accept value). */
const SAMPLE = [
  'GET /chat HTTP/1.1',
  'Host: server.example.com',
  'Upgrade: websocket',
  'Connection: Upgrade',
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
  'Origin: http://example.com',
  'Sec-WebSocket-Protocol: chat, superchat',
  'Sec-WebSocket-Version: 13',
  '',
  '',
].join('\r\n');
const SAMPLE_ACCEPT = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=';

function serverEvent(chunks: readonly Uint8Array[]): {
  handshake: ServerOpeningHandshake;
  event: ServerHandshakeEvent;
} {
  const handshake = new ServerOpeningHandshake();
  let event: ServerHandshakeEvent = handshake.next();
  for (const chunk of chunks) {
    handshake.receive(chunk);
    event = handshake.next();
    if (event.type !== 'need-data') break;
  }
  return { handshake, event };
}

function refusedWith(request: string): { status: number; answer: string } {
  const { event } = serverEvent([utf8(request)]);
  assert.equal(event.type, 'refused');
  if (event.type !== 'refused') throw new Error('unreachable');
  assert.ok(event.error instanceof WirekitError);
  assert.equal(event.error.code, ErrorCode.WS_HANDSHAKE);
  assert.equal(event.error.status, event.status);
  return { status: event.status, answer: text(event.answer) };
}

describe('ServerOpeningHandshake', () => {
  test('§1.3 sample: a request event, then the 101 with the accept value and the chosen subprotocol', () => {
    const { handshake, event } = serverEvent([utf8(SAMPLE)]);
    assert.equal(event.type, 'request');
    if (event.type !== 'request') return;
    assert.equal(event.head.target, '/chat');
    assert.deepEqual(event.upgrade.protocols, ['chat', 'superchat']);
    assert.equal(event.upgrade.origin, 'http://example.com');
    const { answer, trailing } = handshake.accept({ protocol: 'chat', headers: [['X-A', 'b']] });
    const head = text(answer);
    assert.match(head, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
    assert.match(
      head,
      new RegExp(`\\r\\nSec-WebSocket-Accept: ${SAMPLE_ACCEPT.replace('+', '\\+')}\\r\\n`),
    );
    assert.match(head, /\r\nSec-WebSocket-Protocol: chat\r\n/);
    assert.match(head, /\r\nX-A: b\r\n\r\n$/);
    assert.equal(trailing.length, 0);
  });

  test('every chunking of the request gives the same request event and the same trailing frames', () => {
    const frame = Uint8Array.of(0x81, 0x80, 1, 2, 3, 4); // an empty masked text frame
    const whole = concat(utf8(SAMPLE), frame);
    for (const chunks of [[whole], bytewise(whole)]) {
      const handshake = new ServerOpeningHandshake();
      let event: ServerHandshakeEvent = handshake.next();
      let i = 0;
      while (event.type === 'need-data' && i < chunks.length) {
        handshake.receive(chunks[i++]!);
        event = handshake.next();
      }
      assert.equal(event.type, 'request');
      // Bytes that arrive before the decision come back as `trailing` too.
      while (i < chunks.length) handshake.receive(chunks[i++]!);
      assert.deepEqual([...handshake.accept().trailing], [...frame]);
    }
  });

  test('a request that is not an upgrade is refused with 426 and Upgrade: websocket', () => {
    const { status, answer } = refusedWith('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    assert.equal(status, 426);
    assert.match(answer, /\r\nUpgrade: websocket\r\n/);
    assert.match(answer, /\r\nConnection: upgrade, close\r\n/);
  });

  test('§4.2.1 refusals: 405 with Allow for POST, 426 with the version for 8, 400 for a bad key', () => {
    const post = refusedWith(SAMPLE.replace('GET', 'POST'));
    assert.equal(post.status, 405);
    assert.match(post.answer, /\r\nAllow: GET\r\n/);
    const version = refusedWith(SAMPLE.replace('Version: 13', 'Version: 8'));
    assert.equal(version.status, 426);
    assert.match(version.answer, /\r\nSec-WebSocket-Version: 13\r\n/);
    assert.equal(refusedWith(SAMPLE.replace('dGhlIHNhbXBsZSBub25jZQ==', 'short')).status, 400);
    assert.equal(refusedWith(SAMPLE.replace('chat, superchat', 'chat, chat')).status, 400);
  });

  test('an upgrade request with a body is refused with 400 (its bytes would be read as frames)', () => {
    const withBody = SAMPLE.replace('\r\n\r\n', '\r\nContent-Length: 2\r\n\r\nhi');
    assert.equal(refusedWith(withBody).status, 400);
  });

  test('HTTP errors are answered with their status: 431 past maxHeadBytes, 400 for junk', () => {
    const handshake = new ServerOpeningHandshake({ maxHeadBytes: 64 });
    handshake.receive(utf8(SAMPLE));
    const event = handshake.next();
    assert.equal(event.type === 'refused' && event.status, 431);
    assert.equal(refusedWith('\x16\x03\x01 not http').status, 400);
  });

  test('the client closing before a whole request is a closed event', () => {
    const handshake = new ServerOpeningHandshake();
    handshake.receive(utf8('GET /chat HTTP/1.1\r\nHost: a'));
    assert.equal(handshake.next().type, 'need-data');
    handshake.receiveEof();
    const event = handshake.next();
    assert.ok(event.type === 'closed' || event.type === 'refused', event.type);
  });

  test('refuse() answers a request with its status; a second decision, or a non-error status, throws', () => {
    const { handshake } = serverEvent([utf8(SAMPLE)]);
    assert.throws(() => handshake.refuse(200), { code: ErrorCode.INVALID_ARGUMENT });
    const answer = text(handshake.refuse(403, 'not you'));
    assert.match(answer, /^HTTP\/1\.1 403 Forbidden\r\n/);
    assert.match(answer, /\r\n\r\nnot you\n$/);
    assert.throws(() => handshake.accept(), { code: ErrorCode.INVALID_ARGUMENT });
    assert.throws(() => new ServerOpeningHandshake().accept(), {
      code: ErrorCode.INVALID_ARGUMENT,
    });
  });
});

function clientEvent(
  handshake: ClientOpeningHandshake,
  chunks: readonly Uint8Array[],
): ClientHandshakeEvent {
  let event: ClientHandshakeEvent = handshake.next();
  for (const chunk of chunks) {
    handshake.receive(chunk);
    event = handshake.next();
    if (event.type !== 'need-data') break;
  }
  return event;
}

/** A server handshake that answers `client`'s request with `choice`. */
function answerFor(client: ClientOpeningHandshake, protocol?: string): Uint8Array {
  const { handshake, event } = serverEvent([client.request]);
  assert.equal(event.type, 'request');
  return handshake.accept(protocol === undefined ? {} : { protocol }).answer;
}

describe('ClientOpeningHandshake', () => {
  test('the request is an upgrade GET with a fresh key, version 13 and the offers (§4.1)', () => {
    const client = new ClientOpeningHandshake({
      host: 'example.com:8080',
      resource: '/feed?x=1',
      protocols: ['v2', 'v1'],
      extensions: 'permessage-deflate',
      origin: 'https://example.com',
      headers: [['Authorization', 'Bearer t']],
    });
    const request = text(client.request);
    assert.match(request, /^GET \/feed\?x=1 HTTP\/1\.1\r\nHost: example\.com:8080\r\n/);
    assert.match(request, /\r\nSec-WebSocket-Key: [A-Za-z0-9+/]{22}==\r\n/);
    assert.match(request, /\r\nSec-WebSocket-Version: 13\r\n/);
    assert.match(request, /\r\nSec-WebSocket-Protocol: v2, v1\r\n/);
    assert.match(request, /\r\nSec-WebSocket-Extensions: permessage-deflate\r\n/);
    assert.match(request, /\r\nAuthorization: Bearer t\r\n\r\n$/);
    assert.throws(
      () => new ClientOpeningHandshake({ host: 'a', resource: '/', protocols: ['a', 'a'] }),
      {
        code: ErrorCode.INVALID_ARGUMENT,
      },
    );
  });

  test('paired with the server object: accepted with the subprotocol and the frames after the 101, for every chunking', () => {
    const frame = Uint8Array.of(0x81, 0x02, 0x68, 0x69); // "hi" from the server
    for (const split of [false, true]) {
      const client = new ClientOpeningHandshake({
        host: 'a',
        resource: '/',
        protocols: ['v2', 'v1'],
      });
      const answer = concat(answerFor(client, 'v1'), frame);
      const event = clientEvent(client, split ? bytewise(answer) : [answer]);
      assert.equal(event.type, 'accepted');
      if (event.type !== 'accepted') return;
      assert.equal(event.protocol, 'v1');
      if (!split) assert.deepEqual([...event.trailing], [...frame]);
    }
  });

  test('103 Early Hints before the 101 is skipped', () => {
    const client = new ClientOpeningHandshake({ host: 'a', resource: '/' });
    const hints = utf8('HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n');
    assert.equal(clientEvent(client, [concat(hints, answerFor(client))]).type, 'accepted');
  });

  test('a non-101 answer is refused with its status and the start of its body', () => {
    const client = new ClientOpeningHandshake({ host: 'a', resource: '/' });
    const body = 'login first'.padEnd(400, '.');
    const answer = utf8(
      `HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    const event = clientEvent(client, bytewise(answer));
    assert.equal(event.type, 'refused');
    if (event.type !== 'refused') return;
    assert.equal(event.error.code, ErrorCode.WS_HANDSHAKE);
    assert.equal(event.error.status, 401);
    assert.match(event.error.message, /401 Unauthorized.*login first/);
    assert.equal(event.headers?.get('www-authenticate'), 'Bearer');
  });

  test('a wrong accept value and an unoffered subprotocol are refused (§4.1 items 4 and 6)', () => {
    const client = new ClientOpeningHandshake({ host: 'a', resource: '/' });
    const wrong = utf8(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${SAMPLE_ACCEPT}\r\n\r\n`,
    );
    const event = clientEvent(client, [wrong]);
    assert.equal(event.type === 'refused' && event.error.code, ErrorCode.WS_HANDSHAKE);
    const offered = new ClientOpeningHandshake({ host: 'a', resource: '/', protocols: ['v1'] });
    const sneaky = answerFor(offered, 'v1');
    const other = new ClientOpeningHandshake({ host: 'a', resource: '/' });
    // The same answer to a client that offered nothing: a wrong accept first, and a subprotocol.
    assert.equal(clientEvent(other, [sneaky]).type, 'refused');
  });

  test('the server closing before its answer is ERR_CONNECTION_LOST; garbage is ERR_WS_HANDSHAKE', () => {
    const client = new ClientOpeningHandshake({ host: 'a', resource: '/' });
    client.receiveEof();
    const lost = client.next();
    assert.equal(lost.type === 'refused' && lost.error.code, ErrorCode.CONNECTION_LOST);
    const junk = new ClientOpeningHandshake({ host: 'a', resource: '/' });
    const event = clientEvent(junk, [utf8('SSH-2.0-OpenSSH\r\n')]);
    assert.equal(event.type === 'refused' && event.error.code, ErrorCode.WS_HANDSHAKE);
  });
});
