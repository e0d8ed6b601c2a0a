import { EmulatorKmsProvider } from '../../../src/emulator/emulator-provider.js';
import { ACCOUNT, errorOf, openHarness } from './helpers.js';

test('EmulatorKmsProvider calls the emulator for one account and Region', async () => {
  const h = await openHarness();
  const provider = new EmulatorKmsProvider(h.emulator, ACCOUNT, 'cn-north-1');
  expect(provider.kind).toBe('emulator');
  expect(provider.region).toBe('cn-north-1');
  const md = (await provider.kms('CreateKey', { KeySpec: 'SM2', KeyUsage: 'SIGN_VERIFY' })).KeyMetadata!;
  expect(md.Arn).toMatch(/^arn:aws-cn:kms:cn-north-1:111122223333:key\//);
  expect((await h.emulator.call({ accountId: ACCOUNT, region: 'cn-north-1' }, 'ListKeys', {})).Keys).toHaveLength(1);
  expect(await provider.getCallerIdentity()).toEqual({ account: ACCOUNT, arn: 'arn:aws-cn:iam::111122223333:root', userId: ACCOUNT });
  expect(await provider.cloudHsm('DescribeClusters', {})).toEqual({ Clusters: [] });
  expect((await errorOf(() => provider.kms('DescribeKey', { KeyId: 'alias/none' }))).awsName).toBe('NotFoundException');
  await h.emulator.close();
});
