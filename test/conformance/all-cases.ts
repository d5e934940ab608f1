/** Every conformance case, in Autobahn's group order. */
import { closeCases } from './cases/close.case.js';
import { fragmentationCases } from './cases/fragmentation.case.js';
import { framingCases } from './cases/framing.case.js';
import { limitsCases } from './cases/limits.case.js';
import { miscCases } from './cases/misc.case.js';
import { opcodeCases } from './cases/opcodes.case.js';
import { pingPongCases } from './cases/ping-pong.case.js';
import { reservedBitsCases } from './cases/reserved-bits.case.js';
import { utf8Cases } from './cases/utf8.case.js';
import type { ConformanceCase } from './conformance-case.js';

export const allCases: readonly ConformanceCase[] = [
  ...framingCases,
  ...pingPongCases,
  ...reservedBitsCases,
  ...opcodeCases,
  ...fragmentationCases,
  ...utf8Cases,
  ...closeCases,
  ...limitsCases,
  ...miscCases,
];
