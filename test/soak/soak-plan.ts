/**
 * What the soak runs: a list of cases, each one connection (a storm: a group of them) over one
 * transport with one fault, drawn from a seeded generator so a failing run can be repeated
 * with its seed. Faults are injected by the peer of wirekit, on either side: a raw client
 * against wirekit's server, or a raw server against wirekit's client.
 *
 * @example
 * ```ts
 * const cases = planSoak({ connections: 100, seed: 1 });
 * cases[0]; // { id: 0, transport: 'tls', fault: 'vanish', faultySide: 'client', … }
 * ```
 */
import { type Random, seededRandom } from './sequence-stream.js';

/** The transports every case may run over: `ws://`, `wss://`, and RFC 8441 over h2 (TLS). */
export const SOAK_TRANSPORTS = ['tcp', 'tls', 'h2'] as const;
export type SoakTransport = (typeof SOAK_TRANSPORTS)[number];

/**
 * - `clean`: wirekit on both ends, messages both ways, then a close handshake;
 * - `vanish`: the peer writes half a frame and destroys its transport;
 * - `reset`: the peer's TCP connection is reset (RST);
 * - `stop-reading`: the peer stops reading for good while wirekit sends;
 * - `garbage`: the peer sends random bytes;
 * - `invalid-frame`: the peer sends one frame RFC 6455 forbids (each has its close code);
 * - `storm`: a group of wirekit clients is cut off at once by the server and reconnects at once.
 */
export const SOAK_FAULTS = [
  'clean',
  'vanish',
  'reset',
  'stop-reading',
  'garbage',
  'invalid-frame',
  'storm',
] as const;
export type SoakFault = (typeof SOAK_FAULTS)[number];

/** How often each fault is drawn (clean exchanges are the background traffic). */
const WEIGHTS: Readonly<Record<SoakFault, number>> = {
  clean: 6,
  vanish: 2,
  reset: 2,
  'stop-reading': 1,
  garbage: 2,
  'invalid-frame': 2,
  storm: 1,
};

/** Clients in one storm; each is cut off and reconnects, so a storm is twice this many
 * connections. */
export const STORM_SIZE = 8;

/** One case of the soak. */
export interface SoakCase {
  readonly id: number;
  readonly transport: SoakTransport;
  readonly fault: SoakFault;
  /** Which side misbehaves; the other is wirekit (both are, for `clean` and `storm`). */
  readonly faultySide: 'client' | 'server';
  /** Messages each side sends before the fault (or before closing, for `clean`). */
  readonly messages: number;
  /** Seed of this case's own generator (message sizes, garbage, which invalid frame). */
  readonly seed: number;
}

/** Connections a case opens. */
export function connectionsOf(soakCase: SoakCase): number {
  return soakCase.fault === 'storm' ? 2 * STORM_SIZE : 1;
}

function pick(random: Random): SoakFault {
  const total = Object.values(WEIGHTS).reduce((sum, weight) => sum + weight, 0);
  let draw = random() * total;
  for (const fault of SOAK_FAULTS) {
    draw -= WEIGHTS[fault];
    if (draw < 0) return fault;
  }
  return 'clean';
}

/** Cases until `connections` connections are planned; transports take turns. */
export function planSoak(options: {
  readonly connections: number;
  readonly seed: number;
}): SoakCase[] {
  const random = seededRandom(options.seed);
  const cases: SoakCase[] = [];
  let planned = 0;
  while (planned < options.connections) {
    const id = cases.length;
    let fault = pick(random);
    // A storm does not fit in what is left: a clean case instead.
    if (fault === 'storm' && planned + 2 * STORM_SIZE > options.connections) fault = 'clean';
    const soakCase: SoakCase = {
      id,
      transport: SOAK_TRANSPORTS[id % SOAK_TRANSPORTS.length]!,
      fault,
      faultySide: random() < 0.5 ? 'client' : 'server',
      messages:
        fault === 'clean' || fault === 'storm'
          ? 5 + Math.floor(random() * 60)
          : Math.floor(random() * 12),
      seed: Math.floor(random() * 2 ** 31),
    };
    cases.push(soakCase);
    planned += connectionsOf(soakCase);
  }
  return cases;
}
