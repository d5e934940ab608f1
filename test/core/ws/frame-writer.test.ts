/**
 * FrameWriter, FrameBuffer and MaskKeyPool: the §5.7 examples produced byte for byte (masked
 * ones with the §5.7 key injected through the platform), minimal length encoding (§5.2), and
 * client masking (§5.3) that never touches the caller's bytes.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WirekitError } from '../../../src/core/errors.js';
import { portablePlatform } from '../../../src/core/platform.js';
import { FrameBuffer } from '../../../src/core/ws/frame-buffer.js';
import { FrameWriter, headerSize } from '../../../src/core/ws/frame-writer.js';
import { MaskKeyPool } from '../../../src/core/ws/mask-key-pool.js';
import { Opcode } from '../../../src/core/ws/opcode.js';
import {
  concat,
  fixedKeyPlatform,
  fixedKeys,
  frame,
  hex,
  pattern,
  RFC_KEY,
  readChunks,
  toHex,
  utf8,
} from './helpers.js';

const server = (): FrameWriter => new FrameWriter({ role: 'server' });
/** A client writer whose every masking key is the §5.7 key 37 fa 21 3d, via the platform. */
const client = (): FrameWriter =>
  new FrameWriter({ role: 'client', platform: fixedKeyPlatform(RFC_KEY) });

function write(
  writer: FrameWriter,
  opcode: number,
  payload: Uint8Array | string,
  fin = true,
  rsv1 = false,
): Uint8Array {
  const out = new Uint8Array(writer.maxFrameSize(payload));
  const n = writer.writeFrame(out, 0, opcode, payload, fin, rsv1);
  return out.subarray(0, n);
}

describe('FrameWriter: RFC 6455 §5.7 examples, byte-exact', () => {
  test('§5.7 single-frame unmasked text "Hello" (server writes)', () => {
    assert.equal(toHex(write(server(), Opcode.TEXT, 'Hello')), '81 05 48 65 6c 6c 6f');
    assert.equal(toHex(write(server(), Opcode.TEXT, utf8('Hello'))), '81 05 48 65 6c 6c 6f');
  });

  test('§5.7 single-frame masked text "Hello" (client writes, key 37 fa 21 3d)', () => {
    const expected = '81 85 37 fa 21 3d 7f 9f 4d 51 58';
    assert.equal(toHex(write(client(), Opcode.TEXT, 'Hello')), expected);
    assert.equal(toHex(write(client(), Opcode.TEXT, utf8('Hello'))), expected);
    const pooled = new FrameWriter({ role: 'client', maskKeys: fixedKeys(RFC_KEY) });
    assert.equal(toHex(write(pooled, Opcode.TEXT, 'Hello')), expected);
  });

  test('§5.7 fragmented unmasked text "Hel" + "lo"', () => {
    const w = server();
    assert.equal(toHex(write(w, Opcode.TEXT, 'Hel', false)), '01 03 48 65 6c');
    assert.equal(toHex(write(w, Opcode.CONTINUATION, 'lo', true)), '80 02 6c 6f');
  });

  test('§5.7 unmasked ping "Hello"', () => {
    assert.equal(toHex(write(server(), Opcode.PING, utf8('Hello'))), '89 05 48 65 6c 6c 6f');
  });

  test('§5.7 masked pong "Hello" (key 37 fa 21 3d)', () => {
    assert.equal(
      toHex(write(client(), Opcode.PONG, utf8('Hello'))),
      '8a 85 37 fa 21 3d 7f 9f 4d 51 58',
    );
  });

  test('§5.7 masked ping and unmasked pong "Hello" (the other halves)', () => {
    assert.equal(
      toHex(write(client(), Opcode.PING, utf8('Hello'))),
      '89 85 37 fa 21 3d 7f 9f 4d 51 58',
    );
    assert.equal(toHex(write(server(), Opcode.PONG, 'Hello')), '8a 05 48 65 6c 6c 6f');
  });

  test('§5.7 256-byte binary in a single unmasked frame: 82 7E 0100', () => {
    const payload = pattern(256);
    assert.deepEqual(write(server(), Opcode.BINARY, payload), concat(hex('82 7e 01 00'), payload));
  });

  test('§5.7 64 KiB binary in a single unmasked frame: 82 7F 0000000000010000', () => {
    const payload = pattern(65536);
    assert.deepEqual(
      write(server(), Opcode.BINARY, payload),
      concat(hex('82 7f 00 00 00 00 00 01 00 00'), payload),
    );
  });

  test('§5.7 masked 256-byte and 64 KiB binary equal an independent masking', () => {
    for (const n of [256, 65536]) {
      const payload = pattern(n);
      assert.deepEqual(
        write(client(), Opcode.BINARY, payload),
        frame({ opcode: 2, payload, key: RFC_KEY }),
      );
    }
  });
});

describe('FrameWriter: §5.2 minimal lengths and flags', () => {
  for (const n of [0, 1, 125, 126, 65535, 65536, 100_000]) {
    test(`§5.2 ${n}-byte payload uses the minimal length form (both roles)`, () => {
      const payload = pattern(n);
      assert.deepEqual(write(server(), Opcode.BINARY, payload), frame({ opcode: 2, payload }));
      assert.deepEqual(
        write(client(), Opcode.BINARY, payload),
        frame({ opcode: 2, payload, key: RFC_KEY }),
      );
      assert.equal(headerSize(n), n < 126 ? 2 : n < 65536 ? 4 : 10);
    });
  }

  // A string's UTF-8 length is known only after encoding; the writer reserves room for the
  // longest header and slides the bytes when a shorter one suffices.
  for (const [name, s] of [
    ['42 ASCII chars (3×42 = 126 reserved, 42 used)', 'x'.repeat(42)],
    ['60 two-byte chars (120 bytes)', 'é'.repeat(60)],
    ['30000 ASCII chars (16-bit length, 64-bit reserved)', 'y'.repeat(30_000)],
    ['40000 two-byte chars (80000 bytes, 64-bit length)', 'é'.repeat(40_000)],
    ['astral and BMP mix', '😀€a'.repeat(50)],
  ] as const) {
    test(`§5.2 text from a string of ${name} is encoded with a minimal header`, () => {
      const bytes = utf8(s);
      assert.deepEqual(write(server(), Opcode.TEXT, s), frame({ opcode: 1, payload: bytes }));
      assert.deepEqual(
        write(client(), Opcode.TEXT, s),
        frame({ opcode: 1, payload: bytes, key: RFC_KEY }),
      );
    });
  }

  test('§5.2 FIN and RSV1 bits', () => {
    assert.equal(toHex(write(server(), Opcode.BINARY, hex('01'), false)), '02 01 01');
    assert.equal(toHex(write(server(), Opcode.BINARY, hex('01'), true, true)), 'c2 01 01');
    assert.equal(toHex(write(server(), Opcode.CLOSE, new Uint8Array(0))), '88 00');
  });

  test('§5.6 a lone surrogate in a string is sent as U+FFFD, so text stays valid UTF-8', () => {
    assert.equal(toHex(write(server(), Opcode.TEXT, 'a\ud800')), '81 04 61 ef bf bd');
  });
});

describe('FrameWriter: §5.3 client masking', () => {
  test('§5.3 the caller payload is never modified by masking', () => {
    const payload = pattern(1000);
    const copy = payload.slice();
    const out = write(new FrameWriter({ role: 'client' }), Opcode.BINARY, payload);
    assert.deepEqual(payload, copy);
    assert.equal(out[1]! & 0x80, 0x80, 'MASK bit set');
  });

  test('§5.3 a server never masks', () => {
    const out = write(server(), Opcode.BINARY, pattern(10));
    assert.equal(out[1]! & 0x80, 0);
  });

  test('§5.3 each client frame takes a fresh key from the pool', () => {
    const keys = [0x01020304, 0x0a0b0c0d];
    let call = 0;
    const platform = {
      ...portablePlatform,
      fillRandom: (bytes: Uint8Array) => {
        const words = new Int32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2);
        for (let i = 0; i < words.length; i++) words[i] = keys[i % 2]!;
        call++;
      },
    };
    const w = new FrameWriter({ role: 'client', platform });
    assert.equal(toHex(write(w, Opcode.PING, new Uint8Array(0))), '89 80 01 02 03 04');
    assert.equal(toHex(write(w, Opcode.PING, new Uint8Array(0))), '89 80 0a 0b 0c 0d');
    assert.equal(call, 1, 'one fill serves many keys');
  });

  test('§5.3 client frames read back by a server reader', () => {
    const w = new FrameWriter({ role: 'client' });
    const payload = pattern(5000);
    assert.deepEqual(readChunks({ role: 'server' }, [write(w, Opcode.BINARY, payload)]), [
      { kind: 'binary', data: payload },
    ]);
  });
});

describe('FrameWriter: writing into caller memory', () => {
  test('frames are written at an offset, back to back', () => {
    const w = server();
    const out = new Uint8Array(64).fill(0xee);
    let at = 3;
    at += w.writeFrame(out, at, Opcode.TEXT, 'Hel', false);
    at += w.writeFrame(out, at, Opcode.CONTINUATION, utf8('lo'), true);
    assert.equal(toHex(out.subarray(0, at)), 'ee ee ee 01 03 48 65 6c 80 02 6c 6f');
    assert.equal(out[at], 0xee, 'nothing written past the frames');
  });

  test('a destination too small throws ERR_BUFFER_TOO_SMALL and writes nothing', () => {
    const w = client();
    for (const payload of [utf8('Hello'), 'Hello']) {
      const out = new Uint8Array(10).fill(0xee);
      assert.throws(
        () => w.writeFrame(out, 0, Opcode.TEXT, payload, true),
        (e: unknown) => e instanceof WirekitError && e.code === 'ERR_BUFFER_TOO_SMALL',
      );
      assert.ok(
        out.every((b) => b === 0xee),
        'destination untouched',
      );
    }
    assert.throws(
      () => w.writeHeader(new Uint8Array(5), 0, Opcode.BINARY, 10, true),
      (e: unknown) => e instanceof WirekitError && e.code === 'ERR_BUFFER_TOO_SMALL',
    );
  });

  test('maxFrameSize is enough for any string (3 bytes per UTF-16 unit)', () => {
    const w = client();
    for (const s of ['', 'a', '\uffff'.repeat(50), '😀'.repeat(30_000)]) {
      const out = new Uint8Array(w.maxFrameSize(s));
      assert.ok(w.writeFrame(out, 0, Opcode.TEXT, s, true) <= out.length);
    }
  });

  test('§5.3 writeHeader + maskPayload equals writeFrame', () => {
    const payload = pattern(300);
    const expected = write(client(), Opcode.BINARY, payload);
    const w = client();
    const out = new Uint8Array(8 + 300);
    const key = w.writeHeader(out, 0, Opcode.BINARY, 300, true);
    out.set(payload, 8);
    w.maskPayload(out, 8, 308, key);
    assert.deepEqual(out, expected);
    assert.equal(key, RFC_KEY | 0);
    assert.equal(server().writeHeader(new Uint8Array(4), 0, Opcode.BINARY, 300, true), 0);
  });
});

describe('FrameBuffer: header prepended in front of the payload', () => {
  test('§5.7 FrameBuffer frames equal FrameWriter frames (server and masked client)', () => {
    for (const writer of [server(), client()]) {
      const fb = new FrameBuffer(writer, 16);
      for (const n of [0, 5, 125, 126, 65536]) {
        const payload = pattern(n);
        fb.payload(n).set(payload);
        const framed = fb.frame(Opcode.BINARY, n);
        const reference = writer.masked ? client() : server();
        assert.deepEqual(framed, write(reference, Opcode.BINARY, payload));
      }
    }
  });

  test('FrameBuffer: "Hello" written in place becomes the §5.7 frame', () => {
    const fb = new FrameBuffer(client());
    const n = new TextEncoder().encodeInto('Hello', fb.payload(24)).written;
    assert.equal(toHex(fb.frame(Opcode.TEXT, n)), '81 85 37 fa 21 3d 7f 9f 4d 51 58');
  });

  test('FrameBuffer: a length outside the payload throws ERR_INVALID_ARGUMENT', () => {
    const fb = new FrameBuffer(server(), 8);
    for (const bad of [-1, 9]) {
      assert.throws(
        () => fb.frame(Opcode.BINARY, bad),
        (e: unknown) => e instanceof WirekitError && e.code === 'ERR_INVALID_ARGUMENT',
      );
    }
  });
});

describe('MaskKeyPool', () => {
  test('§5.3 keys come from the platform fill, in batches', () => {
    let fills = 0;
    let next = 0;
    const pool = new MaskKeyPool({
      ...portablePlatform,
      fillRandom: (bytes) => {
        fills++;
        const words = new Int32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2);
        for (let i = 0; i < words.length; i++) words[i] = next++;
      },
    });
    // 2048 keys per refill: 5000 keys take three fills.
    const keys = Array.from({ length: 5000 }, () => pool.next());
    assert.deepEqual(
      keys,
      Array.from({ length: 5000 }, (_, i) => i),
    );
    assert.equal(fills, 3);
  });

  test('§5.3 the portable pool gives unpredictable keys (not all equal, not sequential)', () => {
    const pool = new MaskKeyPool();
    const keys = new Set(Array.from({ length: 1000 }, () => pool.next()));
    assert.ok(keys.size > 990, `${keys.size} distinct keys of 1000`);
  });
});
