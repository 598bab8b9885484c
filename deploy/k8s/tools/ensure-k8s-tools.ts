// Builds kustomize and kubeconform once (cached under ~/.cache/tidewater) so that the manifest
// validation test finds them; test/prepare.sh runs it.
import { ensureK8sTools, k8sToolsDir } from './k8s-tools.js';

const started = Date.now();
await ensureK8sTools((line) => console.log(line));
console.log(`kustomize, kubeconform: ${k8sToolsDir()} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
