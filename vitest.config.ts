import { defineConfig } from 'vitest/config';

// Three projects. Unit tests need nothing running. Integration tests run on Apache Kafka (the dev
// stack's default: one KRaft node from Maven Central), sharing one stack started by the global
// setup and running files one at a time because they share a broker and a 2-core machine.
// Tests that need what only librdkafka's mock cluster does (broker down/up, injected request
// errors, RTT, leader moves) live in `*.mock-kafka.int.test.ts` and run after the others on a
// mock stack of their own.
const integration = {
  globalSetup: ['./test/global-setup.ts'],
  fileParallelism: false,
  testTimeout: 60_000,
  hookTimeout: 120_000,
};

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          // A stopgap: some unit files still need Redis (see the setup file).
          globalSetup: ['./test/unit-redis-setup.ts'],
          include: ['libs/*/src/**/*.test.ts', 'services/*/src/**/*.test.ts', 'load-tests/**/*.test.ts', 'deploy/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', '**/node_modules/**'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['libs/*/src/**/*.int.test.ts', 'services/*/src/**/*.int.test.ts', 'test/**/*.int.test.ts', 'deploy/**/*.int.test.ts'],
          exclude: ['**/*.mock-kafka.int.test.ts', '**/node_modules/**'],
          sequence: { groupOrder: 1 },
          ...integration,
        },
      },
      {
        test: {
          name: 'integration-mock-kafka',
          include: ['libs/*/src/**/*.mock-kafka.int.test.ts', 'services/*/src/**/*.mock-kafka.int.test.ts'],
          sequence: { groupOrder: 2 },
          ...integration,
        },
      },
    ],
  },
});
