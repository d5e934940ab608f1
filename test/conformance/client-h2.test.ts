import { clientH2Target } from './http2-targets.js';
import { runConformance } from './run-conformance.js';

runConformance(clientH2Target('h2'));
