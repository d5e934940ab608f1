/** One conformance case: named after Autobahn's numbering, tied to the RFC section it checks. */
import type { RawPeer } from './raw-peer.js';

export interface ConformanceCase {
  /** Autobahn-style number, e.g. `5.6`. */
  readonly id: string;
  /** The RFC section the case checks, e.g. `RFC 6455 §5.4`. */
  readonly section: string;
  readonly title: string;
  /** Run against a peer connected to the wirekit side; throws on a violation. */
  run(peer: RawPeer): Promise<void>;
}

/** Finish a case with a clean close initiated by the peer (§7.1.2): the echo must match. */
export async function closeCleanly(peer: RawPeer, code = 1000): Promise<void> {
  peer.closeWith(code);
  await peer.expectClose(code);
}
