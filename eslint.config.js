// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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
      // Packages expose a small named surface from src/index.ts: no deep imports across packages.
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['@tidewater/*/src/*', '@tidewater/*/*'], message: 'import the package, not its files' }] },
      ],
    },
  },
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
