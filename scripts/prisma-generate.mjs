// Runs `prisma generate` offline: it writes the Kysely types of prisma/schema.prisma
// (generator prisma-kysely, src/db/generated/db.ts). The CLI insists on a schema-engine
// binary path; any existing file satisfies that check, and generation never executes it.
// With --if-changed (npm run build, npm start) it does nothing when the schema and the
// generator are those of the last generation (a hash kept beside the output).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const OUTPUT = 'src/db/generated/db.ts';
const STAMP = 'src/db/generated/.schema.sha256';
const inputs = createHash('sha256')
  .update(readFileSync('prisma/schema.prisma'))
  .update(readFileSync('node_modules/prisma-kysely/package.json'))
  .digest('hex');
if (
  process.argv.includes('--if-changed') &&
  existsSync(OUTPUT) &&
  existsSync(STAMP) &&
  readFileSync(STAMP, 'utf8') === inputs
) {
  process.exit(0);
}

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
if (res.status === 0) writeFileSync(STAMP, inputs);
process.exit(res.status ?? 1);
