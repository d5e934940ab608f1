import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode, WirekitError } from '../../../src/core/errors.js';
import { parseExtensionHeader } from '../../../src/core/ws/extension-header.js';
import {
  acceptDeflateResponse,
  deflateOffer,
  negotiateDeflate,
} from '../../../src/core/ws/permessage-deflate.js';

function negotiate(header: string, options = {}) {
  const offers = parseExtensionHeader(header);
  assert.ok(offers, `parsable: ${header}`);
  return negotiateDeflate(offers, options);
}

describe('Sec-WebSocket-Extensions grammar (RFC 6455 §9.1)', () => {
  test('§9.1 elements, parameters, values and quoted values', () => {
    assert.deepEqual(
      parseExtensionHeader('permessage-deflate; client_max_window_bits, X-Foo ; A = 1 ; b="2"'),
      [
        { name: 'permessage-deflate', params: [['client_max_window_bits', true]] },
        {
          name: 'x-foo',
          params: [
            ['a', '1'],
            ['b', '2'],
          ],
        },
      ],
    );
  });

  test('§9.1 empty list elements are ignored (RFC 9110 §5.6.1)', () => {
    assert.deepEqual(parseExtensionHeader(' , permessage-deflate ,, '), [
      { name: 'permessage-deflate', params: [] },
    ]);
  });

  test('§9.1 malformed values are rejected', () => {
    for (const bad of [
      'a;',
      'a; =1',
      'a; b=',
      'a; b="unterminated',
      'a; b="not a token"',
      'a b',
      'a; b=c d',
      '"quoted"',
      'a;b="x\\',
    ]) {
      assert.equal(parseExtensionHeader(bad), undefined, bad);
    }
  });
});

describe('permessage-deflate negotiation, server side (RFC 7692 §7.1)', () => {
  test('§7.1 a plain offer is accepted with default windows', () => {
    const agreement = negotiate('permessage-deflate');
    assert.deepEqual(agreement, {
      params: {
        serverNoContextTakeover: false,
        clientNoContextTakeover: false,
        serverMaxWindowBits: 15,
        clientMaxWindowBits: 15,
      },
      response: 'permessage-deflate',
    });
  });

  test("§7.1.2.2 Chromium's offer (client_max_window_bits without value)", () => {
    const agreement = negotiate('permessage-deflate; client_max_window_bits');
    assert.equal(agreement?.response, 'permessage-deflate');
    assert.equal(agreement?.params.clientMaxWindowBits, 15);
    const limited = negotiate('permessage-deflate; client_max_window_bits', {
      clientMaxWindowBits: 10,
    });
    assert.equal(limited?.response, 'permessage-deflate; client_max_window_bits=10');
    assert.equal(limited?.params.clientMaxWindowBits, 10);
  });

  test('§7.1.2.2 without client_max_window_bits in the offer the answer must not limit it', () => {
    const agreement = negotiate('permessage-deflate');
    assert.equal(agreement?.response, 'permessage-deflate');
    assert.equal(agreement?.params.clientMaxWindowBits, 15);
    // A server told to limit the client's window cannot say so: it declines the offer instead.
    assert.equal(negotiate('permessage-deflate', { clientMaxWindowBits: 10 }), undefined);
    assert.equal(
      negotiate('permessage-deflate, permessage-deflate; client_max_window_bits', {
        clientMaxWindowBits: 10,
      })?.response,
      'permessage-deflate; client_max_window_bits=10',
    );
  });

  test('§7.1.2.1 an offered server_max_window_bits is honoured and echoed', () => {
    const agreement = negotiate('permessage-deflate; server_max_window_bits=10');
    assert.equal(agreement?.response, 'permessage-deflate; server_max_window_bits=10');
    assert.equal(agreement?.params.serverMaxWindowBits, 10);
    const smaller = negotiate('permessage-deflate; server_max_window_bits=12', {
      serverMaxWindowBits: 11,
    });
    assert.equal(smaller?.params.serverMaxWindowBits, 11);
  });

  test('§7.1.1 no-context-takeover parameters are echoed or added', () => {
    const agreement = negotiate(
      'permessage-deflate; server_no_context_takeover; client_no_context_takeover',
    );
    assert.equal(
      agreement?.response,
      'permessage-deflate; server_no_context_takeover; client_no_context_takeover',
    );
    const added = negotiate('permessage-deflate', {
      serverNoContextTakeover: true,
      clientNoContextTakeover: true,
    });
    assert.equal(added?.params.serverNoContextTakeover, true);
    assert.equal(added?.params.clientNoContextTakeover, true);
  });

  test('§7.1 offers with unknown, repeated or invalid parameters are declined; the next offer is taken', () => {
    for (const bad of [
      'permessage-deflate; foo',
      'permessage-deflate; server_no_context_takeover; server_no_context_takeover',
      'permessage-deflate; server_max_window_bits',
      'permessage-deflate; server_max_window_bits=16',
      'permessage-deflate; server_max_window_bits=7',
      'permessage-deflate; server_max_window_bits=010',
      'permessage-deflate; client_max_window_bits=0x0f',
      'permessage-deflate; server_no_context_takeover=1',
    ]) {
      assert.equal(negotiate(bad), undefined, bad);
      assert.equal(
        negotiate(`${bad}, permessage-deflate`)?.response,
        'permessage-deflate',
        `${bad} then a plain offer`,
      );
    }
  });

  test('an offer holding the server to an 8-bit window is declined (zlib cannot compress with it)', () => {
    assert.equal(negotiate('permessage-deflate; server_max_window_bits=8'), undefined);
  });

  test('other extensions are ignored', () => {
    assert.equal(negotiate('x-webkit-deflate-frame'), undefined);
  });

  test('options out of range throw ERR_INVALID_ARGUMENT', () => {
    assert.throws(() => negotiate('permessage-deflate', { serverMaxWindowBits: 8 }), {
      code: ErrorCode.INVALID_ARGUMENT,
    });
    assert.throws(() => deflateOffer({ clientMaxWindowBits: 16 }), {
      code: ErrorCode.INVALID_ARGUMENT,
    });
  });
});

describe('permessage-deflate negotiation, client side (RFC 7692 §7.1)', () => {
  test('§7.1 the default offer is what browsers send', () => {
    assert.equal(deflateOffer(), 'permessage-deflate; client_max_window_bits');
    assert.equal(
      deflateOffer({
        serverNoContextTakeover: true,
        clientNoContextTakeover: true,
        serverMaxWindowBits: 10,
        clientMaxWindowBits: 12,
      }),
      'permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=12',
    );
  });

  test('§7.1 valid answers give the agreed parameters', () => {
    assert.deepEqual(acceptDeflateResponse('permessage-deflate'), {
      serverNoContextTakeover: false,
      clientNoContextTakeover: false,
      serverMaxWindowBits: 15,
      clientMaxWindowBits: 15,
    });
    assert.deepEqual(
      acceptDeflateResponse(
        'permessage-deflate; client_max_window_bits=10; server_max_window_bits=12; client_no_context_takeover',
      ),
      {
        serverNoContextTakeover: false,
        clientNoContextTakeover: true,
        serverMaxWindowBits: 12,
        clientMaxWindowBits: 10,
      },
    );
    assert.equal(acceptDeflateResponse(undefined), undefined);
  });

  test('§7.1 invalid answers fail the handshake', () => {
    for (const bad of [
      'permessage-deflate; foo',
      'permessage-deflate; client_max_window_bits',
      'permessage-deflate; server_max_window_bits=20',
      'permessage-deflate, permessage-deflate',
      'permessage-deflate; client_max_window_bits=8',
      'permessage-deflate;;',
    ]) {
      const result = acceptDeflateResponse(bad);
      assert.ok(result instanceof WirekitError, bad);
      assert.equal(result.code, ErrorCode.WS_HANDSHAKE);
    }
    assert.ok(
      acceptDeflateResponse('permessage-deflate', { serverNoContextTakeover: true }) instanceof
        WirekitError,
    );
    assert.ok(
      acceptDeflateResponse('permessage-deflate; client_max_window_bits=12', {
        clientMaxWindowBits: 10,
      }) instanceof WirekitError,
    );
    assert.ok(
      acceptDeflateResponse('permessage-deflate', { serverMaxWindowBits: 10 }) instanceof
        WirekitError,
    );
  });
});
