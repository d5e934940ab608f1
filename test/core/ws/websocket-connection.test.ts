/**
 * WebSocketConnection: the close handshake and state machine (RFC 6455 §5.5.1, §7.1), failing
 * the connection with the right code and the close frame queued (§7.1.7, §7.4), auto-pong
 * (§5.5.2) and every misuse error with its stable code.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode, WirekitError } from '../../../src/core/errors.js';
import { ReadKind, type Role } from '../../../src/core/ws/frame-reader.js';
import { ReadyState } from '../../../src/core/ws/ready-state.js';
import {
  WebSocketConnection,
  type WebSocketConnectionOptions,
} from '../../../src/core/ws/websocket-connection.js';
import type { WebSocketEvent } from '../../../src/core/ws/websocket-event.js';
import {
  clientFrame,
  closeBody,
  concat,
  drainConnection,
  ERROR_CASES,
  fixedKeys,
  frame,
  hex,
  parseOutput,
  peerFrame,
  type ReaderEvent,
  toHex,
  utf8,
} from './helpers.js';

function connect(role: Role, options: Partial<WebSocketConnectionOptions> = {}) {
  return new WebSocketConnection({
    role,
    ...(role === 'client' ? { maskKeys: fixedKeys() } : {}),
    ...options,
  });
}

/** Reader events as the connection reports them. */
function asConnectionEvent(e: ReaderEvent): WebSocketEvent {
  if (e.kind === 'close' || e.kind === 'error') throw new Error('not a data event');
  return { type: e.kind, data: e.data };
}

function throwsCode(fn: () => unknown, code: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof WirekitError, 'a WirekitError');
    assert.ok(e instanceof Error);
    assert.equal(e.code, code);
    assert.equal(e.name, 'WirekitError');
    return true;
  });
}

/** Close frames in `output`, as [code, reason] pairs. */
function closeFrames(output: Uint8Array, senderRole: Role): [number, string][] {
  return parseOutput(output, senderRole).flatMap((e) =>
    e.kind === 'close' ? [[e.code, e.reason] as [number, string]] : [],
  );
}

describe('WebSocketConnection: §7.1.7 every peer error fails the connection with its code', () => {
  for (const c of ERROR_CASES) {
    if (c.options?.allowCompressed !== undefined) continue; // not a connection option (yet)
    test(c.name, () => {
      const conn = connect(c.role, {
        ...(c.options?.maxFrameSize === undefined ? {} : { maxFrameSize: c.options.maxFrameSize }),
        ...(c.options?.maxMessageSize === undefined
          ? {}
          : { maxMessageSize: c.options.maxMessageSize }),
      });
      conn.receive(c.wire.slice());
      const events = drainConnection(conn);
      const before = (c.before ?? []).map(asConnectionEvent);
      assert.deepEqual(events.slice(0, -1), before);
      const last = events.at(-1);
      assert.ok(last?.type === 'close', 'ends with a close event');
      assert.equal(last.code, c.code);
      assert.equal(last.wasClean, false);
      assert.equal(last.initiator, 'local');
      assert.equal(conn.readyState, ReadyState.CLOSED);
      // The close frame queued for the peer carries the same code (§7.1.7), exactly once.
      const output = conn.takeOutput();
      const closes = closeFrames(output, c.role);
      assert.equal(closes.length, 1);
      assert.equal(closes[0]![0], c.code);
      const parsed = parseOutput(output, c.role);
      assert.equal(parsed.at(-1)?.kind, 'close', 'the close frame is the last thing sent');
      // Nothing more happens afterwards.
      conn.receive(peerFrame(c.role, { opcode: 1, payload: 'late' }));
      assert.equal(conn.next(), null);
      assert.equal(conn.outputLength, 0);
    });
  }
});

describe('WebSocketConnection: §5.5.1 / §7.1 close handshake', () => {
  test('§5.5.1 peer-initiated close is echoed with the same code and reason, initiator remote, clean', () => {
    const server = connect('server');
    server.receive(clientFrame({ opcode: 8, payload: closeBody(1001, 'going away') }));
    assert.deepEqual(drainConnection(server), [
      { type: 'close', code: 1001, reason: 'going away', wasClean: true, initiator: 'remote' },
    ]);
    assert.equal(server.readyState, ReadyState.CLOSED);
    // FIN + close, 12 bytes: 1001, then 'going away' in UTF-8.
    assert.equal(toHex(server.takeOutput()), '88 0c 03 e9 67 6f 69 6e 67 20 61 77 61 79');
  });

  test('§5.5.1 a 123-byte UTF-8 reason (the most a close frame holds) is echoed whole by a client (masked)', () => {
    const client = connect('client');
    const reason = `${'€'.repeat(40)}abc`; // 3 × 40 + 3 = 123 bytes
    client.receive(frame({ opcode: 8, payload: closeBody(4000, reason) }));
    assert.deepEqual(drainConnection(client), [
      { type: 'close', code: 4000, reason, wasClean: true, initiator: 'remote' },
    ]);
    const out = client.takeOutput();
    assert.equal(out[1]! & 0x80, 0x80, 'masked');
    assert.equal(out[1]! & 0x7f, 125, 'a 125-byte body');
    assert.deepEqual(closeFrames(out, 'client'), [[4000, reason]]);
  });

  test('§5.5.1 peer close with a code only, echoed by a client (masked)', () => {
    const client = connect('client');
    client.receive(hex('88 02 0f a0')); // 4000
    assert.deepEqual(drainConnection(client), [
      { type: 'close', code: 4000, reason: '', wasClean: true, initiator: 'remote' },
    ]);
    const out = client.takeOutput();
    assert.equal(out[1]! & 0x80, 0x80, 'masked');
    assert.deepEqual(closeFrames(out, 'client'), [[4000, '']]);
  });

  test('§5.5.1 empty close body: 1005 reported, an empty close echoed', () => {
    const server = connect('server');
    server.receive(clientFrame({ opcode: 8 }));
    assert.deepEqual(drainConnection(server), [
      { type: 'close', code: 1005, reason: '', wasClean: true, initiator: 'remote' },
    ]);
    assert.equal(toHex(server.takeOutput()), '88 00');
  });

  test('§7.1.2 local close then peer close: initiator local, wasClean, one close frame', () => {
    const server = connect('server');
    assert.equal(server.readyState, ReadyState.OPEN);
    server.close(1000, 'done');
    assert.equal(server.readyState, ReadyState.CLOSING);
    assert.equal(toHex(server.takeOutput()), '88 06 03 e8 64 6f 6e 65');
    assert.equal(server.next(), null);
    server.receive(clientFrame({ opcode: 8, payload: closeBody(1000) }));
    assert.deepEqual(drainConnection(server), [
      { type: 'close', code: 1000, reason: '', wasClean: true, initiator: 'local' },
    ]);
    assert.equal(server.readyState, ReadyState.CLOSED);
    assert.equal(server.outputLength, 0, 'no second close frame');
  });

  test('§7.1.2 close() with no code sends an empty close frame', () => {
    const client = connect('client');
    client.close();
    assert.equal(toHex(client.takeOutput()), '88 80 37 fa 21 3d');
  });

  test('§5.5.1 messages received while CLOSING are still delivered', () => {
    const server = connect('server');
    server.close(1001);
    server.takeOutput();
    server.receive(
      concat(
        clientFrame({ opcode: 1, payload: 'still here' }),
        clientFrame({ opcode: 8, payload: closeBody(1001) }),
      ),
    );
    assert.deepEqual(drainConnection(server), [
      { type: 'text', data: utf8('still here') },
      { type: 'close', code: 1001, reason: '', wasClean: true, initiator: 'local' },
    ]);
  });

  test('§5.5.1 data after a close frame is ignored', () => {
    const client = connect('client');
    client.receive(concat(hex('88 02 03 e8'), frame({ opcode: 1, payload: 'ignored' })));
    assert.deepEqual(drainConnection(client), [
      { type: 'close', code: 1000, reason: '', wasClean: true, initiator: 'remote' },
    ]);
    client.receive(frame({ opcode: 1, payload: 'ignored too' }));
    assert.equal(client.next(), null);
    assert.equal(client.poll(), ReadKind.NEED_DATA);
    assert.equal(client.receivedLength, 0);
  });

  test('§7.1.7 protocol error queues exactly one close frame, wasClean false', () => {
    const server = connect('server');
    server.receive(clientFrame({ opcode: 3 }));
    server.receive(clientFrame({ opcode: 4 }));
    const events = drainConnection(server);
    assert.equal(events.length, 1);
    assert.deepEqual(
      { ...events[0], reason: '' },
      {
        type: 'close',
        code: 1002,
        reason: '',
        wasClean: false,
        initiator: 'local',
      },
    );
    assert.deepEqual(
      closeFrames(server.takeOutput(), 'server').map(([code]) => code),
      [1002],
    );
    assert.equal(server.next(), null);
    assert.equal(server.outputLength, 0);
  });

  test('§7.1.7 protocol error while CLOSING: no second close frame', () => {
    const client = connect('client');
    client.close(1000);
    client.takeOutput();
    client.receive(frame({ opcode: 1, payload: hex('ff') }));
    const [event, ...rest] = drainConnection(client);
    assert.deepEqual(rest, []);
    assert.ok(event?.type === 'close');
    assert.equal(event.code, 1007);
    assert.equal(event.wasClean, false);
    assert.equal(event.initiator, 'local');
    assert.equal(client.outputLength, 0);
  });

  test('§7.1.7 the close frame for a protocol error has a valid UTF-8 reason of ≤ 123 bytes', () => {
    const server = connect('server', { maxMessageSize: 10 });
    server.receive(clientFrame({ opcode: 2, payload: new Uint8Array(11) }));
    drainConnection(server);
    const closes = closeFrames(server.takeOutput(), 'server');
    assert.equal(closes.length, 1);
    assert.equal(closes[0]![0], 1009);
    assert.ok(utf8(closes[0]![1]).length <= 123);
  });

  test('§8.1 invalid UTF-8 fails fast: close 1007 queued before the later fragments arrive', () => {
    const server = connect('server');
    server.receive(clientFrame({ opcode: 1, fin: false, payload: hex('ce ba e1 bd b9') }));
    assert.deepEqual(drainConnection(server), []);
    server.receive(clientFrame({ opcode: 0, fin: false, payload: hex('f4 90 80 80') }));
    const [event] = drainConnection(server);
    assert.ok(event?.type === 'close');
    assert.equal(event.code, 1007);
    assert.deepEqual(
      closeFrames(server.takeOutput(), 'server').map(([code]) => code),
      [1007],
    );
    server.receive(clientFrame({ opcode: 0, payload: 'edited' }));
    assert.equal(server.next(), null);
  });

  test('§10.4 a frame header announcing more than maxMessageSize fails at once', () => {
    const client = connect('client', { maxMessageSize: 1 << 20 });
    client.receive(hex('82 7f 00 00 00 00 00 10 00 01')); // 1 MiB + 1, no payload yet
    const [event] = drainConnection(client);
    assert.ok(event?.type === 'close');
    assert.equal(event.code, 1009);
    assert.deepEqual(
      closeFrames(client.takeOutput(), 'client').map(([code]) => code),
      [1009],
    );
  });

  test('§7.1.5 receiveEof gives 1006 after delivering pending messages', () => {
    const client = connect('client');
    client.receive(
      concat(frame({ opcode: 1, payload: 'one' }), frame({ opcode: 2, payload: 'two' })),
    );
    client.receive(hex('81 05 48')); // a partial frame that will never finish
    client.receiveEof();
    assert.deepEqual(drainConnection(client), [
      { type: 'text', data: utf8('one') },
      { type: 'binary', data: utf8('two') },
      { type: 'close', code: 1006, reason: '', wasClean: false, initiator: 'remote' },
    ]);
    assert.equal(client.readyState, ReadyState.CLOSED);
    assert.equal(client.outputLength, 0, '1006 is never sent (§7.4.1)');
  });

  test('§7.1.5 receiveEof while CLOSING: 1006, initiator local', () => {
    const server = connect('server');
    server.close(1000);
    server.receiveEof();
    assert.deepEqual(drainConnection(server), [
      { type: 'close', code: 1006, reason: '', wasClean: false, initiator: 'local' },
    ]);
  });

  test('§7.1.5 receiveEof after a clean close changes nothing', () => {
    const server = connect('server');
    server.receive(clientFrame({ opcode: 8, payload: closeBody(1000) }));
    assert.equal(drainConnection(server).length, 1);
    server.receiveEof();
    assert.equal(server.next(), null);
  });

  test('§7.1.2 close() while CLOSING or CLOSED is a no-op', () => {
    const server = connect('server');
    server.close(1000);
    server.takeOutput();
    server.close(1001, 'again');
    assert.equal(server.outputLength, 0);
    server.receive(clientFrame({ opcode: 8 }));
    drainConnection(server);
    server.close(1000);
    assert.equal(server.outputLength, 0);
  });

  test('poll() exposes the close details as fields', () => {
    const server = connect('server');
    server.receive(clientFrame({ opcode: 8, payload: closeBody(3000, 'app') }));
    assert.equal(server.poll(), ReadKind.CLOSE);
    assert.equal(server.closeCode, 3000);
    assert.equal(server.closeReason, 'app');
    assert.equal(server.wasClean, true);
    assert.equal(server.initiator, 'remote');
    assert.equal(server.poll(), ReadKind.NEED_DATA);
  });
});

describe('WebSocketConnection: §5.5.2 ping and pong', () => {
  test('§5.7 unmasked ping request and masked pong response (client auto-pong)', () => {
    const client = connect('client'); // masking key 37 fa 21 3d
    client.receive(hex('89 05 48 65 6c 6c 6f'));
    assert.deepEqual(drainConnection(client), [{ type: 'ping', data: utf8('Hello') }]);
    assert.equal(toHex(client.takeOutput()), '8a 85 37 fa 21 3d 7f 9f 4d 51 58');
  });

  test('§5.5.2 a server answers a ping with a pong carrying the same payload', () => {
    const server = connect('server');
    const payload = new Uint8Array(125).map((_, i) => i);
    server.receive(clientFrame({ opcode: 9, payload }));
    assert.equal(server.poll(), ReadKind.PING);
    assert.deepEqual(server.payload, payload);
    assert.deepEqual(server.takeOutput(), frame({ opcode: 0xa, payload }));
  });

  test('§5.5.2 autoPong: false delivers the ping and sends nothing', () => {
    const server = connect('server', { autoPong: false });
    server.receive(clientFrame({ opcode: 9, payload: 'x' }));
    assert.deepEqual(drainConnection(server), [{ type: 'ping', data: utf8('x') }]);
    assert.equal(server.outputLength, 0);
    server.pong('x');
    assert.equal(toHex(server.takeOutput()), '8a 01 78');
  });

  test('§5.5.2 a ping received while CLOSING is still answered (MUST, until the peer closes)', () => {
    const server = connect('server');
    server.close(1000);
    server.takeOutput();
    server.receive(clientFrame({ opcode: 9, payload: 'still there?' }));
    assert.deepEqual(drainConnection(server), [{ type: 'ping', data: utf8('still there?') }]);
    assert.deepEqual(server.takeOutput(), frame({ opcode: 0xa, payload: 'still there?' }));
  });

  test('§5.5.2 with autoPong: false, pong() is allowed while CLOSING', () => {
    const client = connect('client', { autoPong: false });
    client.close(1000);
    client.takeOutput();
    client.pong('p');
    assert.equal(toHex(client.takeOutput()), '8a 81 37 fa 21 3d 47');
  });

  test('§5.5.3 pongs from the peer are delivered; nothing is sent back', () => {
    const client = connect('client');
    client.receive(frame({ opcode: 0xa, payload: 'hb' }));
    assert.deepEqual(drainConnection(client), [{ type: 'pong', data: utf8('hb') }]);
    assert.equal(client.outputLength, 0);
  });

  test('§5.5.2 several pings answered in order, interleaved with a fragmented message', () => {
    const server = connect('server');
    server.receive(
      concat(
        clientFrame({ opcode: 1, fin: false, payload: 'a' }),
        clientFrame({ opcode: 9, payload: '1' }),
        clientFrame({ opcode: 0, fin: false, payload: 'b' }),
        clientFrame({ opcode: 9, payload: '2' }),
        clientFrame({ opcode: 0, payload: 'c' }),
      ),
    );
    assert.deepEqual(drainConnection(server), [
      { type: 'ping', data: utf8('1') },
      { type: 'ping', data: utf8('2') },
      { type: 'text', data: utf8('abc') },
    ]);
    assert.equal(toHex(server.takeOutput()), '8a 01 31 8a 01 32');
  });
});

describe('WebSocketConnection: caller misuse throws typed errors with stable codes', () => {
  test('ERR_WS_SEND_AFTER_CLOSE: sends while CLOSING', () => {
    const server = connect('server');
    server.close(1000);
    server.takeOutput();
    throwsCode(() => server.sendText('x'), 'ERR_WS_SEND_AFTER_CLOSE');
    throwsCode(() => server.sendBinary(hex('01')), 'ERR_WS_SEND_AFTER_CLOSE');
    assert.equal(server.outputLength, 0);
    // §5.5.1 forbids only data frames after a close frame: a ping may still go out.
    server.ping('still there?');
    assert.equal(toHex(server.takeOutput()).slice(0, 5), '89 0c');
  });

  test('ERR_WS_SEND_AFTER_CLOSE: sends when CLOSED (after the peer closed)', () => {
    const client = connect('client');
    client.receive(hex('88 00'));
    drainConnection(client);
    client.takeOutput();
    throwsCode(() => client.sendText('x'), 'ERR_WS_SEND_AFTER_CLOSE');
    throwsCode(() => client.sendBinary('x'), 'ERR_WS_SEND_AFTER_CLOSE');
    throwsCode(() => client.ping('x'), 'ERR_WS_SEND_AFTER_CLOSE');
    throwsCode(() => client.pong('x'), 'ERR_WS_SEND_AFTER_CLOSE');
    assert.equal(client.outputLength, 0);
  });

  for (const code of [
    0,
    999,
    1004,
    1005,
    1006,
    1015,
    1016,
    2999,
    5000,
    65535,
    1000.5,
    Number.NaN,
  ]) {
    test(`§7.4 close(${code}) throws ERR_WS_INVALID_CLOSE_CODE and sends nothing`, () => {
      const server = connect('server');
      throwsCode(() => server.close(code), 'ERR_WS_INVALID_CLOSE_CODE');
      assert.equal(server.readyState, ReadyState.OPEN);
      assert.equal(server.outputLength, 0);
    });
  }

  for (const code of [1000, 1001, 1003, 1007, 1011, 1014, 3000, 3999, 4000, 4999]) {
    test(`§7.4 close(${code}) is allowed`, () => {
      const client = connect('client');
      client.close(code, 'r');
      assert.deepEqual(closeFrames(client.takeOutput(), 'client'), [[code, 'r']]);
    });
  }

  test('§5.5 ping or pong with 126 bytes throws ERR_WS_CONTROL_TOO_LARGE; 125 is fine', () => {
    const server = connect('server');
    throwsCode(() => server.ping(new Uint8Array(126)), 'ERR_WS_CONTROL_TOO_LARGE');
    throwsCode(() => server.pong('x'.repeat(126)), 'ERR_WS_CONTROL_TOO_LARGE');
    throwsCode(() => server.ping('é'.repeat(63)), 'ERR_WS_CONTROL_TOO_LARGE'); // 126 bytes
    assert.equal(server.outputLength, 0);
    server.ping(new Uint8Array(125));
    assert.equal(server.takeOutput().length, 127);
  });

  test('data that is not a string or a Uint8Array throws ERR_INVALID_ARGUMENT and sends nothing', () => {
    const server = connect('server');
    const values: unknown[] = [123, null, undefined, {}, [1, 2], new ArrayBuffer(3)];
    for (const value of values) {
      const data = value as string;
      throwsCode(() => server.sendText(data), 'ERR_INVALID_ARGUMENT');
      throwsCode(() => server.sendBinary(data), 'ERR_INVALID_ARGUMENT');
      if (value !== undefined) {
        throwsCode(() => server.ping(data), 'ERR_INVALID_ARGUMENT');
        throwsCode(() => server.pong(data), 'ERR_INVALID_ARGUMENT');
      }
    }
    assert.equal(server.outputLength, 0);
    assert.equal(server.readyState, ReadyState.OPEN);
    server.sendBinary(Buffer.from([1])); // a Buffer is a Uint8Array
    assert.equal(toHex(server.takeOutput()), '82 01 01');
  });

  test('misuse is reported before the state: a 126-byte ping on a CLOSED connection throws ERR_WS_CONTROL_TOO_LARGE', () => {
    const client = connect('client');
    client.receive(hex('88 00'));
    drainConnection(client);
    client.takeOutput();
    throwsCode(() => client.ping(new Uint8Array(126)), 'ERR_WS_CONTROL_TOO_LARGE');
    throwsCode(() => client.sendText(42 as unknown as string), 'ERR_INVALID_ARGUMENT');
    throwsCode(() => client.ping(new Uint8Array(125)), 'ERR_WS_SEND_AFTER_CLOSE');
  });

  test('§5.5 close reason of 124 bytes throws ERR_WS_CONTROL_TOO_LARGE; 123 is fine', () => {
    const server = connect('server');
    throwsCode(() => server.close(1000, 'x'.repeat(124)), 'ERR_WS_CONTROL_TOO_LARGE');
    throwsCode(() => server.close(1000, 'é'.repeat(62)), 'ERR_WS_CONTROL_TOO_LARGE');
    assert.equal(server.readyState, ReadyState.OPEN);
    assert.equal(server.outputLength, 0);
    server.close(1000, 'x'.repeat(123));
    assert.deepEqual(closeFrames(server.takeOutput(), 'server'), [[1000, 'x'.repeat(123)]]);
  });

  test('§5.5.1 a close reason without a code throws ERR_INVALID_ARGUMENT', () => {
    const server = connect('server');
    throwsCode(() => server.close(undefined, 'why'), 'ERR_INVALID_ARGUMENT');
    assert.equal(server.readyState, ReadyState.OPEN);
  });

  test('§5.6 sendText with invalid UTF-8 bytes throws ERR_WS_INVALID_UTF8 and sends nothing', () => {
    const server = connect('server');
    for (const bad of [
      hex('ff'),
      hex('c0 af'),
      hex('ed a0 80'),
      hex('f4 90 80 80'),
      hex('e2 82'),
    ]) {
      throwsCode(() => server.sendText(bad), 'ERR_WS_INVALID_UTF8');
    }
    assert.equal(server.outputLength, 0);
    server.sendText(hex('e2 82 ac'));
    assert.deepEqual(parseOutput(server.takeOutput(), 'server'), [
      { kind: 'text', data: utf8('€') },
    ]);
  });

  test('§5.6 fragmented text bytes are validated across fragments; a bad fragment changes nothing', () => {
    const server = connect('server');
    server.sendText(hex('e2 82'), false); // € cut after two bytes: fine so far
    throwsCode(() => server.sendText(hex('28'), true), 'ERR_WS_INVALID_UTF8');
    throwsCode(() => server.sendText(new Uint8Array(0), true), 'ERR_WS_INVALID_UTF8');
    server.sendText(hex('ac'), true);
    assert.deepEqual(parseOutput(server.takeOutput(), 'server'), [
      { kind: 'text', data: utf8('€') },
    ]);
  });

  test('§5.6 utf8Checked skips the check of a whole message only: fragments are still validated', () => {
    const server = connect('server');
    // A whole message the caller vouches for (a received text sent back) goes out unchecked.
    server.sendText(hex('e2 82 ac'), true, true);
    // Inside a fragmented message the validator must see every fragment, vouched for or not.
    server.sendText(hex('e2 82'), false, true);
    throwsCode(() => server.sendText(hex('28'), true, true), 'ERR_WS_INVALID_UTF8');
    server.sendText(hex('ac'), true, true);
    assert.deepEqual(parseOutput(server.takeOutput(), 'server'), [
      { kind: 'text', data: utf8('€') },
      { kind: 'text', data: utf8('€') },
    ]);
  });

  test('§5.6 a string fragment cannot finish a code point left open by a byte fragment', () => {
    // Regression: the string was not checked, so E2 82 + "x" went out as invalid UTF-8 and the
    // validator kept waiting for a continuation byte in the next message.
    const server = connect('server');
    server.sendText(hex('e2 82'), false);
    throwsCode(() => server.sendText('x', true), 'ERR_WS_INVALID_UTF8');
    throwsCode(() => server.sendText('', true), 'ERR_WS_INVALID_UTF8');
    server.sendText('', false); // an empty fragment keeps the code point open
    server.sendText(hex('ac'), false);
    server.sendText('!', true);
    server.sendText(hex('41'), false); // the next message starts clean
    server.sendText(hex('42'), true);
    assert.deepEqual(parseOutput(server.takeOutput(), 'server'), [
      { kind: 'text', data: utf8('€!') },
      { kind: 'text', data: utf8('AB') },
    ]);
  });

  test('§5.4 fragment order: binary while text is unfinished throws ERR_WS_FRAGMENT_ORDER', () => {
    const client = connect('client');
    client.sendText('He', false);
    throwsCode(() => client.sendBinary(hex('01')), 'ERR_WS_FRAGMENT_ORDER');
    throwsCode(() => client.sendBinary(hex('01'), false), 'ERR_WS_FRAGMENT_ORDER');
    client.ping('mid'); // control frames may be interleaved (§5.4)
    client.sendText('llo', true);
    client.sendBinary(hex('01'), false);
    throwsCode(() => client.sendText('x'), 'ERR_WS_FRAGMENT_ORDER');
    client.sendBinary(hex('02'), true);
    assert.deepEqual(parseOutput(client.takeOutput(), 'client'), [
      { kind: 'ping', data: utf8('mid') },
      { kind: 'text', data: utf8('Hello') },
      { kind: 'binary', data: hex('01 02') },
    ]);
  });

  test('§5.4 a fragmented send is continuation frames after the first', () => {
    const server = connect('server');
    server.sendBinary(hex('01'), false);
    server.sendBinary(hex('02'), false);
    server.sendBinary(hex('03'), true);
    assert.equal(toHex(server.takeOutput()), '02 01 01 00 01 02 80 01 03');
  });

  test('WirekitError: instanceof holds, also for a copy of the class from another package', () => {
    const server = connect('server');
    server.close(1000);
    let caught: unknown;
    try {
      server.sendText('x');
    } catch (e) {
      caught = e;
    }
    assert.ok(caught instanceof WirekitError);
    assert.equal((caught as WirekitError).code, ErrorCode.WS_SEND_AFTER_CLOSE);
    assert.ok((caught as Error).message.length > 0);
    const foreign = new Error('from another copy');
    Object.defineProperty(foreign, Symbol.for('wirekit.WirekitError'), { value: true });
    assert.ok(foreign instanceof WirekitError, 'brand, not prototype');
    assert.ok(!(new Error('plain') instanceof WirekitError));
  });

  test('stable error codes', () => {
    assert.equal(ErrorCode.WS_SEND_AFTER_CLOSE, 'ERR_WS_SEND_AFTER_CLOSE');
    assert.equal(ErrorCode.WS_INVALID_CLOSE_CODE, 'ERR_WS_INVALID_CLOSE_CODE');
    assert.equal(ErrorCode.WS_CONTROL_TOO_LARGE, 'ERR_WS_CONTROL_TOO_LARGE');
    assert.equal(ErrorCode.WS_INVALID_UTF8, 'ERR_WS_INVALID_UTF8');
    assert.equal(ErrorCode.WS_FRAGMENT_ORDER, 'ERR_WS_FRAGMENT_ORDER');
    assert.equal(ErrorCode.BUFFER_TOO_SMALL, 'ERR_BUFFER_TOO_SMALL');
    assert.equal(ErrorCode.INVALID_ARGUMENT, 'ERR_INVALID_ARGUMENT');
  });
});

describe('WebSocketConnection: abort (§7.1.7 failing the connection for a local reason)', () => {
  test('§7.1.7 abort while OPEN queues one close frame and goes straight to CLOSED', () => {
    const server = connect('server');
    assert.equal(server.abort(1011, 'heartbeat missed'), true);
    assert.equal(server.readyState, ReadyState.CLOSED);
    assert.equal(server.closeCode, 1011);
    assert.equal(server.closeReason, 'heartbeat missed');
    assert.equal(server.wasClean, false);
    assert.equal(server.initiator, 'local');
    assert.deepEqual(closeFrames(server.takeOutput(), 'server'), [[1011, 'heartbeat missed']]);
    server.receive(clientFrame({ opcode: 1, payload: 'late' }));
    assert.equal(server.next(), null);
    assert.equal(server.abort(1011), false, 'already CLOSED');
    assert.equal(server.outputLength, 0);
  });

  test('§5.5.1 abort while CLOSING sends no second close frame', () => {
    const client = connect('client');
    client.close(1000);
    client.takeOutput();
    assert.equal(client.abort(1001), true);
    assert.equal(client.outputLength, 0);
    assert.equal(client.readyState, ReadyState.CLOSED);
  });

  test('§7.4 abort with a code that may not be sent throws ERR_WS_INVALID_CLOSE_CODE', () => {
    for (const code of [1005, 1006, 999, 1000.5]) {
      const server = connect('server');
      throwsCode(() => server.abort(code), 'ERR_WS_INVALID_CLOSE_CODE');
      assert.equal(server.readyState, ReadyState.OPEN);
      assert.equal(server.outputLength, 0);
    }
  });

  test('§5.5 abort cuts a long reason to 123 bytes on a code point boundary', () => {
    const server = connect('server');
    server.abort(1008, `x${'€'.repeat(60)}`);
    const [[code, reason]] = closeFrames(server.takeOutput(), 'server') as [[number, string]];
    assert.equal(code, 1008);
    assert.equal(reason, `x${'€'.repeat(40)}`); // 1 + 40 × 3 = 121 bytes; one more would be 124
  });
});

describe('WebSocketConnection: output and zero-copy', () => {
  test('releaseOutput lets the next output reuse the memory of the last one', () => {
    const server = connect('server');
    server.sendText('first');
    const first = server.takeOutput();
    server.releaseOutput();
    server.sendText('second');
    const second = server.takeOutput();
    assert.equal(second.buffer, first.buffer);
    assert.equal(toHex(second), '81 06 73 65 63 6f 6e 64');
    assert.equal(second.byteOffset, first.byteOffset, 'released: reused from the start');
    // Without a release, later output goes after the taken bytes, never over them.
    server.sendText('third');
    const third = server.takeOutput();
    assert.equal(third.byteOffset, second.byteOffset + second.length);
    assert.equal(toHex(second), '81 06 73 65 63 6f 6e 64');
    // trimOutput lets go of the buffer when nothing is queued.
    server.trimOutput();
    server.sendText('fourth');
    assert.notEqual(server.takeOutput().buffer, third.buffer);
  });

  test('a full output buffer is replaced, never overwritten, and pending bytes move over', () => {
    const server = connect('server');
    const taken: Uint8Array[] = [];
    const expected: string[] = [];
    for (let i = 0; i < 500; i++) {
      const text = `message ${i} `.repeat(1 + (i % 7));
      server.sendText(text);
      expected.push(text);
      if (i % 3 === 0) taken.push(server.takeOutput());
    }
    taken.push(server.takeOutput());
    const client = connect('client');
    for (const bytes of taken) client.receive(bytes);
    const got: string[] = [];
    for (let event = client.next(); event !== null; event = client.next()) {
      if (event.type === 'text') got.push(new TextDecoder().decode(event.data));
    }
    assert.deepEqual(got, expected);
  });

  test('takeOutput hands over everything queued and lets go of it', () => {
    const server = connect('server');
    server.sendText('a');
    server.sendBinary(hex('01'));
    assert.equal(server.outputLength, 6);
    const first = server.takeOutput();
    assert.equal(toHex(first), '81 01 61 82 01 01');
    assert.equal(server.takeOutput().length, 0);
    server.sendText('b');
    assert.equal(toHex(first), '81 01 61 82 01 01', 'earlier output is not overwritten');
  });

  test('a single-frame message inside one chunk is a view of that chunk', () => {
    const server = connect('server');
    const chunk = clientFrame({ opcode: 1, payload: 'Hello' });
    server.receive(chunk);
    const event = server.next();
    assert.ok(event?.type === 'text');
    assert.equal(event.data.buffer, chunk.buffer);
    assert.equal(new TextDecoder().decode(event.data), 'Hello');
  });

  test('with reuseBuffers copied messages share one slab', () => {
    const client = connect('client', { reuseBuffers: true });
    const datas: Uint8Array[] = [];
    for (const payload of ['abc', 'defg']) {
      const wire = frame({ opcode: 2, payload });
      client.receive(wire.slice(0, 3));
      client.receive(wire.slice(3));
      const event = client.next();
      assert.ok(event?.type === 'binary');
      assert.deepEqual(event.data, utf8(payload));
      datas.push(event.data);
    }
    assert.equal(datas[0]!.buffer, datas[1]!.buffer);
  });
});
