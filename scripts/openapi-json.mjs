// Writes openapi/generated/cckm.json: the parse of openapi/cckm.yaml with the SHA-256 of the
// YAML text, which src/http/openapi/api-document.ts uses instead of parsing the YAML again
// whenever the stamp matches. Cheap to run: it does nothing when the stamp is current.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { parse } from 'yaml';

const SOURCE = 'openapi/cckm.yaml';
const OUTPUT = 'openapi/generated/cckm.json';
const yaml = readFileSync(SOURCE, 'utf8');
const sha = createHash('sha256').update(yaml, 'utf8').digest('hex');
try {
  if (JSON.parse(readFileSync(OUTPUT, 'utf8')).source_sha256 === sha) process.exit(0);
} catch {
  // absent or unreadable: write it
}
mkdirSync('openapi/generated', { recursive: true });
const temp = `${OUTPUT}.${process.pid}.tmp`;
writeFileSync(temp, JSON.stringify({ source_sha256: sha, document: parse(yaml) }));
renameSync(temp, OUTPUT);
