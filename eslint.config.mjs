// Flat config. The boundary rules below are the architecture (ARCHITECTURE.md), enforced: a later block
// REPLACES an earlier block's options for the same rule, so the narrowest globs come last.
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const banImports = (patterns, message) => ({
  'no-restricted-imports': ['error', { patterns: patterns.map((group) => ({ group: [group], message })) }],
});

export default tseslint.config(
  { ignores: ['node_modules/**', 'out/**', 'dist/**', 'coverage/**', 'test-results/**', 'test/fixtures/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        project: ['./tsconfig.node.json', './tsconfig.web.json', './tsconfig.test.json'],
        tsconfigRootDir: import.meta.dirname,
      },
      globals: { ...globals.node },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-syntax': [
        'error',
        { selector: "NewExpression[callee.name='BrowserWindow']", message: 'Windows are created only by electron/shell/window.ts.' },
      ],
    },
  },
  { files: ['**/*.mjs', '**/*.js', '**/*.cjs'], ...tseslint.configs.disableTypeChecked },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      ...reactHooks.configs.recommended.rules,
      ...banImports(['electron', 'electron/*', 'node:*', 'fs', 'path', 'os', 'child_process', '**/electron/**'],
        'The renderer talks only to the typed API in shared/contract.ts.'),
    },
  },
  {
    files: ['shared/**/*.ts'],
    rules: banImports(['electron', 'electron-log*', 'node:*', 'react', 'react-dom', '**/electron/**', '**/renderer/**'],
      'shared/ holds plain types and parsers: nothing runtime-specific.'),
  },
  {
    files: ['electron/**/*.ts'],
    ignores: ['electron/shell/**', 'electron/main.ts', 'electron/preload.ts'],
    rules: banImports(['electron', 'electron/*', 'electron-log', 'electron-log/*', '**/shell/**', '**/renderer/**'],
      "Only electron/shell, main.ts and preload.ts may import 'electron'; the core gets ports injected."),
  },
  {
    files: ['electron/shell/window.ts', 'test/**'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    files: ['test/**/*.{ts,tsx}', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
);
