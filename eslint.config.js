// ESLint flat config. Module boundaries follow STYLE.md B3, file sizes B6.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** `import-x/no-restricted-paths` zones: who may not import whom (paths from the repo root). */
const boundaries = [
  {
    target: './src/errors',
    from: './src',
    except: ['./errors'],
    message: 'src/errors is a leaf module: it imports nothing internal (STYLE B3).',
  },
  {
    target: './src/config',
    from: './src',
    except: ['./config', './errors'],
    message: 'src/config may import only src/errors (STYLE B3).',
  },
  {
    target: './src/auth',
    from: ['./src/http', './src/db', './src/cckm', './src/providers', './src/emulator', './node_modules/express'],
    message: 'src/auth must not import http, db, cckm, providers, emulator or express (STYLE B3).',
  },
  {
    // src/db implements repository interfaces that src/cckm declares, so db -> cckm is allowed.
    target: './src/db',
    from: ['./src/http', './src/providers', './node_modules/express'],
    message: 'src/db must not import http, providers or express (STYLE B3).',
  },
  {
    target: './src/db',
    from: './src/emulator',
    except: ['./store/emulator-store.ts'],
    message: 'src/db may import only the EmulatorStore interface from src/emulator (STYLE B3).',
  },
  {
    // standalone.ts is a composition root like main.ts and may wire a database and config.
    target: ['./src/emulator/*/**', './src/emulator/!(standalone).ts'],
    from: ['./src/db', './src/http', './src/cckm', './src/auth', './src/config'],
    message: 'src/emulator must not import db, http, cckm, auth or config; only standalone.ts wires them (STYLE B3).',
  },
  {
    target: './src/emulator/crypto',
    from: './src',
    except: ['./emulator/crypto'],
    message: 'src/emulator/crypto is pure: node:crypto only, no other src module (STYLE B3).',
  },
  {
    target: './src/cckm',
    from: ['./src/http', './src/emulator', './src/db/generated', './node_modules/express', './node_modules/@prisma/client'],
    message: 'src/cckm must not import http, emulator, the Prisma client or express; use repository interfaces (STYLE B3).',
  },
  {
    target: './src/providers',
    from: ['./src/db', './src/http', './src/cckm'],
    message: 'src/providers must not import db, http or cckm (STYLE B3).',
  },
  {
    target: './src/providers/aws',
    from: './src/emulator',
    message: 'src/providers/aws must not import the emulator (STYLE B3).',
  },
  {
    // src/app.ts and src/main.ts are the composition roots and may import everything.
    target: './src/http',
    from: ['./src/db', './src/providers/aws', './src/emulator'],
    message: 'src/http must not import db, providers/aws or emulator directly; go through cckm services (STYLE B3).',
  },
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
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    files: ['src/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      // NodeNext: relative imports are written `./x.js` and resolve to `./x.ts`.
      'import-x/resolver-next': [
        createNodeResolver({ extensions: ['.ts', '.js', '.mjs', '.cjs', '.json', '.node'], extensionAlias: { '.js': ['.ts', '.js'] } }),
      ],
    },
    rules: {
      'import-x/no-restricted-paths': ['error', { zones: boundaries }],
      'max-lines': maxLines(400),
      'no-console': 'error',
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Only src/config reads the environment; receive a Config instead.' },
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
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    languageOptions: { globals: { ...globals.node, ...globals.jest } },
    rules: { 'max-lines': maxLines(600) },
  },
);
