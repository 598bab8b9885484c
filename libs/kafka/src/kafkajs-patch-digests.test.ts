import { describe, expect, it } from 'vitest';
import { loadKafkajs } from '../test/kafkajs-copy.js';
import { computeDigests, contradictions, patchCases, patchedFiles, readDigestsFile } from '../test/kafkajs-patch-digests.js';

/**
 * libs/kafka/test/kafkajs-patch-digests.json holds SHA-256 digests of what each hunk of
 * patches/kafkajs+2.2.4.patch outputs for fixed inputs, from the patched kafkajs and from
 * kafkajs-upstream (npm:kafkajs@2.2.4). Re-record with
 * `npx tsx libs/kafka/scripts/record-kafkajs-patch-digests.ts` (see libs/kafka/README.md).
 */
const committed = readDigestsFile();

describe('kafkajs patch digests', () => {
  it('has a case for every file the patch changes, and an entry for every case', () => {
    expect([...new Set(patchCases.flatMap((c) => c.files))].sort()).toEqual(patchedFiles());
    expect(Object.keys(committed.cases)).toEqual(patchCases.map((c) => c.id));
  });

  it('records the same output as kafkajs 2.2.4 wherever a hunk claims it, and a change where one makes it', () => {
    expect(contradictions(committed)).toEqual([]);
  });

  it('recomputes the committed digests from the patched kafkajs', { timeout: 30_000 }, async () => {
    const digests = await computeDigests(loadKafkajs('kafkajs'));
    expect(digests).toEqual(Object.fromEntries(Object.entries(committed.cases).map(([id, e]) => [id, e.patched])));
  });

  it('recomputes the committed upstream digests from kafkajs-upstream', { timeout: 30_000 }, async () => {
    const digests = await computeDigests(loadKafkajs('kafkajs-upstream'));
    expect(digests).toEqual(Object.fromEntries(Object.entries(committed.cases).map(([id, e]) => [id, e.upstream])));
  });
});
