/**
 * Fuzz target 4: the `Sec-WebSocket-Extensions` parser (src/core/ws/extension-header.ts), the
 * permessage-deflate negotiation built on it, and the opening-handshake checks
 * (server-handshake.ts, client-handshake.ts).
 *
 * Input: byte 0 picks the mode, the rest is text (latin1).
 * - Mode even: the text is an extensions header value. Oracles: an independent reading of the
 *   RFC 6455 §9.1 grammar (RFC 9110 §5.6.1 lists, §5.6.4 quoted-strings) written with regular
 *   expressions; ws's parser (node_modules/ws/lib/extension.js): whatever ws accepts, wirekit
 *   reads the same way; `formatExtension` output parses back to the same elements; a server's
 *   permessage-deflate answer is accepted by the client with the same parameters.
 * - Mode odd: the text is the field lines of an upgrade request (`name: value` per line).
 *   Oracles: `checkUpgradeRequest` never throws and accepts only what RFC 6455 §4.2.1 allows
 *   (checked here independently: GET, HTTP/1.1, Host, the Upgrade and Connection tokens,
 *   version 13, a key that is base64 of 16 bytes, unique token subprotocols); its accept value
 *   equals SHA-1/base64 from node:crypto; the 101 answer built from it passes the client's
 *   `checkUpgradeResponse`.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { checkUpgradeResponse } from '../../src/core/ws/client-handshake.js';
import {
  type ExtensionElement,
  formatExtension,
  parseExtensionHeader,
} from '../../src/core/ws/extension-header.js';
import { acceptDeflateResponse, negotiateDeflate } from '../../src/core/ws/permessage-deflate.js';
import { acceptHeaders, checkUpgradeRequest } from '../../src/core/ws/server-handshake.js';
import { FuzzFailure, type FuzzTarget, latin1 } from '../engine/fuzz-target.js';

const require = createRequire(import.meta.url);
const wsExtension = require(join(dirname(require.resolve('ws')), 'lib/extension.js')) as {
  parse(header: string): Record<string, Record<string, (string | true)[]>[]>;
};

const TOKEN = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]+";
const OWS = '[ \\t]*';
const QUOTED = '"((?:[^"\\\\]|\\\\[\\s\\S])*)"';

/** The §9.1 grammar, read with sticky regular expressions. */
function referenceParse(value: string): ExtensionElement[] | undefined {
  const skip = new RegExp(`(?:${OWS},)*${OWS}`, 'y');
  const name = new RegExp(TOKEN, 'y');
  const param = new RegExp(
    `${OWS};${OWS}(${TOKEN})(?:${OWS}=${OWS}(?:(${TOKEN})|${QUOTED}))?${OWS}`,
    'y',
  );
  const end = new RegExp(`${OWS}(,|$)`, 'y');
  const out: ExtensionElement[] = [];
  let at = 0;
  for (;;) {
    skip.lastIndex = at;
    skip.exec(value);
    at = skip.lastIndex;
    if (at >= value.length) return out;
    name.lastIndex = at;
    const n = name.exec(value);
    if (n === null) return undefined;
    at = name.lastIndex;
    const params: [string, string | true][] = [];
    for (;;) {
      param.lastIndex = at;
      const p = param.exec(value);
      if (p === null) break;
      at = param.lastIndex;
      let v: string | true = true;
      if (p[2] !== undefined) v = p[2];
      else if (p[3] !== undefined) {
        v = p[3].replace(/\\([\s\S])/g, '$1');
        if (!new RegExp(`^${TOKEN}$`).test(v)) return undefined;
      }
      params.push([p[1]!.toLowerCase(), v]);
    }
    out.push({ name: n[0].toLowerCase(), params });
    end.lastIndex = at;
    const e = end.exec(value);
    if (e === null) return undefined;
    at = end.lastIndex;
    if (e[1] === '') return out;
  }
}

/** wirekit's elements in ws's shape: offers by name, each a map of parameter value lists. */
function wsShape(elements: readonly ExtensionElement[]): string {
  const offers: Record<string, Record<string, (string | true)[]>[]> = {};
  for (const e of elements) {
    const params: Record<string, (string | true)[]> = {};
    for (const [n, v] of e.params) listOf(params, n).push(v);
    listOf(offers, e.name).push(params);
  }
  return sortedShape(offers);
}

/** The list under `key`, created empty if missing. */
function listOf<T>(map: Record<string, T[]>, key: string): T[] {
  const existing = map[key];
  if (existing !== undefined) return existing;
  const created: T[] = [];
  map[key] = created;
  return created;
}

/**
 * ws groups offers and parameters by their exact spelling, so the order of the same name in
 * two spellings is lost: the shapes are compared with every list sorted (the exact order is
 * the reference grammar's to check).
 */
function sortedShape(offers: Record<string, Record<string, (string | true)[]>[]>): string {
  const out: Record<string, string[]> = {};
  for (const name of Object.keys(offers).sort()) {
    out[name] = offers[name]!.map((params) => {
      const sorted: Record<string, string[]> = {};
      for (const n of Object.keys(params).sort()) sorted[n] = params[n]!.map(String).sort();
      return JSON.stringify(sorted);
    }).sort();
  }
  return JSON.stringify(out);
}

function lowerShape(parsed: Record<string, Record<string, (string | true)[]>[]>): string {
  const offers: Record<string, Record<string, (string | true)[]>[]> = {};
  for (const [name, list] of Object.entries(parsed)) {
    for (const params of list) {
      const lowered: Record<string, (string | true)[]> = {};
      for (const [n, v] of Object.entries(params)) listOf(lowered, n.toLowerCase()).push(...v);
      listOf(offers, name.toLowerCase()).push(lowered);
    }
  }
  return sortedShape(offers);
}

function extensions(value: string): void {
  const fail = (what: string): never => {
    throw new FuzzFailure('extension-header', `${what} for ${JSON.stringify(value)}`);
  };
  const parsed = parseExtensionHeader(value);
  const reference = referenceParse(value);
  if (JSON.stringify(parsed) !== JSON.stringify(reference)) {
    fail(`wirekit ${JSON.stringify(parsed)} / reference ${JSON.stringify(reference)}`);
  }
  let ws: string | undefined;
  try {
    ws = lowerShape(wsExtension.parse(value));
  } catch {
    ws = undefined;
  }
  if (ws !== undefined && (parsed === undefined || wsShape(parsed) !== ws)) {
    fail(`ws reads ${ws}, wirekit ${parsed === undefined ? 'refuses' : wsShape(parsed)}`);
  }
  if (parsed === undefined) return;
  for (const element of parsed) {
    const again = parseExtensionHeader(formatExtension(element));
    if (JSON.stringify(again) !== JSON.stringify([element]))
      fail(`format/parse of ${JSON.stringify(element)}`);
  }
  const agreement = negotiateDeflate(parsed);
  if (agreement !== undefined) {
    const client = acceptDeflateResponse(agreement.response);
    if (client === undefined || client instanceof Error)
      fail(`client refuses the answer ${agreement.response}: ${String(client)}`);
    if (JSON.stringify(client) !== JSON.stringify(agreement.params)) {
      fail(
        `client reads ${JSON.stringify(client)} from ${agreement.response}, server agreed ${JSON.stringify(agreement.params)}`,
      );
    }
  }
}

const KEY = /^[A-Za-z0-9+/]{21}[AQgw]==$/;

function tokens(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t !== '');
}

function upgrade(text: string, mode: number): void {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).trim();
    fields.set(name, fields.has(name) ? `${fields.get(name)}, ${value}` : value);
  }
  const method = ['GET', 'GET', 'POST', 'get'][(mode >> 1) & 3]!;
  const httpVersion = ['1.1', '1.0', '2', '1.1'][(mode >> 3) & 3]!;
  const headers = { get: (name: string): string | undefined => fields.get(name) };
  const fail = (what: string): never => {
    throw new FuzzFailure(
      'handshake',
      `${what} for ${method} HTTP/${httpVersion} ${JSON.stringify([...fields])}`,
    );
  };
  const check = checkUpgradeRequest({ method, httpVersion, headers });
  const key = fields.get('sec-websocket-key')?.trim();
  const protocols = tokens(fields.get('sec-websocket-protocol'));
  const expected =
    method === 'GET' &&
    httpVersion !== '1.0' &&
    fields.has('host') &&
    tokens(fields.get('upgrade')).includes('websocket') &&
    tokens(fields.get('connection')).includes('upgrade') &&
    fields.get('sec-websocket-version')?.trim() === '13' &&
    key !== undefined &&
    KEY.test(key) &&
    (fields.get('sec-websocket-protocol') ?? '')
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t !== '')
      .every((p, i, all) => new RegExp(`^${TOKEN}$`).test(p) && all.indexOf(p) === i);
  if (check.ok !== expected)
    fail(`checkUpgradeRequest says ${check.ok ? 'ok' : check.error.message}, expected ${expected}`);
  if (!check.ok) return;
  const answer = acceptHeaders(
    check.key,
    check.protocols.length > 0 ? { protocol: check.protocols[0] } : {},
  );
  const accept = answer.find(([n]) => n === 'Sec-WebSocket-Accept')?.[1];
  const wanted = createHash('sha1')
    .update(`${check.key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
    .digest('base64');
  if (accept !== wanted) fail(`accept ${accept}, node:crypto says ${wanted}`);
  const response = new Map(answer.map(([n, v]) => [n.toLowerCase(), v]));
  const result = checkUpgradeResponse(
    { status: 101, headers: { get: (n) => response.get(n) } },
    { key: check.key, protocols: check.protocols },
  );
  if (!result.ok) fail(`client refuses the server's answer: ${result.error.message}`);
  void protocols;
}

function run(input: Uint8Array): void {
  if (input.length < 1) return;
  const text = Buffer.from(input.subarray(1)).toString('latin1');
  if ((input[0]! & 1) === 0) extensions(text);
  else upgrade(text, input[0]!);
}

export const handshakeTarget: FuzzTarget = {
  name: 'handshake',
  files: [
    'src/core/ws/extension-header.js',
    'src/core/ws/permessage-deflate.js',
    'src/core/ws/server-handshake.js',
    'src/core/ws/client-handshake.js',
    'src/core/ws/header-tokens.js',
    'src/core/ws/handshake-key.js',
    'src/core/bytes/base64.js',
    'src/core/bytes/sha1.js',
  ],
  maxLength: 1024,
  dictionary: [
    'permessage-deflate',
    'client_max_window_bits',
    'server_max_window_bits',
    'client_no_context_takeover',
    'server_no_context_takeover',
    ';',
    ',',
    '=',
    '"',
    '\\',
    ' ',
    '\t',
    '10',
    '15',
    '8',
    '\n',
    'Host: a',
    'Upgrade: websocket',
    'Connection: Upgrade',
    'Sec-WebSocket-Version: 13',
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Protocol: chat, superchat',
    '==',
    'AQgw',
  ].map(latin1),
  seeds: () => [
    latin1(
      '\x00permessage-deflate; client_max_window_bits, permessage-deflate; server_max_window_bits="10"',
    ),
    latin1('\x00x-foo; a="b\\c", , permessage-deflate;server_no_context_takeover'),
    latin1(
      '\x01Host: a\nUpgrade: websocket\nConnection: keep-alive, Upgrade\nSec-WebSocket-Version: 13\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\nSec-WebSocket-Protocol: chat, superchat',
    ),
  ],
  run,
};
