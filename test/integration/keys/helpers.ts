/** Shared helpers of the keys integration tests (not a test file). */
import request from 'supertest';
import type { Response } from 'supertest';
import { bearer, type TestApp } from '../../fixtures/app.js';
import type { KmsOperationName, KmsOperations } from '../../../src/providers/kms-provider.js';

/** A JSON response body; its shape is checked by assertions, not by types. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Body = Record<string, any>;

export const ACCOUNT_ID = '123456789012';
export const KEYS = '/api/v1/cckm/aws/keys';
export const TEMPLATES = '/api/v1/cckm/aws/templates';

/** POST /cckm/aws/keys as the admin. */
export function createKey(t: TestApp, body: object, headers: Record<string, string> = {}): Promise<Response> {
  let req = request(t.http).post(KEYS).set('Authorization', bearer(t.adminToken));
  for (const [k, v] of Object.entries(headers)) req = req.set(k, v);
  return req.send(body);
}

/** POST /cckm/aws/keys that must succeed; returns the record. */
export async function createKeyOk(t: TestApp, body: object): Promise<Body> {
  const res = await createKey(t, body);
  if (res.status !== 201)
    throw new Error(`create failed: ${res.status} ${JSON.stringify(res.body)} for ${JSON.stringify(body)}`);
  return res.body;
}

export function get(t: TestApp, path: string): Promise<Response> {
  return request(t.http).get(path).set('Authorization', bearer(t.adminToken));
}

/**
 * Asserts the error body of the contract: status, integer `code`, `codeDesc` `NCERR…`,
 * a `message` containing every `mentions` string, and a `requestID`.
 */
export function expectError(res: Response, status: number, ncerr: string, ...mentions: string[]): void {
  const info = `${res.status} ${JSON.stringify(res.body)}`;
  expect({ status: res.status, info }).toEqual({ status, info });
  expect(typeof res.body.code).toBe('number');
  expect(res.body.codeDesc).toMatch(new RegExp(`^${ncerr}`));
  expect(typeof res.body.message).toBe('string');
  for (const m of mentions) expect(res.body.message).toContain(m);
  expect(typeof res.body.requestID).toBe('string');
  expect(res.body.requestID.length).toBeGreaterThan(0);
}

/** 400 naming `field` (in `message`, and in `details` when the server lists them). */
export function expectBadRequest(res: Response, field: string, ...more: string[]): void {
  expectError(res, 400, 'NCERRBadRequest', field, ...more);
  if (Array.isArray(res.body.details)) {
    expect(res.body.details.map((d: { field: string }) => d.field).join(' ')).toContain(
      field.replace(/^aws_param\./, ''),
    );
  }
}

/** Calls the emulator directly, as account 123456789012 in `region`. */
export function emulator<Op extends KmsOperationName>(
  t: TestApp,
  region: string,
  op: Op,
  input: KmsOperations[Op]['input'],
): Promise<KmsOperations[Op]['output']> {
  return t.composed.emulator!.call({ accountId: ACCOUNT_ID, region }, op, input);
}

/** Every key id the emulator holds in `region` (ListKeys to the end). */
export async function emulatorKeyIds(t: TestApp, region: string): Promise<string[]> {
  const out: string[] = [];
  let marker: string | undefined;
  do {
    const r = await emulator(t, region, 'ListKeys', { Limit: 1000, ...(marker ? { Marker: marker } : {}) });
    out.push(...(r.Keys ?? []).map((k) => k.KeyId!));
    marker = r.Truncated ? r.NextMarker : undefined;
  } while (marker);
  return out;
}

/** The key policy stored in the emulator, parsed. */
export async function storedPolicy(t: TestApp, region: string, keyId: string): Promise<unknown> {
  const r = await emulator(t, region, 'GetKeyPolicy', { KeyId: keyId, PolicyName: 'default' });
  return JSON.parse(r.Policy!);
}

/** Adds a connection `name` (provider emulator, partition `cloudName`) and a KMS account over it. */
export async function addKmsAccount(
  t: TestApp,
  opts: { connection: string; cloudName: 'aws' | 'aws-cn'; kms: string; regions: string[]; accountId?: string },
): Promise<Body> {
  const c = await request(t.http)
    .post('/api/v1/connectionmgmt/services/aws/connections')
    .set('Authorization', bearer(t.adminToken))
    .send({ name: opts.connection, provider: 'emulator', cloud_name: opts.cloudName });
  if (c.status !== 201) throw new Error(`connection not created: ${c.status} ${JSON.stringify(c.body)}`);
  const k = await request(t.http)
    .post('/api/v1/cckm/aws/kms')
    .set('Authorization', bearer(t.adminToken))
    .send({
      name: opts.kms,
      account_id: opts.accountId ?? ACCOUNT_ID,
      connection: opts.connection,
      regions: opts.regions,
    });
  if (k.status !== 201) throw new Error(`kms not created: ${k.status} ${JSON.stringify(k.body)}`);
  return k.body;
}

/** The list of ids answered by GET /cckm/aws/keys?<query> (limit=-1 unless the query sets one). */
export async function listIds(t: TestApp, query: string): Promise<string[]> {
  const q = /(^|&)limit=/.test(query) ? query : `${query}${query ? '&' : ''}limit=-1`;
  const res = await get(t, `${KEYS}?${q}`);
  if (res.status !== 200) throw new Error(`list ?${q} failed: ${res.status} ${JSON.stringify(res.body)}`);
  expect(res.body.total).toBe(res.body.resources.length);
  return (res.body.resources as { id: string }[]).map((r) => r.id).sort();
}
