import { readFileSync, writeFileSync } from 'node:fs';
import { format, resolveConfig } from 'prettier';
import { loadKafkajs } from '../test/kafkajs-copy.js';
import { computeDigests, contradictions, digestsFile, digestsFilePath, patchCases, patchedFiles } from '../test/kafkajs-patch-digests.js';

// Feeds every case of libs/kafka/test/kafkajs-patch-*-cases.ts through the patched kafkajs and through
// kafkajs-upstream (npm:kafkajs@2.2.4), refuses to write if a hunk's claim does not hold or a patched
// file has no case, and writes libs/kafka/test/kafkajs-patch-digests.json. `--check` writes nothing and
// exits 1 if the committed file differs. The unit test kafkajs-patch-digests.test.ts recomputes them.
const check = process.argv.includes('--check');

const patched = await computeDigests(loadKafkajs('kafkajs'));
const upstream = await computeDigests(loadKafkajs('kafkajs-upstream'));
const file = digestsFile(patched, upstream);

const problems = contradictions(file);
const covered = new Set(patchCases.flatMap((c) => c.files));
for (const f of patchedFiles()) if (!covered.has(f)) problems.push(`${f}: changed by the patch, driven by no case`);
for (const f of covered) if (!patchedFiles().includes(f)) problems.push(`${f}: named by a case, not changed by the patch`);
for (const [id, e] of Object.entries(file.cases)) {
  console.log(
    `${e.patched === e.upstream ? 'same' : 'DIFF'} ${id.padEnd(28)} ${e.patched.slice(0, 16)} ${e.sameAsUpstream ? '' : '(changed on purpose)'}`,
  );
}
if (problems.length > 0) {
  console.error(`not written:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}

const text = await format(JSON.stringify(file), { ...(await resolveConfig(digestsFilePath)), parser: 'json' });
let current = '';
try {
  current = readFileSync(digestsFilePath, 'utf8');
} catch {
  current = '';
}
if (current === text) {
  console.log(`${digestsFilePath} is current`);
} else if (check) {
  console.error(`${digestsFilePath} is stale: run npx tsx libs/kafka/scripts/record-kafkajs-patch-digests.ts`);
  process.exit(1);
} else {
  writeFileSync(digestsFilePath, text);
  console.log(`wrote ${digestsFilePath}`);
}
