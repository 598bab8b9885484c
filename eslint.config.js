// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Import boundaries (issue 18, part 3). Flat config replaces a rule's options per matching block
// rather than merging them, so every block below states all of its restrictions through `imports`.
const deepImports = { group: ['@tidewater/*/src/*', '@tidewater/*/*'], message: 'import the package, not its files' };
const kafkajsImports = {
  group: ['kafkajs', 'kafkajs/*', 'kafkajs-upstream', 'kafkajs-upstream/*'],
  message: 'use @tidewater/kafka: the Kafka client stays behind its seam (libs/kafka)',
};
const services = {
  alerting: '@tidewater/alerting',
  'drift-monitor': '@tidewater/drift-monitor',
  feature: '@tidewater/feature',
  inference: '@tidewater/inference',
  ingestion: '@tidewater/ingestion',
};

// Files that may import kafkajs: the seam itself, and benchmarks that measure raw kafkajs (bare
// pipes, naive consumers) next to the services.
const kafkajsAllowed = [
  'libs/kafka/**',
  'load-tests/kafka/**',
  'load-tests/inference/naive-consumer.ts',
  'load-tests/inference/bench-inference.ts',
  'load-tests/inference/feature-stream.ts',
  'load-tests/ingestion/bench-ingestion.ts',
  'load-tests/drift/pipeline-rate.ts',
  // dev-kafka's tests check what a Kafka client sees from the mock cluster and Apache Kafka nodes.
  'libs/dev-kafka/src/**/*.test.ts',
  // Reads kafkajs internals (record batch producer ids, read_committed offset listing) to check exactly-once.
  'services/inference/test/worker-kills.ts',
];

/** The no-restricted-imports options of a block: deep imports always, kafkajs and other services when asked. */
function imports({ kafkajs, otherServices = [] }) {
  const patterns = [deepImports];
  if (kafkajs) patterns.push(kafkajsImports);
  if (otherServices.length > 0)
    patterns.push({ group: otherServices, message: 'a service must not import another service; share code through a library in libs/' });
  return { 'no-restricted-imports': ['error', { patterns }] };
}

const perService = Object.entries(services).flatMap(([dir, name]) => {
  const otherServices = Object.values(services).filter((n) => n !== name);
  return [
    { files: [`services/${dir}/**/*.ts`], rules: imports({ kafkajs: true, otherServices }) },
    { files: kafkajsAllowed.filter((f) => f.startsWith(`services/${dir}/`)), rules: imports({ kafkajs: false, otherServices }) },
  ].filter((block) => block.files.length > 0);
});

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '.tidewater/**', '**/generated/**', 'libs/dev-kafka/bin/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  { files: ['**/*.ts'], rules: imports({ kafkajs: true }) },
  { files: kafkajsAllowed, rules: imports({ kafkajs: false }) },
  ...perService,
  {
    files: ['**/src/index.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportAllDeclaration', message: 'name every public symbol; export * leaks internals' },
      ],
    },
  },
);
