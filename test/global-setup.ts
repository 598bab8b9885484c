import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { repoRoot } from '@tidewater/schemas';
import { stackDown, stackFiles, stackUp, type KafkaKind } from '@tidewater/dev-stack';

/**
 * Starts one dev stack per integration project: Apache Kafka for `integration`, librdkafka's mock
 * cluster for `integration-mock-kafka`, each with the dev schema registry, Redis and the Slack
 * capture, in its own directory. The names it provides are declared in
 * libs/test-support/src/provided-context.ts.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const kafka: KafkaKind = project.name === 'integration-mock-kafka' ? 'mock' : 'apache';
  // TIDEWATER_TEST_STACK_DIR lets two test runs on one machine keep separate stacks; unset or empty means the default.
  const base = process.env['TIDEWATER_TEST_STACK_DIR'] || join(repoRoot, '.tidewater', 'test-stack');
  const dir =
    kafka === 'mock'
      ? `${base}-mock-kafka`
      : project.name === 'integration'
        ? base
        : `${base}-${project.name.replace(/^integration-/, '')}`;
  await stackDown(dir); // a stack left over by an interrupted run
  await stackUp({ dir, fresh: true, kafka });
  project.provide('stackEnvFile', stackFiles(dir).env);
  project.provide('kafkaKind', kafka);
  return async () => {
    await stackDown(dir);
  };
}
