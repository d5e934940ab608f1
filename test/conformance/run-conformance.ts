/** Register every case as a node:test test against one target. */
import { after, describe, test } from 'node:test';
import { allCases } from './all-cases.js';
import type { ConformanceTarget } from './targets.js';

export function runConformance(target: ConformanceTarget): void {
  describe(`RFC 6455 conformance: ${target.name}`, () => {
    after(() => target.close());
    for (const conformanceCase of allCases) {
      test(`${conformanceCase.id} ${conformanceCase.title} (${conformanceCase.section})`, async () => {
        const peer = await target.open();
        try {
          await conformanceCase.run(peer);
        } finally {
          peer.destroy();
        }
      });
    }
  });
}
