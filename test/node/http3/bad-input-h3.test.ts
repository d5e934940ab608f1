/**
 * Bad input over real QUIC against `serve({ http3 })`: a raw HTTP/3 peer (the core session on
 * wirekit's QUIC endpoint, `raw-h3.ts`) that opens a second control stream, sends frames where
 * RFC 9114 forbids them, references the QPACK dynamic table it was never given, opens request
 * streams past the concurrent-stream limit, sends header sections over the field section limit
 * (answered 431, or H3_EXCESSIVE_LOAD where no answer can be sent), or resets a stream in the
 * middle of a WebSocket message, and a client that goes quiet past the idle timeout. Each gets the error the RFCs
 * name, and the server keeps serving its other streams and connections.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode, WirekitError } from '../../../src/core/errors.js';
import { Http3ErrorCode } from '../../../src/core/http3/error-code.js';
import { FrameRead, Http3FrameReader } from '../../../src/core/http3/frame-reader.js';
import { DEFAULT_MAX_FIELD_SECTION_SIZE } from '../../../src/core/http3/http3-session.js';
import { decodeFieldSection } from '../../../src/core/qpack/field-decoder.js';
import type { FieldLines } from '../../../src/core/qpack/field-encoder.js';
import { connect } from '../../../src/node/connect.js';
import { type ListeningServer, serve } from '../../../src/node/websocket-server.js';
import { RawPeer } from '../../conformance/raw-peer.js';
import { OP } from '../../conformance/wire-frame.js';
import { headersFrame } from '../../core/http3/helpers.js';
import { testCertificate } from '../../helpers/tls-cert.js';
import { recorder } from '../helpers.js';
import { openRawH3, type RawH3Connection } from './raw-h3.js';

const { key, cert } = testCertificate();

async function h3Server(
  http3: { maxStreams?: number; idleTimeout?: number; maxFieldSectionSize?: number } = {},
  handler: Parameters<typeof serve>[0]['handler'] = {
    message(ws, data, isBinary) {
      ws.send(data, isBinary);
    },
  },
): Promise<ListeningServer> {
  return serve({
    port: 0,
    host: '127.0.0.1',
    tls: { key, cert },
    http3: { key, cert, ...http3 },
    handler,
  });
}

/** The server still echoes over a fresh HTTP/3 WebSocket. */
async function stillServes(server: ListeningServer): Promise<void> {
  const ws = await connect(`wss://127.0.0.1:${server.address.port}/`, {
    http3: true,
    tls: { ca: cert },
  });
  const reply = ws[Symbol.asyncIterator]().next();
  ws.send('still there?');
  const result = await reply;
  assert.equal(result.done, false);
  assert.equal(Buffer.from(result.value!.data).toString(), 'still there?');
  ws.close();
}

/** A WebSocket opened by hand on `raw` as a conformance peer. */
async function rawWebSocket(raw: RawH3Connection): Promise<RawPeer> {
  const stream = raw.extendedConnect('/');
  const answer = await raw.response(stream);
  assert.equal(answer.status, 200);
  return new RawPeer(stream, 'client', Buffer.alloc(0));
}

const GET: FieldLines = [
  [':method', 'GET'],
  [':scheme', 'https'],
  [':authority', '127.0.0.1'],
  [':path', '/'],
];

/**
 * Short lines whose decoded size (32 more per line, RFC 9114 §4.2.2) is over the server's
 * default limit while the encoded section stays well under it.
 */
const OVERSIZED: FieldLines = Array.from(
  { length: Math.ceil(DEFAULT_MAX_FIELD_SECTION_SIZE / 36) + 1 },
  (_, i) => [`x-${i % 100}`, 'v'] as const,
);

/** A response as it arrived on a stream written by hand: its fields and body. */
function responseOn(
  raw: RawH3Connection,
  id: number,
): { fields: Map<string, string>; body: string } {
  const reader = new Http3FrameReader();
  reader.receive(raw.byHand.received(id));
  const fields = new Map<string, string>();
  let body = '';
  for (let read = reader.poll(); read !== FrameRead.NEED_DATA; read = reader.poll()) {
    if (read === FrameRead.FRAME_START) {
      if (reader.type === 0x01) reader.bufferPayload();
      else reader.streamPayload();
    } else if (read === FrameRead.FRAME) {
      const decoded = decodeFieldSection(reader.payload, DEFAULT_MAX_FIELD_SECTION_SIZE);
      assert.ok(decoded.ok);
      const { names, values } = decoded.fields;
      for (let i = 0; i < names.length; i++) fields.set(names[i]!, values[i]!);
    } else body += Buffer.from(reader.payload).toString();
  }
  return { fields, body };
}

/** Wait for the connection to close; its close code. */
async function closedWith(raw: RawH3Connection): Promise<number> {
  await raw.until(() => raw.closeInfo !== undefined, 'the server to close the connection');
  assert.equal(raw.closeInfo!.source, 'peer');
  assert.equal(raw.closeInfo!.application, true);
  return raw.closeInfo!.code;
}

describe('HTTP/3 bad input over QUIC', () => {
  test('a second control stream is H3_STREAM_CREATION_ERROR (RFC 9114 §6.2.1); other connections go on', async () => {
    const server = await h3Server();
    try {
      const bystander = await openRawH3(server.address.port);
      const peer = await rawWebSocket(bystander);
      const raw = await openRawH3(server.address.port);
      // Client unidirectional streams are 2, 6, 10, …; 2 is the session's control stream.
      raw.quic.write(6, Uint8Array.of(0x00, 0x04, 0x00));
      assert.equal(await closedWith(raw), Http3ErrorCode.H3_STREAM_CREATION_ERROR);
      peer.send({ opcode: OP.TEXT, payload: Buffer.from('unharmed') });
      await peer.expectMessage(OP.TEXT, 'unharmed');
      await bystander.shutdown();
      await stillServes(server);
    } finally {
      await server.close();
    }
  });

  test('DATA before HEADERS on a request stream is H3_FRAME_UNEXPECTED (RFC 9114 §4.1)', async () => {
    const server = await h3Server();
    try {
      const raw = await openRawH3(server.address.port);
      raw.quic.write(0, Uint8Array.of(0x00, 0x02, 0x81, 0x00));
      assert.equal(await closedWith(raw), Http3ErrorCode.H3_FRAME_UNEXPECTED);
      await stillServes(server);
    } finally {
      await server.close();
    }
  });

  test('a SETTINGS frame on a request stream is H3_FRAME_UNEXPECTED (RFC 9114 §7.2.4)', async () => {
    const server = await h3Server();
    try {
      const raw = await openRawH3(server.address.port);
      raw.quic.write(0, Uint8Array.of(0x04, 0x00));
      assert.equal(await closedWith(raw), Http3ErrorCode.H3_FRAME_UNEXPECTED);
      await stillServes(server);
    } finally {
      await server.close();
    }
  });

  test('a QPACK dynamic table reference is QPACK_DECOMPRESSION_FAILED (RFC 9204 §4.5.1.1)', async () => {
    const server = await h3Server();
    try {
      const raw = await openRawH3(server.address.port);
      // HEADERS whose field section says Required Insert Count 1: we advertised capacity 0.
      raw.quic.write(0, Uint8Array.of(0x01, 0x03, 0x02, 0x00, 0x80));
      assert.equal(await closedWith(raw), Http3ErrorCode.QPACK_DECOMPRESSION_FAILED);
      await stillServes(server);
    } finally {
      await server.close();
    }
  });

  test('a request head over the field section limit is answered 431 on its stream (RFC 9114 §4.2.2); the connection and its WebSocket go on', async () => {
    const server = await h3Server();
    try {
      const raw = await openRawH3(server.address.port);
      const peer = await rawWebSocket(raw); // stream 0
      // Stream 4: the decoded section is over the limit, the HEADERS frame is not.
      const small = headersFrame([...GET, ...OVERSIZED]);
      assert.ok(small.length < DEFAULT_MAX_FIELD_SECTION_SIZE);
      raw.writeByHand(4, small);
      // Stream 8: the HEADERS frame alone announces more than the limit; it is never read.
      raw.writeByHand(8, Uint8Array.of(0x01, 0x80, 0x10, 0x00, 0x01));
      for (const id of [4, 8]) {
        await raw.byHand.until(() => raw.byHand.finished.has(id), `the answer on stream ${id}`);
        const answer = responseOn(raw, id);
        assert.equal(answer.fields.get(':status'), '431', `stream ${id}`);
        assert.equal(answer.fields.get('content-type'), 'text/plain; charset=utf-8');
        assert.match(answer.body, /field section larger than maxFieldSectionSize/);
        // A clean end (FIN), no RESET_STREAM. The STOP_SENDING (H3_NO_ERROR, §4.1.1) that
        // comes with it is not visible here: quiche reports it to a writer only through a
        // failed write, and the server's finished stream leaves nothing to fail against.
        assert.equal(raw.byHand.resets.has(id), false);
      }
      peer.send({ opcode: OP.TEXT, payload: Buffer.from('unharmed') });
      await peer.expectMessage(OP.TEXT, 'unharmed');
      assert.equal(raw.closeInfo, undefined, 'the QUIC connection stays up');
      await raw.shutdown();
      await stillServes(server);
    } finally {
      await server.close();
    }
  });

  test('serve({ http3: { maxFieldSectionSize } }) sets the limit: 431 above it, a WebSocket below it; a bad value throws', async () => {
    const server = await h3Server({ maxFieldSectionSize: 2048 });
    try {
      const raw = await openRawH3(server.address.port);
      const peer = await rawWebSocket(raw); // stream 0: a head well under 2 KiB opens
      // Stream 4: two fields of 1 KiB each, under the default limit but over 2,048 (each
      // counts its value, its name and 32, RFC 9114 §4.2.2).
      const field = 'v'.repeat(1024);
      raw.writeByHand(4, headersFrame([...GET, ['x-a', field], ['x-b', field]]));
      await raw.byHand.until(() => raw.byHand.finished.has(4), 'the answer on stream 4');
      assert.equal(responseOn(raw, 4).fields.get(':status'), '431');
      peer.send({ opcode: OP.TEXT, payload: Buffer.from('below the limit') });
      await peer.expectMessage(OP.TEXT, 'below the limit');
      await raw.shutdown();
    } finally {
      await server.close();
    }
    await assert.rejects(
      h3Server({ maxFieldSectionSize: 0 }),
      (error: unknown) =>
        error instanceof WirekitError && error.code === ErrorCode.INVALID_ARGUMENT,
    );
  });

  test('a request head over the limit that cannot be answered (the client allows no room for the 431) is H3_EXCESSIVE_LOAD on its stream (RFC 9114 §8.1); the connection goes on', async () => {
    const server = await h3Server();
    try {
      // The client's SETTINGS_MAX_FIELD_SECTION_SIZE takes the WebSocket's 200 (`:status`,
      // `alt-svc`: about 92) but not the 431's head (`:status`, `content-type`: 111).
      const raw = await openRawH3(server.address.port, { maxFieldSectionSize: 100 });
      const peer = await rawWebSocket(raw); // stream 0; the server has the client's SETTINGS
      raw.writeByHand(4, headersFrame([...GET, ...OVERSIZED]));
      await raw.byHand.until(() => raw.byHand.resets.has(4), 'RESET_STREAM on stream 4');
      assert.equal(raw.byHand.resets.get(4), Http3ErrorCode.H3_EXCESSIVE_LOAD);
      assert.equal(raw.byHand.received(4).length, 0, 'no answer was sent');
      peer.send({ opcode: OP.TEXT, payload: Buffer.from('unharmed') });
      await peer.expectMessage(OP.TEXT, 'unharmed');
      assert.equal(raw.closeInfo, undefined, 'the QUIC connection stays up');
      await raw.shutdown();
      await stillServes(server);
    } finally {
      await server.close();
    }
  });

  test('regression: a GET whose bytes go on with malformed trailers reset its stream (H3_MESSAGE_ERROR) without crashing the server on its 404', async () => {
    const server = await h3Server();
    try {
      const raw = await openRawH3(server.address.port);
      // One write: the head (answered 404 by the server) and trailers with a pseudo-header
      // (§4.1.2: malformed), so the session ends the stream before the 404 is sent.
      raw.writeByHand(4, Buffer.concat([headersFrame(GET), headersFrame([[':path', '/']])]));
      await raw.byHand.until(() => raw.byHand.resets.has(4), 'RESET_STREAM on stream 4');
      assert.equal(raw.byHand.resets.get(4), Http3ErrorCode.H3_MESSAGE_ERROR);
      assert.equal(raw.closeInfo, undefined, 'the QUIC connection stays up');
      await raw.shutdown();
      await stillServes(server);
    } finally {
      await server.close();
    }
  });

  test('request streams past the concurrent-stream limit are refused by QUIC; the open ones keep working', async () => {
    const server = await h3Server({ maxStreams: 3 });
    try {
      const raw = await openRawH3(server.address.port);
      const peers = [await rawWebSocket(raw), await rawWebSocket(raw), await rawWebSocket(raw)];
      // The server granted 3 (initial_max_streams_bidi, RFC 9000 §4.6): QUIC refuses a 4th.
      raw.extendedConnect('/');
      assert.equal(raw.writeErrors.length, 1);
      const refused = raw.writeErrors[0];
      assert.ok(refused instanceof WirekitError && refused.code === ErrorCode.QUIC_STREAM_LIMIT);
      for (const [i, peer] of peers.entries()) {
        peer.send({ opcode: OP.TEXT, payload: Buffer.from(`stream ${i}`) });
        await peer.expectMessage(OP.TEXT, `stream ${i}`);
      }
      await raw.shutdown();
      await stillServes(server);
    } finally {
      await server.close();
    }
  });

  test('a reset in the middle of a message ends that WebSocket with 1006; its neighbour echoes on', async () => {
    const serverSide = recorder();
    const server = await h3Server({}, serverSide.handler);
    try {
      const raw = await openRawH3(server.address.port);
      const victim = await rawWebSocket(raw);
      await serverSide.opened;
      victim.send({ opcode: OP.TEXT, fin: false, payload: Buffer.from('half a mes') });
      (victim.stream as unknown as { abort(code?: number): void }).abort(
        Http3ErrorCode.H3_REQUEST_CANCELLED,
      );
      const closed = await serverSide.closed;
      assert.equal(closed.code, 1006);
      assert.equal(closed.wasClean, false);
      const neighbour = await rawWebSocket(raw);
      neighbour.send({ opcode: OP.PING, payload: Buffer.from('alive') });
      await neighbour.expectControl(OP.PONG, Buffer.from('alive'));
      assert.equal(raw.closeInfo, undefined, 'the QUIC connection stays up');
      await raw.shutdown();
    } finally {
      await server.close();
    }
  });

  test('idleTimeout: a client that goes quiet is dropped, its WebSocket closes with 1006', async () => {
    const serverSide = recorder();
    const server = await h3Server({ idleTimeout: 300 }, serverSide.handler);
    try {
      const raw = await openRawH3(server.address.port, { idleTimeout: 0 });
      await rawWebSocket(raw);
      await serverSide.opened;
      const closed = await serverSide.closed;
      assert.equal(closed.code, 1006);
      await raw
        .until(() => raw.closeInfo !== undefined, 'the client side to notice')
        .catch(() => {});
      raw.quic.abandon();
    } finally {
      await server.close();
    }
  });
});
