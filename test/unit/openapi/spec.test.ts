/**
 * The public contract, openapi/cckm.yaml: it must load, be internally consistent, bound every
 * input. How it behaves under the server's contract validator: spec-under-validator.test.ts.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import YAML from 'yaml';
import { generatedDocumentUrl, readApiDocument, sha256Hex } from '../../../src/http/openapi/api-document.js';
import { EXPECTED_OPERATIONS } from './expected-operations.js';

type Json = Record<string, unknown>;

const SPEC_PATH = new URL('../../../openapi/cckm.yaml', import.meta.url);
const spec = YAML.parse(readFileSync(SPEC_PATH, 'utf8')) as Json;

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'] as const;

interface Operation {
  method: string;
  path: string;
  op: Json;
  pathItem: Json;
}

function operations(): Operation[] {
  const out: Operation[] = [];
  for (const [path, pathItem] of Object.entries(spec.paths as Record<string, Json>)) {
    for (const method of METHODS) {
      const op = pathItem[method] as Json | undefined;
      if (op) out.push({ method, path, op, pathItem });
    }
  }
  return out;
}

/** Resolves a local JSON pointer (`#/components/schemas/X`); undefined when it does not exist. */
function resolvePointer(ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = spec;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object' || !(key in (node as Json))) return undefined;
    node = (node as Json)[key];
  }
  return node;
}

function deref<T = Json>(node: unknown): T {
  let n = node as Json;
  for (let i = 0; i < 20 && n && typeof n.$ref === 'string'; i++) n = resolvePointer(n.$ref) as Json;
  return n as T;
}

function collectRefs(node: unknown, at: string, out: Array<{ at: string; ref: string }>): void {
  if (Array.isArray(node)) node.forEach((v, i) => collectRefs(v, `${at}/${i}`, out));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.push({ at, ref: v });
      else collectRefs(v, `${at}/${k}`, out);
    }
  }
}

/**
 * Lists the ways an input schema is left unbounded or open: strings without maxLength,
 * arrays without maxItems, objects that accept unknown fields, `null` accepted.
 */
function inputProblems(schema: unknown, at: string, seen = new Set<unknown>()): string[] {
  if (!schema || typeof schema !== 'object') return [];
  const s = schema as Json;
  if (typeof s.$ref === 'string') {
    const target = resolvePointer(s.$ref);
    if (seen.has(target)) return [];
    seen.add(target);
    const rest = { ...s };
    delete rest.$ref;
    return [...inputProblems(target, at, seen), ...inputProblems(rest, at, seen)];
  }
  const problems: string[] = [];
  for (const k of ['oneOf', 'anyOf', 'allOf'] as const) {
    const list = s[k] as unknown[] | undefined;
    list?.forEach((sub, i) => problems.push(...inputProblems(sub, `${at}/${k}/${i}`, seen)));
  }
  const types = s.type === undefined ? [] : Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
  const closed = s.enum !== undefined || s.const !== undefined;
  if (types.includes('null')) problems.push(`${at}: accepts null`);
  if (types.includes('string') && !closed && typeof s.maxLength !== 'number')
    problems.push(`${at}: string without maxLength`);
  if (types.includes('integer') && !closed && (typeof s.maximum !== 'number' || typeof s.minimum !== 'number')) {
    problems.push(`${at}: integer without minimum/maximum`);
  }
  if (types.includes('array')) {
    if (typeof s.maxItems !== 'number') problems.push(`${at}: array without maxItems`);
    problems.push(...inputProblems(s.items, `${at}/items`, seen));
  }
  if (types.includes('object')) {
    if (s.properties) {
      if (s.additionalProperties !== false) problems.push(`${at}: object accepts unknown properties`);
      for (const [name, sub] of Object.entries(s.properties as Json))
        problems.push(...inputProblems(sub, `${at}/${name}`, seen));
    } else if (typeof s.maxProperties !== 'number') {
      problems.push(`${at}: free-form object without maxProperties`);
    }
    if (s.additionalProperties && typeof s.additionalProperties === 'object') {
      problems.push(...inputProblems(s.additionalProperties, `${at}/*`, seen));
    }
  }
  return problems;
}

describe('openapi/cckm.yaml: structure', () => {
  it('is OpenAPI 3.1 served under /api/v1 with bearer JWT security', () => {
    expect(spec.openapi).toMatch(/^3\.1\.\d+$/);
    expect(spec.servers).toEqual([expect.objectContaining({ url: '/api/v1' })]);
    expect(spec.security).toEqual([{ bearerAuth: [] }]);
    expect(deref<Json>((spec.components as Json).securitySchemes).bearerAuth).toMatchObject({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
    });
    for (const path of Object.keys(spec.paths as Json)) {
      expect(path).toMatch(/^\/(auth|usermgmt|connectionmgmt|cckm|audit|scheduler)\//);
    }
  });

  it('resolves every $ref', () => {
    const refs: Array<{ at: string; ref: string }> = [];
    collectRefs(spec, '#', refs);
    expect(refs.length).toBeGreaterThan(100);
    const broken = refs.filter((r) => resolvePointer(r.ref) === undefined).map((r) => `${r.at} -> ${r.ref}`);
    expect(broken).toEqual([]);
  });

  it('has exactly the operations of the REST surface, with unique camelCase operationIds', () => {
    const found = Object.fromEntries(operations().map(({ method, path, op }) => [`${method} ${path}`, op.operationId]));
    expect(found).toEqual(EXPECTED_OPERATIONS);
    const ids = Object.values(found) as string[];
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z][a-zA-Z0-9]*$/);
  });

  it('gives every operation declared tags, a summary, a 2xx response and the shared error responses', () => {
    const declaredTags = new Set((spec.tags as Json[]).map((t) => t.name));
    const responses = (spec.components as Json).responses as Json;
    for (const { method, path, op, pathItem } of operations()) {
      const where = `${method} ${path}`;
      const tags = op.tags as string[];
      // The XKS proxy speaks AWS's XKS API (SigV4, `{errorName}` bodies), not the REST conventions.
      if (tags.includes('XKS proxy')) continue;
      expect({ where, tags: tags.length > 0 && tags.every((t) => declaredTags.has(t)) }).toEqual({ where, tags: true });
      expect({ where, summary: typeof op.summary }).toEqual({ where, summary: 'string' });

      const codes = Object.keys(op.responses as Json);
      expect({ where, has2xx: codes.some((c) => /^2\d\d$/.test(c)) }).toEqual({ where, has2xx: true });

      const isPublic = Array.isArray(op.security) && (op.security as unknown[]).length === 0;
      const params = [...((pathItem.parameters as Json[]) ?? []), ...((op.parameters as Json[]) ?? [])].map((p) =>
        deref(p),
      );
      const required = ['400', '401', '429', '500', '503'];
      if (!isPublic) required.push('403');
      if (params.some((p) => p.in === 'path')) required.push('404');
      if (op.requestBody) required.push('413');
      expect({ where, missing: required.filter((c) => !codes.includes(c)) }).toEqual({ where, missing: [] });

      // every error answer is one of the shared responses, and they all carry the Error body
      for (const code of codes.filter((c) => /^[45]/.test(c))) {
        const ref = ((op.responses as Json)[code] as Json).$ref as string;
        expect({ where, code, shared: typeof ref === 'string' && ref.startsWith('#/components/responses/') }).toEqual({
          where,
          code,
          shared: true,
        });
      }
    }
    for (const [name, r] of Object.entries(responses)) {
      if (name.startsWith('Xks')) continue; // the XKS proxy's own error body
      const schema = (((r as Json).content as Json)['application/json'] as Json).schema as Json;
      expect({ name, ref: schema.$ref }).toEqual({ name, ref: '#/components/schemas/Error' });
    }
  });

  it('needs a token everywhere except POST /auth/tokens and POST /auth/revoke (the refresh token is the credential)', () => {
    const publicOps = operations()
      .filter(({ op }) => Array.isArray(op.security) && (op.security as unknown[]).length === 0)
      .map(({ op }) => op.operationId);
    expect(publicOps).toEqual(['createToken', 'revokeToken']);
    const overridden = operations().filter(
      ({ op }) => op.security !== undefined && !publicOps.includes(op.operationId as string),
    );
    // Only the XKS proxy, authenticated with SigV4 by the store's proxy credential, overrides the bearer token.
    expect(overridden.filter(({ op }) => !(op.tags as string[]).includes('XKS proxy'))).toEqual([]);
    for (const { op } of overridden.filter(({ op }) => (op.tags as string[]).includes('XKS proxy')))
      expect(op.security).toEqual([{ xksSigV4: [] }]);
  });

  it('defines the Error body as the brief says', () => {
    const error = deref<Json>({ $ref: '#/components/schemas/Error' });
    expect(error.additionalProperties).toBe(false);
    expect(error.required).toEqual(['code', 'codeDesc', 'message', 'requestID']);
    expect(Object.keys(error.properties as Json).sort()).toEqual([
      'code',
      'codeDesc',
      'details',
      'message',
      'requestID',
    ]);
  });

  it('bounds every input: strings, arrays, integers, closed bodies, no null', () => {
    const problems: string[] = [];
    for (const { method, path, op, pathItem } of operations()) {
      const where = `${method} ${path}`;
      const params = [...((pathItem.parameters as Json[]) ?? []), ...((op.parameters as Json[]) ?? [])].map((p) =>
        deref(p),
      );
      for (const p of params) problems.push(...inputProblems(p.schema, `${where} ${p.in}.${p.name}`));
      const body = deref<Json | undefined>(op.requestBody);
      if (body) {
        const schema = ((body.content as Json)['application/json'] as Json).schema;
        // The XKS spec lets KMS add requestMetadata fields: a proxy must accept unknown ones.
        const open = (op.tags as string[]).includes('XKS proxy')
          ? (x: string) => !x.endsWith('body/requestMetadata: object accepts unknown properties')
          : () => true;
        problems.push(...inputProblems(schema, `${where} body`).filter(open));
      }
    }
    expect(problems).toEqual([]);
  });

  it('uses the list envelope and the list parameters for every list', () => {
    for (const { method, op, pathItem } of operations()) {
      if (method !== 'get' || !String(op.operationId).startsWith('list')) continue;
      const params = [...((pathItem.parameters as Json[]) ?? []), ...((op.parameters as Json[]) ?? [])].map(
        (p) => (p as Json).$ref,
      );
      expect(params).toEqual(
        expect.arrayContaining([
          '#/components/parameters/Skip',
          '#/components/parameters/Limit',
          '#/components/parameters/Sort',
        ]),
      );
      const schema = deref<Json>((((op.responses as Json)['200'] as Json).content as Json)['application/json'] as Json);
      const list = deref<Json>(schema.schema);
      expect(list.required).toEqual(['skip', 'limit', 'total', 'resources']);
      expect(list.additionalProperties).toBe(false);
    }
  });

  it('never lets a secret into a response record', () => {
    const schemas = (spec.components as Json).schemas as Record<string, Json>;
    for (const name of ['User', 'AwsConnection', 'Kms', 'PolicyTemplate', 'AwsKey', 'TokenResponse']) {
      expect({ name, closed: schemas[name]!.additionalProperties }).toEqual({ name, closed: false });
    }
    expect(Object.keys(schemas.User!.properties as Json)).not.toContain('password');
    expect(Object.keys(schemas.AwsConnection!.properties as Json)).not.toContain('secret_access_key');
  });

  it('keeps the AWS KMS enums in step with the AWS model', () => {
    const schemas = (spec.components as Json).schemas as Record<string, Json>;
    // Values from shapes KeySpec, KeyUsageType, OriginType and KeyState of kms-2014-11-01.json.
    expect(schemas.KeySpec!.enum).toHaveLength(17);
    expect(schemas.KeySpec!.enum).toEqual(
      expect.arrayContaining(['SYMMETRIC_DEFAULT', 'ML_DSA_87', 'ECC_NIST_EDWARDS25519', 'SM2']),
    );
    expect(schemas.KeyUsageType!.enum).toEqual([
      'ENCRYPT_DECRYPT',
      'SIGN_VERIFY',
      'GENERATE_VERIFY_MAC',
      'KEY_AGREEMENT',
    ]);
    expect(schemas.OriginType!.enum).toEqual(['AWS_KMS', 'EXTERNAL', 'AWS_CLOUDHSM', 'EXTERNAL_KEY_STORE']);
    expect(schemas.KeyState!.enum).toHaveLength(8);
  });
});

describe('the contract as the server reads it (src/http/openapi/api-document.ts)', () => {
  it('is the parse of openapi/cckm.yaml, from the generated JSON or the YAML alike', () => {
    const read = readApiDocument([SPEC_PATH]);
    expect(read.yaml).toBe(readFileSync(SPEC_PATH, 'utf8'));
    expect(read.document).toEqual(spec);
  });

  describe('in a folder of its own', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cckm-contract-'));
    const yamlUrl = pathToFileURL(join(dir, 'cckm.yaml'));
    const writeGenerated = (sha: string, document: object) => {
      mkdirSync(join(dir, 'generated'), { recursive: true });
      writeFileSync(generatedDocumentUrl(yamlUrl), JSON.stringify({ source_sha256: sha, document }));
    };

    it('uses the generated parse when its stamp is the SHA-256 of the YAML read now', () => {
      const text = 'openapi: 3.1.0\ninfo: {title: a, version: "1"}\n';
      writeFileSync(yamlUrl, text);
      writeGenerated(sha256Hex(text), { from: 'generated' });
      expect(readApiDocument([yamlUrl]).document).toEqual({ from: 'generated' });
    });

    it('parses the YAML when it changed since the generation, so an edited contract is never served stale', () => {
      const text = 'openapi: 3.1.0\ninfo: {title: b, version: "2"}\n';
      writeGenerated(sha256Hex('something else'), { from: 'generated' });
      writeFileSync(yamlUrl, text);
      expect(readApiDocument([yamlUrl])).toEqual({ yaml: text, document: YAML.parse(text) });
    });

    it('parses the YAML when the generated file is missing or unreadable', () => {
      writeFileSync(generatedDocumentUrl(yamlUrl), '{not json');
      expect(readApiDocument([yamlUrl]).document).toMatchObject({ openapi: '3.1.0' });
    });

    it('takes the first candidate that exists, and names every place it looked when none does', () => {
      const missing = pathToFileURL(join(dir, 'nowhere', 'cckm.yaml'));
      expect(readApiDocument([missing, yamlUrl]).document).toMatchObject({ openapi: '3.1.0' });
      expect(() => readApiDocument([missing])).toThrow(/API contract is missing: looked for .*nowhere\/cckm\.yaml/);
    });
  });
});
