/**
 * openapi/cckm.yaml, the public contract, read once: its YAML text (served as is) and its
 * parsed document. Parsing 220 kB of YAML takes about a second of CPU, once per process
 * and once per test file; `npm run generate` (run by build, start and test) therefore
 * writes the parse as JSON beside it (openapi/generated/cckm.json), stamped with the
 * SHA-256 of the YAML text it came from. The JSON is used only when that stamp matches the
 * YAML read now, so an edited contract is never served stale: it is parsed instead.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

export interface ApiDocument {
  /** The YAML text, byte for byte. */
  yaml: string;
  /** The parsed OpenAPI document. */
  document: object;
}

/** The generated parse of a contract: the YAML's SHA-256 and the document. */
interface GeneratedApiDocument {
  source_sha256: string;
  document: object;
}

/** Where `npm run generate` writes the parse of the contract at `yamlUrl`. */
export const generatedDocumentUrl = (yamlUrl: URL): URL => new URL('generated/cckm.json', yamlUrl);

export const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** The contract from the first of `candidates` that exists (compiled code and sources sit at different depths). */
export function readApiDocument(candidates: URL[]): ApiDocument {
  for (const url of candidates) {
    let yaml: string;
    try {
      yaml = readFileSync(url, 'utf8');
    } catch {
      continue;
    }
    return { yaml, document: generatedParse(url, yaml) ?? (parseYaml(yaml) as object) };
  }
  throw new Error(`The API contract is missing: looked for ${candidates.map((u) => u.pathname).join(', ')}`);
}

function generatedParse(yamlUrl: URL, yaml: string): object | undefined {
  let generated: GeneratedApiDocument;
  try {
    generated = JSON.parse(readFileSync(generatedDocumentUrl(yamlUrl), 'utf8')) as GeneratedApiDocument;
  } catch {
    return undefined;
  }
  return generated.source_sha256 === sha256Hex(yaml) ? generated.document : undefined;
}
