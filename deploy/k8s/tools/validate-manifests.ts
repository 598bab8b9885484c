// Renders every overlay and validates it offline: npx tsx deploy/k8s/tools/validate-manifests.ts
// (what deploy/k8s/manifests.int.test.ts does in CI). Exits 1 when anything is invalid.
import { ensureK8sTools } from './k8s-tools.js';
import { renderTargets, validateRendered } from './render-targets.js';

await ensureK8sTools((line) => console.log(line));
let failed = 0;
for (const target of renderTargets) {
  const result = await validateRendered(await target.render());
  console.log(`${result.ok ? 'ok  ' : 'FAIL'} ${target.name}\n${result.output.replace(/^/gm, '     ')}`);
  if (!result.ok) failed++;
}
process.exitCode = failed > 0 ? 1 : 0;
