/**
 * Hostile frames, the classes of published `ws` advisories: many tiny fragments, huge
 * announced lengths with no payload, ping floods. The server runs alone in a child process
 * (`server-process.ts`) so its peak RSS (`VmHWM`) and retained ArrayBuffer bytes are its own;
 * bounds are generous byte counts, never times. Each case ends with the close code it must,
 * and the child must release every socket and timer and exit by itself.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { createDeflateRaw, constants as zlibConstants } from 'node:zlib';
import { closeBody, OP } from '../conformance/wire-frame.js';
import { until } from '../node/helpers.js';
import {
  frameHeader,
  HostilePeer,
  maskedFrame,
  oneByteFragments,
  oneByteFragmentsPayload,
  writeInPieces,
} from './hostile-peer.js';
import { ServerProcess } from './server-process-handle.js';

const MB = 1_000_000;
const MiB = 1024 * 1024;
/** Generous bound on the server process's peak RSS under any one attack here. */
const PEAK_RSS_BOUND = 300 * MB;
/** Server timers off: only the attack decides how a connection ends. */
const NO_TIMERS = { pingInterval: 0, idleTimeout: 0, closeTimeout: 2_000 } as const;
const FRAGMENTS = 1_000_000;
const PIECE = 64 * 1024;

function sha1(bytes: Buffer): string {
  return createHash('sha1').update(bytes).digest('hex');
}

function mb(bytes: number): string {
  return `${(bytes / MB).toFixed(1)} MB`;
}

/** Start a child server; kill it if the test fails before shutting it down. */
async function startServer(
  t: { after(fn: () => void): void },
  options: Parameters<typeof ServerProcess.start>[0] = {},
): Promise<ServerProcess> {
  const server = await ServerProcess.start({ ...NO_TIMERS, ...options });
  t.after(() => server.kill());
  return server;
}

/** Shut the child down: nothing may be left behind, and it must exit by itself. */
async function shutDownClean(server: ServerProcess): Promise<void> {
  const result = await server.shutDown();
  assert.deepEqual(result.leftBehind, [], 'the server process left sockets or timers behind');
  assert.equal(result.exitCode, 0, 'the server process exited by itself');
}

/**
 * A permessage-deflate message body (RFC 7692 §7.2.1) that inflates to `inflated` zero bytes:
 * raw DEFLATE, sync-flushed, the trailing 00 00 ff ff removed. Compressed by streaming 16 MiB
 * at a time, so the test never holds the inflated size.
 */
async function deflateBomb(inflated: number): Promise<Buffer> {
  const deflate = createDeflateRaw({ level: 9 });
  const out: Buffer[] = [];
  deflate.on('data', (chunk: Buffer) => out.push(chunk));
  const zeros = Buffer.alloc(16 * MiB);
  for (let left = inflated; left > 0; left -= zeros.length) {
    if (!deflate.write(zeros.subarray(0, Math.min(left, zeros.length))))
      await new Promise((resolve) => deflate.once('drain', resolve));
  }
  await new Promise<void>((resolve) => deflate.flush(zlibConstants.Z_SYNC_FLUSH, resolve));
  deflate.close();
  const body = Buffer.concat(out);
  const tail = body.subarray(body.length - 4);
  assert.ok(tail.equals(Buffer.from([0, 0, 0xff, 0xff])), 'a sync flush ends in 00 00 ff ff');
  return body.subarray(0, body.length - 4);
}

/** Close from the peer with 1000 and wait for the server's echo and its TCP close (§7.1.1). */
async function closeCleanly(peer: HostilePeer): Promise<void> {
  peer.socket.write(maskedFrame(OP.CLOSE, closeBody(1000)));
  await peer.closed;
  assert.equal(peer.tally.closeCode, 1000, 'the server echoed the close code (§5.5.1)');
}

describe('hostile frames (ws advisory classes), bounded memory', { timeout: 120_000 }, () => {
  test('1,000,000 one-byte fragments within maxMessageSize arrive as one message, peak RSS bounded (RFC 6455 §5.4, ws GHSA-6663-c963-2gqg)', async (t) => {
    const server = await startServer(t);
    const peer = await HostilePeer.open(server.port);
    t.after(() => peer.socket.destroy());
    const wire = oneByteFragments(OP.BINARY, FRAGMENTS);
    await writeInPieces(peer.socket, wire, PIECE);
    const message = await server.waitFor(
      (r): r is Extract<typeof r, { type: 'message' }> => r.type === 'message',
      'the reassembled message',
    );
    assert.equal(message.length, FRAGMENTS);
    assert.equal(message.sha1, sha1(oneByteFragmentsPayload(FRAGMENTS)), 'bytes in order');
    const stats = await server.stats();
    t.diagnostic(
      `${FRAGMENTS} fragments (${mb(wire.length)} on the wire): server peak RSS ${mb(stats.peakRss)}`,
    );
    assert.ok(stats.peakRss < PEAK_RSS_BOUND, `peak RSS ${stats.peakRss} bytes`);
    await closeCleanly(peer);
    const closed = await server.firstClose();
    assert.deepEqual([closed.code, closed.wasClean], [1000, true]);
    await shutDownClean(server);
  });

  test('1,000,000 one-byte fragments past maxMessageSize close with 1009 as the limit is crossed (RFC 6455 §7.4.1)', async (t) => {
    const limit = 100_000;
    const server = await startServer(t, { maxMessageSize: limit });
    const peer = await HostilePeer.open(server.port);
    t.after(() => peer.socket.destroy());
    // The server cuts the connection partway: our writes may then fail, which is the point.
    await writeInPieces(peer.socket, oneByteFragments(OP.BINARY, FRAGMENTS), PIECE);
    await peer.closed;
    assert.equal(peer.tally.closeCode, 1009, 'close frame 1009 (message too big)');
    const closed = await server.firstClose();
    assert.deepEqual([closed.code, closed.wasClean], [1009, false]);
    assert.equal(server.reportsOf('message').length, 0, 'no message was delivered');
    const stats = await server.stats();
    t.diagnostic(
      `closed at the ${limit}-byte limit: the server read ${mb(stats.bytesRead)} of ${mb(FRAGMENTS * 7)}, peak RSS ${mb(stats.peakRss)}`,
    );
    // After the close the server reads at most 64 KiB more to see the peer's FIN, then stops
    // (RFC 6455 §7.1.7), however fast the peer writes.
    assert.ok(stats.bytesRead < FRAGMENTS * 7, 'the server stopped reading before the end');
    assert.ok(stats.peakRss < PEAK_RSS_BOUND, `peak RSS ${stats.peakRss} bytes`);
    await shutDownClean(server);
  });

  test('a 2^62-byte announced length closes with 1009 before any payload byte (RFC 6455 §5.2, ws GHSA-6663-c963-2gqg)', async (t) => {
    const server = await startServer(t);
    const peer = await HostilePeer.open(server.port);
    t.after(() => peer.socket.destroy());
    peer.socket.write(frameHeader(OP.BINARY, 1n << 62n)); // the header alone; no payload follows
    await peer.closed;
    assert.equal(peer.tally.closeCode, 1009, 'close frame 1009 (message too big)');
    const closed = await server.firstClose();
    assert.deepEqual([closed.code, closed.wasClean], [1009, false]);
    const stats = await server.stats();
    t.diagnostic(`server peak RSS ${mb(stats.peakRss)}`);
    assert.ok(stats.peakRss < PEAK_RSS_BOUND, `peak RSS ${stats.peakRss} bytes`);
    await shutDownClean(server);
  });

  test('16 MiB announced, 10 bytes sent, on 32 connections: the server holds received bytes, not announced ones (RFC 6455 §5.2)', async (t) => {
    const connections = 32;
    const server = await startServer(t);
    const peers: HostilePeer[] = [];
    t.after(() => {
      for (const peer of peers) peer.socket.destroy();
    });
    for (let i = 0; i < connections; i++) peers.push(await HostilePeer.open(server.port));
    // Exactly maxMessageSize (16 MiB, the default): allowed, so the server must wait for it.
    const partial = Buffer.concat([frameHeader(OP.BINARY, BigInt(16 * MiB)), Buffer.alloc(10, 1)]);
    for (const peer of peers) peer.socket.write(partial);
    const sent = peers.reduce((sum, peer) => sum + peer.socket.bytesWritten, 0);
    const stats = await server.statsWhen((s) => s.bytesRead === sent, 'every byte read');
    const retained = stats.arrayBuffers - server.initial.arrayBuffers;
    t.diagnostic(
      `${connections} × 16 MiB announced (${mb(connections * 16 * MiB)}): ArrayBuffers grew by ${retained} bytes, peak RSS ${mb(stats.peakRss)}`,
    );
    // Allocating what was announced would hold 512 MiB; what arrived is 32 × 10 bytes.
    assert.ok(retained < 16 * MiB, `ArrayBuffers grew by ${retained} bytes`);
    assert.ok(stats.peakRss < PEAK_RSS_BOUND, `peak RSS ${stats.peakRss} bytes`);
    assert.equal(server.reportsOf('close').length, 0, 'every connection still waits for its frame');
    for (const peer of peers) peer.socket.destroy();
    await server.waitUntil(
      () => server.reportsOf('close').length === connections,
      'a close report for every connection',
    );
    assert.ok(
      server.reportsOf('close').every((c) => c.code === 1006 && !c.wasClean),
      'each vanished peer is a 1006 close',
    );
    await shutDownClean(server);
  });

  test('a decompression bomb (1 GiB of zeros in one ~1 MB compressed frame) closes with 1009 within bounded memory (RFC 7692 §7.2.2, RFC 6455 §10.4)', async (t) => {
    const inflated = 1024 * MiB;
    const bomb = await deflateBomb(inflated);
    const server = await startServer(t, { deflate: true });
    const peer = await HostilePeer.open(server.port, {
      'Sec-WebSocket-Extensions': 'permessage-deflate',
    });
    t.after(() => peer.socket.destroy());
    assert.match(peer.head, /\r\nsec-websocket-extensions: permessage-deflate/i);
    // One compressed binary frame (RSV1, RFC 7692 §6), within the 16 MiB frame limit itself.
    await writeInPieces(peer.socket, maskedFrame(OP.BINARY, bomb, true, true), PIECE);
    await peer.closed;
    assert.equal(peer.tally.closeCode, 1009, 'close frame 1009 (message too big)');
    const closed = await server.firstClose();
    assert.deepEqual([closed.code, closed.wasClean], [1009, false]);
    assert.equal(server.reportsOf('message').length, 0, 'no message was delivered');
    const stats = await server.stats();
    t.diagnostic(
      `${mb(bomb.length)} inflating to ${mb(inflated)}: server peak RSS ${mb(stats.peakRss)}`,
    );
    assert.ok(stats.peakRss < PEAK_RSS_BOUND, `peak RSS ${stats.peakRss} bytes`);
    await shutDownClean(server);
  });

  test('100,000 pings in one burst are all answered in order, and another client gets its echo meanwhile (RFC 6455 §5.5.2)', async (t) => {
    const pings = 100_000;
    const server = await startServer(t);
    const flooder = await HostilePeer.open(server.port);
    t.after(() => flooder.socket.destroy());
    let pongs = 0;
    let outOfOrder = 0;
    flooder.tally.onPong = (payload) => {
      if (payload.length !== 125 || payload.readUInt32BE(0) !== pongs) outOfOrder++;
      pongs++;
    };
    // Each ping carries the maximum 125 bytes (§5.5), numbered so the pongs can be checked.
    const frame = maskedFrame(OP.PING, Buffer.alloc(125, 0x70));
    const burst = Buffer.alloc(frame.length * pings);
    for (let i = 0; i < pings; i++) {
      frame.copy(burst, i * frame.length);
      burst.writeUInt32BE(i, i * frame.length + 6); // payload starts after 2 header + 4 key bytes
    }
    const flooding = writeInPieces(flooder.socket, burst, PIECE);
    // Meanwhile: a second client's round trip must complete.
    const other = await HostilePeer.open(server.port);
    t.after(() => other.socket.destroy());
    other.socket.write(maskedFrame(OP.TEXT, 'still there?'));
    await until(() => other.tally.count(OP.TEXT) === 1, 'the second client’s echo', 30_000);
    const pongsAtEcho = pongs;
    await flooding;
    await until(
      () => pongs === pings || flooder.tally.closeCode !== undefined,
      'every pong, or a close',
      60_000,
    );
    const stats = await server.stats();
    t.diagnostic(
      `${pings} pings (${mb(burst.length)}): ${pongs} pongs, ${pongsAtEcho} of them before the other client's echo; server peak RSS ${mb(stats.peakRss)}`,
    );
    if (flooder.tally.closeCode !== undefined) {
      // Allowed: the flooder did not take its pongs fast enough (backpressure limit).
      assert.equal(flooder.tally.closeCode, 1008);
    } else {
      assert.equal(pongs, pings);
      assert.equal(outOfOrder, 0, 'each pong carries its ping’s payload, in order');
    }
    assert.ok(stats.peakRss < PEAK_RSS_BOUND, `peak RSS ${stats.peakRss} bytes`);
    await closeCleanly(other);
    if (flooder.tally.closeCode === undefined) await closeCleanly(flooder);
    else await flooder.closed;
    await shutDownClean(server);
  });
});
