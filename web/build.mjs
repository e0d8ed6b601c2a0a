// Builds the web console (web/src) into dist/web, which the server serves at `/`.
// One esbuild bundle for the script, the stylesheet copied beside it, and an index.html that
// loads both from /assets (no inline script or style, so the page's CSP can forbid them).
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.dirname(fileURLToPath(import.meta.url));
const out = path.resolve(root, '../dist/web');

const started = Date.now();
rmSync(out, { recursive: true, force: true });
mkdirSync(path.join(out, 'assets'), { recursive: true });
await build({
  entryPoints: [path.join(root, 'src/main.tsx')],
  outfile: path.join(out, 'assets/console.js'),
  bundle: true,
  format: 'esm',
  target: ['es2022'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  minify: true,
  sourcemap: 'linked',
  legalComments: 'linked',
  logLevel: 'warning',
});
cpSync(path.join(root, 'public'), out, { recursive: true });
if (!process.argv.includes('--quiet')) console.log(`web console built into dist/web in ${Date.now() - started} ms`);
