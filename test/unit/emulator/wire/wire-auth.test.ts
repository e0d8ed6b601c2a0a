import { CreateKeyCommand, ListKeysCommand } from '@aws-sdk/client-kms';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { ACCOUNT } from '../helpers.js';
import { ACCESS_KEY, ACCESS_KEY_2, ACCOUNT_2, SECRET, startWire, type WireHarness } from './wire-harness.js';

const failure = async (p: Promise<unknown>) => {
  const err = (await p.catch((e: unknown) => e)) as { name: string; message: string; $metadata: { httpStatusCode?: number } };
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
    const md = (await w.kms({ accessKeyId: ACCESS_KEY_2, region: 'eu-central-1' }).send(new CreateKeyCommand({}))).KeyMetadata!;
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
      fetch(`${w.endpoint}/`, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.ListKeys', ...headers }, body });
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
    expect(await w.sts({ accessKeyId: ACCESS_KEY_2, region: 'cn-north-1' }).send(new GetCallerIdentityCommand({}))).toMatchObject({
      Account: ACCOUNT_2,
      Arn: `arn:aws-cn:iam::${ACCOUNT_2}:root`,
    });
  });

  test('STS refuses unknown keys and bad signatures with its own error names', async () => {
    const unknown = await failure(w.sts({ accessKeyId: 'AKIANOPE' }).send(new GetCallerIdentityCommand({})));
    expect([unknown.name, unknown.status]).toEqual(['InvalidClientTokenId', 403]);
    const bad = await failure(w.sts({ accessKeyId: ACCESS_KEY, secretAccessKey: `${SECRET}x` }).send(new GetCallerIdentityCommand({})));
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

describe('without credentials configured', () => {
  test('any signature is accepted and the default account is used', async () => {
    const w = await startWire({ credentials: {} });
    try {
      await expect(w.kms({ accessKeyId: 'anything', secretAccessKey: 'whatever' }).send(new ListKeysCommand({}))).resolves.toBeDefined();
      expect((await w.sts({ accessKeyId: 'anything' }).send(new GetCallerIdentityCommand({}))).Account).toBe(ACCOUNT);
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
