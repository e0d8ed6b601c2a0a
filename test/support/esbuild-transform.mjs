/**
 * Jest transform for TypeScript through esbuild (already the console's bundler), used for jest's
 * global setup and teardown (the test files themselves go through tsx's hooks in the light
 * runner's workers, see jest.config.js). It strips the types and keeps the ES modules, as `tsc`
 * does with `isolatedModules`; `npm run typecheck` checks the types.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { transformSync, version } from 'esbuild';

/** A change to this file or to esbuild's version invalidates jest's cache of transformed files. */
const SELF = createHash('sha256')
  .update(readFileSync(new URL(import.meta.url)))
  .update(version)
  .digest('hex');

export default {
  getCacheKey(source, filename) {
    return createHash('sha256').update(SELF).update(filename).update('\0').update(source).digest('hex');
  },
  process(source, filename) {
    const { code, map } = transformSync(source, {
      loader: 'ts',
      format: 'esm',
      target: 'es2022',
      sourcemap: 'external',
      sourcefile: filename,
    });
    return { code, map };
  },
};
