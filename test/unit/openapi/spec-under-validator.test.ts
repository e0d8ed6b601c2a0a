/**
 * The public contract, openapi/cckm.yaml, under the server's contract validator
 * (`src/http/openapi/contract-validator.ts`) with request AND response validation on:
 * valid exchanges pass, malformed requests are refused naming the field, and answers that
 * break the contract are caught. Its structure is tested in spec.test.ts.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import request from 'supertest';
import { readApiDocument } from '../../../src/http/openapi/api-document.js';
import { AppError, httpStatusOf, toErrorBody } from '../../../src/errors/index.js';
import { apiContractOf, contractValidator } from '../../../src/http/openapi/contract-validator.js';

type Json = Record<string, unknown>;

const SPEC_PATH = new URL('../../../openapi/cckm.yaml', import.meta.url);
const spec = readApiDocument([SPEC_PATH]).document as Json;

// ----------------------------------------------------------------------------------------
// Behaviour under the contract validator, as the server runs it.

const KEY_ID = 'baf58871-2503-4d13-a84a-339aeb8fdfaf';

/** The seed 004 response, plus the fields opencckm adds to every key record. */
function keyRecord(overrides: Json = {}): Json {
  return {
    id: KEY_ID,
    uri: `kylo:kylo:cckm:aws-key:${KEY_ID}`,
    account: 'kylo:kylo:admin:accounts:kylo',
    application: 'ncryptify:gemalto:admin:apps:kylo',
    devAccount: 'ncryptify:gemalto:admin:accounts:gemalto',
    createdAt: '2020-11-05T06:35:42.443457335Z',
    updatedAt: '2020-11-05T06:35:42.441821548Z',
    kms_id: '0b90f8de-8617-498d-ad63-ca18eb717ae7',
    kms: 'kms',
    synced_at: '2020-11-05T06:35:42.438073546Z',
    rotation_status: '',
    cloud_name: 'aws',
    key_type: 'symmetric',
    basic_view_enabled: false,
    region: 'ap-south-1',
    gone: false,
    key_material_origin: 'native',
    status: 'ready',
    last_error: null,
    key_admins: [],
    key_admins_roles: [],
    key_users: [],
    key_users_roles: [],
    external_accounts: [],
    cckm_policy_template_id: null,
    labels: {},
    custom_key_store_id: null,
    aws_param: {
      AWSAccountId: '123456789012',
      Arn: 'arn:aws:kms:ap-south-1:123456789012:key/623321f4-a7d4-4d52-89bf-a9f26a29360e',
      CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT',
      Enabled: true,
      EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
      KeyID: '623321f4-a7d4-4d52-89bf-a9f26a29360e',
      KeyManager: 'CUSTOMER',
      KeyState: 'Enabled',
      KeyUsage: 'ENCRYPT_DECRYPT',
      Origin: 'AWS_KMS',
      CreationDate: '2020-11-05T06:35:29Z',
      Policy: {
        Version: '2012-10-17',
        Id: 'key-default-1',
        Statement: [
          {
            Sid: 'Enable IAM User Permissions',
            Effect: 'Allow',
            Principal: { AWS: 'arn:aws:iam::123456789012:root' },
            Action: 'kms:*',
            Resource: '*',
          },
        ],
      },
      Alias: ['alias/aws-test-key'],
      Tags: [{ TagKey: 'key', TagValue: 'value' }],
      KeyRotationEnabled: false,
      MultiRegion: true,
    },
    ...overrides,
  };
}

const SEED_004_REQUEST = {
  kms: 'kms',
  region: 'ap-south-1',
  aws_param: { Alias: 'aws-test-key', MultiRegion: true, Tags: [{ TagKey: 'key', TagValue: 'value' }] },
};

const USER = {
  id: '3f1c2a52-9d0e-4a55-b1de-5a8f0e2f7f10',
  uri: 'kylo:kylo:admin:users:3f1c2a52-9d0e-4a55-b1de-5a8f0e2f7f10',
  account: 'kylo:kylo:admin:accounts:kylo',
  application: 'ncryptify:gemalto:admin:apps:kylo',
  devAccount: 'ncryptify:gemalto:admin:accounts:gemalto',
  createdAt: '2024-01-01T00:00:00.000Z',
  updatedAt: '2024-01-01T00:00:00.000Z',
  username: 'alice',
  name: null,
  email: null,
  groups: ['cckm_users'],
  disabled: false,
  last_login: null,
};

interface Captured {
  body?: unknown;
  query?: unknown;
  headers?: unknown;
}

function buildApp() {
  const captured: Captured = {};
  let keyResponse: Json = keyRecord();
  let userResponse: Json = USER;

  const app = express();
  app.use(express.json({ limit: '256kb' }));
  app.use('/api/v1', contractValidator(spec, { validateResponses: true }));

  app.post('/api/v1/auth/tokens', (_req, res) => {
    res.json({ jwt: 'x.y.z', token_type: 'Bearer', duration: 300, refresh_token: 'r', refresh_token_id: 'rid' });
  });
  app.get('/api/v1/cckm/aws/keys', (req, res) => {
    captured.query = req.query;
    res.json({ skip: 0, limit: 10, total: 1, resources: [keyResponse] });
  });
  app.post('/api/v1/cckm/aws/keys', (req, res) => {
    captured.body = req.body;
    captured.headers = req.headers;
    res.status(201).json(keyResponse);
  });
  app.get('/api/v1/cckm/aws/keys/:id', (_req, res) => {
    res.json(keyResponse);
  });
  app.delete('/api/v1/cckm/aws/keys/:id', (_req, res, next) => {
    next(Object.assign(new Error('Key not found'), { status: 404 }));
  });
  app.get('/api/v1/usermgmt/users/:id', (_req, res) => {
    res.json(userResponse);
  });
  app.post('/api/v1/connectionmgmt/services/aws/connections', (req, res) => {
    captured.body = req.body;
    res.status(201).json({
      id: '7a2f6a4e-4f55-4a8e-9c1e-0f7b9a1d2c3e',
      uri: 'kylo:kylo:connectionmgmt:connections:aws-1',
      account: 'kylo:kylo:admin:accounts:kylo',
      application: 'ncryptify:gemalto:admin:apps:kylo',
      devAccount: 'ncryptify:gemalto:admin:accounts:gemalto',
      createdAt: '2024-01-01T00:00:00Z',
      updatedAt: '2024-01-01T00:00:00Z',
      name: 'aws-1',
      description: null,
      service: 'aws',
      category: 'cloud',
      provider: 'aws',
      cloud_name: 'aws',
      access_key_id: 'AKIAIOSFODNN7EXAMPLE',
      assume_role_arn: null,
      assume_role_external_id: null,
      aws_sts_regional_endpoints: 'legacy',
      aws_region: null,
      endpoint_url: null,
      labels: {},
      meta: {},
      products: ['cckm'],
      resource_url: '/api/v1/connectionmgmt/services/aws/connections/7a2f6a4e-4f55-4a8e-9c1e-0f7b9a1d2c3e',
      last_connection_ok: null,
      last_connection_error: null,
      last_connection_at: null,
    });
  });

  // A stand-in for the server's error middleware: every error becomes an Error body.
  app.use(
    (
      err: { status?: number; message: string; errors?: Array<{ path: string; message: string }> },
      _req: Request,
      res: Response,
      _next: NextFunction,
    ) => {
      if (err instanceof AppError) return void res.status(httpStatusOf(err)).json(toErrorBody(err, 'req-1'));
      const status = err.status ?? 500;
      const body: Json = { code: status, codeDesc: `NCERRTest: ${status}`, message: err.message, requestID: 'req-1' };
      if (err.errors) body.details = err.errors.map((e) => ({ field: e.path, message: e.message }));
      res.status(status).json(body);
    },
  );

  return {
    app,
    captured,
    setKeyResponse: (r: Json) => (keyResponse = r),
    setUserResponse: (r: Json) => (userResponse = r),
    reset: () => {
      for (const k of Object.keys(captured)) delete captured[k as keyof Captured];
      keyResponse = keyRecord();
      userResponse = USER;
    },
  };
}

const AUTH = { Authorization: 'Bearer x.y.z' };

describe('openapi/cckm.yaml under the contract validator', () => {
  it('compiles every operation, parameter, body and answer schema', () => {
    expect(() => apiContractOf(spec).compileAll()).not.toThrow();
  });

  // One app for the file: the validator compiles the spec once, state is reset per test.
  const t = buildApp();
  beforeEach(() => t.reset());

  describe('valid requests reach the handler and valid responses pass', () => {
    it('accepts the seed 004 create request and answers the seed 004 record', async () => {
      const res = await request(t.app)
        .post('/api/v1/cckm/aws/keys')
        .set(AUTH)
        .set('Idempotency-Key', 'create-1')
        .send(SEED_004_REQUEST);
      expect(res.status).toBe(201);
      expect(res.body.uri).toBe(`kylo:kylo:cckm:aws-key:${KEY_ID}`);
      expect(t.captured.body).toEqual(SEED_004_REQUEST);
    });

    it('accepts a create with every aws_param field and a policy given as a string', async () => {
      const body = {
        kms: '0b90f8de-8617-498d-ad63-ca18eb717ae7',
        region: 'us-gov-west-1',
        aws_param: {
          Alias: 'alias/app/one',
          BypassPolicyLockoutSafetyCheck: false,
          KeySpec: 'ML_DSA_65',
          Description: 'signing key',
          KeyUsage: 'SIGN_VERIFY',
          MultiRegion: false,
          Origin: 'AWS_KMS',
          Policy: '{"Version":"2012-10-17","Statement":[]}',
          Tags: [{ TagKey: 'env', TagValue: '' }],
        },
      };
      const res = await request(t.app).post('/api/v1/cckm/aws/keys').set(AUTH).send(body);
      expect(res.status).toBe(201);
    });

    it('issues a token without a bearer header', async () => {
      const res = await request(t.app)
        .post('/api/v1/auth/tokens')
        .send({ grant_type: 'password', username: 'admin', password: 'pw', domain: 'root' });
      expect(res.status).toBe(200);
      expect(res.body.token_type).toBe('Bearer');
    });

    it('turns a repeated filter into an array and fills paging defaults', async () => {
      const res = await request(t.app)
        .get('/api/v1/cckm/aws/keys?region=us-east-1&region=eu-west-1&keystate=Enabled&gone=false&sort=-createdAt')
        .set(AUTH);
      expect(res.status).toBe(200);
      expect(t.captured.query).toMatchObject({
        region: ['us-east-1', 'eu-west-1'],
        keystate: ['Enabled'],
        gone: 'false',
        sort: '-createdAt',
        skip: 0,
        limit: 10,
      });
    });

    it('accepts limit=-1 (all)', async () => {
      expect((await request(t.app).get('/api/v1/cckm/aws/keys?limit=-1').set(AUTH)).status).toBe(200);
    });

    it('passes a handler error through as an Error body', async () => {
      const res = await request(t.app).delete(`/api/v1/cckm/aws/keys/${KEY_ID}`).set(AUTH);
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ codeDesc: 'NCERRTest: 404', requestID: 'req-1' });
    });

    it('fills the connection defaults and keeps the secret out of the answer', async () => {
      const res = await request(t.app)
        .post('/api/v1/connectionmgmt/services/aws/connections')
        .set(AUTH)
        .send({ name: 'aws-1', access_key_id: 'AKIAIOSFODNN7EXAMPLE', secret_access_key: 's3cr3t' });
      expect(res.status).toBe(201);
      expect(t.captured.body).toMatchObject({
        provider: 'aws',
        cloud_name: 'aws',
        aws_sts_regional_endpoints: 'legacy',
      });
      expect(res.body).not.toHaveProperty('secret_access_key');
    });
  });

  describe('malformed requests are refused with 400 naming the field', () => {
    const cases: Array<[string, Json, RegExp]> = [
      ['an unknown top-level field', { ...SEED_004_REQUEST, colour: 'red' }, /colour/],
      ['an unknown aws_param field', { ...SEED_004_REQUEST, aws_param: { KeySpecs: 'RSA_2048' } }, /KeySpecs/],
      ['a missing kms', { region: 'ap-south-1' }, /kms/],
      ['a bad region', { kms: 'kms', region: 'Mars-1' }, /region/],
      ['an unknown KeySpec', { kms: 'kms', region: 'ap-south-1', aws_param: { KeySpec: 'AES_512' } }, /KeySpec/],
      [
        'null where a value is expected',
        { kms: 'kms', region: 'ap-south-1', aws_param: { Description: null } },
        /Description/,
      ],
      [
        'a string where a boolean is expected',
        { kms: 'kms', region: 'ap-south-1', aws_param: { MultiRegion: 'true' } },
        /MultiRegion/,
      ],
      [
        'too many tags',
        {
          kms: 'kms',
          region: 'ap-south-1',
          aws_param: { Tags: Array.from({ length: 51 }, (_, i) => ({ TagKey: `k${i}`, TagValue: 'v' })) },
        },
        /Tags/,
      ],
      [
        'an over-long tag key',
        { kms: 'kms', region: 'ap-south-1', aws_param: { Tags: [{ TagKey: 'k'.repeat(129), TagValue: 'v' }] } },
        /TagKey/,
      ],
      [
        'a bad external account',
        { kms: 'kms', region: 'ap-south-1', external_accounts: ['12345'] },
        /external_accounts/,
      ],
      ['a bad alias', { kms: 'kms', region: 'ap-south-1', aws_param: { Alias: 'has space' } }, /Alias/],
    ];
    it.each(cases)('refuses %s', async (_name, body, field) => {
      const res = await request(t.app).post('/api/v1/cckm/aws/keys').set(AUTH).send(body);
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body.details)).toMatch(field);
      expect(t.captured.body).toBeUndefined();
    });

    it('refuses a malformed Idempotency-Key', async () => {
      const res = await request(t.app)
        .post('/api/v1/cckm/aws/keys')
        .set(AUTH)
        .set('Idempotency-Key', 'has space')
        .send(SEED_004_REQUEST);
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body)).toMatch(/idempotency-key/i);
    });

    it.each([
      ['limit above 1000', 'limit=5000', /limit/],
      ['limit below -1', 'limit=-2', /limit/],
      ['a negative skip', 'skip=-1', /skip/],
      ['a bad sort', 'sort=created%20at', /sort/],
      ['a non-boolean flag', 'gone=yes', /gone/],
      ['an unknown filter', 'colour=red', /colour/],
      ['an unknown key state', 'keystate=Broken', /keystate/],
    ])('refuses a key list with %s', async (_name, qs, field) => {
      const res = await request(t.app).get(`/api/v1/cckm/aws/keys?${qs}`).set(AUTH);
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body)).toMatch(field);
    });

    it('refuses a key id that is not a uuid', async () => {
      expect((await request(t.app).get('/api/v1/cckm/aws/keys/not-a-uuid').set(AUTH)).status).toBe(400);
    });

    it('refuses a token request without a known grant_type, or with unknown fields', async () => {
      const a = await request(t.app).post('/api/v1/auth/tokens').send({ username: 'a', password: 'b' });
      expect(a.status).toBe(400);
      expect(a.body.message).toMatch(/grant_type/);
      const b = await request(t.app)
        .post('/api/v1/auth/tokens')
        .send({ grant_type: 'refresh_token', refresh_token: 'r', password: 'p' });
      expect(b.status).toBe(400);
      expect(JSON.stringify(b.body.details)).toMatch(/password/);
      const c = await request(t.app).post('/api/v1/auth/tokens').send({ grant_type: 'password', username: 'a' });
      expect(c.status).toBe(400);
      expect(JSON.stringify(c.body)).toMatch(/password/);
    });

    it('refuses a connection whose name field is misspelt or whose endpoint is not http(s)', async () => {
      const a = await request(t.app)
        .post('/api/v1/connectionmgmt/services/aws/connections')
        .set(AUTH)
        .send({ nmae: 'x' });
      expect(a.status).toBe(400);
      const b = await request(t.app)
        .post('/api/v1/connectionmgmt/services/aws/connections')
        .set(AUTH)
        .send({ name: 'x', endpoint_url: 'ftp://example.com' });
      expect(b.status).toBe(400);
      expect(JSON.stringify(b.body.details)).toMatch(/endpoint_url/);
    });
  });

  describe('responses that break the contract are caught', () => {
    it('catches a user record that leaks a password hash', async () => {
      t.setUserResponse({ ...USER, passwordHash: 'scrypt$...' });
      const res = await request(t.app).get(`/api/v1/usermgmt/users/${USER.id}`).set(AUTH);
      expect(res.status).toBe(500);
    });

    it('catches a ready key record whose aws_param lacks the ARN', async () => {
      const rec = keyRecord();
      const awsParam = { ...(rec.aws_param as Json) };
      delete awsParam.Arn;
      t.setKeyResponse({ ...rec, aws_param: awsParam });
      expect((await request(t.app).get(`/api/v1/cckm/aws/keys/${KEY_ID}`).set(AUTH)).status).toBe(500);
    });

    it('lets a record still being created carry a partial aws_param', async () => {
      t.setKeyResponse(keyRecord({ status: 'creating', synced_at: null, aws_param: {} }));
      expect((await request(t.app).get(`/api/v1/cckm/aws/keys/${KEY_ID}`).set(AUTH)).status).toBe(200);
    });

    it('lets AWS add new fields to aws_param', async () => {
      const rec = keyRecord();
      t.setKeyResponse({ ...rec, aws_param: { ...(rec.aws_param as Json), SomeFutureField: 1 } });
      expect((await request(t.app).get(`/api/v1/cckm/aws/keys/${KEY_ID}`).set(AUTH)).status).toBe(200);
    });

    it('catches a key record missing a required field', async () => {
      const rec = keyRecord();
      delete rec.gone;
      t.setKeyResponse(rec);
      expect((await request(t.app).get(`/api/v1/cckm/aws/keys/${KEY_ID}`).set(AUTH)).status).toBe(500);
    });
  });
});
