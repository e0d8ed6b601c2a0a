// Runs `prisma generate` offline: it writes the Kysely types of prisma/schema.prisma
// (generator prisma-kysely, src/db/generated/db.ts). The CLI insists on a schema-engine
// binary path; any existing file satisfies that check, and generation never executes it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const env = { ...process.env };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY || !existsSync(env.PRISMA_SCHEMA_ENGINE_BINARY)) {
  env.PRISMA_SCHEMA_ENGINE_BINARY = process.execPath;
}
// The kysely generator (prisma-kysely) is found by name on PATH, as `npx prisma` would find it.
env.PATH = [path.resolve('node_modules/.bin'), env.PATH].filter(Boolean).join(path.delimiter);
env.PRISMA_HIDE_UPDATE_MESSAGE = '1';
env.CHECKPOINT_DISABLE = '1';
const res = spawnSync(process.execPath, ['node_modules/prisma/build/index.js', 'generate'], {
  env,
  stdio: process.argv.includes('--quiet') ? ['ignore', 'ignore', 'inherit'] : 'inherit',
});
process.exit(res.status ?? 1);
