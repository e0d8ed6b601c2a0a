import {
  ConnectCustomKeyStoreCommand,
  CreateCustomKeyStoreCommand,
  type CreateCustomKeyStoreCommandInput,
  DescribeCustomKeyStoresCommand,
  UpdateCustomKeyStoreCommand,
  type CustomKeyStoresListEntry,
} from '@aws-sdk/client-kms';
import { activeCluster, emulatorAccess } from '../support/cloudhsm-cluster.js';
import {
  ACCOUNT,
  REGION,
  startHarness,
  XKS_CREDENTIAL,
  XKS_ENDPOINT,
  type CksHarness,
} from '../unit/emulator/custom-key-stores/harness.js';

/** Shared set-up of the custom key store rule files (seeds 000, 002 and 003). */

export let h: CksHarness;
let seq = 0;
export const CALLER = { accountId: ACCOUNT, region: REGION };
const uniq = (p: string) => `${p}-${++seq}`;
/** A cluster id the model accepts (cluster- + 11 of [2-7a-zA-Z]). */
export const newClusterId = () =>
  `cluster-${(++seq)
    .toString(26)
    .split('')
    .map((c) => String.fromCharCode(97 + parseInt(c, 26)))
    .join('')
    .padStart(11, 'z')}`;

/**
 * CloudHSM stores use the emulator's own simulated CloudHSM service (real clusters with an
 * X.509 trust chain, driven by test/support/cloudhsm-cluster.ts); the last block uses a test
 * directory for cluster states that service cannot be put in on demand.
 */
let real = true;

/** The last block of rules uses the test directory instead of the simulated CloudHSM. */
export function useTestDirectory(on: boolean): void {
  real = !on;
}

/** A fresh emulator harness for each test of the calling file. */
export function installHarness(): void {
  beforeEach(async () => {
    h = await startHarness({ realCloudHsm: real });
  });
  afterEach(async () => {
    await h.close();
  });
}

/** A new ACTIVE cluster (two HSMs in two zones unless told) whose kmsuser password is `kmsuser-pass`. */
export async function newCluster(hsms = 2): Promise<string> {
  if (!real) {
    const id = newClusterId();
    h.directory.addCluster(id, hsms === 2 ? {} : { hsms: [{ hsmId: 'hsm-1', availabilityZone: 'us-east-1a' }] });
    return id;
  }
  return (await activeCluster(emulatorAccess(h.emulator, CALLER), { hsms, kmsuserPassword: 'kmsuser-pass' })).clusterId;
}

const anchorOf = (clusterId: string): string =>
  (real ? h.emulator.cloudHsm : h.directory).findCluster(ACCOUNT, REGION, clusterId)?.trustAnchorPem ?? 'no-anchor';

export async function hsmStore(
  overrides: Partial<CreateCustomKeyStoreCommandInput> = {},
): Promise<{ id: string; clusterId: string }> {
  const clusterId = overrides.CloudHsmClusterId ?? (await newCluster());
  const out = await h.kms.send(
    new CreateCustomKeyStoreCommand({
      CustomKeyStoreName: uniq('hsm'),
      CloudHsmClusterId: clusterId,
      TrustAnchorCertificate: anchorOf(clusterId),
      KeyStorePassword: 'kmsuser-pass',
      ...overrides,
    }),
  );
  return { id: out.CustomKeyStoreId!, clusterId };
}

export async function xksStore(overrides: Partial<CreateCustomKeyStoreCommandInput> = {}): Promise<string> {
  const out = await h.kms.send(
    new CreateCustomKeyStoreCommand({
      CustomKeyStoreName: uniq('xks'),
      CustomKeyStoreType: 'EXTERNAL_KEY_STORE',
      XksProxyConnectivity: 'PUBLIC_ENDPOINT',
      XksProxyUriEndpoint: XKS_ENDPOINT,
      XksProxyUriPath: '/kms/xks/v1',
      XksProxyAuthenticationCredential: XKS_CREDENTIAL,
      ...overrides,
    }),
  );
  return out.CustomKeyStoreId!;
}

export const update = (input: ConstructorParameters<typeof UpdateCustomKeyStoreCommand>[0]) =>
  h.kms.send(new UpdateCustomKeyStoreCommand(input));

export async function describe1(id: string): Promise<CustomKeyStoresListEntry> {
  return (await h.kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: id }))).CustomKeyStores![0]!;
}

export async function connect(id: string): Promise<CustomKeyStoresListEntry> {
  await h.kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
  await h.emulator.settled();
  return describe1(id);
}
