/** Groups 12–13 against wirekit's client over TCP: the default (`deflate: true`: dedicated
 * contexts, 1 KiB threshold) and shared contexts compressing every message. */
import { compressionCases } from './cases/compression.case.js';
import { runDeflateConformance } from './deflate-case.js';
import { deflateClientTarget } from './deflate-targets.js';

const limits = { maxMessageSize: 1024 * 1024 };
runDeflateConformance(deflateClientTarget('tcp', true, limits), compressionCases);
runDeflateConformance(
  deflateClientTarget('tcp', { mode: 'shared', threshold: 0 }, limits),
  compressionCases,
);
