/**
 * Request streams (RFC 9114 §4, §7.2.1, §7.2.2, §7.2.5, §7.2.8; RFC 9220 §3 with RFC 8441 §4):
 * the frame sequence rules (connection errors), malformed messages (stream errors of type
 * H3_MESSAGE_ERROR), Content-Length, incomplete requests, the field section limit, resets and
 * STOP_SENDING, and what the session sends.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Http3ErrorCode as E } from '../../../src/core/http3/error-code.js';
import { FrameRead, Http3FrameReader } from '../../../src/core/http3/frame-reader.js';
import type { Http3Event } from '../../../src/core/http3/http3-event.js';
import type { Http3Session } from '../../../src/core/http3/http3-session.js';
import { decodeFieldSection } from '../../../src/core/qpack/field-decoder.js';
import type { FieldLines } from '../../../src/core/qpack/field-encoder.js';
import {
  closeCode,
  concat,
  dataFrame,
  drain,
  frame,
  headersFrame,
  readyClient,
  readyServer,
  server,
  streamErrorCode,
  toHex,
  varint,
  WS_REQUEST,
} from './helpers.js';

const GET: FieldLines = [
  [':method', 'GET'],
  [':scheme', 'https'],
  [':authority', 'example.com'],
  [':path', '/'],
];

/** A request head whose encoded section is short (20 short lines, under 200 bytes) and whose
 * decoded size (32 more per line, RFC 9114 §4.2.2) is over 400. */
const MANY: FieldLines = [
  ...GET,
  ...Array.from({ length: 20 }, (_, i) => [`x-${i % 10}`, 'v'] as const),
];

/** Feed a request stream to a fresh server; its events. */
function serve(bytes: Uint8Array, fin = false, options = {}) {
  const s = readyServer(options);
  s.streamData(0, bytes, fin);
  return drain(s);
}

/**
 * The 431 a server queued on `streamId` for a header section over its limit, after checking
 * the items around it: STOP_SENDING with H3_NO_ERROR (RFC 9114 §4.1.1), the `request-refused`
 * event, one write with FIN, and no stream error or connection close.
 */
function tooLargeAnswer(
  s: Http3Session,
  streamId: number,
): { status: string | undefined; contentType: string | undefined; body: string } {
  const items: Http3Event[] = [];
  for (let e = s.poll(); e !== undefined; e = s.poll()) items.push(e);
  assert.deepEqual(
    items.map((e) => e.type),
    ['stop-sending', 'request-refused', 'write'],
  );
  const [stop, refused, write] = items;
  assert.deepEqual(stop, { type: 'stop-sending', streamId, code: E.H3_NO_ERROR });
  assert.equal(refused?.type === 'request-refused' && refused.status, 431);
  assert.ok(write?.type === 'write' && write.fin && write.streamId === streamId);
  const reader = new Http3FrameReader();
  reader.receive(write.data);
  const fields = new Map<string, string>();
  let body = '';
  for (let read = reader.poll(); read !== FrameRead.NEED_DATA; read = reader.poll()) {
    if (read === FrameRead.FRAME_START) {
      if (reader.type === 0x01) reader.bufferPayload();
      else reader.streamPayload();
    } else if (read === FrameRead.FRAME) {
      const decoded = decodeFieldSection(reader.payload, 1000);
      assert.ok(decoded.ok);
      const { names, values } = decoded.fields;
      for (let i = 0; i < names.length; i++) fields.set(names[i]!, values[i]!);
    } else body += new TextDecoder().decode(reader.payload);
  }
  return { status: fields.get(':status'), contentType: fields.get('content-type'), body };
}

function malformed(lines: FieldLines, options = {}): number | undefined {
  return streamErrorCode(serve(headersFrame(lines), false, options));
}

describe('server: frame sequence on a request stream (§4.1, connection errors)', () => {
  test('a valid request: request event, data, trailers, end', () => {
    const events = serve(
      concat(
        headersFrame(GET),
        dataFrame('ab'),
        frame(0x21, Uint8Array.of(9)),
        dataFrame('c'),
        headersFrame([['x-t', '1']]),
      ),
      true,
    );
    assert.deepEqual(
      events.map((e) => e['type']),
      ['request', 'data', 'data', 'trailers', 'end'],
    );
    assert.deepEqual(events[0], {
      type: 'request',
      streamId: 0,
      fields: GET.map((l) => [...l]),
      method: 'GET',
      protocol: undefined,
    });
  });

  test('§4.1: DATA before HEADERS is H3_FRAME_UNEXPECTED', () => {
    assert.equal(closeCode(serve(dataFrame('x'))), E.H3_FRAME_UNEXPECTED);
  });

  test('§4.1: HEADERS or DATA after the trailers is H3_FRAME_UNEXPECTED', () => {
    const trailers = headersFrame([['x-t', '1']]);
    assert.equal(
      closeCode(serve(concat(headersFrame(GET), trailers, dataFrame('x')))),
      E.H3_FRAME_UNEXPECTED,
    );
    assert.equal(
      closeCode(serve(concat(headersFrame(GET), trailers, trailers))),
      E.H3_FRAME_UNEXPECTED,
    );
    // Unknown frames stay allowed after trailers.
    assert.equal(
      closeCode(serve(concat(headersFrame(GET), trailers, frame(0x21)), true)),
      undefined,
    );
  });

  test('§4.4: after a CONNECT head only DATA is allowed: HEADERS is H3_FRAME_UNEXPECTED', () => {
    assert.equal(
      closeCode(serve(concat(headersFrame(WS_REQUEST), headersFrame([['x', '1']])))),
      E.H3_FRAME_UNEXPECTED,
    );
    assert.equal(
      closeCode(serve(concat(headersFrame(WS_REQUEST), dataFrame('x'), frame(0x21)), true)),
      undefined,
    );
  });

  test('§7.2.5: PUSH_PROMISE from a client is H3_FRAME_UNEXPECTED', () => {
    assert.equal(
      closeCode(
        serve(concat(headersFrame(GET), frame(0x05, concat(varint(0), Uint8Array.of(0, 0))))),
      ),
      E.H3_FRAME_UNEXPECTED,
    );
  });

  test('§7.2.8: HTTP/2 frame types on a request stream are H3_FRAME_UNEXPECTED', () => {
    for (const type of [0x02, 0x06, 0x08, 0x09])
      assert.equal(
        closeCode(serve(concat(headersFrame(GET), frame(type, Uint8Array.of(0))))),
        E.H3_FRAME_UNEXPECTED,
      );
  });

  test('§7.2.8: reserved and unknown frame types are skipped, before HEADERS too', () => {
    const events = serve(
      concat(frame(0x21, new Uint8Array(10)), frame(0x1f * 9 + 0x21), headersFrame(GET)),
      true,
    );
    assert.deepEqual(
      events.map((e) => e['type']),
      ['request', 'end'],
    );
  });

  test('§7.1: a stream ending inside a frame is H3_FRAME_ERROR (header or payload)', () => {
    const whole = concat(headersFrame(GET), dataFrame('abcdef'));
    for (const cut of [whole.length - 1, whole.length - 6, whole.length - 7, whole.length - 9]) {
      assert.equal(closeCode(serve(whole.subarray(0, cut), true)), E.H3_FRAME_ERROR, `cut ${cut}`);
    }
  });

  test('§4.1.1: a stream that ends before the request head is H3_REQUEST_INCOMPLETE', () => {
    assert.equal(streamErrorCode(serve(new Uint8Array(0), true)), E.H3_REQUEST_INCOMPLETE);
    assert.equal(streamErrorCode(serve(frame(0x21), true)), E.H3_REQUEST_INCOMPLETE);
  });

  test('RFC 9204 §2.2.3: a HEADERS frame that references the dynamic table is QPACK_DECOMPRESSION_FAILED', () => {
    assert.equal(
      closeCode(serve(frame(0x01, Uint8Array.of(0x03, 0x81, 0x10, 0x11)))),
      E.QPACK_DECOMPRESSION_FAILED,
    );
    assert.equal(
      closeCode(serve(frame(0x01, Uint8Array.of(0x00, 0x00, 0x80)))),
      E.QPACK_DECOMPRESSION_FAILED,
    );
  });
});

describe('server: malformed requests are stream errors of type H3_MESSAGE_ERROR (§4.1.2)', () => {
  const M = E.H3_MESSAGE_ERROR;
  test('the stream error comes with STOP_SENDING and RESET_STREAM, and the connection stays open', () => {
    const s = readyServer();
    s.streamData(0, headersFrame([...GET, ['Upper', 'x']]));
    assert.deepEqual(
      drain(s).map((e) => [e['type'], e['streamId'], e['code']]),
      [
        ['stream-error', 0, M],
        ['stop-sending', 0, M],
        ['reset-stream', 0, M],
      ],
    );
    s.streamData(0, dataFrame('ignored'), true);
    s.streamData(4, headersFrame(GET), true);
    assert.deepEqual(
      drain(s).map((e) => e['type']),
      ['request', 'end'],
    );
  });

  test('§4.2: upper-case field names', () => {
    assert.equal(malformed([...GET, ['X-Upper', '1']]), M);
    assert.equal(malformed([[':METHOD', 'GET'], ...GET.slice(1)]), M);
  });

  test('§4.2: connection-specific fields, and te other than trailers', () => {
    for (const name of [
      'connection',
      'keep-alive',
      'proxy-connection',
      'transfer-encoding',
      'upgrade',
    ])
      assert.equal(malformed([...GET, [name, 'x']]), M, name);
    assert.equal(malformed([...GET, ['te', 'gzip']]), M);
    assert.equal(malformed([...GET, ['te', 'trailers']]), undefined);
  });

  test('§10.3: invalid characters in names or values', () => {
    assert.equal(malformed([...GET, ['x y', '1']]), M);
    assert.equal(malformed([...GET, ['', '1']]), M);
    for (const bad of ['a\rb', 'a\nb', 'a\u0000b', 'a\u007fb'])
      assert.equal(malformed([...GET, ['x-v', bad]]), M, JSON.stringify(bad));
    assert.equal(malformed([...GET, ['x-v', 'tab\tok ÿ']]), undefined);
  });

  test('§4.3: pseudo-header fields after regular ones', () => {
    assert.equal(malformed([...GET.slice(0, 3), ['x', '1'], GET[3]!]), M);
  });

  test('§4.3: undefined pseudo-headers and response pseudo-headers in a request', () => {
    assert.equal(malformed([...GET, [':status', '200']]), M);
    assert.equal(malformed([...GET, [':foo', 'bar']]), M);
  });

  test('§4.3.1: missing or duplicate pseudo-headers', () => {
    for (const i of [0, 1, 3])
      assert.equal(malformed(GET.filter((_, j) => j !== i)), M, `without ${GET[i]![0]}`);
    for (const line of GET) assert.equal(malformed([line, ...GET]), M, `twice ${line[0]}`);
    assert.equal(malformed([...GET.slice(0, 3), [':path', '']]), M);
  });

  test('§4.3.1: http(s) needs :authority or host, equal when both, not empty', () => {
    const noAuthority = GET.filter(([n]) => n !== ':authority');
    assert.equal(malformed(noAuthority), M);
    assert.equal(malformed([...noAuthority, ['host', 'example.com']]), undefined);
    assert.equal(malformed([...GET, ['host', 'other.example']]), M);
    assert.equal(malformed([...GET, ['host', 'example.com']]), undefined);
    assert.equal(malformed([...noAuthority.slice(0, 2), [':authority', ''], noAuthority[2]!]), M);
  });

  test('§4.4: a classic CONNECT has :authority and no :scheme or :path', () => {
    assert.equal(
      malformed([
        [':method', 'CONNECT'],
        [':authority', 'example.com:443'],
      ]),
      undefined,
    );
    assert.equal(malformed([[':method', 'CONNECT']]), M);
    assert.equal(
      malformed([
        [':method', 'CONNECT'],
        [':authority', 'a:1'],
        [':path', '/'],
      ]),
      M,
    );
  });

  test('RFC 8441 §4, RFC 9220 §3: :protocol needs CONNECT with :scheme, :path, :authority', () => {
    assert.equal(malformed(WS_REQUEST), undefined);
    for (const drop of [':scheme', ':path', ':authority'])
      assert.equal(malformed(WS_REQUEST.filter(([n]) => n !== drop)), M, `without ${drop}`);
    assert.equal(malformed([[':method', 'GET'], ...WS_REQUEST.slice(1)]), M);
    assert.equal(malformed([WS_REQUEST[1]!, ...WS_REQUEST]), M);
  });

  test('RFC 8441 §4: :protocol when the server did not enable extended CONNECT', () => {
    assert.equal(malformed(WS_REQUEST, { enableConnectProtocol: false }), M);
  });

  test('§4.1.2: Content-Length that disagrees with the DATA received', () => {
    const head = headersFrame([...GET, ['content-length', '3']]);
    assert.equal(streamErrorCode(serve(concat(head, dataFrame('abc')), true)), undefined);
    assert.equal(streamErrorCode(serve(concat(head, dataFrame('ab')), true)), M);
    assert.equal(streamErrorCode(serve(concat(head, dataFrame('ab'), dataFrame('cd')))), M);
    assert.equal(malformed([...GET, ['content-length', 'x']]), M);
    assert.equal(malformed([...GET, ['content-length', '1'], ['content-length', '2']]), M);
  });

  test('§4.2.2: a request head over the limit is answered 431 on its stream; the next stream is served', () => {
    // 20 short lines: 153 bytes encoded, 20 × 35 + the pseudo-headers decoded, over 400.
    const many: FieldLines = [
      ...GET,
      ...Array.from({ length: 20 }, (_, i) => [`x-${i % 10}`, 'v'] as const),
    ];
    assert.ok(headersFrame(many).length < 400);
    const s = readyServer({ maxFieldSectionSize: 400 });
    s.streamData(0, headersFrame(MANY));
    const answer = tooLargeAnswer(s, 0);
    assert.equal(answer.status, '431');
    assert.equal(answer.contentType, 'text/plain; charset=utf-8');
    assert.match(answer.body, /RFC 9114 §4\.2\.2/);
    // The rest of the request is dropped; another stream is served as usual.
    s.streamData(0, dataFrame('ignored'), true);
    assert.deepEqual(drain(s), []);
    s.streamData(4, headersFrame(GET));
    assert.deepEqual(
      drain(s).map((e) => e['type']),
      ['request'],
    );
  });

  test('§4.2.2: a HEADERS frame longer than the limit gets 431 without being read', () => {
    const s = readyServer({ maxFieldSectionSize: 400 });
    s.streamData(0, frame(0x01, new Uint8Array(0), 100_000));
    assert.equal(tooLargeAnswer(s, 0).status, '431');
    assert.equal(s.closed, false);
  });

  test('§4.2.2: a section over the limit that cannot be answered is H3_EXCESSIVE_LOAD', () => {
    const big: FieldLines = [['x-big', 'v'.repeat(500)]];
    // Trailers: the request was handed on already.
    assert.equal(
      streamErrorCode(
        serve(concat(headersFrame(GET), headersFrame(big)), false, { maxFieldSectionSize: 400 }),
      ),
      E.H3_EXCESSIVE_LOAD,
    );
    // The peer stopped the stream's sending side before its head was complete.
    const stopped = readyServer({ maxFieldSectionSize: 400 });
    const head = headersFrame(MANY);
    stopped.streamData(0, head.subarray(0, 10));
    stopped.streamStopSending(0, E.H3_REQUEST_CANCELLED);
    drain(stopped);
    stopped.streamData(0, head.subarray(10));
    assert.deepEqual(
      drain(stopped).map((e) => [e['type'], e['code']]),
      [
        ['stream-error', E.H3_EXCESSIVE_LOAD],
        ['stop-sending', E.H3_EXCESSIVE_LOAD],
      ],
    );
    // A peer whose own SETTINGS_MAX_FIELD_SECTION_SIZE (0x06) leaves no room for the 431's head.
    const tiny = readyServer({ maxFieldSectionSize: 400 }, [[0x06, 50]]);
    tiny.streamData(0, head);
    assert.equal(streamErrorCode(drain(tiny)), E.H3_EXCESSIVE_LOAD);
    // A client discards a response over its limit (§4.2.2) with the stream error.
    const c = readyClient({ maxFieldSectionSize: 400 });
    c.openWebSocket({ scheme: 'https', authority: 'example.com', path: '/' });
    drain(c);
    c.streamData(0, headersFrame([[':status', '200'], ...big]));
    assert.equal(streamErrorCode(drain(c)), E.H3_EXCESSIVE_LOAD);
  });

  test('§4.1.2: trailers with pseudo-headers are malformed', () => {
    assert.equal(
      streamErrorCode(serve(concat(headersFrame(GET), headersFrame([[':path', '/']])))),
      M,
    );
  });
});

describe('client: responses', () => {
  function respond(bytes: Uint8Array, fin = false, request: FieldLines = WS_REQUEST) {
    const c = readyClient();
    const id = c.openRequest(request);
    drain(c);
    c.streamData(id, bytes, fin);
    return drain(c);
  }

  test('informational heads, the final head, data, end', () => {
    const events = respond(
      concat(
        headersFrame([[':status', '103']]),
        headersFrame([[':status', '200']]),
        dataFrame('x'),
      ),
      true,
      [
        [':method', 'GET'],
        [':scheme', 'https'],
        [':authority', 'a'],
        [':path', '/'],
      ],
    );
    assert.deepEqual(
      events.map((e) => [e['type'], e['status']]),
      [
        ['response', 103],
        ['response', 200],
        ['data', undefined],
        ['end', undefined],
      ],
    );
  });

  test('§7.2.5: PUSH_PROMISE without MAX_PUSH_ID is H3_ID_ERROR', () => {
    assert.equal(
      closeCode(respond(frame(0x05, concat(varint(0), Uint8Array.of(0, 0))))),
      E.H3_ID_ERROR,
    );
  });

  test('§4.3.2: a response without :status, with a request pseudo-header, or with 101 is malformed', () => {
    assert.equal(streamErrorCode(respond(headersFrame([['x', '1']]))), E.H3_MESSAGE_ERROR);
    assert.equal(
      streamErrorCode(
        respond(
          headersFrame([
            [':status', '200'],
            [':path', '/'],
          ]),
        ),
      ),
      E.H3_MESSAGE_ERROR,
    );
    assert.equal(streamErrorCode(respond(headersFrame([[':status', '101']]))), E.H3_MESSAGE_ERROR);
    assert.equal(streamErrorCode(respond(headersFrame([[':status', '20']]))), E.H3_MESSAGE_ERROR);
    assert.equal(
      streamErrorCode(
        respond(
          headersFrame([
            [':status', '200'],
            [':status', '200'],
          ]),
        ),
      ),
      E.H3_MESSAGE_ERROR,
    );
  });

  test('§4.1: a stream that ends before the final response is malformed', () => {
    assert.equal(
      streamErrorCode(respond(headersFrame([[':status', '100']]), true)),
      E.H3_MESSAGE_ERROR,
    );
  });

  test('§4.4: after a 2xx to CONNECT only DATA follows (HEADERS is H3_FRAME_UNEXPECTED)', () => {
    assert.equal(
      closeCode(respond(concat(headersFrame([[':status', '200']]), headersFrame([['x', '1']])))),
      E.H3_FRAME_UNEXPECTED,
    );
  });

  test('RFC 9220 §3: extended CONNECT waits for the server to enable it', () => {
    const c = readyClient({}, []);
    assert.throws(() => c.openWebSocket({ scheme: 'https', authority: 'a', path: '/' }), {
      code: 'ERR_INVALID_ARGUMENT',
    });
    const early = readyClient();
    assert.equal(early.openWebSocket({ scheme: 'https', authority: 'a', path: '/' }), 0);
  });
});

describe('resets, STOP_SENDING and sending', () => {
  test('a peer reset of a request stream is reported once; later data is ignored', () => {
    const s = readyServer();
    s.streamData(0, headersFrame(WS_REQUEST));
    s.streamReset(0, E.H3_REQUEST_CANCELLED);
    s.streamData(0, dataFrame('late'));
    s.streamReset(0, E.H3_REQUEST_CANCELLED);
    assert.deepEqual(
      drain(s).map((e) => e['type']),
      ['request', 'stream-reset'],
    );
  });

  test('STOP_SENDING from the peer is reported and later sends on the stream are dropped', () => {
    const s = readyServer();
    s.streamData(0, headersFrame(WS_REQUEST));
    drain(s);
    s.streamStopSending(0, E.H3_REQUEST_CANCELLED);
    assert.deepEqual(drain(s), [
      { type: 'stream-stopped', streamId: 0, code: E.H3_REQUEST_CANCELLED },
    ]);
    s.sendHeaders(0, { ':status': 200 });
    s.sendData(0, Uint8Array.of(1));
    assert.deepEqual(drain(s), []);
  });

  test('dataFrameHeader writes the DATA frame header a transport sends itself, checked as sendData', () => {
    const s = readyServer();
    s.streamData(0, headersFrame(WS_REQUEST));
    drain(s);
    const out = new Uint8Array(9);
    // RFC 9114 §4.1: no DATA before the response head.
    assert.throws(() => s.dataFrameHeader(0, 2, out), { code: 'ERR_INVALID_ARGUMENT' });
    s.sendHeaders(0, { ':status': 200 });
    drain(s);
    assert.equal(s.dataFrameHeader(0, 2, out), 2);
    assert.equal(toHex(out.subarray(0, 2)), '0002');
    // A length past 63 takes a two-byte varint (RFC 9000 §16).
    assert.equal(s.dataFrameHeader(0, 300, out), 3);
    assert.equal(toHex(out.subarray(0, 3)), '00412c');
    assert.deepEqual(drain(s), [], 'nothing is queued');
    s.streamStopSending(0, E.H3_REQUEST_CANCELLED);
    drain(s);
    assert.equal(s.dataFrameHeader(0, 2, out), -1, 'dropped after STOP_SENDING');
    assert.throws(() => s.dataFrameHeader(4, 2, out), { code: 'ERR_INVALID_ARGUMENT' });
  });

  test('the response is HEADERS then DATA frames; fields are checked and pseudo-headers go first', () => {
    const s = readyServer();
    s.streamData(0, headersFrame(WS_REQUEST));
    drain(s);
    s.sendHeaders(0, { 'sec-websocket-protocol': 'chat', ':status': 200 });
    s.sendData(0, Uint8Array.of(0x81, 0x00), true);
    assert.deepEqual(drain(s), [
      {
        type: 'write',
        streamId: 0,
        data: toHex(
          headersFrame([
            [':status', '200'],
            ['sec-websocket-protocol', 'chat'],
          ]),
        ),
        fin: false,
      },
      { type: 'write', streamId: 0, data: '00028100', fin: true },
    ]);
    assert.throws(() => s.sendData(0, Uint8Array.of(1)), { code: 'ERR_INVALID_ARGUMENT' });
    const t = readyServer();
    t.streamData(0, headersFrame(WS_REQUEST));
    drain(t);
    assert.throws(() => t.sendData(0, Uint8Array.of(1)), { code: 'ERR_INVALID_ARGUMENT' });
    assert.throws(() => t.sendHeaders(0, { ':status': 200, connection: 'close' }), {
      code: 'ERR_INVALID_ARGUMENT',
    });
    assert.throws(() => t.sendHeaders(0, { ':status': 200, 'x-a': 'a\r\nb' }), {
      code: 'ERR_HTTP_INVALID_HEADER',
    });
    assert.throws(() => t.sendHeaders(0, { ':bogus': 'x' }), { code: 'ERR_INVALID_ARGUMENT' });
    assert.throws(() => t.sendHeaders(8, { ':status': 200 }), { code: 'ERR_INVALID_ARGUMENT' });
  });

  test('§4.2.2: a field section over the peer’s SETTINGS_MAX_FIELD_SECTION_SIZE is not sent', () => {
    const c = readyClient({}, [
      [8, 1],
      [6, 100],
    ]);
    assert.throws(() => c.openRequest([...WS_REQUEST, ['x-big', 'v'.repeat(100)]]), {
      code: 'ERR_INVALID_ARGUMENT',
    });
  });

  test('regression: an answer to a request the session ended in the same bytes (a malformed frame after the head) is dropped, not thrown', () => {
    const s = server();
    s.streamData(0, concat(headersFrame(GET), headersFrame([[':path', '/']])));
    const events = drain(s);
    assert.deepEqual(
      events.map((e) => e['type']),
      ['request', 'stream-error', 'stop-sending', 'reset-stream'],
    );
    // The application answers the `request` it polled first: nothing is sent, nothing throws.
    s.sendHeaders(0, { ':status': 404 }, true);
    s.finish(0);
    assert.deepEqual(drain(s), []);
    // A stream that never existed is still misuse.
    assert.throws(() => s.sendHeaders(4, { ':status': 200 }), { code: 'ERR_INVALID_ARGUMENT' });
  });

  test('abortStream resets and stops a stream with H3_REQUEST_CANCELLED by default', () => {
    const s = server();
    s.streamData(0, headersFrame(WS_REQUEST));
    drain(s);
    s.abortStream(0);
    assert.deepEqual(
      drain(s).map((e) => [e['type'], e['code']]),
      [
        ['stop-sending', E.H3_REQUEST_CANCELLED],
        ['reset-stream', E.H3_REQUEST_CANCELLED],
      ],
    );
  });
});

test('§4.1.2: a response that never has content (to HEAD, 204, 304) may carry any Content-Length', () => {
  for (const [method, status] of [
    ['HEAD', '200'],
    ['GET', '204'],
    ['GET', '304'],
  ] as const) {
    const c = readyClient();
    const id = c.openRequest([
      [':method', method],
      [':scheme', 'https'],
      [':authority', 'a'],
      [':path', '/'],
    ]);
    drain(c);
    c.streamData(
      id,
      headersFrame([
        [':status', status],
        ['content-length', '10'],
      ]),
      true,
    );
    assert.deepEqual(
      drain(c).map((e) => e['type']),
      ['response', 'end'],
      `${method} ${status}`,
    );
  }
  const c = readyClient();
  const id = c.openRequest([
    [':method', 'GET'],
    [':scheme', 'https'],
    [':authority', 'a'],
    [':path', '/'],
  ]);
  drain(c);
  c.streamData(
    id,
    headersFrame([
      [':status', '200'],
      ['content-length', '10'],
    ]),
    true,
  );
  assert.equal(streamErrorCode(drain(c)), E.H3_MESSAGE_ERROR);
});
