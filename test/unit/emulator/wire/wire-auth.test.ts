import { createHash, createHmac } from 'node:crypto';
import {
  CreateKeyCommand,
  DescribeKeyCommand,
  KMSClient,
  ListKeysCommand,
  ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { ACCOUNT } from '../helpers.js';
import { ACCESS_KEY, ACCESS_KEY_2, ACCOUNT_2, SECRET, startWire, type WireHarness } from './wire-harness.js';

const failure = async (p: Promise<unknown>) => {
  const err = (await p.catch((e: unknown) => e)) as {
    name: string;
    message: string;
    $metadata: { httpStatusCode?: number };
  };
  return { name: err.name, status: err.$metadata?.httpStatusCode, message: err.message };
};

describe('with credentials configured', () => {
  let w: WireHarness;
  beforeAll(async () => {
    w = await startWire();
  });
  afterAll(() => w.close());

  test('a correctly signed request is served', async () => {
    await expect(w.kms().send(new ListKeysCommand({}))).resolves.toMatchObject({ Keys: [], Truncated: false });
  });

  test('each access key acts in its own account', async () => {
    const md = (await w.kms({ accessKeyId: ACCESS_KEY_2, region: 'eu-central-1' }).send(new CreateKeyCommand({})))
      .KeyMetadata!;
    expect(md.Arn).toBe(`arn:aws:kms:eu-central-1:${ACCOUNT_2}:key/${md.KeyId}`);
    expect((await w.kms({ region: 'eu-central-1' }).send(new ListKeysCommand({}))).Keys).toEqual([]);
  });

  test('an unknown access key is UnrecognizedClientException', async () => {
    expect(await failure(w.kms({ accessKeyId: 'AKIAUNKNOWN' }).send(new ListKeysCommand({})))).toEqual({
      name: 'UnrecognizedClientException',
      status: 400,
      message: 'The security token included in the request is invalid.',
    });
  });

  test('a wrong secret is InvalidSignatureException', async () => {
    const f = await failure(w.kms({ secretAccessKey: 'wrong' }).send(new ListKeysCommand({})));
    expect([f.name, f.status]).toEqual(['InvalidSignatureException', 400]);
  });

  test('a tampered body, a missing signature and a skewed clock are refused', async () => {
    const signedFetch = async (body: string, headers: Record<string, string>) =>
      fetch(`${w.endpoint}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.ListKeys', ...headers },
        body,
      });
    const missing = await signedFetch('{}', {});
    expect(((await missing.json()) as { __type: string }).__type).toBe('MissingAuthenticationTokenException');

    // Capture a real signed request, then replay it with a different body.
    let captured: Record<string, string> = {};
    const kms = w.kms();
    kms.middlewareStack.add(
      (next) => async (args) => {
        captured = { ...(args.request as { headers: Record<string, string> }).headers };
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low' },
    );
    await kms.send(new ListKeysCommand({ Limit: 5 }));
    const { host: _host, 'content-length': _len, ...replay } = captured;
    const tampered = await signedFetch('{"Limit":6}', replay);
    expect(((await tampered.json()) as { __type: string }).__type).toBe('InvalidSignatureException');
  });

  test('requests signed more than 5 minutes off are refused', async () => {
    const skewed = await startWire({ now: () => new Date(Date.now() + 10 * 60 * 1000) });
    try {
      const f = await failure(skewed.kms().send(new ListKeysCommand({})));
      expect(f.name).toBe('InvalidSignatureException');
      expect(f.message).toContain('Signature expired');
    } finally {
      await skewed.close();
    }
  });

  test('STS GetCallerIdentity answers the account root of the access key', async () => {
    expect(await w.sts().send(new GetCallerIdentityCommand({}))).toMatchObject({
      Account: ACCOUNT,
      Arn: `arn:aws:iam::${ACCOUNT}:root`,
      UserId: ACCOUNT,
    });
    expect(
      await w.sts({ accessKeyId: ACCESS_KEY_2, region: 'cn-north-1' }).send(new GetCallerIdentityCommand({})),
    ).toMatchObject({
      Account: ACCOUNT_2,
      Arn: `arn:aws-cn:iam::${ACCOUNT_2}:root`,
    });
  });

  test('STS refuses unknown keys and bad signatures with its own error names', async () => {
    const unknown = await failure(w.sts({ accessKeyId: 'AKIANOPE' }).send(new GetCallerIdentityCommand({})));
    expect([unknown.name, unknown.status]).toEqual(['InvalidClientTokenId', 403]);
    const bad = await failure(
      w.sts({ accessKeyId: ACCESS_KEY, secretAccessKey: `${SECRET}x` }).send(new GetCallerIdentityCommand({})),
    );
    expect([bad.name, bad.status]).toEqual(['SignatureDoesNotMatch', 403]);
  });

  test('other STS actions are InvalidAction', async () => {
    const res = await fetch(`${w.endpoint}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=GetFederationToken&Version=2011-06-15',
    });
    // Unsigned: refused before the action is looked at.
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('<Code>MissingAuthenticationToken</Code>');
  });
});

/** Signs a raw request with SigV4 over exactly `signed` headers (host included or not, as a test needs). */
function sign(opts: {
  endpoint: string;
  body: string;
  headers: Record<string, string>;
  signed: string[];
  accessKeyId?: string;
  secret?: string;
  service?: string;
}) {
  const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
  const sha = (data: string) => createHash('sha256').update(data).digest('hex');
  const amzDate = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const service = opts.service ?? 'kms';
  const headers: Record<string, string> = { ...opts.headers, host: new URL(opts.endpoint).host, 'x-amz-date': amzDate };
  const signed = [...opts.signed].sort();
  const canonical = [
    'POST',
    '/',
    '',
    signed.map((h) => `${h}:${headers[h]}\n`).join(''),
    signed.join(';'),
    sha(opts.body),
  ].join('\n');
  const scope = `${day}/us-east-1/${service}/aws4_request`;
  const key = hmac(hmac(hmac(hmac(`AWS4${opts.secret ?? SECRET}`, day), 'us-east-1'), service), 'aws4_request');
  const signature = createHmac('sha256', key)
    .update(['AWS4-HMAC-SHA256', amzDate, scope, sha(canonical)].join('\n'))
    .digest('hex');
  const { host: _host, ...sent } = headers;
  return {
    ...sent,
    authorization: `AWS4-HMAC-SHA256 Credential=${opts.accessKeyId ?? ACCESS_KEY}/${scope}, SignedHeaders=${signed.join(';')}, Signature=${signature}`,
  };
}

const KMS_HEADERS = (op: string) => ({
  'content-type': 'application/x-amz-json-1.1',
  'x-amz-target': `TrentService.${op}`,
});

async function rawKms(w: WireHarness, op: string, body: string, headers: Record<string, string>) {
  const res = await fetch(`${w.endpoint}/`, { method: 'POST', headers: { ...KMS_HEADERS(op), ...headers }, body });
  return { status: res.status, json: (await res.json()) as { __type?: string; message?: string } };
}

describe('signatures are required by default (finding 3)', () => {
  let w: WireHarness;
  beforeAll(async () => {
    w = await startWire();
  });
  afterAll(() => w.close());

  test.each([
    ['no Authorization header', {}, 'MissingAuthenticationTokenException'],
    ['a garbage header', { authorization: 'AWS4-HMAC-SHA256 garbage' }, 'IncompleteSignatureException'],
    ['a bearer token', { authorization: 'Bearer x' }, 'IncompleteSignatureException'],
    ['an empty header', { authorization: '' }, 'MissingAuthenticationTokenException'],
  ])('%s is refused', async (_why, headers, type) => {
    const res = await rawKms(w, 'ListKeys', '{}', headers);
    expect([res.status, res.json.__type]).toEqual([400, type]);
  });

  test('a raw request signed over host is served; the same without host signed is refused', async () => {
    const headers = KMS_HEADERS('ListKeys');
    const ok = await rawKms(
      w,
      'ListKeys',
      '{}',
      sign({
        endpoint: w.endpoint,
        body: '{}',
        headers,
        signed: ['host', 'content-type', 'x-amz-date', 'x-amz-target'],
      }),
    );
    expect(ok.status).toBe(200);
    const noHost = await rawKms(
      w,
      'ListKeys',
      '{}',
      sign({ endpoint: w.endpoint, body: '{}', headers, signed: ['content-type', 'x-amz-date', 'x-amz-target'] }),
    );
    expect([noHost.status, noHost.json.__type]).toEqual([400, 'InvalidSignatureException']);
    expect(noHost.json.message).toContain('Host');
  });

  test('an X-Amz-Date off the scope date, unsorted SignedHeaders or a wrong x-amz-content-sha256 are InvalidSignatureException', async () => {
    const headers = KMS_HEADERS('ListKeys');
    const signed = sign({
      endpoint: w.endpoint,
      body: '{}',
      headers,
      signed: ['host', 'content-type', 'x-amz-date', 'x-amz-target'],
    });
    expect((await rawKms(w, 'ListKeys', '{}', signed)).status).toBe(200);
    const offDay = await rawKms(w, 'ListKeys', '{}', { ...signed, 'x-amz-date': '19990101T000000Z' });
    expect([offDay.status, offDay.json.__type, offDay.json.message]).toEqual([
      400,
      'InvalidSignatureException',
      expect.stringContaining('X-Amz-Date'),
    ]);
    const unsorted = await rawKms(w, 'ListKeys', '{}', {
      ...signed,
      authorization: signed.authorization.replace('content-type;host;', 'host;content-type;'),
    });
    expect([unsorted.status, unsorted.json.__type, unsorted.json.message]).toEqual([
      400,
      'InvalidSignatureException',
      expect.stringContaining('does not match'),
    ]);
    const claimed = await rawKms(w, 'ListKeys', '{}', { ...signed, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' });
    expect([claimed.status, claimed.json.__type]).toEqual([400, 'InvalidSignatureException']);
  });

  test('STS refuses a signature that leaves out host with SignatureDoesNotMatch', async () => {
    const body = 'Action=GetCallerIdentity&Version=2011-06-15';
    const headers = { 'content-type': 'application/x-www-form-urlencoded' };
    const res = await fetch(`${w.endpoint}/`, {
      method: 'POST',
      body,
      headers: sign({ endpoint: w.endpoint, body, headers, signed: ['content-type', 'x-amz-date'], service: 'sts' }),
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
  });

  test('an unauthenticated caller cannot ScheduleKeyDeletion', async () => {
    const keyId = (await w.kms().send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    const body = JSON.stringify({ KeyId: keyId, PendingWindowInDays: 7 });
    expect((await rawKms(w, 'ScheduleKeyDeletion', body, {})).json.__type).toBe('MissingAuthenticationTokenException');
    expect((await rawKms(w, 'ScheduleKeyDeletion', body, { authorization: 'Bearer x' })).json.__type).toBe(
      'IncompleteSignatureException',
    );
    const other = await failure(
      w
        .kms({ secretAccessKey: 'guessed' })
        .send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 })),
    );
    expect(other.name).toBe('InvalidSignatureException');
    expect((await w.kms().send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata!.KeyState).toBe('Enabled');
  });

  test('with an empty credential map, everything is refused', async () => {
    const empty = await startWire({ credentials: {} });
    try {
      expect((await failure(empty.kms().send(new ListKeysCommand({})))).name).toBe('UnrecognizedClientException');
      expect(
        (
          await failure(
            empty.kms({ accessKeyId: 'anything', secretAccessKey: 'whatever' }).send(new CreateKeyCommand({})),
          )
        ).name,
      ).toBe('UnrecognizedClientException');
      expect((await failure(empty.sts().send(new GetCallerIdentityCommand({})))).name).toBe('InvalidClientTokenId');
      expect((await rawKms(empty, 'ListKeys', '{}', {})).json.__type).toBe('MissingAuthenticationTokenException');
      expect(await empty.emulator.call({ accountId: ACCOUNT, region: 'us-east-1' }, 'ListKeys', {})).toMatchObject({
        Keys: [],
      });
    } finally {
      await empty.close();
    }
  });
});

describe('STS AssumeRole and temporary credentials', () => {
  let w: WireHarness;
  beforeAll(async () => {
    w = await startWire();
  });
  afterAll(() => w.close());

  const assume = (roleArn: string, accessKeyId = ACCESS_KEY) =>
    w.sts({ accessKeyId }).send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'test' }));

  test("a role of the caller's own account can be assumed, and its credentials work", async () => {
    const c = (await assume(`arn:aws:iam::${ACCOUNT}:role/admin`)).Credentials!;
    const kms = new KMSClient({
      endpoint: w.endpoint,
      region: 'us-east-1',
      maxAttempts: 1,
      credentials: { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! },
    });
    expect((await kms.send(new CreateKeyCommand({}))).KeyMetadata!.AWSAccountId).toBe(ACCOUNT);
  });

  test('a role of another account is AccessDenied (403)', async () => {
    const f = await failure(assume(`arn:aws:iam::${ACCOUNT_2}:role/admin`));
    expect([f.name, f.status]).toEqual(['AccessDenied', 403]);
    expect(f.message).toContain(`arn:aws:iam::${ACCOUNT_2}:role/admin`);
    const back = await failure(assume(`arn:aws:iam::${ACCOUNT}:role/admin`, ACCESS_KEY_2));
    expect(back.name).toBe('AccessDenied');
  });

  test('temporary credentials with a wrong or missing session token are refused', async () => {
    const c = (await assume(`arn:aws:iam::${ACCOUNT}:role/admin`)).Credentials!;
    const withToken = (sessionToken?: string) =>
      new KMSClient({
        endpoint: w.endpoint,
        region: 'us-east-1',
        maxAttempts: 1,
        credentials: {
          accessKeyId: c.AccessKeyId!,
          secretAccessKey: c.SecretAccessKey!,
          ...(sessionToken === undefined ? {} : { sessionToken }),
        },
      });
    expect((await failure(withToken(`${c.SessionToken!.slice(0, -2)}xx`).send(new ListKeysCommand({})))).name).toBe(
      'UnrecognizedClientException',
    );
    expect((await failure(withToken('short').send(new ListKeysCommand({})))).name).toBe('UnrecognizedClientException');
    expect((await failure(withToken().send(new ListKeysCommand({})))).name).toBe('UnrecognizedClientException');
    await expect(withToken(c.SessionToken!).send(new ListKeysCommand({}))).resolves.toBeDefined();
  });
});

describe("auth: 'off' (open mode, for throwaway setups)", () => {
  test('any signature, or none, is accepted and the default account is used', async () => {
    const w = await startWire({ credentials: {}, auth: 'off' });
    try {
      await expect(
        w.kms({ accessKeyId: 'anything', secretAccessKey: 'whatever' }).send(new ListKeysCommand({})),
      ).resolves.toBeDefined();
      expect((await w.sts({ accessKeyId: 'anything' }).send(new GetCallerIdentityCommand({}))).Account).toBe(ACCOUNT);
      expect((await rawKms(w, 'ListKeys', '{}', {})).status).toBe(200);
      expect((await rawKms(w, 'ListKeys', '{}', { authorization: 'Bearer x' })).status).toBe(200);
      const res = await fetch(`${w.endpoint}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'Action=GetFederationToken&Version=2011-06-15',
      });
      expect(res.status).toBe(400);
      expect(await res.text()).toContain('<Code>InvalidAction</Code>');
    } finally {
      await w.close();
    }
  });
});
