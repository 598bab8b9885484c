// Builds the dev stack's Jaeger once (cached under ~/.cache/tidewater) so that `stack up
// --observability` and the observability test do not build it inside their start-up timeouts.
import { ensureJaeger } from '../src/jaeger-binary.js';

const started = Date.now();
const binary = await ensureJaeger((line) => console.log(line));
console.log(`Jaeger: ${binary} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
