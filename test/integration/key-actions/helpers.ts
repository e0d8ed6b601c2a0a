/** Shared helpers of the key-action integration tests (not a test file). */
import request from 'supertest';
import type { Response } from 'supertest';
import type { KeyMetadata } from '@aws-sdk/client-kms';
import { bearer, type TestApp } from '../../fixtures/app.js';
import { emulator, KEYS, type Body } from '../keys/helpers.js';

export {
  createKeyOk,
  emulator,
  expectBadRequest,
  expectError,
  get,
  KEYS,
  storedPolicy,
  type Body,
} from '../keys/helpers.js';

/** POST /cckm/aws/keys/{id}/{action} with `body` (none when undefined), as `token` (default: admin). */
export function act(t: TestApp, id: string, action: string, body?: object, token = t.adminToken): Promise<Response> {
  const req = request(t.http).post(`${KEYS}/${id}/${action}`).set('Authorization', bearer(token));
  return body === undefined ? req : req.send(body);
}

/** An action that must answer 200; returns the record. */
export async function actOk(t: TestApp, id: string, action: string, body?: object): Promise<Body> {
  const res = await act(t, id, action, body);
  if (res.status !== 200) throw new Error(`${action} failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** GET /cckm/aws/keys/{id}/{sub}?query as `token` (default: admin). */
export function read(t: TestApp, id: string, sub: string, query = '', token = t.adminToken): Promise<Response> {
  return request(t.http)
    .get(`${KEYS}/${id}/${sub}${query ? `?${query}` : ''}`)
    .set('Authorization', bearer(token));
}

/** DescribeKey straight from the emulator. */
export async function describe_(t: TestApp, region: string, keyId: string): Promise<KeyMetadata> {
  return (await emulator(t, region, 'DescribeKey', { KeyId: keyId })).KeyMetadata!;
}

/** The tags the emulator holds for a key, as a map. */
export async function emulatorTags(t: TestApp, region: string, keyId: string): Promise<Record<string, string>> {
  const r = await emulator(t, region, 'ListResourceTags', { KeyId: keyId, Limit: 50 });
  return Object.fromEntries((r.Tags ?? []).map((x) => [x.TagKey!, x.TagValue ?? '']));
}

/** The aliases the emulator holds for a key. */
export async function emulatorAliases(t: TestApp, region: string, keyId: string): Promise<string[]> {
  const r = await emulator(t, region, 'ListAliases', { KeyId: keyId, Limit: 100 });
  return (r.Aliases ?? []).map((a) => a.AliasName!).sort();
}

export const UNKNOWN_ID = '00000000-0000-4000-8000-00000000abcd';
