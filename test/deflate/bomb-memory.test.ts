/**
 * A decompression bomb (RFC 7692 §8.1 "Implementation Notes" and RFC 6455 §10.4): 256 MiB of
 * zeros deflated to about 256 KiB, sent with RSV1 to a wirekit server and to a wirekit client
 * whose message limit is 1 MiB. The side must close with 1009, and its peak RSS — measured in
 * a child process that runs nothing else — must not grow by anything like the inflated size:
 * inflating stops at the limit instead of allocating the output.
 *
 * Over TCP only: what is measured is the inflater's memory, the same on every transport, and
 * the child process serves one plain socket.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import { constants, createDeflateRaw } from 'node:zlib';
import { wordText } from '../conformance/deflate-payloads.js';
import { agreementFromAnswer, answerFor, DeflatePeer } from '../conformance/deflate-peer.js';
import { OP } from '../conformance/wire-frame.js';
import { within } from '../helpers/within.js';
import { type RawClients, testTransport } from '../transports/test-transports.js';
import type { ChildReport } from './bomb-child.js';

const MiB = 1024 * 1024;
const tcp = testTransport('tcp');
const BOMB_SIZE = 256 * MiB;
/** Generous: the bomb inflates to 256 MiB; bounded inflation needs about 2 MiB. */
const RSS_GROWTH_BOUND = 64 * MiB;

let bomb: Promise<Buffer> | undefined;

/** 256 MiB of zeros, deflated (level 9: about 1:1000) and without its sync-flush tail. */
function bombPayload(): Promise<Buffer> {
  bomb ??= new Promise<Buffer>((resolve, reject) => {
    const deflate = createDeflateRaw({ level: 9, memLevel: 9 });
    const chunks: Buffer[] = [];
    deflate.on('data', (chunk: Buffer) => chunks.push(chunk));
    deflate.once('error', reject);
    const zeros = Buffer.alloc(MiB);
    for (let i = 0; i < BOMB_SIZE / MiB; i++) deflate.write(zeros);
    deflate.flush(constants.Z_SYNC_FLUSH, () => {
      const out = Buffer.concat(chunks);
      deflate.close();
      resolve(out.subarray(0, out.length - 4));
    });
  });
  return bomb;
}

/** A child running bomb-child.js with IPC, and its next report. */
class Child {
  readonly process: ChildProcess;
  readonly #reports: ChildReport[] = [];
  #wake: (() => void) | undefined;

  constructor(args: readonly string[]) {
    this.process = fork(new URL('./bomb-child.js', import.meta.url), [...args], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.process.on('message', (report: ChildReport) => {
      this.#reports.push(report);
      this.#wake?.();
    });
  }

  async next(): Promise<ChildReport> {
    const wait = async (): Promise<ChildReport> => {
      for (;;) {
        const report = this.#reports.shift();
        if (report !== undefined) return report;
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
      }
    };
    return within(wait(), 20_000, 'a report from the child');
  }

  async measure(): Promise<ChildReport> {
    this.process.send({ type: 'measure' });
    return this.next();
  }

  async exit(): Promise<void> {
    if (this.process.exitCode !== null) return;
    const exited = once(this.process, 'exit');
    this.process.send({ type: 'exit' });
    await within(exited, 10_000, 'the child to exit').catch(() => this.process.kill());
  }
}

/** Warm up (one compressed echo, so zlib contexts exist), measure, bomb, measure. */
async function bombAndMeasure(child: Child, peer: DeflatePeer): Promise<void> {
  const warmUp = wordText(64 * 1024, 1);
  await peer.send(OP.TEXT, warmUp);
  await peer.expectMessage(OP.TEXT, warmUp);
  const before = await child.measure();
  peer.sendFrames(OP.BINARY, await bombPayload(), true);
  await peer.raw.expectClose(1009);
  const after = await child.measure();
  const growth = after.maxRss - before.maxRss;
  assert.ok(
    growth < RSS_GROWTH_BOUND,
    `peak RSS grew by ${(growth / MiB).toFixed(1)} MiB for a ${BOMB_SIZE / MiB} MiB bomb`,
  );
  assert.deepEqual(after.closes, [1009], 'the wirekit side closed with 1009');
}

describe('a decompression bomb closes with 1009 in bounded memory', () => {
  test('the bomb is what it claims: ≥ 1000:1', async () => {
    const payload = await bombPayload();
    assert.ok(payload.length * 1000 < BOMB_SIZE, `${payload.length} bytes`);
    assert.ok(payload.length < MiB, 'it fits under the frame limit, so inflation must stop it');
  });

  for (const mode of ['dedicated', 'shared'] as const) {
    test(`server, ${mode} mode`, async () => {
      const child = new Child(['server', '0', mode]);
      let peer: DeflatePeer | undefined;
      let raw: RawClients | undefined;
      try {
        const ready = await child.next();
        const offer = 'permessage-deflate; client_max_window_bits';
        raw = tcp.rawClients(ready.port!);
        const handshake = await raw.open({ headers: { 'Sec-WebSocket-Extensions': offer } });
        const extensions = handshake.headers['sec-websocket-extensions'];
        assert.ok(handshake.peer !== undefined && extensions !== undefined);
        peer = new DeflatePeer(handshake.peer, agreementFromAnswer(offer, extensions), extensions);
        await bombAndMeasure(child, peer);
      } finally {
        peer?.destroy();
        await raw?.close();
        await child.exit();
      }
    });

    test(`client, ${mode} mode`, async () => {
      const server = await tcp.rawServer();
      const child = new Child(['client', String(server.port), mode]);
      let peer: DeflatePeer | undefined;
      try {
        // Generous: the child process starts first.
        const request = await server.nextRequest(20_000);
        const offer = request.headers['sec-websocket-extensions'];
        assert.ok(offer !== undefined, 'the child offered permessage-deflate');
        const answer = answerFor(offer, {});
        const raw = request.accept({ 'Sec-WebSocket-Extensions': answer });
        peer = new DeflatePeer(raw, agreementFromAnswer(offer, answer), offer);
        const ready = await child.next();
        assert.equal(ready.type, 'ready');
        await bombAndMeasure(child, peer);
      } finally {
        peer?.destroy();
        await child.exit();
        await server.close();
      }
    });
  }
});
