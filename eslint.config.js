// ESLint flat config. Module boundaries follow STYLE.md B3, file sizes B6.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * Module boundaries (STYLE B3) as import-specifier patterns per folder. Imports are
 * relative (`../../db/x.js`), so a pattern names the folder a specifier climbs into.
 * Built on ESLint's own rule: resolver plugins ship native binaries per platform.
 */
const UP = '^(\\.\\./)+';
const zone = (files, rules, ignores = []) => ({
  files,
  ignores,
  rules: {
    'no-restricted-imports': ['error', { patterns: rules.map(([regex, message]) => ({ regex, message })) }],
  },
});
const boundaries = [
  zone(['src/errors/**/*.ts'], [['^\\.\\./', 'src/errors is a leaf module: it imports nothing internal (STYLE B3).']]),
  zone(['src/config/**/*.ts'], [[`${UP}(?!errors/)`, 'src/config may import only src/errors (STYLE B3).']]),
  zone(
    ['src/auth/**/*.ts'],
    [
      [
        `${UP}(http|db|cckm|providers|emulator)/`,
        'src/auth must not import http, db, cckm, providers or emulator (STYLE B3).',
      ],
      ['^express$', 'src/auth has no Express types (STYLE B3).'],
    ],
  ),
  zone(
    ['src/db/**/*.ts'],
    [
      // db implements the repository interfaces cckm declares, so db -> cckm is allowed.
      [`${UP}(http|providers)/`, 'src/db must not import http or providers (STYLE B3).'],
      [
        `${UP}emulator/(?!store/emulator-store\\.js$)`,
        'src/db may import only the EmulatorStore interface from src/emulator (STYLE B3).',
      ],
      ['^express$', 'src/db has no Express (STYLE B3).'],
    ],
  ),
  zone(
    ['src/emulator/**/*.ts'],
    [
      [
        `${UP}(db|http|cckm|auth|config)/`,
        'src/emulator must not import db, http, cckm, auth or config; only standalone.ts wires them (STYLE B3).',
      ],
      [
        '^@aws-sdk/(?!client-kms$|client-cloudhsm-v2$)',
        'src/emulator uses no AWS SDK client but client-kms and client-cloudhsm-v2 types (STYLE B3).',
      ],
    ],
    ['src/emulator/standalone.ts'],
  ),
  zone(
    ['src/xks/**/*.ts'],
    [
      [
        `${UP}(?!errors/|sigv4/)`,
        'src/xks (the XKS proxy API, both ends) may import only src/errors and src/sigv4 (STYLE B3).',
      ],
      ['^(express|@aws-sdk/)', 'src/xks has no Express and no AWS SDK client (STYLE B3).'],
    ],
  ),
  zone(['src/emulator/crypto/**/*.ts'], [['^\\.\\./', 'src/emulator/crypto is pure: node:crypto only (STYLE B3).']]),
  zone(
    ['src/iam-policy/**/*.ts'],
    [['^\\.\\./', 'src/iam-policy (the policy language) is pure: it imports nothing from src (STYLE B3).']],
  ),
  zone(
    ['src/sigv4/**/*.ts'],
    [
      [
        '^\\.\\./',
        'src/sigv4 (AWS Signature V4, shared by the emulator wire and XKS) is pure: node:crypto only (STYLE B3).',
      ],
    ],
  ),
  zone(
    ['src/cckm/**/*.ts'],
    [
      [`${UP}(http|emulator)/`, 'src/cckm must not import http or emulator (STYLE B3).'],
      ['db/generated', 'src/cckm must not import the generated database types; use repository interfaces (STYLE B3).'],
      ['^(express|@prisma/client|kysely)', 'src/cckm must not import express or the database layer (STYLE B3).'],
    ],
  ),
  zone(
    ['src/providers/**/*.ts'],
    [[`${UP}(db|http|cckm)/`, 'src/providers must not import db, http or cckm (STYLE B3).']],
  ),
  zone(
    ['src/providers/aws/**/*.ts'],
    [[`${UP}emulator/`, 'src/providers/aws must not import the emulator (STYLE B3).']],
  ),
  zone(
    ['src/http/**/*.ts'],
    [
      [`${UP}(db|emulator)/`, 'src/http must not import db or emulator; go through cckm services (STYLE B3).'],
      ['providers/aws', 'src/http must not import providers/aws (STYLE B3).'],
    ],
  ),
];

const maxLines = (max) => ['error', { max, skipBlankLines: true, skipComments: true }];

export default defineConfig(
  { ignores: ['dist/', 'coverage/', 'src/db/generated/', '.data/', '**/node_modules/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: { ...globals.node } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },
  ...boundaries,
  {
    files: ['src/**/*.ts'],
    rules: {
      'max-lines': maxLines(400),
      'no-console': 'error',
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message: 'Only src/config reads the environment; receive a Config instead.',
        },
      ],
    },
  },
  {
    files: ['src/config/**/*.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    // Composition roots: they print the generated admin password, listen addresses, fatal errors.
    files: ['src/main.ts', 'src/emulator/standalone.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    // Generated from the AWS models; size follows the model, not a design choice.
    files: ['src/**/*.generated.ts'],
    rules: { 'max-lines': 'off' },
  },
  {
    // The web console (bundled by web/build.mjs) runs in the browser.
    files: ['web/src/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: { 'max-lines': maxLines(400), 'no-console': 'error' },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    languageOptions: { globals: { ...globals.node, ...globals.jest } },
    rules: { 'max-lines': maxLines(600) },
  },
);
