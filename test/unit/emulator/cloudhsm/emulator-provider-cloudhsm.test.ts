import { EmulatorKmsProvider } from '../../../../src/emulator/emulator-provider.js';
import { errorOf, HSM_ACCOUNT, openHsmHarness, SUBNETS, type HsmHarness } from './helpers.js';

let h: HsmHarness;
afterEach(async () => h?.emulator.close());

test("EmulatorKmsProvider.cloudHsm calls the simulated CloudHSM in the provider's account and Region", async () => {
  h = await openHsmHarness();
  const provider = new EmulatorKmsProvider(h.emulator, HSM_ACCOUNT, 'ap-southeast-2');
  const created = (await provider.cloudHsm('CreateCluster', { HsmType: 'hsm1.medium', SubnetIds: SUBNETS.slice(0, 1) }))
    .Cluster!;
  expect(created.SubnetMapping).toEqual({ 'ap-southeast-2a': SUBNETS[0] });
  expect((await provider.cloudHsm('DescribeClusters', {})).Clusters!.map((c) => c.ClusterId)).toEqual([
    created.ClusterId,
  ]);
  expect(
    (await h.emulator.cloudHsm.call({ accountId: HSM_ACCOUNT, region: 'eu-west-1' }, 'DescribeClusters', {})).Clusters,
  ).toEqual([]);
  expect(h.emulator.cloudHsm.findCluster(HSM_ACCOUNT, 'ap-southeast-2', created.ClusterId!)?.state).toBe(
    'UNINITIALIZED',
  );
  const err = await errorOf(() => provider.cloudHsm('DeleteHsm', { ClusterId: created.ClusterId! }));
  expect([err.awsName, err.code]).toEqual(['CloudHsmInvalidRequestException', 'ValidationError']);
  const missing = await errorOf(() => provider.cloudHsm('DeleteCluster', { ClusterId: 'cluster-abcdefghijk' }));
  expect([missing.awsName, missing.code]).toEqual(['CloudHsmResourceNotFoundException', 'NotFound']);
});
