/**
 * HeaderList: case-insensitive lookup without a map (RFC 9110 §5.1), list tokens
 * (RFC 9110 §5.6.1), views into the head, iteration, and misuse.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode } from '../../../src/core/errors.js';
import { HeaderList } from '../../../src/core/http1/header-list.js';
import { RequestReader } from '../../../src/core/http1/request-reader.js';
import { bytes, str } from './helpers.js';

function headersOf(fieldLines: string): { list: HeaderList; chunk: Uint8Array } {
  const reader = new RequestReader();
  const chunk = bytes(`GET / HTTP/1.1\r\nHost: h\r\n${fieldLines}\r\n`);
  reader.receive(chunk);
  const head = reader.next();
  assert.ok(head.type === 'head');
  return { list: head.headers, chunk };
}

describe('HeaderList', () => {
  const { list, chunk } = headersOf(
    'Accept: text/html\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\nConnection: keep-alive, Upgrade\r\n' +
      'Upgrade: websocket\r\nSec-WebSocket-Protocol: chat\r\nSEC-WEBSOCKET-PROTOCOL: superchat, v2\r\nX-Latin: caf\xe9\r\n',
  );

  test('size, nameAt/valueAt in order with original case', () => {
    assert.equal(list.size, 9);
    assert.equal(list.nameAt(0), 'Host');
    assert.equal(list.nameAt(3), 'set-cookie');
    assert.equal(list.valueAt(3), 'b=2');
  });

  test('get is case-insensitive; repeated fields are joined with ", " (RFC 9110 §5.3)', () => {
    assert.equal(list.get('accept'), 'text/html');
    assert.equal(list.get('ACCEPT'), 'text/html');
    assert.equal(list.get('Set-Cookie'), 'a=1, b=2');
    assert.equal(list.get('sec-websocket-protocol'), 'chat, superchat, v2');
    assert.equal(str(list.getBytes('set-cookie')!), 'a=1', 'getBytes gives the first line');
    assert.equal(list.get('missing'), undefined);
    assert.equal(list.get('Accep'), undefined, 'a prefix does not match');
    assert.equal(list.get('Accept-'), undefined);
  });

  test('characters that differ only in bit 0x20 but are not letters do not match', () => {
    const { list: odd } = headersOf('A^B: 1\r\n');
    assert.equal(odd.get('a^b'), '1');
    assert.equal(odd.get('a~b'), undefined);
    assert.equal(odd.get('\u0141^b'), undefined, 'a char above 0xFF matches nothing');
  });

  test('getAll, has, indexOf', () => {
    assert.deepEqual(list.getAll('set-cookie'), ['a=1', 'b=2']);
    assert.deepEqual(list.getAll('nope'), []);
    assert.equal(list.has('UPGRADE'), true);
    assert.equal(list.has('x'), false);
    assert.equal(list.indexOf('set-cookie'), 2);
    assert.equal(list.indexOf('set-cookie', 3), 3);
    assert.equal(list.indexOf('set-cookie', 4), -1);
  });

  test('hasToken looks for list elements across lines, ignoring case and OWS', () => {
    assert.equal(list.hasToken('connection', 'upgrade'), true);
    assert.equal(list.hasToken('Connection', 'KEEP-ALIVE'), true);
    assert.equal(list.hasToken('connection', 'close'), false);
    assert.equal(list.hasToken('connection', 'keep'), false, 'no prefix matches');
    assert.equal(list.hasToken('sec-websocket-protocol', 'v2'), true);
    assert.equal(list.hasToken('sec-websocket-protocol', 'superchat'), true);
    assert.equal(list.hasToken('sec-websocket-protocol', 'chat'), true);
    assert.equal(list.hasToken('missing', 'x'), false);
  });

  test('values are ISO-8859-1 decoded; bytes are views of the received chunk', () => {
    assert.equal(list.get('x-latin'), 'caf\xe9');
    const value = list.getBytes('accept')!;
    assert.equal(str(value), 'text/html');
    assert.equal(value.buffer, chunk.buffer, 'no copy');
    assert.equal(str(list.nameBytesAt(1)), 'Accept');
    assert.equal(str(list.valueBytesAt(1)), 'text/html');
    assert.equal(list.getBytes('none'), undefined);
  });

  test('iteration yields [name, value] pairs in order', () => {
    const pairs = [...list];
    assert.equal(pairs.length, 9);
    assert.deepEqual(pairs[0], ['Host', 'h']);
    assert.deepEqual(pairs[8], ['X-Latin', 'caf\xe9']);
  });

  test('long values decode correctly (native ASCII path and the obs-text path)', () => {
    const ascii = 'v'.repeat(300);
    const latin = `${'\xe9'.repeat(150)}${'a'.repeat(150)}`;
    const { list: long } = headersOf(`A: ${ascii}\r\nB: ${latin}\r\n`);
    assert.equal(long.get('a'), ascii);
    assert.equal(long.get('b'), latin);
  });

  test('an index out of range throws ERR_INVALID_ARGUMENT', () => {
    assert.throws(() => list.nameAt(9), { code: ErrorCode.INVALID_ARGUMENT });
    assert.throws(() => list.valueAt(-1), { code: ErrorCode.INVALID_ARGUMENT });
    assert.throws(() => list.valueBytesAt(1.5), { code: ErrorCode.INVALID_ARGUMENT });
  });

  test('EMPTY is empty', () => {
    assert.equal(HeaderList.EMPTY.size, 0);
    assert.equal(HeaderList.EMPTY.get('a'), undefined);
    assert.deepEqual([...HeaderList.EMPTY], []);
  });

  test('the low-level constructor reads the offsets it is given', () => {
    const data = bytes('xxName: Valuexx');
    const made = new HeaderList(data, [2, 6, 8, 13], 1);
    assert.equal(made.get('name'), 'Value');
  });

  test('size is the number of fields stored: offsets for fewer fields throw', () => {
    const data = bytes('xxName: Valuexx');
    assert.throws(() => new HeaderList(data, [2, 6, 8, 13], 2), {
      code: ErrorCode.INVALID_ARGUMENT,
    });
    assert.throws(() => new HeaderList(data, [2, 6, 8], 1), { code: ErrorCode.INVALID_ARGUMENT });
    // The readers count what they parsed: every index below size reads a field.
    for (const lines of ['', 'A: 1\r\n', 'A: 1\r\nB:\r\nC: 3\r\n']) {
      const { list: parsed } = headersOf(lines);
      assert.equal(parsed.size, [...parsed].length);
      for (let i = 0; i < parsed.size; i++) assert.notEqual(parsed.nameAt(i), '');
    }
  });
});
