import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'node_modules/',
      'data/',
      'coverage/',
      // The bench's bundled children (bench/build-children.ts), made by each run.
      'bench/.build/',
      'packages/*/dist/',
      'packages/*/docs/',
      'web/dist/',
      'test-results/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', Buffer: 'readonly', console: 'readonly', URL: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': 'error',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } },
  },
  {
    files: ['bench/**', 'scripts/**', 'test/**', 'examples/**', '**/*.test.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    // Every app a test starts checks its answers against the OpenAPI document (test/helpers/contract.ts).
    files: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/app.js'],
              importNames: ['buildApp'],
              message:
                'Start test apps with createTestApp, startApp or buildCheckedApp (test/helpers/app.ts): they check every response against the OpenAPI document.',
            },
          ],
        },
      ],
    },
  },
);
