import { CreateKeyCommand, EncryptCommand, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import { IdentityDirectory } from '../../../../src/emulator/authz/identities.js';
import { A, arnOf, errorName, IDENTITIES, startAuthzWire, type AuthzWire } from './authz-harness.js';

// Issue 14, item 6: each decision names what decided it, in the log, in the X-Opencckm-Authz
// response header on request, and through POST /_opencckm/authz/explain.

let w: AuthzWire;
let key: string;
const ALICE = arnOf(A, 'user/alice');
const ERIN = arnOf(A, 'user/erin');

beforeAll(async () => {
  w = await startAuthzWire();
  const policy = JSON.stringify({
    Statement: [
      { Sid: 'Root', Effect: 'Allow', Principal: { AWS: arnOf(A, 'root') }, Action: 'kms:*', Resource: '*' },
      {
        Sid: 'ErinWeb',
        Effect: 'Allow',
        Principal: { AWS: ERIN },
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition: { StringEquals: { 'kms:EncryptionContext:app': 'web' } },
      },
    ],
  });
  key = (await w.kms('root').send(new CreateKeyCommand({ Policy: policy }))).KeyMetadata!.Arn!;
});
afterAll(() => w.close());

test('the response header names the deciding statement, for allows and refusals, only when asked', async () => {
  const { client, header } = w.explained('alice');
  await client.send(new EncryptCommand({ KeyId: key, Plaintext: new Uint8Array([1]) }));
  expect(header()).toBe('allow; action=kms:Encrypt; by=key policy statement "Root" (#1)');
  const asErin = w.explained('erin');
  await errorName(asErin.client.send(new ScheduleKeyDeletionCommand({ KeyId: key })));
  expect(asErin.header()).toBe('deny; action=kms:ScheduleKeyDeletion; by=implicit deny');
  const plain = await w.kms('alice').send(new EncryptCommand({ KeyId: key, Plaintext: new Uint8Array([1]) }));
  expect(plain.$metadata.httpStatusCode).toBe(200);
});

test('every decision reaches the emulator log with principal, action, resource and reason', async () => {
  w.log.length = 0;
  await errorName(w.kms('erin').send(new EncryptCommand({ KeyId: key, Plaintext: new Uint8Array([1]) })));
  expect(w.log).toEqual([
    expect.objectContaining({
      allowed: false,
      principal: ERIN,
      action: 'kms:Encrypt',
      resource: key,
      decidedBy: 'implicit deny',
      explanation: expect.stringContaining('no identity policy allows it'),
    }),
  ]);
});

test('the explain endpoint evaluates a hypothetical request with conditions, without acting', async () => {
  const ask = (body: object) => w.explain('root', { KeyId: key, ...body });
  const web = await ask({ Principal: ERIN, Action: 'kms:Decrypt', EncryptionContext: { app: 'web' } });
  expect(web).toEqual({
    status: 200,
    json: expect.objectContaining({
      Allowed: true,
      DecidedBy: 'key policy statement "ErinWeb" (#2)',
      Principal: ERIN,
      Action: 'kms:Decrypt',
      Resource: key,
    }),
  });
  const batch = await ask({ Principal: ERIN, Action: 'Decrypt', EncryptionContext: { app: 'batch' } });
  expect(batch.json).toMatchObject({ Allowed: false, DecidedBy: 'implicit deny' });
  const alice = await ask({ Principal: ALICE, Action: 'kms:ScheduleKeyDeletion' });
  expect(alice.json).toMatchObject({ Allowed: true, DecidedBy: 'key policy statement "Root" (#1)' });
  // Default principal: the asker; account-level actions need no key.
  const own = await w.explain('erin', { Action: 'kms:CreateKey' });
  expect(own.json).toMatchObject({ Allowed: false, Principal: ERIN, Resource: '*' });
});

test('the explain endpoint refuses bad requests, unsigned callers and askers who may not read the policy', async () => {
  const bad = await w.explain('root', { Action: 'kms:Fly', KeyId: key });
  expect(bad).toEqual({ status: 400, json: expect.objectContaining({ __type: 'ValidationException' }) });
  expect((await w.explain('root', { Action: 'kms:Decrypt', KeyId: key, Extra: 1 })).json.message).toBe(
    'Extra is not a field of an explain request',
  );
  expect((await w.explain('root', { Action: 'kms:Decrypt' })).json.message).toBe('KeyId is required for Decrypt');
  // erin may not GetKeyPolicy, so she may not have the policy explained either.
  const erin = await w.explain('erin', { Action: 'kms:Decrypt', KeyId: key });
  expect(erin.json.__type).toBe('AccessDeniedException');
  // Another account cannot look this account's keys up through the endpoint.
  const dave = await w.explain('dave', { Action: 'kms:Decrypt', KeyId: key });
  expect(dave.json.__type).toBe('NotFoundException');
  const unsigned = await fetch(new URL('/_opencckm/authz/explain', w.url), { method: 'POST', body: '{}' });
  expect(unsigned.status).toBe(400);
  expect(((await unsigned.json()) as { __type: string }).__type).toBe('MissingAuthenticationTokenException');
});

describe('the identities file is validated strictly at start', () => {
  test.each([
    [{ users: [{ account: '1', name: 'x' }] }, 'users[0].account: must be 12 digits'],
    [{ users: [{ account: A, name: 'bad name' }] }, 'users[0].name'],
    [
      {
        users: [
          { account: A, name: 'x' },
          { account: A, name: 'x' },
        ],
      },
      'users[1].name: duplicate user x',
    ],
    [{ roles: [{ account: A, name: 'r' }] }, 'roles[0].trustPolicy: is required'],
    [
      { users: [{ account: A, name: 'x', policies: [{ name: 'p', document: { Statement: [{ Effect: 'Allow' }] } }] }] },
      'users[0].policies[0].document: Statement[0]: has no action',
    ],
    [{ groups: [] }, '(file): unknown field groups'],
    [{ users: [{ account: A, name: 'x', trustPolicy: {} }] }, 'users[0]: users have no trustPolicy'],
  ])('%j → %s', (doc, message) => {
    expect(() => IdentityDirectory.parse(doc)).toThrow(`EMULATOR_IDENTITIES: ${message}`);
  });

  test('the declared file parses', () => {
    expect(IdentityDirectory.parse(IDENTITIES).has(A, 'user', 'alice')).toBe(true);
  });
});
