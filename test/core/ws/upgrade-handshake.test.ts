import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { ErrorCode, WirekitError } from '../../../src/core/errors.js';
import {
  checkUpgradeResponse,
  upgradeRequestHeaders,
} from '../../../src/core/ws/client-handshake.js';
import { computeAccept, generateKey, isValidKey } from '../../../src/core/ws/handshake-key.js';
import type { HeaderSource } from '../../../src/core/ws/header-source.js';
import {
  acceptHeaders,
  checkUpgradeRequest,
  type UpgradeCheck,
} from '../../../src/core/ws/server-handshake.js';

function headers(fields: Record<string, string>): HeaderSource {
  const map = new Map(Object.entries(fields).map(([k, v]) => [k.toLowerCase(), v]));
  return { get: (name) => map.get(name) };
}

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const good = {
  Host: 'server.example.com',
  Upgrade: 'websocket',
  Connection: 'Upgrade',
  'Sec-WebSocket-Key': KEY,
  'Sec-WebSocket-Version': '13',
};

function check(fields: Record<string, string>, method = 'GET', httpVersion = '1.1'): UpgradeCheck {
  return checkUpgradeRequest({ method, httpVersion, headers: headers(fields) });
}

function refusedWith(result: UpgradeCheck, status: number): void {
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.ok(result.error instanceof WirekitError);
  assert.equal(result.error.code, ErrorCode.WS_HANDSHAKE);
  assert.equal(result.error.status, status);
}

describe('handshake keys (RFC 6455 §1.3, §4.2.2)', () => {
  test('§1.3 accept value of the sample nonce', () => {
    assert.equal(computeAccept(KEY), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });

  test('§4.2.2 accept equals base64(SHA-1(key + GUID)) for random keys', () => {
    for (let i = 0; i < 50; i++) {
      const key = generateKey();
      const expected = createHash('sha1')
        .update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
        .digest('base64');
      assert.equal(computeAccept(key), expected);
    }
  });

  test('§4.1 generated keys are base64 of 16 random bytes, and differ', () => {
    const keys = new Set<string>();
    for (let i = 0; i < 100; i++) {
      const key = generateKey();
      assert.ok(isValidKey(key), key);
      assert.equal(Buffer.from(key, 'base64').length, 16);
      keys.add(key);
    }
    assert.equal(keys.size, 100);
  });

  test('§4.2.1 item 5 keys that are not base64 of 16 bytes are invalid', () => {
    for (const bad of [
      '',
      'abc',
      'dGhlIHNhbXBsZSBub25jZQ=',
      'dGhlIHNhbXBsZSBub25jZQ',
      'dGhlIHNhbXBsZSBub25jZQ==x',
      'dGhlIHNhbXBsZSBub25jZR==',
      '!GhlIHNhbXBsZSBub25jZQ==',
      Buffer.alloc(17).toString('base64'),
    ]) {
      assert.equal(isValidKey(bad), false, bad);
    }
  });
});

describe('server side: checking the upgrade request (RFC 6455 §4.2.1)', () => {
  test('§4.2.1 a valid request is accepted with its key, protocols and origin', () => {
    const result = check({
      ...good,
      'Sec-WebSocket-Protocol': 'chat, superchat',
      Origin: 'http://example.com',
    });
    assert.equal(result.ok, true);
    if (!result.ok) return;
    assert.equal(result.key, KEY);
    assert.deepEqual(result.protocols, ['chat', 'superchat']);
    assert.equal(result.origin, 'http://example.com');
    assert.equal(result.extensions, undefined);
  });

  test('§4.2.1 header tokens are case-insensitive and may be in lists', () => {
    const result = check({ ...good, Upgrade: 'WebSocket', Connection: 'keep-alive, UPGRADE' });
    assert.equal(result.ok, true);
  });

  test('§4.2.1 item 1 a method other than GET gets 405 with Allow', () => {
    const result = check(good, 'POST');
    refusedWith(result, 405);
    if (!result.ok) assert.deepEqual(result.headers, [['Allow', 'GET']]);
  });

  test('§4.2.1 item 1 HTTP/1.0 gets 400; HTTP/2-style versions pass the version check', () => {
    refusedWith(check(good, 'GET', '1.0'), 400);
    assert.equal(check(good, 'GET', '2.0').ok, true);
  });

  test('§4.2.1 items 2-5 missing or wrong fields get 400', () => {
    const { Host: _h, ...noHost } = good;
    refusedWith(check(noHost), 400);
    refusedWith(check({ ...good, Upgrade: 'h2c' }), 400);
    refusedWith(check({ ...good, Connection: 'keep-alive' }), 400);
    refusedWith(check({ ...good, 'Sec-WebSocket-Key': 'short' }), 400);
    const { 'Sec-WebSocket-Key': _k, ...noKey } = good;
    refusedWith(check(noKey), 400);
    const { 'Sec-WebSocket-Version': _v, ...noVersion } = good;
    refusedWith(check(noVersion), 400);
  });

  test('§4.4 an unsupported version gets 426 with Sec-WebSocket-Version: 13', () => {
    const result = check({ ...good, 'Sec-WebSocket-Version': '8' });
    refusedWith(result, 426);
    if (!result.ok) assert.deepEqual(result.headers, [['Sec-WebSocket-Version', '13']]);
  });

  test('§4.1 subprotocols must be unique tokens', () => {
    refusedWith(check({ ...good, 'Sec-WebSocket-Protocol': 'chat, chat' }), 400);
    refusedWith(check({ ...good, 'Sec-WebSocket-Protocol': 'a b' }), 400);
    refusedWith(check({ ...good, 'Sec-WebSocket-Protocol': 'x/y' }), 400);
  });

  test('§4.2.2 the 101 answer carries Upgrade, Connection, Accept and the chosen protocol', () => {
    assert.deepEqual(acceptHeaders(KEY, { protocol: 'chat' }), [
      ['Upgrade', 'websocket'],
      ['Connection', 'Upgrade'],
      ['Sec-WebSocket-Accept', 's3pPLMBiTxaQ9kYGzzhZRbK+xOo='],
      ['Sec-WebSocket-Protocol', 'chat'],
    ]);
    assert.throws(() => acceptHeaders(KEY, { protocol: 'bad protocol' }), {
      code: ErrorCode.INVALID_ARGUMENT,
    });
  });
});

describe('client side: the request and the check of the answer (RFC 6455 §4.1)', () => {
  const answer = {
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Accept': 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=',
  };

  test('§4.1 the request carries the required fields and offered protocols', () => {
    const fields = upgradeRequestHeaders({
      host: 'example.com:8080',
      key: KEY,
      protocols: ['a', 'b'],
      origin: 'http://o',
    });
    assert.deepEqual(fields, [
      ['Host', 'example.com:8080'],
      ['Upgrade', 'websocket'],
      ['Connection', 'Upgrade'],
      ['Sec-WebSocket-Key', KEY],
      ['Sec-WebSocket-Version', '13'],
      ['Sec-WebSocket-Protocol', 'a, b'],
      ['Origin', 'http://o'],
    ]);
    assert.throws(() => upgradeRequestHeaders({ host: 'h', key: KEY, protocols: ['a', 'a'] }), {
      code: ErrorCode.INVALID_ARGUMENT,
    });
  });

  test('§4.1 a correct 101 answer is accepted', () => {
    const result = checkUpgradeResponse(
      { status: 101, headers: headers({ ...answer, 'Sec-WebSocket-Protocol': 'b' }) },
      { key: KEY, protocols: ['a', 'b'] },
    );
    assert.deepEqual(result, { ok: true, protocol: 'b', extensions: undefined });
  });

  test('§4.1 item 1 a non-101 answer fails with its status and a body snippet', () => {
    const result = checkUpgradeResponse(
      { status: 403, statusText: 'Forbidden', headers: headers({}), bodySnippet: 'no entry' },
      { key: KEY },
    );
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.equal(result.error.status, 403);
    assert.match(result.error.message, /403 Forbidden/);
    assert.match(result.error.message, /no entry/);
  });

  test('§4.1 items 2-4 missing Upgrade/Connection or a wrong accept value fail', () => {
    const { Upgrade: _u, ...noUpgrade } = answer;
    assert.equal(
      checkUpgradeResponse({ status: 101, headers: headers(noUpgrade) }, { key: KEY }).ok,
      false,
    );
    // Item 2: the value must match "websocket" itself, not be a list containing it.
    for (const value of ['h2c, websocket', 'websocket, h2c']) {
      assert.equal(
        checkUpgradeResponse(
          { status: 101, headers: headers({ ...answer, Upgrade: value }) },
          {
            key: KEY,
          },
        ).ok,
        false,
        value,
      );
    }
    assert.equal(
      checkUpgradeResponse(
        { status: 101, headers: headers({ ...answer, Upgrade: ' WebSocket ' }) },
        {
          key: KEY,
        },
      ).ok,
      true,
    );
    const { Connection: _c, ...noConnection } = answer;
    assert.equal(
      checkUpgradeResponse({ status: 101, headers: headers(noConnection) }, { key: KEY }).ok,
      false,
    );
    const wrong = checkUpgradeResponse(
      { status: 101, headers: headers({ ...answer, 'Sec-WebSocket-Accept': 'AAAA' }) },
      { key: KEY },
    );
    assert.equal(wrong.ok, false);
    if (!wrong.ok)
      assert.match(wrong.error.message, /expected s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=, got "AAAA"/);
  });

  test('§4.1 items 5-6 an extension or subprotocol that was not offered fails', () => {
    const ext = checkUpgradeResponse(
      {
        status: 101,
        headers: headers({ ...answer, 'Sec-WebSocket-Extensions': 'permessage-deflate' }),
      },
      { key: KEY },
    );
    assert.equal(ext.ok, false);
    const offered = checkUpgradeResponse(
      {
        status: 101,
        headers: headers({
          ...answer,
          'Sec-WebSocket-Extensions': 'permessage-deflate; client_max_window_bits',
        }),
      },
      { key: KEY, extensions: ['permessage-deflate'] },
    );
    assert.equal(offered.ok, true);
    const proto = checkUpgradeResponse(
      { status: 101, headers: headers({ ...answer, 'Sec-WebSocket-Protocol': 'c' }) },
      { key: KEY, protocols: ['a'] },
    );
    assert.equal(proto.ok, false);
    const two = checkUpgradeResponse(
      { status: 101, headers: headers({ ...answer, 'Sec-WebSocket-Protocol': 'a, b' }) },
      { key: KEY, protocols: ['a', 'b'] },
    );
    assert.equal(two.ok, false);
  });
});
