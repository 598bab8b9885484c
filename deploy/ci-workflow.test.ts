// Checks .github/workflows/ci.yml: the jobs the project relies on exist, and every npm script it
// runs is one package.json defines. Nothing here talks to GitHub.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { repoRoot } from '@tidewater/schemas';
import { describe, expect, it } from 'vitest';

const stepSchema = z.looseObject({
  uses: z.string().optional(),
  run: z.string().optional(),
  with: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  env: z.record(z.string(), z.string()).optional(),
});
const jobSchema = z.looseObject({
  'runs-on': z.string(),
  env: z.record(z.string(), z.string()).optional(),
  steps: z.array(stepSchema).min(1),
});
const workflowSchema = z.looseObject({
  // YAML 1.1 readers turn a bare `on` into true; the yaml package (1.2) keeps the key.
  on: z.looseObject({ push: z.unknown(), pull_request: z.unknown() }),
  jobs: z.record(z.string(), jobSchema),
});
type Job = z.infer<typeof jobSchema>;

const workflow = workflowSchema.parse(parse(readFileSync(join(repoRoot, '.github/workflows/ci.yml'), 'utf8')));
const scripts = z
  .object({ scripts: z.record(z.string(), z.string()) })
  .parse(JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'))).scripts;
const jobs = Object.entries(workflow.jobs);

const runs = (job: Job) => job.steps.flatMap((s) => (s.run ? [s.run] : []));
/** The first job with a step whose command matches. */
const jobRunning = (pattern: RegExp): Job => {
  const found = jobs.find(([, job]) => runs(job).some((r) => pattern.test(r)));
  if (!found) throw new Error(`no job runs ${String(pattern)}`);
  return found[1];
};
/** Index of the first step whose command matches, -1 when none. */
const stepIndex = (job: Job, pattern: RegExp) => job.steps.findIndex((s) => s.run !== undefined && pattern.test(s.run));

describe('.github/workflows/ci.yml', () => {
  it('runs on pushes and pull requests, every job on ubuntu-latest', () => {
    expect(workflow.on).toHaveProperty('push');
    expect(workflow.on).toHaveProperty('pull_request');
    for (const [name, job] of jobs) expect(job['runs-on'], name).toBe('ubuntu-latest');
  });

  it('uses checkout@v4 and, for every npm job, setup-node@v4 on the .nvmrc Node with the npm cache before npm ci', () => {
    for (const [name, job] of jobs) {
      expect(job.steps[0]?.uses, name).toBe('actions/checkout@v4');
      if (stepIndex(job, /\bnpm\b/) < 0) continue;
      const setup = job.steps.findIndex((s) => s.uses === 'actions/setup-node@v4');
      expect(setup, `${name}: setup-node`).toBeGreaterThan(0);
      expect(job.steps[setup]?.with).toMatchObject({ 'node-version-file': '.nvmrc', cache: 'npm' });
      const ci = stepIndex(job, /^npm ci$/);
      expect(ci, `${name}: npm ci`).toBeGreaterThan(setup);
      expect(
        job.steps.findIndex((s) => s.run !== undefined && /\bnpm (run|test)\b/.test(s.run)),
        `${name}: npm ci first`,
      ).toBeGreaterThan(ci);
    }
  });

  it('lints, type-checks and runs npm test on the dev stack, after installing a JDK 17, librdkafka, gcc, redis-server and kcat', () => {
    const job = jobRunning(/^npm test$/);
    const install = stepIndex(job, /sudo apt-get install -y .*/);
    const command = job.steps[install]?.run ?? '';
    for (const pkg of ['librdkafka-dev', 'gcc', 'redis-server', 'kcat']) expect(command).toContain(pkg);
    // Apache Kafka, the dev stack's default, runs on a JDK 17; Maven (on ubuntu-latest) resolves its jars.
    const java = job.steps.findIndex((s) => s.uses === 'actions/setup-java@v4');
    expect(java).toBeGreaterThan(0);
    expect(job.steps[java]?.with).toMatchObject({ distribution: 'temurin', 'java-version': 17 });
    for (const pattern of [/^npm run lint$/, /^npm run typecheck$/, /^npm test$/]) {
      expect(stepIndex(job, pattern), String(pattern)).toBeGreaterThan(Math.max(install, java));
    }
  });

  it('runs the integration tests only on the dev stack: no job sets TEST_ENV (the containers path is gone)', () => {
    for (const [name, job] of jobs) {
      expect(Object.keys(job.env ?? {}), name).not.toContain('TEST_ENV');
      for (const step of job.steps) expect(Object.keys(step.env ?? {}), name).not.toContain('TEST_ENV');
    }
  });

  it('runs the serde benchmark and uploads what it printed', () => {
    const job = jobRunning(/npm run bench:serde/);
    const output = /npm run bench:serde \| tee (\S+)/.exec(job.steps[stepIndex(job, /npm run bench:serde/)]?.run ?? '')?.[1];
    expect(output).toBeDefined();
    const upload = job.steps.find((s) => s.uses === 'actions/upload-artifact@v4');
    expect(upload?.with?.['path']).toBe(output);
  });

  it('generates the CycloneDX SBOM with npm run sbom and uploads the file it writes', () => {
    expect(scripts['sbom']).toBe('tsx deploy/docker/sbom.ts');
    const job = jobRunning(/^npm run sbom$/);
    const upload = job.steps.findIndex((s) => s.uses === 'actions/upload-artifact@v4');
    expect(upload).toBeGreaterThan(stepIndex(job, /^npm run sbom$/));
    expect(job.steps[upload]?.with?.['path']).toBe('.tidewater/sbom.cdx.json');
    // upload-artifact@v4 leaves out dot-directories unless told otherwise.
    expect(job.steps[upload]?.with?.['include-hidden-files']).toBe(true);
  });

  it('runs only npm scripts that package.json defines', () => {
    const used = jobs.flatMap(([, job]) => runs(job)).flatMap((r) => [...r.matchAll(/\bnpm run ([\w:-]+)/g)].map((m) => m[1] ?? ''));
    expect(used.length).toBeGreaterThanOrEqual(3);
    for (const script of used) expect(Object.keys(scripts), `npm run ${script}`).toContain(script);
    expect(scripts['test']).toBeDefined();
  });
});
