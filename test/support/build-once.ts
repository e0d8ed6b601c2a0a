import { spawnSync } from 'node:child_process';
import { mkdirSync, rmdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root and the compiled server the e2e tests spawn. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const MAIN = path.join(ROOT, 'dist/src/main.js');

const LOCK = path.join(ROOT, 'dist/.e2e-build.lock');
/** A lock older than this belongs to a build that died: it is taken over. */
const STALE_LOCK_MS = 10 * 60_000;

/**
 * Compiles the server as `npm run build` does (`tsc -b tsconfig.build.json`) before an e2e file
 * spawns it, so e2e tests never run a stale `dist/`. e2e files run in parallel workers: a lock
 * directory lets one compile while the others wait, and the waiters' builds then find
 * everything up to date (0.4 s; `tsc -p --incremental` re-checked the program, 5 s of CPU).
 * @throws Error with the compiler's output when the build fails
 */
export async function buildOnce(): Promise<void> {
  mkdirSync(path.dirname(LOCK), { recursive: true });
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      const age = Date.now() - (statMs(LOCK) ?? Date.now());
      if (age > STALE_LOCK_MS) rmSync(LOCK, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    const build = spawnSync(
      process.execPath,
      [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-b', 'tsconfig.build.json'],
      { cwd: ROOT, encoding: 'utf8', timeout: 300_000 },
    );
    if (build.status !== 0) throw new Error(`build failed:\n${build.stdout}${build.stderr}`);
  } finally {
    rmdirSync(LOCK);
  }
}

function statMs(p: string): number | undefined {
  try {
    return statSync(p).mtimeMs;
  } catch {
    return undefined;
  }
}
