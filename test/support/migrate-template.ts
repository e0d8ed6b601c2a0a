/**
 * Applies every migration to a template database; run by the jest global setup in a child
 * process (`node --import tsx test/support/migrate-template.ts ...`), since jest's global
 * hooks cannot import the project's ESM TypeScript.
 *
 *   --url <postgres url>   migrate that (already created) database
 *   --embedded             build the empty and the migrated PGlite templates in
 *                          $OPENCCKM_TEST_RUN_DIR (what test-db.ts copies)
 */
import { openDatabase } from '../../src/db/database.js';
import { applyAllMigrations, embeddedTemplate } from './test-db.js';

const [flag, url] = process.argv.slice(2);
if (flag === '--url' && url) {
  const db = await openDatabase({ url, dataDir: '.', poolSize: 1 });
  try {
    process.stdout.write(`${JSON.stringify(await applyAllMigrations(db))}\n`);
  } finally {
    await db.close();
  }
} else if (flag === '--embedded') {
  process.stdout.write(`${await embeddedTemplate(true)}\n`);
} else {
  process.stderr.write('usage: migrate-template.ts --url <postgres url> | --embedded\n');
  process.exit(2);
}
