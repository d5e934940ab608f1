/**
 * A permessage-deflate conformance case (Autobahn groups 12 and 13): it names the agreement it
 * needs, the target opens a peer that negotiated it by hand, and the case runs on that peer.
 */
import { after, describe, test } from 'node:test';
import type { AgreementRequest, DeflatePeer } from './deflate-peer.js';
import type { DeflateTarget } from './deflate-targets.js';

export interface DeflateCase {
  /** Autobahn-style number, e.g. `12.1.3`. */
  readonly id: string;
  /** The RFC section the case checks, e.g. `RFC 7692 §7.2.1`. */
  readonly section: string;
  readonly title: string;
  /** What the handshake should agree; `'none'`: no extension. Default: the RFC defaults. */
  readonly agreement?: AgreementRequest | 'none';
  /** Inflate what the wirekit side sends with 64-byte output chunks (window checks). */
  readonly strictWindow?: boolean;
  /** Run against a peer connected to the wirekit side; throws on a violation. */
  run(peer: DeflatePeer, target: DeflateTarget): Promise<void>;
}

/** Finish a case with a clean close initiated by the peer (RFC 6455 §7.1.2). */
export async function closeDeflateCleanly(peer: DeflatePeer, code = 1000): Promise<void> {
  peer.raw.closeWith(code);
  await peer.raw.expectClose(code);
}

/** Register every case as a node:test test against one target. */
export function runDeflateConformance(target: DeflateTarget, cases: readonly DeflateCase[]): void {
  describe(`RFC 7692 conformance: ${target.name}`, () => {
    after(() => target.close());
    for (const deflateCase of cases) {
      test(`${deflateCase.id} ${deflateCase.title} (${deflateCase.section})`, async () => {
        const peer = await target.open(deflateCase.agreement ?? {}, {
          strictWindow: deflateCase.strictWindow ?? false,
        });
        try {
          await deflateCase.run(peer, target);
        } finally {
          peer.destroy();
        }
      });
    }
  });
}
