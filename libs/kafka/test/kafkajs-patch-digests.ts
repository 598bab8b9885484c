import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256 } from './kafkajs-patch-support.js';
import type { KafkajsCopy } from './kafkajs-copy.js';
import type { PatchCase } from './kafkajs-patch-case.js';
import { decodeCases } from './kafkajs-patch-decode-cases.js';
import { encoderCases } from './kafkajs-patch-encode-cases.js';
import { fetchCases } from './kafkajs-patch-fetch-cases.js';
import { producerCases } from './kafkajs-patch-producer-cases.js';
import { queueCases } from './kafkajs-patch-queue-cases.js';
import { runnerCases } from './kafkajs-patch-runner-cases.js';
import { sendCases } from './kafkajs-patch-send-cases.js';

/** The committed digests, written by libs/kafka/scripts/record-kafkajs-patch-digests.ts. */
export const digestsFilePath = join(import.meta.dirname, 'kafkajs-patch-digests.json');
export const patchFilePath = join(import.meta.dirname, '..', '..', '..', 'patches', 'kafkajs+2.2.4.patch');

/** Every case, in the order of the digests file. */
export const patchCases: readonly PatchCase[] = [
  ...producerCases,
  ...sendCases,
  ...encoderCases,
  ...decodeCases,
  ...queueCases,
  ...runnerCases,
  ...fetchCases,
];

export interface DigestEntry {
  readonly files: readonly string[];
  readonly inputs: string;
  readonly sameAsUpstream: boolean;
  /** SHA-256 of the output of the patched kafkajs (`kafkajs`). */
  readonly patched: string;
  /** SHA-256 of the output of kafkajs 2.2.4 as published (`kafkajs-upstream`). */
  readonly upstream: string;
}

export interface DigestsFile {
  readonly generatedBy: string;
  readonly kafkajs: string;
  readonly cases: Readonly<Record<string, DigestEntry>>;
}

/** SHA-256 of every case's output from one copy of kafkajs, by case id. */
export async function computeDigests(kafkajs: KafkajsCopy): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const c of patchCases) out[c.id] = sha256(await c.run(kafkajs));
  return out;
}

/** The digests file for the two copies' digests (not yet checked against each other). */
export function digestsFile(patched: Record<string, string>, upstream: Record<string, string>): DigestsFile {
  return {
    generatedBy: 'npx tsx libs/kafka/scripts/record-kafkajs-patch-digests.ts (do not edit)',
    kafkajs: '2.2.4',
    cases: Object.fromEntries(
      patchCases.map((c) => [
        c.id,
        { files: c.files, inputs: c.inputs, sameAsUpstream: c.sameAsUpstream, patched: patched[c.id]!, upstream: upstream[c.id]! },
      ]),
    ),
  };
}

/**
 * Where the digests contradict their case's claim: a case claiming upstream's output whose digests
 * differ, or one claiming a change whose digests agree (its inputs miss the changed behaviour).
 */
export function contradictions(file: DigestsFile): string[] {
  return Object.entries(file.cases)
    .filter(([, e]) => (e.patched === e.upstream) !== e.sameAsUpstream)
    .map(([id, e]) =>
      e.sameAsUpstream ? `${id}: patched output differs from kafkajs 2.2.4` : `${id}: patched output equals kafkajs 2.2.4`,
    );
}

/** The package files the patch changes, as named in its `diff --git` lines. */
export function patchedFiles(): string[] {
  const patch = readFileSync(patchFilePath, 'utf8');
  return [...patch.matchAll(/^diff --git a\/node_modules\/kafkajs\/(\S+) /gm)].map((m) => m[1]!).sort();
}

export function readDigestsFile(): DigestsFile {
  return JSON.parse(readFileSync(digestsFilePath, 'utf8')) as DigestsFile;
}
