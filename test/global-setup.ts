import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { repoRoot } from '@tidewater/schemas';
import { stackDown, stackFiles, stackUp } from '@tidewater/dev-stack';

declare module 'vitest' {
  export interface ProvidedContext {
    /** dotenv file with KAFKA_BROKERS, SCHEMA_REGISTRY_URL, REDIS_URL (and KAFKA_MOCK_CONTROL_PORT on the dev stack). */
    stackEnvFile: string;
    testEnv: 'dev-stack' | 'containers';
  }
}

/**
 * Starts one stack for all integration tests: the embedded dev stack (mock Kafka cluster, dev
 * schema registry, Redis) by default, or real containers with TEST_ENV=containers on a Docker host.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (process.env['TEST_ENV'] === 'containers') {
    // Loaded only here: testcontainers pulls in a Docker client the dev-stack runs never need.
    const { startContainerStack } = await import('./container-stack.js');
    const stack = await startContainerStack(join(repoRoot, '.tidewater', 'containers'));
    project.provide('stackEnvFile', stack.envFile);
    project.provide('testEnv', 'containers');
    return stack.stop;
  }
  // TIDEWATER_TEST_STACK_DIR lets two test runs on one machine keep separate stacks; unset or empty means the default.
  const dir = process.env['TIDEWATER_TEST_STACK_DIR'] || join(repoRoot, '.tidewater', 'test-stack');
  await stackDown(dir); // a stack left over by an interrupted run
  await stackUp({ dir, fresh: true });
  project.provide('stackEnvFile', stackFiles(dir).env);
  project.provide('testEnv', 'dev-stack');
  return async () => {
    await stackDown(dir);
  };
}
