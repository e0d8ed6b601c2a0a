import { EmulatorKmsProvider, refusedEmulatorProvider } from '../../../src/emulator/emulator-provider.js';
import { awsError } from '../../../src/errors/index.js';
import { ACCOUNT, errorOf, openHarness } from './helpers.js';

test('EmulatorKmsProvider calls the emulator for one account and Region', async () => {
  const h = await openHarness();
  const provider = new EmulatorKmsProvider(h.emulator, ACCOUNT, 'cn-north-1');
  expect(provider.kind).toBe('emulator');
  expect(provider.region).toBe('cn-north-1');
  const md = (await provider.kms('CreateKey', { KeySpec: 'SM2', KeyUsage: 'SIGN_VERIFY' })).KeyMetadata!;
  expect(md.Arn).toMatch(/^arn:aws-cn:kms:cn-north-1:111122223333:key\//);
  expect((await h.emulator.call({ accountId: ACCOUNT, region: 'cn-north-1' }, 'ListKeys', {})).Keys).toHaveLength(1);
  expect(await provider.getCallerIdentity()).toEqual({
    account: ACCOUNT,
    arn: 'arn:aws-cn:iam::111122223333:root',
    userId: ACCOUNT,
  });
  expect(await provider.cloudHsm('DescribeClusters', {})).toEqual({ Clusters: [] });
  expect((await errorOf(() => provider.kms('DescribeKey', { KeyId: 'alias/none' }))).awsName).toBe('NotFoundException');
  await h.emulator.close();
});

test('a refused emulator provider fails every call with the refusal, as an SDK client with bad credentials does', async () => {
  const refusal = awsError('UnrecognizedClientException', 'The security token included in the request is invalid.');
  const provider = refusedEmulatorProvider(refusal, 'eu-west-1');
  expect(provider).toMatchObject({ kind: 'emulator', region: 'eu-west-1' });
  await expect(provider.getCallerIdentity()).rejects.toBe(refusal);
  await expect(provider.kms('ListKeys', {})).rejects.toBe(refusal);
  await expect(provider.cloudHsm('DescribeClusters', {})).rejects.toBe(refusal);
});
