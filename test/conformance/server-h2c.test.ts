import { serverH2Target } from './http2-targets.js';
import { runConformance } from './run-conformance.js';

runConformance(serverH2Target('h2c'));
