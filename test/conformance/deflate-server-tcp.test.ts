/** Groups 12–13 against wirekit's server over TCP: dedicated contexts compressing every echo,
 * and the default (`deflate: true`: shared contexts, 1 KiB threshold). */
import { compressionCases } from './cases/compression.case.js';
import { runDeflateConformance } from './deflate-case.js';
import { deflateServerTarget } from './deflate-targets.js';

const limits = { maxMessageSize: 1024 * 1024 };
runDeflateConformance(
  deflateServerTarget('tcp', { mode: 'dedicated', threshold: 0 }, limits),
  compressionCases,
);
runDeflateConformance(deflateServerTarget('tcp', true, limits), compressionCases);
