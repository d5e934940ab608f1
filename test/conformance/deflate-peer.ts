/**
 * A {@link RawPeer} that speaks permessage-deflate (RFC 7692) by hand: it knows the parameters
 * agreed in its own handshake, compresses what it sends with its own codec
 * (`deflate-codec.ts`, Node's public zlib API) and checks every message the wirekit side
 * sends — RSV1 only on a message's first frame (§6.1), inflated with the window the wirekit
 * side agreed to compress with (§7.1.2), compressed or not as that side chose (§6).
 *
 * The offer/answer strings are parsed and built here too, independently of src/core.
 */
import assert from 'node:assert/strict';
import { PeerDeflater, PeerInflater } from './deflate-codec.js';
import type { RawPeer } from './raw-peer.js';
import { type FrameSpec, OP, type WireFrame } from './wire-frame.js';

/** The agreed parameters (RFC 7692 §7.1), as the peer understood them. */
export interface PeerAgreement {
  readonly serverNoContextTakeover: boolean;
  readonly clientNoContextTakeover: boolean;
  /** Window the server compresses with. */
  readonly serverMaxWindowBits: number;
  /** Window the client compresses with. */
  readonly clientMaxWindowBits: number;
}

/** What a case asks for; omitted fields take the RFC defaults (context takeover, 15 bits). */
export type AgreementRequest = Partial<PeerAgreement>;

/** One `Sec-WebSocket-Extensions` element, parameters keyed by lower-case name. */
export interface ExtensionOffer {
  readonly name: string;
  readonly params: ReadonlyMap<string, string | true>;
}

/**
 * Split a `Sec-WebSocket-Extensions` value into elements (RFC 6455 §9.1). Enough for the
 * values these tests send and receive: tokens, optionally quoted values without escapes.
 */
export function parseExtensions(header: string): ExtensionOffer[] {
  const offers: ExtensionOffer[] = [];
  for (const element of header.split(',')) {
    const [name, ...rest] = element.split(';').map((part) => part.trim());
    if (name === undefined || name === '') continue;
    const params = new Map<string, string | true>();
    for (const param of rest) {
      const eq = param.indexOf('=');
      if (eq < 0) params.set(param.toLowerCase(), true);
      else
        params.set(
          param.slice(0, eq).trim().toLowerCase(),
          param
            .slice(eq + 1)
            .trim()
            .replace(/^"(.*)"$/, '$1'),
        );
    }
    offers.push({ name: name.toLowerCase(), params });
  }
  return offers;
}

/** The permessage-deflate offer a client sends for `request` (bare `client_max_window_bits`
 * when the client window is not limited, as browsers do). */
export function offerFor(request: AgreementRequest): string {
  const parts = ['permessage-deflate'];
  if (request.serverNoContextTakeover) parts.push('server_no_context_takeover');
  if (request.clientNoContextTakeover) parts.push('client_no_context_takeover');
  if (request.serverMaxWindowBits !== undefined)
    parts.push(`server_max_window_bits=${request.serverMaxWindowBits}`);
  parts.push(
    request.clientMaxWindowBits === undefined
      ? 'client_max_window_bits'
      : `client_max_window_bits=${request.clientMaxWindowBits}`,
  );
  return parts.join('; ');
}

function bits(value: string | true | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  assert.ok(value !== true && /^(8|9|1[0-5])$/.test(value), `window bits value ${String(value)}`);
  return Number(value);
}

/**
 * A server's answer to `offerHeader` that grants `request` as far as the offer allows
 * (RFC 7692 §7.1): no-context-takeover flags the client asked for are kept, windows are no
 * larger than offered; a server may add `server_max_window_bits`, `server_no_context_takeover`
 * and `client_no_context_takeover` on its own (§7.1.1.1, §7.1.1.2, §7.1.2.1).
 */
export function answerFor(offerHeader: string, request: AgreementRequest): string {
  const offer = parseExtensions(offerHeader).find((o) => o.name === 'permessage-deflate');
  assert.ok(offer !== undefined, `the client offered permessage-deflate: ${offerHeader}`);
  const p = offer.params;
  const parts = ['permessage-deflate'];
  if (request.serverNoContextTakeover || p.has('server_no_context_takeover'))
    parts.push('server_no_context_takeover');
  if (request.clientNoContextTakeover || p.has('client_no_context_takeover'))
    parts.push('client_no_context_takeover');
  const offeredServer = p.get('server_max_window_bits');
  if (request.serverMaxWindowBits !== undefined || offeredServer !== undefined)
    parts.push(
      `server_max_window_bits=${Math.min(request.serverMaxWindowBits ?? 15, bits(offeredServer, 15))}`,
    );
  const offeredClient = p.get('client_max_window_bits');
  if (request.clientMaxWindowBits !== undefined) {
    assert.ok(
      offeredClient !== undefined,
      'client_max_window_bits may only be answered if offered',
    );
    parts.push(
      `client_max_window_bits=${Math.min(request.clientMaxWindowBits, offeredClient === true ? 15 : bits(offeredClient, 15))}`,
    );
  }
  return parts.join('; ');
}

/**
 * Check a server's answer against the offer it accepted (RFC 7692 §7.1) and return what it
 * agreed to. The checks are the ones a client MUST make (§7.1.1.1, §7.1.2.1, §7.1.2.2).
 */
export function agreementFromAnswer(offerHeader: string, answerHeader: string): PeerAgreement {
  const answers = parseExtensions(answerHeader);
  assert.equal(answers.length, 1, `one extension accepted: ${answerHeader}`);
  const answer = answers[0]!;
  assert.equal(answer.name, 'permessage-deflate');
  const offer = parseExtensions(offerHeader).find((o) => o.name === 'permessage-deflate');
  assert.ok(offer !== undefined);
  const known = [
    'server_no_context_takeover',
    'client_no_context_takeover',
    'server_max_window_bits',
    'client_max_window_bits',
  ];
  for (const [name, value] of answer.params) {
    assert.ok(known.includes(name), `unknown parameter ${name} in the answer (§7.1)`);
    if (name.endsWith('_takeover')) assert.equal(value, true, `${name} has no value (§7.1.1)`);
  }
  // §7.1.1.1: an offered server_no_context_takeover is echoed when the offer is accepted.
  if (offer.params.has('server_no_context_takeover'))
    assert.ok(answer.params.has('server_no_context_takeover'), 'server_no_context_takeover echoed');
  const serverBits = bits(answer.params.get('server_max_window_bits'), 15);
  const offeredServer = offer.params.get('server_max_window_bits');
  if (offeredServer !== undefined) {
    // §7.1.2.1: answered with the same or a smaller value.
    assert.ok(answer.params.has('server_max_window_bits'), 'server_max_window_bits answered');
    assert.ok(serverBits <= bits(offeredServer, 15), 'server window no larger than offered');
  }
  const answeredClient = answer.params.get('client_max_window_bits');
  const offeredClient = offer.params.get('client_max_window_bits');
  if (answeredClient !== undefined) {
    // §7.1.2.2: only if offered, with a value, no larger than an offered value.
    assert.ok(offeredClient !== undefined, 'client_max_window_bits answered but not offered');
    assert.notEqual(answeredClient, true, 'client_max_window_bits answered without a value');
    if (offeredClient !== true)
      assert.ok(bits(answeredClient, 15) <= bits(offeredClient, 15), 'client window no larger');
  }
  const clientBits =
    answeredClient !== undefined
      ? bits(answeredClient, 15)
      : offeredClient !== undefined && offeredClient !== true
        ? bits(offeredClient, 15)
        : 15;
  return {
    serverNoContextTakeover: answer.params.has('server_no_context_takeover'),
    clientNoContextTakeover:
      answer.params.has('client_no_context_takeover') ||
      offer.params.has('client_no_context_takeover'),
    serverMaxWindowBits: serverBits,
    clientMaxWindowBits: clientBits,
  };
}

/** How the peer sends a message. */
export interface SendOptions {
  /** Compress it (RSV1 on the first frame). Default true when deflate was agreed. */
  readonly compress?: boolean;
  /** Split the (compressed) payload into this many frames. Default 1. */
  readonly frames?: number;
  /** A ping between the first and second frame (§5.4 allows control frames there). */
  readonly pingBetween?: boolean;
}

/** What the wirekit side sent for one message. */
export interface ReceivedMessage {
  readonly opcode: number;
  readonly payload: Buffer;
  readonly compressed: boolean;
  readonly frames: number;
}

/** Options of a {@link DeflatePeer}. */
export interface DeflatePeerOptions {
  /** Inflate with 64-byte output chunks, so a too-large window of the sender is caught. */
  readonly strictWindow?: boolean;
}

/** A raw peer with permessage-deflate, or without it when nothing was agreed. */
export class DeflatePeer {
  readonly raw: RawPeer;
  /** `undefined` when the handshake agreed no compression. */
  readonly agreement: PeerAgreement | undefined;
  /** The `Sec-WebSocket-Extensions` the wirekit side sent (answer or offer), or `''`. */
  readonly extensionsHeader: string;
  readonly #deflater: PeerDeflater | undefined;
  readonly #inflater: PeerInflater | undefined;

  constructor(
    raw: RawPeer,
    agreement: PeerAgreement | undefined,
    extensionsHeader: string,
    options: DeflatePeerOptions = {},
  ) {
    this.raw = raw;
    this.agreement = agreement;
    this.extensionsHeader = extensionsHeader;
    if (agreement !== undefined) {
      const client = raw.role === 'client';
      const sendBits = client ? agreement.clientMaxWindowBits : agreement.serverMaxWindowBits;
      const receiveBits = client ? agreement.serverMaxWindowBits : agreement.clientMaxWindowBits;
      this.#deflater = new PeerDeflater({
        windowBits: sendBits,
        noContextTakeover: client
          ? agreement.clientNoContextTakeover
          : agreement.serverNoContextTakeover,
      });
      this.#inflater = new PeerInflater({
        windowBits: receiveBits,
        noContextTakeover: client
          ? agreement.serverNoContextTakeover
          : agreement.clientNoContextTakeover,
        chunkSize: options.strictWindow ? 64 : 1024,
      });
    }
  }

  /** Compress `payload` as this peer's next message would be (advances the context). */
  deflate(payload: Buffer): Promise<Buffer> {
    assert.ok(this.#deflater !== undefined, 'no permessage-deflate agreed');
    return this.#deflater.deflate(payload);
  }

  /** Send one data message, compressed unless told otherwise. */
  async send(opcode: number, data: Buffer | string, options: SendOptions = {}): Promise<void> {
    const payload = typeof data === 'string' ? Buffer.from(data) : data;
    const compress = options.compress ?? this.agreement !== undefined;
    const body = compress ? await this.deflate(payload) : payload;
    this.sendFrames(opcode, body, compress, options.frames ?? 1, options.pingBetween ?? false);
  }

  /** Send `body` as one message in `count` frames, RSV1 on the first when `rsv1` (§6.1). */
  sendFrames(opcode: number, body: Buffer, rsv1: boolean, count = 1, pingBetween = false): void {
    const specs: FrameSpec[] = [];
    const size = Math.ceil(body.length / count);
    for (let i = 0; i < count; i++) {
      specs.push({
        opcode: i === 0 ? opcode : OP.CONT,
        rsv: i === 0 && rsv1 ? 0b100 : 0,
        payload: body.subarray(i * size, Math.min(body.length, (i + 1) * size)),
        fin: i === count - 1,
      });
      if (i === 0 && pingBetween && count > 1) specs.push({ opcode: OP.PING, payload: 'between' });
    }
    this.raw.sendFrames(specs);
  }

  /** The next data message from the wirekit side, inflated if it came compressed. */
  async nextMessage(): Promise<ReceivedMessage> {
    const first = await this.#nextData();
    assert.ok(
      first.opcode === OP.TEXT || first.opcode === OP.BINARY,
      first.opcode === OP.CLOSE
        ? `a data frame expected, got a close frame: ${first.payload.length >= 2 ? first.payload.readUInt16BE(0) : 'no code'} ${first.payload.subarray(2).toString()}`
        : `a data frame expected, got opcode ${first.opcode}`,
    );
    const compressed = (first.rsv & 0b100) !== 0;
    assert.equal(first.rsv & 0b011, 0, 'RSV2/RSV3 never set (§5.2)');
    if (compressed) assert.ok(this.agreement !== undefined, 'RSV1 without the extension (§6)');
    const parts = [first.payload];
    let frame = first;
    while (!frame.fin) {
      frame = await this.#nextData();
      assert.equal(frame.opcode, OP.CONT, 'continuation expected (§5.4)');
      assert.equal(frame.rsv, 0, 'RSV1 only on the first frame of a message (RFC 7692 §6.1)');
      parts.push(frame.payload);
    }
    const body = Buffer.concat(parts);
    // §7.2.3.6: an empty message compresses to at least an empty stored block (00); an empty
    // payload with RSV1 would put the receiver's inflater inside a block header.
    if (compressed) assert.ok(body.length > 0, 'a compressed message has a non-empty payload');
    const payload = compressed ? await this.#inflater!.inflate(body) : body;
    return { opcode: first.opcode, payload, compressed, frames: parts.length };
  }

  /** Expect the echo of `expected`, byte for byte; returns whether it came compressed. */
  async expectMessage(opcode: number, expected: Buffer | string): Promise<ReceivedMessage> {
    const want = typeof expected === 'string' ? Buffer.from(expected) : expected;
    const got = await this.nextMessage();
    assert.equal(got.opcode, opcode, `opcode ${got.opcode}, expected ${opcode}`);
    assert.equal(got.payload.length, want.length, 'message length');
    assert.ok(got.payload.equals(want), 'message content');
    return got;
  }

  /** Free the codecs and the connection. */
  destroy(): void {
    this.#deflater?.close();
    this.#inflater?.close();
    this.raw.destroy();
  }

  async #nextData(): Promise<WireFrame> {
    for (;;) {
      const frame = await this.raw.nextFrame();
      if (frame.opcode === OP.PONG) {
        assert.equal(frame.rsv, 0, 'RSV1 never on a control frame (RFC 7692 §6.1)');
        continue;
      }
      return frame;
    }
  }
}
