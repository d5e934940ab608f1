/**
 * FrameReader against RFC 6455, read clause by clause: the §5.7 examples, every length form,
 * every way a peer can break §5.1–§5.6, §7.4 and §8.1, the §10.4 limits, control frames inside
 * fragmented messages, and zero-copy delivery (docs/architecture.md).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { portablePlatform } from '../../../src/core/platform.js';
import { FrameReader, ReadKind, type Role } from '../../../src/core/ws/frame-reader.js';
import {
  bytewise,
  clientFrame,
  closeBody,
  concat,
  drainReader,
  ERROR_CASES,
  frame,
  hex,
  pattern,
  peerFrame,
  type ReaderEvent,
  readChunks,
  utf8,
} from './helpers.js';

const HELLO = utf8('Hello');

function text(data: Uint8Array | string): ReaderEvent {
  return { kind: 'text', data: typeof data === 'string' ? utf8(data) : data };
}
function binary(data: Uint8Array): ReaderEvent {
  return { kind: 'binary', data };
}
function error(code: number): ReaderEvent {
  return { kind: 'error', code };
}

describe('FrameReader: RFC 6455 §5.7 examples', () => {
  test('§5.7 single-frame unmasked text "Hello" (client reads)', () => {
    assert.deepEqual(readChunks({ role: 'client' }, [hex('81 05 48 65 6c 6c 6f')]), [text(HELLO)]);
  });

  test('§5.7 single-frame masked text "Hello" (server reads)', () => {
    const wire = hex('0x81 0x85 0x37 0xfa 0x21 0x3d 0x7f 0x9f 0x4d 0x51 0x58');
    assert.deepEqual(readChunks({ role: 'server' }, [wire]), [text(HELLO)]);
  });

  test('§5.7 fragmented unmasked text "Hel" + "lo" (client reads)', () => {
    const reader = new FrameReader({ role: 'client' });
    reader.receive(hex('01 03 48 65 6c'));
    assert.deepEqual(drainReader(reader), [], 'nothing until the final fragment');
    reader.receive(hex('80 02 6c 6f'));
    assert.deepEqual(drainReader(reader), [text('Hello')]);
  });

  test('§5.7 unmasked ping "Hello" (client reads)', () => {
    assert.deepEqual(readChunks({ role: 'client' }, [hex('89 05 48 65 6c 6c 6f')]), [
      { kind: 'ping', data: HELLO },
    ]);
  });

  test('§5.7 masked pong "Hello" (server reads)', () => {
    assert.deepEqual(readChunks({ role: 'server' }, [hex('8a 85 37 fa 21 3d 7f 9f 4d 51 58')]), [
      { kind: 'pong', data: HELLO },
    ]);
  });

  test('§5.7 256-byte binary in a single unmasked frame (16-bit length 7E 0100)', () => {
    const payload = pattern(256);
    const wire = concat(hex('82 7e 01 00'), payload);
    assert.deepEqual(readChunks({ role: 'client' }, [wire]), [binary(payload)]);
  });

  test('§5.7 64 KiB binary in a single unmasked frame (64-bit length 7F 0000000000010000)', () => {
    const payload = pattern(65536);
    const wire = concat(hex('82 7f 00 00 00 00 00 01 00 00'), payload);
    assert.deepEqual(readChunks({ role: 'client' }, [wire]), [binary(payload)]);
  });

  test('§5.7 every example parses the same one byte at a time', () => {
    const cases: [Role, Uint8Array][] = [
      ['client', hex('81 05 48 65 6c 6c 6f')],
      ['server', hex('81 85 37 fa 21 3d 7f 9f 4d 51 58')],
      ['client', hex('01 03 48 65 6c 80 02 6c 6f')],
      ['client', hex('89 05 48 65 6c 6c 6f')],
      ['server', hex('8a 85 37 fa 21 3d 7f 9f 4d 51 58')],
      ['client', concat(hex('82 7e 01 00'), pattern(256))],
      ['client', concat(hex('82 7f 00 00 00 00 00 01 00 00'), pattern(65536))],
    ];
    for (const [role, wire] of cases) {
      const whole = readChunks({ role }, [wire]);
      assert.equal(whole.length, 1);
      assert.deepEqual(readChunks({ role }, bytewise(wire)), whole);
    }
  });
});

describe('FrameReader: §5.2 length forms', () => {
  for (const n of [0, 1, 125, 126, 127, 65535, 65536, 70_000]) {
    for (const role of ['client', 'server'] as const) {
      test(`§5.2 ${n}-byte binary payload, minimal length form, read by a ${role}`, () => {
        const payload = pattern(n);
        const wire = peerFrame(role, { opcode: 2, payload });
        const headerLength = (n < 126 ? 2 : n < 65536 ? 4 : 10) + (role === 'server' ? 4 : 0);
        assert.equal(wire.length, headerLength + n);
        assert.deepEqual(readChunks({ role }, [wire]), [binary(payload)]);
      });
    }
  }

  test('§5.3 masking key with every byte value position: unmasked correctly at every phase', () => {
    for (const key of [0, 0xffffffff, 0x01020304, 0x80000001, 0xdeadbeef]) {
      const payload = pattern(97);
      const wire = frame({ opcode: 2, payload, key });
      assert.deepEqual(readChunks({ role: 'server' }, [wire]), [binary(payload)]);
      assert.deepEqual(readChunks({ role: 'server' }, bytewise(wire)), [binary(payload)]);
    }
  });
});

describe('FrameReader: every peer error becomes ERROR with its close code', () => {
  for (const c of ERROR_CASES) {
    test(c.name, () => {
      const options = { role: c.role, ...c.options };
      const expected = [...(c.before ?? []), error(c.code)];
      assert.deepEqual(readChunks(options, [c.wire]), expected);
      // Any chunking fails the same way, and nothing is reported after the error.
      assert.deepEqual(readChunks(options, bytewise(c.wire)), expected);
      const reader = new FrameReader(options);
      reader.receive(c.wire.slice());
      for (let i = 0; i < (c.before?.length ?? 0); i++)
        assert.notEqual(reader.poll(), ReadKind.ERROR);
      assert.equal(reader.poll(), ReadKind.ERROR);
      assert.equal(reader.errorCode, c.code);
      assert.ok(reader.errorReason.length > 0, 'a reason for logs');
      assert.equal(reader.done, true);
      reader.receive(frame({ opcode: 1, payload: 'after' }));
      assert.equal(reader.poll(), ReadKind.NEED_DATA, 'input after an error is discarded');
      if (c.decidedAfter !== undefined) {
        const early = new FrameReader(options);
        early.receive(c.wire.slice(0, c.decidedAfter));
        assert.equal(early.poll(), ReadKind.ERROR, `decided on the first ${c.decidedAfter} bytes`);
      }
    });
  }
});

describe('FrameReader: reserved bits with permessage-deflate (allowCompressed)', () => {
  test('RFC 7692 §6 RSV1 accepted on the first frame of a text message, reported compressed', () => {
    const reader = new FrameReader({ role: 'client', allowCompressed: true });
    // Compressed bytes are not UTF-8 checked here: the inflater's output is.
    reader.receive(frame({ opcode: 1, rsv: 0x40, fin: false, payload: hex('f2 48') }));
    reader.receive(frame({ opcode: 0, payload: hex('cd c9') }));
    assert.equal(reader.poll(), ReadKind.TEXT);
    assert.equal(reader.compressed, true);
    assert.deepEqual(reader.payload, hex('f2 48 cd c9'));
  });

  test('RFC 7692 §6 RSV1 accepted on a binary message; next plain message is not compressed', () => {
    const reader = new FrameReader({ role: 'server', allowCompressed: true });
    reader.receive(clientFrame({ opcode: 2, rsv: 0x40, payload: hex('01 02') }));
    reader.receive(clientFrame({ opcode: 2, payload: hex('03') }));
    assert.equal(reader.poll(), ReadKind.BINARY);
    assert.equal(reader.compressed, true);
    assert.equal(reader.poll(), ReadKind.BINARY);
    assert.equal(reader.compressed, false);
  });

  test('§5.2 RSV1 without allowCompressed is an error even on the first data frame', () => {
    assert.deepEqual(readChunks({ role: 'client' }, [frame({ opcode: 2, rsv: 0x40 })]), [
      error(1002),
    ]);
  });
});

describe('FrameReader: §8.1 UTF-8 fails fast (Autobahn 6.4.x)', () => {
  const valid = hex('ce ba e1 bd b9 cf 83 ce bc ce b5'); // κόσμε
  const edited = utf8('edited');

  test('§8.1 Autobahn 6.4.1: error after the fragment F4 90 80 80, before the third arrives', () => {
    const reader = new FrameReader({ role: 'client' });
    reader.receive(frame({ opcode: 1, fin: false, payload: valid }));
    assert.deepEqual(drainReader(reader), []);
    reader.receive(frame({ opcode: 0, fin: false, payload: hex('f4 90 80 80') }));
    assert.deepEqual(drainReader(reader), [error(1007)]);
    reader.receive(frame({ opcode: 0, payload: edited }));
    assert.deepEqual(drainReader(reader), []);
  });

  test('§8.1 Autobahn 6.4.2: error on the fragment "90" after a trailing F4', () => {
    const reader = new FrameReader({ role: 'server' });
    reader.receive(clientFrame({ opcode: 1, fin: false, payload: concat(valid, hex('f4')) }));
    assert.deepEqual(drainReader(reader), [], 'F4 may still begin a valid code point');
    reader.receive(clientFrame({ opcode: 0, fin: false, payload: hex('90') }));
    assert.deepEqual(drainReader(reader), [error(1007)]);
  });

  test('§8.1 Autobahn 6.4.3: one frame in three chunks, error on the second chunk', () => {
    const payload = concat(valid, hex('f4 90 80 80'), edited);
    const wire = frame({ opcode: 1, payload });
    const headerEnd = 2;
    const reader = new FrameReader({ role: 'client' });
    reader.receive(wire.slice(0, headerEnd + valid.length));
    assert.deepEqual(drainReader(reader), []);
    reader.receive(wire.slice(headerEnd + valid.length, headerEnd + valid.length + 4));
    assert.deepEqual(drainReader(reader), [error(1007)], 'before the rest of the frame arrives');
  });

  test('§8.1 Autobahn 6.4.4: one masked frame in chunks, error on the chunk "90"', () => {
    const payload = concat(valid, hex('f4 90 80 80'), edited);
    const wire = clientFrame({ opcode: 1, payload });
    const headerEnd = 6;
    const cut = headerEnd + valid.length + 1; // through F4
    const reader = new FrameReader({ role: 'server' });
    reader.receive(wire.slice(0, cut));
    assert.deepEqual(drainReader(reader), []);
    reader.receive(wire.slice(cut, cut + 1));
    assert.deepEqual(drainReader(reader), [error(1007)]);
  });

  test('§8.1 an invalid first byte fails on the first chunk of a 1 MiB text frame', () => {
    const reader = new FrameReader({ role: 'client' });
    reader.receive(concat(hex('81 7f 00 00 00 00 00 10 00 00'), hex('41 ff')));
    assert.deepEqual(drainReader(reader), [error(1007)]);
  });

  test('§8.1 a code point split between fragments with a ping in between is valid', () => {
    const events = readChunks({ role: 'client' }, [
      frame({ opcode: 1, fin: false, payload: hex('e2') }),
      frame({ opcode: 9, payload: 'p' }),
      frame({ opcode: 0, fin: false, payload: hex('82') }),
      frame({ opcode: 0, payload: hex('ac') }),
    ]);
    assert.deepEqual(events, [{ kind: 'ping', data: utf8('p') }, text('€')]);
  });

  test('§5.6 binary bytes are not UTF-8 checked; the next text message is validated afresh', () => {
    const events = readChunks({ role: 'client' }, [
      frame({ opcode: 2, fin: false, payload: hex('e2') }),
      frame({ opcode: 0, payload: hex('ff') }),
      frame({ opcode: 1, fin: false, payload: hex('41') }),
      frame({ opcode: 0, payload: hex('42') }),
    ]);
    assert.deepEqual(events, [binary(hex('e2 ff')), text('AB')]);
  });
});

describe('FrameReader: §10.4 limits are checked on the header, before allocating', () => {
  function countingPlatform() {
    const sizes: number[] = [];
    return {
      sizes,
      platform: {
        ...portablePlatform,
        allocUnsafe: (n: number) => {
          sizes.push(n);
          return new Uint8Array(n);
        },
      },
    };
  }

  test('§10.4 2^40 bytes announced, nothing following: 1009 at once (client reads)', () => {
    const { sizes, platform } = countingPlatform();
    const reader = new FrameReader({ role: 'client', platform });
    reader.receive(hex('82 7f 00 00 01 00 00 00 00 00'));
    assert.equal(reader.poll(), ReadKind.ERROR);
    assert.equal(reader.errorCode, 1009);
    assert.deepEqual(sizes, []);
  });

  test('§10.4 2^40 bytes announced with its masking key, nothing following: 1009 at once (server reads)', () => {
    const { sizes, platform } = countingPlatform();
    const reader = new FrameReader({ role: 'server', platform });
    reader.receive(hex('82 ff 00 00 01 00 00 00 00 00 37 fa 21 3d'));
    assert.equal(reader.poll(), ReadKind.ERROR);
    assert.equal(reader.errorCode, 1009);
    assert.deepEqual(sizes, []);
  });

  test('§10.4 a frame one byte over maxFrameSize fails on its header; one at the limit passes', () => {
    const over = new FrameReader({ role: 'client', maxFrameSize: 1000 });
    over.receive(hex('82 7e 03 e9')); // 1001
    assert.equal(over.poll(), ReadKind.ERROR);
    assert.equal(over.errorCode, 1009);
    const at = new FrameReader({ role: 'client', maxFrameSize: 1000 });
    at.receive(frame({ opcode: 2, payload: pattern(1000) }));
    assert.equal(at.poll(), ReadKind.BINARY);
    assert.equal(at.payload.length, 1000);
  });

  test('§5.5 maxFrameSize does not apply to control frames: a close with a long reason is read', () => {
    const reader = new FrameReader({ role: 'client', maxFrameSize: 16 });
    const reason = 'a reason of 23 bytes...';
    reader.receive(
      frame({ opcode: 8, payload: Buffer.concat([Buffer.from([0x03, 0xe8]), utf8(reason)]) }),
    );
    assert.deepEqual(drainReader(reader), [{ kind: 'close', code: 1000, reason }]);
  });

  test('§10.4 a message over maxMessageSize fails on the header of the fragment that crosses it', () => {
    const reader = new FrameReader({ role: 'client', maxMessageSize: 100 });
    reader.receive(frame({ opcode: 1, fin: false, payload: 'x'.repeat(50) }));
    reader.receive(frame({ opcode: 9, payload: 'x'.repeat(100) })); // control frames do not count
    reader.receive(frame({ opcode: 0, fin: false, payload: 'x'.repeat(50) }));
    assert.deepEqual(drainReader(reader), [{ kind: 'ping', data: utf8('x'.repeat(100)) }]);
    reader.receive(hex('80 01')); // header only: one more byte announced
    assert.deepEqual(drainReader(reader), [error(1009)]);
  });

  test('§10.4 maxMessageSize applies to a single frame too; maxFrameSize defaults to it', () => {
    assert.deepEqual(
      readChunks({ role: 'client', maxMessageSize: 10 }, [
        frame({ opcode: 2, payload: pattern(11) }),
      ]),
      [error(1009)],
    );
  });

  test('§10.4 a frame is counted against the limit, then the message resets for the next one', () => {
    const events = readChunks({ role: 'client', maxMessageSize: 10 }, [
      frame({ opcode: 2, payload: pattern(10) }),
      frame({ opcode: 2, fin: false, payload: pattern(5) }),
      frame({ opcode: 0, payload: pattern(5) }),
    ]);
    assert.deepEqual(events, [binary(pattern(10)), binary(concat(pattern(5), pattern(5)))]);
  });

  test('§10.4 memory grows as bytes arrive, not as announced (10 MiB announced, 100 B sent)', () => {
    const { sizes, platform } = countingPlatform();
    const reader = new FrameReader({ role: 'client', platform });
    reader.receive(concat(hex('82 7f 00 00 00 00 00 a0 00 00'), pattern(100)));
    assert.equal(reader.poll(), ReadKind.NEED_DATA);
    assert.ok(
      sizes.every((n) => n <= 4096),
      `allocations ${sizes.join(',')} stay small`,
    );
  });
});

describe('FrameReader: §5.4 fragmentation and §5.5 control frames', () => {
  test('§5.4 control frames interleaved in a fragmented text message are delivered first', () => {
    const events = readChunks({ role: 'client' }, [
      concat(
        frame({ opcode: 1, fin: false, payload: 'Hel' }),
        frame({ opcode: 9, payload: 'ping!' }),
        frame({ opcode: 0, fin: false, payload: 'l' }),
        frame({ opcode: 0xa, payload: 'pong!' }),
        frame({ opcode: 0, payload: 'o' }),
      ),
    ]);
    assert.deepEqual(events, [
      { kind: 'ping', data: utf8('ping!') },
      { kind: 'pong', data: utf8('pong!') },
      text('Hello'),
    ]);
  });

  test('§5.4 a close frame inside a fragmented message ends reading; the message is dropped', () => {
    const events = readChunks({ role: 'server' }, [
      clientFrame({ opcode: 2, fin: false, payload: 'abc' }),
      clientFrame({ opcode: 8, payload: closeBody(1001, 'bye') }),
      clientFrame({ opcode: 0, payload: 'def' }),
    ]);
    assert.deepEqual(events, [{ kind: 'close', code: 1001, reason: 'bye' }]);
  });

  test('§5.4 zero-length fragments: first, middle and last may be empty', () => {
    const events = readChunks({ role: 'client' }, [
      frame({ opcode: 1, fin: false }),
      frame({ opcode: 0, fin: false, payload: 'a' }),
      frame({ opcode: 0, fin: false }),
      frame({ opcode: 0, fin: false, payload: 'b' }),
      frame({ opcode: 0 }),
    ]);
    assert.deepEqual(events, [text('ab')]);
  });

  test('§5.4 a fragmented message made only of empty fragments is an empty message', () => {
    const events = readChunks({ role: 'server' }, [
      clientFrame({ opcode: 2, fin: false }),
      clientFrame({ opcode: 0, fin: false }),
      clientFrame({ opcode: 0 }),
    ]);
    assert.deepEqual(events, [binary(new Uint8Array(0))]);
  });

  test('§5.6 empty text and empty binary messages, empty ping and pong', () => {
    const events = readChunks({ role: 'client' }, [
      concat(
        frame({ opcode: 1 }),
        frame({ opcode: 2 }),
        frame({ opcode: 9 }),
        frame({ opcode: 0xa }),
      ),
    ]);
    assert.deepEqual(events, [
      text(''),
      binary(new Uint8Array(0)),
      { kind: 'ping', data: new Uint8Array(0) },
      { kind: 'pong', data: new Uint8Array(0) },
    ]);
  });

  test('§5.5 a 125-byte ping is the largest control frame and is accepted', () => {
    const events = readChunks({ role: 'server' }, [
      clientFrame({ opcode: 9, payload: pattern(125) }),
    ]);
    assert.deepEqual(events, [{ kind: 'ping', data: pattern(125) }]);
  });

  test('§5.5 a control frame cut by chunk boundaries is gathered and unmasked correctly', () => {
    const wire = clientFrame({ opcode: 0xa, payload: pattern(125) });
    const chunks = [wire.slice(0, 3), wire.slice(3, 9), wire.slice(9, 70), wire.slice(70)];
    assert.deepEqual(readChunks({ role: 'server' }, chunks), [
      { kind: 'pong', data: pattern(125) },
    ]);
  });
});

describe('FrameReader: §5.5.1 close frames', () => {
  test('§5.5.1 close with no body reports 1005 and an empty reason', () => {
    assert.deepEqual(readChunks({ role: 'client' }, [hex('88 00')]), [
      { kind: 'close', code: 1005, reason: '' },
    ]);
  });

  test('§5.5.1 close with a code only', () => {
    assert.deepEqual(readChunks({ role: 'client' }, [hex('88 02 03 e8')]), [
      { kind: 'close', code: 1000, reason: '' },
    ]);
  });

  test('§5.5.1 close with a code and a UTF-8 reason', () => {
    const wire = clientFrame({ opcode: 8, payload: closeBody(4000, 'ça va ✓') });
    assert.deepEqual(readChunks({ role: 'server' }, [wire]), [
      { kind: 'close', code: 4000, reason: 'ça va ✓' },
    ]);
  });

  test('§5.5.1 close with a 123-byte reason (largest) is accepted', () => {
    const reason = 'r'.repeat(123);
    assert.deepEqual(
      readChunks({ role: 'client' }, [frame({ opcode: 8, payload: closeBody(1000, reason) })]),
      [{ kind: 'close', code: 1000, reason }],
    );
  });

  for (const code of [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014]) {
    test(`§7.4.1 close code ${code} is valid`, () => {
      assert.deepEqual(
        readChunks({ role: 'client' }, [frame({ opcode: 8, payload: closeBody(code) })]),
        [{ kind: 'close', code, reason: '' }],
      );
    });
  }
  for (const code of [3000, 3999, 4000, 4999]) {
    test(`§7.4.2 close code ${code} is valid`, () => {
      assert.deepEqual(
        readChunks({ role: 'server' }, [clientFrame({ opcode: 8, payload: closeBody(code, 'x') })]),
        [{ kind: 'close', code, reason: 'x' }],
      );
    });
  }

  test('§5.5.1 data after a close frame is ignored', () => {
    const reader = new FrameReader({ role: 'client' });
    reader.receive(concat(hex('88 02 03 e8'), frame({ opcode: 1, payload: 'late' })));
    assert.deepEqual(drainReader(reader), [{ kind: 'close', code: 1000, reason: '' }]);
    assert.equal(reader.done, true);
    reader.receive(frame({ opcode: 1, payload: 'later' }));
    assert.deepEqual(drainReader(reader), []);
    assert.equal(reader.bufferedAmount, 0);
  });

  test('§5.5.1 the close payload is exposed raw in payload', () => {
    const reader = new FrameReader({ role: 'client' });
    reader.receive(hex('88 04 03 e8 68 69'));
    assert.equal(reader.poll(), ReadKind.CLOSE);
    assert.deepEqual(reader.payload, hex('03 e8 68 69'));
    assert.equal(reader.closeReason, 'hi');
  });
});

describe('FrameReader: ReadKind and bookkeeping', () => {
  test('§5.2 ReadKind values of data and control kinds equal their opcodes', () => {
    assert.equal(ReadKind.TEXT, 1);
    assert.equal(ReadKind.BINARY, 2);
    assert.equal(ReadKind.CLOSE, 8);
    assert.equal(ReadKind.PING, 9);
    assert.equal(ReadKind.PONG, 10);
    assert.equal(ReadKind.NEED_DATA, 0);
  });

  test('bufferedAmount counts unparsed bytes, including a partial header', () => {
    const reader = new FrameReader({ role: 'client' });
    reader.receive(hex('81'));
    assert.equal(reader.poll(), ReadKind.NEED_DATA);
    assert.equal(reader.bufferedAmount, 1);
    reader.receive(hex('05 48 65'));
    reader.receive(hex('6c 6c 6f 81'));
    assert.equal(reader.bufferedAmount, 8);
    assert.equal(reader.poll(), ReadKind.TEXT);
    assert.equal(reader.bufferedAmount, 1);
  });

  test('§5.2 a header cut at every possible point parses the same (16-bit masked header)', () => {
    const wire = clientFrame({ opcode: 2, payload: pattern(300) });
    for (let cut = 1; cut < 8; cut++) {
      assert.deepEqual(readChunks({ role: 'server' }, [wire.slice(0, cut), wire.slice(cut)]), [
        binary(pattern(300)),
      ]);
    }
  });
});

describe('FrameReader: zero-copy delivery', () => {
  test('a single-frame message inside one chunk is a view of that chunk, unmasked in place', () => {
    const chunk = concat(
      hex('00 00 00'), // leading bytes of someone else's
      clientFrame({ opcode: 2, payload: pattern(200) }),
    ).subarray(3);
    const reader = new FrameReader({ role: 'server' });
    reader.receive(chunk);
    assert.equal(reader.poll(), ReadKind.BINARY);
    assert.equal(reader.payload.buffer, chunk.buffer);
    assert.equal(reader.payload.byteOffset, chunk.byteOffset + 8);
    assert.deepEqual(reader.payload, pattern(200));
    assert.deepEqual(chunk.subarray(8), pattern(200), 'unmasked in the chunk itself');
  });

  test('a single-frame text after another message in the same chunk is also a view', () => {
    const chunk = concat(
      frame({ opcode: 9, payload: 'p' }),
      frame({ opcode: 1, payload: 'Hello' }),
    );
    const reader = new FrameReader({ role: 'client' });
    reader.receive(chunk);
    assert.equal(reader.poll(), ReadKind.PING);
    assert.equal(reader.payload.buffer, chunk.buffer);
    assert.equal(reader.poll(), ReadKind.TEXT);
    assert.equal(reader.payload.buffer, chunk.buffer);
    assert.equal(reader.payload.byteOffset, 5);
  });

  test('a frame whose payload spans chunks is copied into a slab, not a view of either chunk', () => {
    const wire = clientFrame({ opcode: 2, payload: pattern(200) });
    const a = wire.slice(0, 100);
    const b = wire.slice(100);
    const reader = new FrameReader({ role: 'server' });
    reader.receive(a);
    reader.receive(b);
    assert.equal(reader.poll(), ReadKind.BINARY);
    assert.notEqual(reader.payload.buffer, a.buffer);
    assert.notEqual(reader.payload.buffer, b.buffer);
    assert.deepEqual(reader.payload, pattern(200));
  });

  test('a fragmented message inside one chunk is copied, not a view of the chunk', () => {
    const chunk = concat(
      frame({ opcode: 2, fin: false, payload: pattern(10) }),
      frame({ opcode: 0, payload: pattern(10) }),
    );
    const reader = new FrameReader({ role: 'client' });
    reader.receive(chunk);
    assert.equal(reader.poll(), ReadKind.BINARY);
    assert.notEqual(reader.payload.buffer, chunk.buffer);
    assert.deepEqual(reader.payload, concat(pattern(10), pattern(10)));
  });

  test('by default copied messages own their memory: a kept payload survives later messages', () => {
    const reader = new FrameReader({ role: 'client' });
    reader.receive(frame({ opcode: 2, fin: false, payload: pattern(10) }));
    reader.receive(frame({ opcode: 0, payload: pattern(10) }));
    assert.equal(reader.poll(), ReadKind.BINARY);
    const first = reader.payload;
    reader.receive(frame({ opcode: 2, fin: false, payload: hex('ff ff ff') }));
    reader.receive(frame({ opcode: 0, payload: hex('ff') }));
    assert.equal(reader.poll(), ReadKind.BINARY);
    assert.notEqual(reader.payload.buffer, first.buffer);
    assert.deepEqual(first, concat(pattern(10), pattern(10)));
  });

  test('with reuseBuffers the slab is reused for the next copied message', () => {
    const reader = new FrameReader({ role: 'client', reuseBuffers: true });
    reader.receive(frame({ opcode: 2, fin: false, payload: pattern(10) }));
    reader.receive(frame({ opcode: 0, payload: pattern(10) }));
    assert.equal(reader.poll(), ReadKind.BINARY);
    const first = reader.payload;
    assert.deepEqual(first, concat(pattern(10), pattern(10)));
    reader.receive(frame({ opcode: 1, fin: false, payload: 'ab' }));
    reader.receive(frame({ opcode: 0, payload: 'c' }));
    assert.equal(reader.poll(), ReadKind.TEXT);
    assert.equal(reader.payload.buffer, first.buffer, 'same slab');
    assert.deepEqual(reader.payload, utf8('abc'));
  });
});
