/**
 * permessage-deflate negotiation (RFC 7692 §5, §7): the server picks the first acceptable offer
 * and answers with the parameters both sides will use; the client checks that answer.
 *
 * Window sizes: zlib cannot compress raw deflate with an 8-bit window (it silently uses 9,
 * which a peer holding us to 8 could not inflate), so a side that would have to compress with
 * an 8-bit window declines (server) or fails (client) instead of corrupting the stream.
 */
import { ErrorCode, WirekitError } from '../errors.js';
import {
  type ExtensionElement,
  type ExtensionParam,
  formatExtension,
  parseExtensionHeader,
} from './extension-header.js';

/** The extension token of RFC 7692, as it appears in `Sec-WebSocket-Extensions`. */
export const PERMESSAGE_DEFLATE = 'permessage-deflate';

/** What one side wants; every field optional. */
export interface DeflateOptions {
  /** The server resets its compression context after each message (less memory per
   * connection, larger output). */
  readonly serverNoContextTakeover?: boolean;
  /** The client resets its compression context after each message. */
  readonly clientNoContextTakeover?: boolean;
  /** Largest LZ77 window the server compresses with, 9–15 bits. */
  readonly serverMaxWindowBits?: number;
  /** Largest LZ77 window the client compresses with, 9–15 bits. */
  readonly clientMaxWindowBits?: number;
}

/** The agreed parameters (RFC 7692 §7.1). */
export interface DeflateParams {
  /**
   * `server_no_context_takeover` was agreed: the server resets its compression context after each
   * message (RFC 7692 §7.1.1.1).
   */
  readonly serverNoContextTakeover: boolean;
  /**
   * `client_no_context_takeover` was agreed: the client resets its compression context after each
   * message (RFC 7692 §7.1.1.2).
   */
  readonly clientNoContextTakeover: boolean;
  /** Window the server compresses with (and the client inflates with). */
  readonly serverMaxWindowBits: number;
  /** Window the client compresses with (and the server inflates with). */
  readonly clientMaxWindowBits: number;
}

const NAMES = [
  'server_no_context_takeover',
  'client_no_context_takeover',
  'server_max_window_bits',
  'client_max_window_bits',
] as const;

/** §7.1.2: window bits are a decimal integer 8–15 without leading zeros. */
function windowBits(value: string | true): number | undefined {
  return value !== true && /^(8|9|1[0-5])$/.test(value) ? Number(value) : undefined;
}

function checkOption(bits: number | undefined, name: string): void {
  if (bits !== undefined && (!Number.isInteger(bits) || bits < 9 || bits > 15)) {
    throw new WirekitError(
      ErrorCode.INVALID_ARGUMENT,
      `${name} must be an integer from 9 to 15 (zlib cannot compress with an 8-bit window)`,
    );
  }
}

/** Parameters of one offer or answer, or `undefined` if it breaks §7's rules. */
interface ParsedParams {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  serverMaxWindowBits: number | undefined;
  /** `true` when present without a value (only valid in an offer). */
  clientMaxWindowBits: number | true | undefined;
}

function parseParams(params: readonly ExtensionParam[]): ParsedParams | string {
  const seen = new Set<string>();
  const out: ParsedParams = {
    serverNoContextTakeover: false,
    clientNoContextTakeover: false,
    serverMaxWindowBits: undefined,
    clientMaxWindowBits: undefined,
  };
  for (const [name, value] of params) {
    if (seen.has(name)) return `parameter ${name} appears twice`;
    seen.add(name);
    switch (name as (typeof NAMES)[number]) {
      case 'server_no_context_takeover':
      case 'client_no_context_takeover':
        // §7.1.1: these parameters have no value.
        if (value !== true) return `parameter ${name} takes no value`;
        if (name === 'server_no_context_takeover') out.serverNoContextTakeover = true;
        else out.clientNoContextTakeover = true;
        break;
      case 'server_max_window_bits': {
        const bits = windowBits(value);
        if (bits === undefined)
          return `server_max_window_bits must be 8 to 15, not ${value === true ? 'empty' : value}`;
        out.serverMaxWindowBits = bits;
        break;
      }
      case 'client_max_window_bits': {
        if (value === true) out.clientMaxWindowBits = true;
        else {
          const bits = windowBits(value);
          if (bits === undefined) return `client_max_window_bits must be 8 to 15, not ${value}`;
          out.clientMaxWindowBits = bits;
        }
        break;
      }
      default:
        return `unknown parameter ${name}`;
    }
  }
  return out;
}

/** A server's answer to the client's offers. */
export interface DeflateAgreement {
  /** The parameters both sides use from now on. */
  readonly params: DeflateParams;
  /** The `Sec-WebSocket-Extensions` element to send back. */
  readonly response: string;
}

/**
 * Server side (RFC 7692 §5.1, §7.1): accept the first permessage-deflate offer in `offers`
 * (the client's `Sec-WebSocket-Extensions`, already parsed) that fits `options`, or `undefined`
 * to go without compression. Offers with unknown, repeated or invalid parameters are declined
 * (§7.1: "A server MUST decline an extension negotiation offer…").
 */
export function negotiateDeflate(
  offers: readonly ExtensionElement[],
  options: DeflateOptions = {},
): DeflateAgreement | undefined {
  checkOption(options.serverMaxWindowBits, 'serverMaxWindowBits');
  checkOption(options.clientMaxWindowBits, 'clientMaxWindowBits');
  for (const offer of offers) {
    if (offer.name !== PERMESSAGE_DEFLATE) continue;
    const parsed = parseParams(offer.params);
    if (typeof parsed === 'string') continue;
    // §7.1.2.1: the server must compress with at most the offered server window.
    const serverBits = Math.min(
      options.serverMaxWindowBits ?? 15,
      parsed.serverMaxWindowBits ?? 15,
    );
    if (serverBits < 9) continue; // the client insists on 8: zlib cannot honour it
    // §7.1.2.2: without client_max_window_bits in the offer, the answer must not limit it; a
    // server configured to limit the client's window declines such an offer rather than keep
    // a larger inflate window than it was told to (as ws does).
    if (parsed.clientMaxWindowBits === undefined && (options.clientMaxWindowBits ?? 15) < 15)
      continue;
    let clientBits = 15;
    const response: ExtensionParam[] = [];
    if (parsed.clientMaxWindowBits !== undefined) {
      const offered = parsed.clientMaxWindowBits === true ? 15 : parsed.clientMaxWindowBits;
      clientBits = Math.min(offered, options.clientMaxWindowBits ?? 15);
      if (clientBits !== 15 || parsed.clientMaxWindowBits !== true)
        response.push(['client_max_window_bits', String(clientBits)]);
    }
    const serverNoContextTakeover =
      parsed.serverNoContextTakeover || (options.serverNoContextTakeover ?? false);
    const clientNoContextTakeover =
      parsed.clientNoContextTakeover || (options.clientNoContextTakeover ?? false);
    if (serverNoContextTakeover) response.unshift(['server_no_context_takeover', true]);
    if (clientNoContextTakeover) response.unshift(['client_no_context_takeover', true]);
    if (parsed.serverMaxWindowBits !== undefined || serverBits < 15)
      response.push(['server_max_window_bits', String(serverBits)]);
    return {
      params: {
        serverNoContextTakeover,
        clientNoContextTakeover,
        serverMaxWindowBits: serverBits,
        clientMaxWindowBits: clientBits,
      },
      response: formatExtension({ name: PERMESSAGE_DEFLATE, params: sortParams(response) }),
    };
  }
  return undefined;
}

function sortParams(params: ExtensionParam[]): ExtensionParam[] {
  return params.sort(
    (a, b) =>
      NAMES.indexOf(a[0] as (typeof NAMES)[number]) - NAMES.indexOf(b[0] as (typeof NAMES)[number]),
  );
}

/** Client side: the offer to send (RFC 7692 §5, §7.1), as browsers do: announce that any
 * client window size is fine (`client_max_window_bits` without a value) plus the options. */
export function deflateOffer(options: DeflateOptions = {}): string {
  checkOption(options.serverMaxWindowBits, 'serverMaxWindowBits');
  checkOption(options.clientMaxWindowBits, 'clientMaxWindowBits');
  const params: ExtensionParam[] = [];
  if (options.clientNoContextTakeover) params.push(['client_no_context_takeover', true]);
  if (options.serverNoContextTakeover) params.push(['server_no_context_takeover', true]);
  if (options.serverMaxWindowBits !== undefined)
    params.push(['server_max_window_bits', String(options.serverMaxWindowBits)]);
  params.push([
    'client_max_window_bits',
    options.clientMaxWindowBits === undefined ? true : String(options.clientMaxWindowBits),
  ]);
  return formatExtension({ name: PERMESSAGE_DEFLATE, params: sortParams(params) });
}

/**
 * Client side: check the server's `Sec-WebSocket-Extensions` answer against our offer
 * (RFC 7692 §7.1; a bad answer MUST fail the connection). Returns the agreed parameters,
 * `undefined` when the server declined compression, or an `ERR_WS_HANDSHAKE` error.
 */
export function acceptDeflateResponse(
  header: string | undefined,
  options: DeflateOptions = {},
): DeflateParams | undefined | WirekitError {
  if (header === undefined) return undefined;
  const fail = (why: string): WirekitError =>
    new WirekitError(ErrorCode.WS_HANDSHAKE, `invalid permessage-deflate answer: ${why}`, {
      status: 101,
    });
  const elements = parseExtensionHeader(header);
  if (elements === undefined)
    return fail(`malformed Sec-WebSocket-Extensions ${JSON.stringify(header)}`);
  const deflate = elements.filter((e) => e.name === PERMESSAGE_DEFLATE);
  if (deflate.length === 0) return undefined;
  if (deflate.length > 1) return fail('permessage-deflate accepted twice');
  const parsed = parseParams(deflate[0]!.params);
  if (typeof parsed === 'string') return fail(parsed);
  // §7.1.1.1: a server that accepts an offer with server_no_context_takeover must echo it.
  if (options.serverNoContextTakeover && !parsed.serverNoContextTakeover)
    return fail('server_no_context_takeover was offered but not accepted');
  if (options.serverMaxWindowBits !== undefined) {
    if (parsed.serverMaxWindowBits === undefined)
      return fail('server_max_window_bits was offered but not answered');
    if (parsed.serverMaxWindowBits > options.serverMaxWindowBits)
      return fail('server_max_window_bits is larger than offered');
  }
  if (parsed.clientMaxWindowBits === true)
    return fail('client_max_window_bits needs a value in an answer');
  if (
    parsed.clientMaxWindowBits !== undefined &&
    options.clientMaxWindowBits !== undefined &&
    parsed.clientMaxWindowBits > options.clientMaxWindowBits
  ) {
    return fail('client_max_window_bits is larger than offered');
  }
  const clientBits = parsed.clientMaxWindowBits ?? options.clientMaxWindowBits ?? 15;
  if (clientBits < 9)
    return fail('the server asks for an 8-bit window, which zlib cannot compress with');
  return {
    serverNoContextTakeover: parsed.serverNoContextTakeover,
    clientNoContextTakeover:
      parsed.clientNoContextTakeover || (options.clientNoContextTakeover ?? false),
    serverMaxWindowBits: Math.max(parsed.serverMaxWindowBits ?? 15, 9),
    clientMaxWindowBits: clientBits,
  };
}
