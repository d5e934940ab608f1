/**
 * One soak case from start to end, with its oracles: the case opens its connection(s), lets
 * both sides exchange sequence messages, injects its fault, waits (bounded) for every wirekit
 * end to report its close, tears down what the raw side holds, and returns what it saw and
 * every broken promise:
 * - a connection that closed cleanly (close handshake completed) delivered every message sent
 *   before its close, in order, both ways;
 * - a connection that failed reported it, with a code its fault allows (1006 for a vanished or
 *   reset peer, or 1001 when only the heartbeat noticed; 1008 for one that stopped reading;
 *   1002/1007/1009 for bad frames, the exact code for each invalid frame), within the deadline;
 * - whatever was delivered is an in-order prefix of what was sent, intact; for a peer that
 *   vanished mid-frame over TCP or TLS, or sent garbage or an invalid frame, every complete
 *   message before the fault arrived.
 *
 * @example
 * ```ts
 * const result = await runCase(soakCase, env);
 * result.problems; // [] when every oracle held
 * ```
 */
import { connect } from '../../src/node/connect.js';
import type { Connection } from '../../src/node/connection.js';
import { testCertificate } from '../helpers/tls-cert.js';
import { until } from '../node/helpers.js';
import { openRawClientLink } from './raw-client-link.js';
import { invalidFrames, type RawLink } from './raw-link.js';
import type { RawServers } from './raw-server.js';
import { type SequenceReader, SequenceWriter, seededRandom } from './sequence-stream.js';
import { ENDPOINT_HANDLER, Endpoint } from './soak-endpoint.js';
import { connectionsOf, type SoakCase, type SoakTransport, STORM_SIZE } from './soak-plan.js';
import { PUSH_OPTIONS, SOAK_OPTIONS, type SoakServers } from './soak-servers.js';

/** What a case runs against. */
export interface SoakEnv {
  readonly servers: SoakServers;
  readonly raw: RawServers;
  /** How long a case may take to see every close reported. */
  readonly deadlineMs: number;
}

/** What one case saw. */
export interface CaseResult {
  readonly soakCase: SoakCase;
  readonly connections: number;
  /** Sequence messages whose delivery is checked: both ways between wirekit ends (sent while
   * OPEN), and what a raw peer wrote before its fault. */
  readonly sent: number;
  /** Sequence messages delivered in order, both ways. */
  readonly delivered: number;
  /** Messages of cleanly closed connections that were sent and not delivered (must be 0). */
  readonly lost: number;
  /** Close codes the wirekit ends reported. */
  readonly codes: readonly number[];
  /** Peers that vanished with bytes unread, so the wirekit end's write saw a reset. */
  readonly writeResets: number;
  readonly problems: readonly string[];
}

/** Codes a failed connection may report after random bytes (§7.4.1), or 1006 when they
 * formed an unfinished frame before the peer ended its stream. */
const GARBAGE_CODES: ReadonlySet<number> = new Set([1002, 1006, 1007, 1009]);

function wait<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** `connect()` to wirekit's server (or the raw server) over `transport`. */
function connectEnd(
  transport: SoakTransport,
  port: number,
  path: string,
  end: Endpoint,
  pushes = false,
): Promise<Connection<Endpoint>> {
  const secure = transport !== 'tcp';
  return connect<Endpoint>(`${secure ? 'wss' : 'ws'}://127.0.0.1:${port}${path}`, {
    ...(pushes ? PUSH_OPTIONS : SOAK_OPTIONS),
    handler: ENDPOINT_HANDLER,
    data: end,
    ...(secure ? { tls: { ca: testCertificate().cert } } : {}),
    ...(transport === 'h2' ? { http2: true } : {}),
  });
}

/** Checks of one direction of a connection: sent by `from`, read by `reader`. */
function checkDirection(
  what: string,
  sent: number,
  reader: SequenceReader,
  exact: boolean,
  problems: string[],
): void {
  problems.push(...reader.violations.map((v) => `${what}: ${v}`));
  if (reader.received > sent) problems.push(`${what}: ${reader.received} delivered, ${sent} sent`);
  else if (exact && reader.received !== sent)
    problems.push(`${what}: ${reader.received} of ${sent} messages delivered`);
}

class CaseRun {
  readonly soakCase: SoakCase;
  readonly env: SoakEnv;
  readonly problems: string[] = [];
  readonly codes: number[] = [];
  sent = 0;
  delivered = 0;
  lost = 0;
  /** Faced peers whose vanishing turned into a reset seen by a write (see checkFaced). */
  writeResets = 0;
  readonly #links: RawLink[] = [];
  readonly #clients: Connection<Endpoint>[] = [];

  constructor(soakCase: SoakCase, env: SoakEnv) {
    this.soakCase = soakCase;
    this.env = env;
  }

  get label(): string {
    const c = this.soakCase;
    return `case ${c.id} (${c.transport}, ${c.fault}${c.fault === 'clean' || c.fault === 'storm' ? '' : ` by the ${c.faultySide}`})`;
  }

  keep(link: RawLink): RawLink {
    this.#links.push(link);
    return link;
  }

  keepClient(client: Connection<Endpoint>): Connection<Endpoint> {
    this.#clients.push(client);
    return client;
  }

  /** The close of `end`, or a problem when it is not reported in time. */
  async closeOf(end: Endpoint, what: string): Promise<boolean> {
    const seen = await wait(end.closed.promise, this.env.deadlineMs);
    if (seen === undefined) {
      this.problems.push(
        `${this.label}: the ${what} reported no close within ${this.env.deadlineMs} ms`,
      );
      return false;
    }
    this.codes.push(seen.code);
    return true;
  }

  /** A clean pair: wirekit on both ends. Every message both ways when both closed cleanly. */
  checkPair(server: Endpoint, client: Endpoint, expectedCode: number | undefined): void {
    const s = server.close;
    const c = client.close;
    if (s === undefined || c === undefined) return;
    this.sent += server.sent + client.sent;
    this.delivered += server.reader.received + client.reader.received;
    const clean = s.wasClean && c.wasClean;
    if (expectedCode !== undefined) {
      if (!clean || s.code !== expectedCode || c.code !== expectedCode)
        this.problems.push(
          `${this.label}: closes ${JSON.stringify({ server: s, client: c })}, expected a clean ${expectedCode}`,
        );
    }
    if (clean)
      this.lost += server.sent - client.reader.received + (client.sent - server.reader.received);
    checkDirection(
      `${this.label} server → client`,
      server.sent,
      client.reader,
      clean,
      this.problems,
    );
    checkDirection(
      `${this.label} client → server`,
      client.sent,
      server.reader,
      clean,
      this.problems,
    );
  }

  /** The wirekit end facing a faulty raw peer that wrote `rawSent` messages before its fault. */
  checkFaced(
    end: Endpoint,
    rawSent: number,
    allowed: (code: number) => boolean,
    exact: boolean,
  ): void {
    const close = end.close;
    if (close === undefined) return;
    // Only the raw side's sequence is checked: what wirekit sends a faulty peer is not.
    this.sent += rawSent;
    this.delivered += end.reader.received;
    if (close.wasClean) {
      // A clean close after random bytes: they happened to hold a close frame.
      checkDirection(`${this.label} raw → wirekit`, rawSent, end.reader, true, this.problems);
      return;
    }
    if (!allowed(close.code))
      this.problems.push(`${this.label}: closed with ${close.code} (${close.reason})`);
    // A peer that closes its socket with bytes of ours unread resets the connection (RST)
    // instead of ending it; the wirekit end, writing at that moment, fails the write and
    // drops what the kernel held unread, as a Node socket does on any write error.
    const resetByWrite = close.reason.startsWith('write ');
    if (resetByWrite) this.writeResets++;
    checkDirection(
      `${this.label} raw → wirekit`,
      rawSent,
      end.reader,
      exact && !resetByWrite,
      this.problems,
    );
    if (end.reader.foreign > 0 && this.soakCase.fault !== 'garbage')
      this.problems.push(`${this.label}: ${end.reader.foreign} foreign messages`);
  }

  finish(): CaseResult {
    for (const link of this.#links) link.destroy();
    for (const client of this.#clients) client.terminate();
    this.env.servers.forget(this.soakCase.id);
    this.env.raw.forget(this.soakCase.id);
    return {
      soakCase: this.soakCase,
      connections: connectionsOf(this.soakCase),
      sent: this.sent,
      delivered: this.delivered,
      lost: this.lost,
      codes: this.codes,
      writeResets: this.writeResets,
      problems: this.problems,
    };
  }
}

/** wirekit to wirekit, messages both ways while the client closes. */
async function cleanCase(run: CaseRun): Promise<void> {
  const { id, transport, messages } = run.soakCase;
  const client = new Endpoint(`c${id}`, `s${id}`, seededRandom(run.soakCase.seed));
  client.plan = (ws) => client.sendBatch(ws, messages, () => ws.close(1000, 'done'));
  run.keepClient(
    await connectEnd(
      transport,
      run.env.servers.ports[transport],
      `/soak/${id}/normal/${messages}`,
      client,
    ),
  );
  const [server] = await run.env.servers.endsOf(id, 1);
  const closed = await Promise.all([run.closeOf(server!, 'server'), run.closeOf(client, 'client')]);
  if (closed.every(Boolean)) run.checkPair(server!, client, 1000);
}

/** A group of clients cut off by the server at once; each reconnects at once and closes
 * cleanly. Each member has its own sequence names (`c<case>m<member>`), so ends pair up. */
async function stormCase(run: CaseRun): Promise<void> {
  const { id, transport, messages } = run.soakCase;
  const port = run.env.servers.ports[transport];
  const random = seededRandom(run.soakCase.seed);
  const member = (m: number): Endpoint => new Endpoint(`c${id}m${m}`, `s${id}m${m}`, random);
  const pathOf = (m: number): string => `/soak/${id}/normal/${messages}/${m}`;
  const first: Endpoint[] = [];
  const second: Endpoint[] = [];
  const reconnected: Promise<void>[] = [];
  for (let i = 0; i < STORM_SIZE; i++) {
    const end = member(i);
    end.plan = (ws) => end.sendBatch(ws, messages);
    first.push(end);
    const again = member(STORM_SIZE + i);
    again.plan = (ws) => again.sendBatch(ws, messages, () => ws.close(1000, 'done'));
    second.push(again);
    // The reconnect, as soon as the cut is reported: all of them in the same moment.
    reconnected.push(
      end.closed.promise.then(async () => {
        run.keepClient(await connectEnd(transport, port, pathOf(STORM_SIZE + i), again));
      }),
    );
  }
  await Promise.all(
    first.map(async (end, i) => run.keepClient(await connectEnd(transport, port, pathOf(i), end))),
  );
  const cut = await run.env.servers.endsOf(id, STORM_SIZE);
  const sockets = await Promise.all(cut.map((end) => end.open.promise));
  for (const ws of sockets) ws.terminate();
  const partner = (ends: readonly Endpoint[], end: Endpoint): Endpoint | undefined =>
    ends.find((other) => other.reader.name === end.writer.name);
  for (const [i, end] of first.entries()) {
    if (!(await run.closeOf(end, `client ${i} (cut)`))) continue;
    const server = partner(cut, end);
    if (server === undefined || !(await run.closeOf(server, `server end ${i} (cut)`))) continue;
    if (end.close!.wasClean || end.close!.code !== 1006)
      run.problems.push(`${run.label}: a cut client reported ${JSON.stringify(end.close)}`);
    if (server.close!.wasClean || server.close!.code !== 1006)
      run.problems.push(`${run.label}: a cut server end reported ${JSON.stringify(server.close)}`);
    run.sent += end.sent + server.sent;
    run.delivered += end.reader.received + server.reader.received;
    checkDirection(
      `${run.label} cut, server → client`,
      server.sent,
      end.reader,
      false,
      run.problems,
    );
    checkDirection(
      `${run.label} cut, client → server`,
      end.sent,
      server.reader,
      false,
      run.problems,
    );
  }
  if ((await wait(Promise.all(reconnected), run.env.deadlineMs)) === undefined) {
    run.problems.push(`${run.label}: the reconnects did not all open in time`);
    return;
  }
  const servers = (await run.env.servers.endsOf(id, 2 * STORM_SIZE)).slice(STORM_SIZE);
  for (const client of second) {
    const server = partner(servers, client);
    if (server === undefined) {
      run.problems.push(`${run.label}: no server end for ${client.writer.name}`);
      continue;
    }
    const closed = await Promise.all([
      run.closeOf(server, 'server end (reconnected)'),
      run.closeOf(client, 'client (reconnected)'),
    ]);
    if (closed.every(Boolean)) run.checkPair(server, client, 1000);
  }
}

/** The allowed close codes and whether every message before the fault must arrive. */
function expectationOf(
  soakCase: SoakCase,
  invalidCode: number,
): { allowed: (code: number) => boolean; exact: boolean } {
  const overTcpOrTls = soakCase.transport !== 'h2';
  switch (soakCase.fault) {
    // 1006 when the transport reports the loss; 1001 when only the heartbeat's ping finds it.
    case 'vanish':
      return { allowed: (code) => code === 1006 || code === 1001, exact: overTcpOrTls };
    case 'reset':
      return { allowed: (code) => code === 1006 || code === 1001, exact: false };
    case 'stop-reading':
      return { allowed: (code) => code === 1008, exact: true };
    case 'garbage':
      return { allowed: (code) => GARBAGE_CODES.has(code), exact: true };
    default:
      return { allowed: (code) => code === invalidCode, exact: true };
  }
}

/** Run the raw side's fault on `link`, having written `count` messages of `writer`. */
async function injectFault(run: CaseRun, link: RawLink, writer: SequenceWriter): Promise<number> {
  const soakCase = run.soakCase;
  const random = seededRandom(soakCase.seed + 1);
  switch (soakCase.fault) {
    case 'vanish':
      await link.vanishMidFrame(writer);
      return 0;
    case 'reset':
      link.reset();
      return 0;
    case 'stop-reading':
      link.stopReading();
      return 0;
    case 'garbage':
      await link.sendGarbage(random);
      return 0;
    default: {
      const frames = invalidFrames(link.role);
      const frame = frames[Math.floor(random() * frames.length)]!;
      const answered = await link.sendInvalid(frame, run.env.deadlineMs);
      if (answered !== frame.code)
        run.problems.push(
          `${run.label}: ${frame.name} answered with close code ${answered}, expected ${frame.code}`,
        );
      return frame.code;
    }
  }
}

/** A raw client with a fault against wirekit's server. */
async function faultyClientCase(run: CaseRun): Promise<void> {
  const { id, transport, fault, messages } = run.soakCase;
  const push = fault === 'stop-reading';
  const ports = push ? run.env.servers.pushPorts : run.env.servers.ports;
  const link = run.keep(
    await openRawClientLink(
      transport,
      ports[transport],
      `/soak/${id}/${push ? 'push' : 'normal'}/${messages}`,
    ),
  );
  const writer = new SequenceWriter(`c${id}`, seededRandom(run.soakCase.seed));
  const [server] = await run.env.servers.endsOf(id, 1);
  await link.sendSequence(writer, messages);
  const sent = writer.produced;
  // The server pushes once it has read them all; only then does this peer stop reading.
  if (push)
    await until(
      () => server!.reader.received >= sent || server!.close !== undefined,
      'the server to read the sequence',
      run.env.deadlineMs,
    );
  const invalidCode = await injectFault(run, link, writer);
  if (!(await run.closeOf(server!, 'server'))) return;
  const { allowed, exact } = expectationOf(run.soakCase, invalidCode);
  run.checkFaced(server!, sent, allowed, exact);
}

/** wirekit's client against a raw server with a fault. */
async function faultyServerCase(run: CaseRun): Promise<void> {
  const { id, transport, fault, messages } = run.soakCase;
  const client = new Endpoint(`c${id}`, `s${id}`, seededRandom(run.soakCase.seed));
  client.plan =
    fault === 'stop-reading' ? (ws) => client.push(ws) : (ws) => client.sendBatch(ws, messages);
  const opening = connectEnd(
    transport,
    run.env.raw.ports[transport],
    `/raw/${id}`,
    client,
    fault === 'stop-reading',
  );
  const link = run.keep(await run.env.raw.linkFor(id));
  run.keepClient(await opening);
  const writer = new SequenceWriter(`s${id}`, seededRandom(run.soakCase.seed + 2));
  await link.sendSequence(writer, messages);
  const sent = writer.produced;
  const invalidCode = await injectFault(run, link, writer);
  if (!(await run.closeOf(client, 'client'))) return;
  const { allowed, exact } = expectationOf(run.soakCase, invalidCode);
  run.checkFaced(client, sent, allowed, exact);
}

/** Run one case; every problem is reported, never thrown. */
export async function runCase(soakCase: SoakCase, env: SoakEnv): Promise<CaseResult> {
  const run = new CaseRun(soakCase, env);
  try {
    const body =
      soakCase.fault === 'clean'
        ? cleanCase(run)
        : soakCase.fault === 'storm'
          ? stormCase(run)
          : soakCase.faultySide === 'client'
            ? faultyClientCase(run)
            : faultyServerCase(run);
    const done = await wait(
      body.then(() => true),
      2 * env.deadlineMs,
    );
    if (done === undefined)
      run.problems.push(`${run.label}: did not finish within ${2 * env.deadlineMs} ms`);
  } catch (error) {
    run.problems.push(`${run.label}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return run.finish();
}
