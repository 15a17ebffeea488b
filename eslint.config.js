// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.kafka/**', 'out/**', '.cache/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // Core is pure: no I/O, no clock, no Math.random, nothing outside core (architecture.md).
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*', 'fs', 'path', 'os', 'crypto', 'child_process'], message: 'core does no I/O' },
            { group: ['**/adapters/**', '**/cli/**', '**/pipelines/**', 'rxjs', 'rxjs/*'], message: 'core imports only core' },
          ],
        },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'randomness comes from a seeded Rng argument' },
        { object: 'Date', property: 'now', message: 'time is an argument in core' },
        { object: 'performance', property: 'now', message: 'time is an argument in core' },
      ],
      'no-restricted-globals': ['error', 'process', 'console'],
      // Code from strings only in model/private-copy.ts, which compiles copies of our own functions.
      'no-new-func': 'error',
    },
  },
  {
    files: ['src/adapters/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/cli/**', '**/pipelines/**', 'rxjs', 'rxjs/*'], message: 'adapters import only core' }] },
      ],
    },
  },
  {
    files: ['pipelines/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/cli/**'], message: 'pipelines never import the cli' }] }],
    },
  },
);
