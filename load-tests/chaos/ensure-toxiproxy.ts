// Builds the chaos run's Toxiproxy once (cached) so that `npm run chaos` does not build it at start.
import { ensureToxiproxy } from './toxiproxy-binary.js';

const started = Date.now();
const binary = await ensureToxiproxy((line) => console.log(line));
console.log(`Toxiproxy: ${binary} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
