import {
  CreateAliasCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  KMSServiceException,
  ListAliasesCommand,
  ListKeysCommand,
  NotFoundException,
  ScheduleKeyDeletionCommand,
  TagResourceCommand,
} from '@aws-sdk/client-kms';
import { ACCOUNT } from '../helpers.js';
import { startWire, type WireHarness } from './wire-harness.js';

let w: WireHarness;
beforeAll(async () => {
  // Open mode: these tests send raw, unsigned protocol edge cases (signing is wire-auth.test.ts's subject).
  w = await startWire({ auth: 'off' });
});
afterAll(() => w.close());

/** A raw AWS JSON 1.1 request, for what the SDK would never send. */
async function raw(op: string, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${w.endpoint}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `TrentService.${op}`, ...headers },
    body,
  });
  return { status: res.status, headers: res.headers, json: (await res.json()) as Record<string, unknown> };
}

test('the real KMS client round-trips keys, dates, tags and aliases', async () => {
  const kms = w.kms();
  const created = await kms.send(new CreateKeyCommand({ Description: 'wire', Tags: [{ TagKey: 'a', TagValue: 'b' }] }));
  const md = created.KeyMetadata!;
  expect(md.CreationDate).toEqual(w.clock.now());
  expect(md).toMatchObject({ Description: 'wire', KeySpec: 'SYMMETRIC_DEFAULT', AWSAccountId: ACCOUNT });
  await kms.send(new TagResourceCommand({ KeyId: md.KeyId, Tags: [{ TagKey: 'c', TagValue: 'd' }] }));
  await kms.send(new CreateAliasCommand({ AliasName: 'alias/wire', TargetKeyId: md.Arn }));
  expect((await kms.send(new DescribeKeyCommand({ KeyId: 'alias/wire' }))).KeyMetadata?.KeyId).toBe(md.KeyId);
  const aliases = await kms.send(new ListAliasesCommand({ KeyId: md.KeyId }));
  expect(aliases.Aliases?.[0]?.CreationDate).toBeInstanceOf(Date);
  const deletion = await kms.send(new ScheduleKeyDeletionCommand({ KeyId: md.KeyId, PendingWindowInDays: 7 }));
  expect(deletion.DeletionDate).toEqual(new Date(w.clock.now().getTime() + 7 * 86_400_000));
  expect(created.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
});

test('AWS errors reach the SDK as its own exception classes', async () => {
  const err = await w
    .kms()
    .send(new DescribeKeyCommand({ KeyId: 'alias/missing' }))
    .catch((e: unknown) => e);
  expect(err).toBeInstanceOf(NotFoundException);
  expect((err as NotFoundException).$metadata.httpStatusCode).toBe(400);
  const v = await w
    .kms()
    .send(new ListKeysCommand({ Limit: 5000 }))
    .catch((e: unknown) => e);
  expect((v as KMSServiceException).name).toBe('ValidationException');
});

test('the Region comes from the credential scope; unknown keys use the default account', async () => {
  const eu = w.kms({ region: 'eu-central-1', accessKeyId: 'AKIAANYTHING' });
  const md = (await eu.send(new CreateKeyCommand({}))).KeyMetadata!;
  expect(md.Arn).toBe(`arn:aws:kms:eu-central-1:${ACCOUNT}:key/${md.KeyId}`);
  expect((await w.kms({ region: 'eu-west-3' }).send(new ListKeysCommand({}))).Keys).toEqual([]);
});

test('responses carry x-amzn-RequestId, epoch-second timestamps and base64 blobs', async () => {
  const res = await raw('CreateKey', '{}');
  expect(res.status).toBe(200);
  expect(res.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
  expect(res.headers.get('content-type')).toBe('application/x-amz-json-1.1');
  const md = res.json.KeyMetadata as Record<string, unknown>;
  expect(md.CreationDate).toBe(w.clock.now().getTime() / 1000);
});

test.each([
  ['malformed JSON', 'ListKeys', '{"Limit":', 'SerializationException'],
  ['a non-object body', 'ListKeys', '[1]', 'SerializationException'],
  ['a wrongly typed member', 'ListKeys', '{"Limit":"ten"}', 'SerializationException'],
  ['invalid base64 in a blob', 'Decrypt', '{"CiphertextBlob":"***"}', 'SerializationException'],
  ['a missing required member', 'DescribeKey', '{}', 'ValidationException'],
  ['an unknown operation', 'MakeCoffee', '{}', 'UnknownOperationException'],
])('%s is %s', async (_why, op, body, type) => {
  const res = await raw(op, body);
  expect(res.status).toBe(400);
  expect(res.json.__type).toBe(type);
  expect(typeof res.json.message).toBe('string');
});

test('a target that names no KMS operation is UnknownOperationException', async () => {
  const res = await raw('FrobnicateKey', '{}');
  expect(res.status).toBe(400);
  expect(res.json).toEqual({
    __type: 'UnknownOperationException',
    message: 'The X-Amz-Target header does not name a KMS operation.',
  });
});

test('the wrong Content-Type, method or path is refused', async () => {
  expect((await raw('ListKeys', '{}', { 'content-type': 'application/json' })).json.__type).toBe(
    'SerializationException',
  );
  const get = await fetch(`${w.endpoint}/`, { method: 'GET' });
  expect(get.status).toBe(404);
  const path = await fetch(`${w.endpoint}/other`, {
    method: 'POST',
    headers: { 'x-amz-target': 'TrentService.ListKeys', 'content-type': 'application/x-amz-json-1.1' },
    body: '{}',
  });
  expect(path.status).toBe(404);
});

test('bodies over the limit get 413', async () => {
  const res = await raw('ListKeys', JSON.stringify({ pad: 'x'.repeat(1024 * 1024 + 10) }));
  expect(res.status).toBe(413);
  expect(res.json.__type).toBe('RequestEntityTooLargeException');
});
