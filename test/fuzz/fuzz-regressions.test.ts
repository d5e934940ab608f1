/**
 * Regression tests for what the fuzzers found: wirekit bugs (fixed in src/) and oracle
 * mistakes (fixed in fuzz/), each with the minimised input, so none comes back unnoticed.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { connectionTarget } from '../../fuzz/targets/connection-target.js';
import { frameReaderTarget } from '../../fuzz/targets/frame-reader-target.js';
import { handshakeTarget } from '../../fuzz/targets/handshake-target.js';
import { httpRequestTarget } from '../../fuzz/targets/http-target.js';
import { inflateTarget } from '../../fuzz/targets/inflate-target.js';
import { RequestReader } from '../../src/core/http1/request-reader.js';
import { FrameReader, ReadKind } from '../../src/core/ws/frame-reader.js';

const fromHex = (hex: string): Uint8Array => new Uint8Array(Buffer.from(hex, 'hex'));
const latin1 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'latin1'));

function firstRequestEvent(text: string): { type: string; status?: number | undefined } {
  const reader = new RequestReader();
  reader.receive(latin1(text));
  const event = reader.next();
  return event.type === 'error'
    ? { type: 'error', status: event.error.status }
    : { type: event.type };
}

describe('fuzz findings: frame reader (vs ws Receiver)', () => {
  for (const role of ['server', 'client'] as const) {
    test(`${role}: a close frame announcing a 1-byte body fails at its header (input 88 81)`, () => {
      const reader = new FrameReader({ role });
      reader.receive(Uint8Array.of(0x88, role === 'server' ? 0x81 : 0x01));
      assert.equal(reader.poll(), ReadKind.ERROR);
      assert.equal(reader.errorCode, 1002);
    });
  }

  test('server: a frame over maxFrameSize fails before its masking key arrives', () => {
    const reader = new FrameReader({ role: 'server', maxMessageSize: 20 });
    reader.receive(Uint8Array.of(0x82, 0x80 | 21, 0x01)); // 21 bytes announced, key cut
    assert.equal(reader.poll(), ReadKind.ERROR);
    assert.equal(reader.errorCode, 1009);
  });

  test('server: a continuation that brings the message over the limit fails before its key', () => {
    const reader = new FrameReader({ role: 'server', maxMessageSize: 20 });
    reader.receive(Uint8Array.of(0x02, 0x80 | 15, 0, 0, 0, 0, ...new Uint8Array(15)));
    assert.equal(reader.poll(), ReadKind.NEED_DATA);
    reader.receive(Uint8Array.of(0x80, 0x80 | 6));
    assert.equal(reader.poll(), ReadKind.ERROR);
    assert.equal(reader.errorCode, 1009);
  });

  test('the minimised fuzz input 013e8881 agrees with ws', () => {
    frameReaderTarget.run(fromHex('013e8881'));
  });
});

describe('fuzz findings: HTTP/1.1 request-target forms (vs llhttp, RFC 9112 §3.2)', () => {
  for (const target of ['.', '1', '*/', 'a', '?x']) {
    test(`GET ${target} is refused with 400`, () => {
      assert.deepEqual(firstRequestEvent(`GET ${target} HTTP/1.1\r\nHost: a\r\n\r\n`), {
        type: 'error',
        status: 400,
      });
    });
  }
  for (const target of ['#', 'a', '/x:1', 'u@a:1', 'a:44x']) {
    test(`CONNECT ${target} is refused with 400 (authority-form only)`, () => {
      assert.deepEqual(firstRequestEvent(`CONNECT ${target} HTTP/1.1\r\nHost: a\r\n\r\n`), {
        type: 'error',
        status: 400,
      });
    });
  }
  for (const line of [
    'GET /x?y HTTP/1.1',
    'GET http://a/b HTTP/1.1',
    'GET m:/ HTTP/1.1',
    'OPTIONS * HTTP/1.1',
    'CONNECT a:443 HTTP/1.1',
    'CONNECT [::1]:443 HTTP/1.1',
  ]) {
    test(`${line} is read`, () => {
      assert.equal(firstRequestEvent(`${line}\r\nHost: a\r\n\r\n`).type, 'head');
    });
  }
});

describe('fuzz findings: oracle corrections (the inputs that showed them)', () => {
  const cases: [string, { run(input: Uint8Array): void }, string][] = [
    [
      'connection: compressed output inflates with a sync flush',
      connectionTarget,
      '0e0568000500286161616161616161',
    ],
    [
      'connection: abort() closes without a close event',
      connectionTarget,
      '030e05656c6c6f000205002861616161616161616161616161616161616161616161616161616161616161616161616161610b0209',
    ],
    [
      'handshake: ws groups extensions by exact spelling (the shapes compare sorted)',
      handshakeTarget,
      '007065726d6573736167652d6465666c6174653b732c7065726d6573736167652d4465666c6174653b732c7065726d6573736167652d6465666c617465',
    ],
    [
      'http-request: a CONNECT is a tunnel in llhttp too, also in HTTP/1.0 (not "closed")',
      httpRequestTarget,
      '00434f4e4e45435420613a20485454502f312e300d0a0d0a',
    ],
    ['inflate: an empty payload is not fed to zlib', inflateTarget, '6e01020080'],
    [
      'inflate: a BFINAL block ends the stream for the next message',
      inflateTarget,
      '6c03030020686f',
    ],
    ['inflate: output over the limit before invalid data is too big', inflateTarget, '00331281'],
    ['inflate: too big and invalid in one zlib call may be either', inflateTarget, '00041200ff'],
  ];
  for (const [name, target, hex] of cases) {
    test(name, () => {
      target.run(fromHex(hex));
    });
  }
});
