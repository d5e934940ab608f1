/**
 * Realistic JSON messages of an exact byte size for the compression benchmarks: a batch of
 * trades (market data) for small sizes, an order-book snapshot with a chat tail for large
 * ones. Prices, sizes, ids and words come from a seeded generator, so every run sends the same
 * bytes and no two messages of a pool are equal (a compressor cannot just repeat a message).
 * The last field is a sentence of chat-like words trimmed to hit the size exactly.
 *
 * @example
 * ```ts
 * const pool = jsonMessages(1024, 64); // 64 different 1024-byte ASCII JSON texts
 * ```
 */

const SYMBOLS = ['BTC-USD', 'ETH-USD', 'SOL-USD', 'AAPL', 'MSFT', 'NVDA', 'EUR-USD', 'XAU-USD'];
const WORDS = [
  'the',
  'market',
  'looks',
  'strong',
  'today',
  'buyers',
  'stepped',
  'in',
  'at',
  'support',
  'after',
  'a',
  'quick',
  'dip',
  'volume',
  'is',
  'picking',
  'up',
  'watch',
  'resistance',
  'near',
  'yesterday',
  'high',
  'anyone',
  'else',
  'long',
  'here',
  'stops',
  'below',
  'open',
  'nice',
  'call',
  'lol',
  'funding',
  'flipped',
  'negative',
];

/** A small deterministic PRNG (mulberry32). */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function sentence(random: () => number, length: number): string {
  let text = '';
  while (text.length < length) text += `${WORDS[Math.floor(random() * WORDS.length)]} `;
  return text.slice(0, length);
}

function trade(random: () => number, id: number, ts: number, base: number): string {
  const price = (base * (1 + (random() - 0.5) / 500)).toFixed(2);
  const size = (random() * 3).toFixed(4);
  return `{"id":${id},"p":"${price}","q":"${size}","side":"${random() < 0.5 ? 'buy' : 'sell'}","ts":${ts}}`;
}

function level(random: () => number, base: number, step: number): string {
  return `["${(base + step).toFixed(2)}","${(random() * 12).toFixed(4)}",${1 + Math.floor(random() * 40)}]`;
}

/** One message of exactly `size` bytes (ASCII), at least 200. */
export function jsonMessage(size: number, seed: number): string {
  if (size < 200) throw new RangeError('messages are at least 200 bytes');
  const random = generator(seed * 7919 + size);
  const symbol = SYMBOLS[seed % SYMBOLS.length]!;
  const base = 100 + random() * 60_000;
  const ts = 1_732_281_234_567 + seed * 137;
  const head = `{"type":"${size < 4096 ? 'trades' : 'book'}","symbol":"${symbol}","seq":${184_467 + seed},"ts":${ts}`;
  const tail = (items: string[]): string =>
    size < 4096 ? `,"trades":[${items.join(',')}]` : `,"levels":[${items.join(',')}]`;
  // Items until about three quarters of the size, the rest is the chat note.
  const items: string[] = [];
  for (let i = 0; head.length + tail(items).length < size * 0.75; i++) {
    items.push(
      size < 4096
        ? trade(random, 9_180_000 + seed * 100 + i, ts - i * 3, base)
        : level(random, base, (i % 2 === 0 ? -1 : 1) * 0.01 * i),
    );
  }
  const prefix = `${head}${tail(items)},"note":"`;
  const suffix = '"}';
  const message = `${prefix}${sentence(random, size - prefix.length - suffix.length)}${suffix}`;
  if (message.length !== size) throw new Error(`built ${message.length} bytes, wanted ${size}`);
  return message;
}

/** `count` different messages of exactly `size` bytes each. */
export function jsonMessages(size: number, count: number): string[] {
  return Array.from({ length: count }, (_, i) => jsonMessage(size, i + 1));
}
