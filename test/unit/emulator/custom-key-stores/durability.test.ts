import { randomBytes } from 'node:crypto';
import { parseXksEndpoints } from '../../../../src/emulator/core/store-connector.js';
import type { EmulatorStore, StoreChange, StoredObject } from '../../../../src/emulator/store/emulator-store.js';
import { InMemoryEmulatorStore } from '../../../../src/emulator/store/in-memory-store.js';
import { ACCOUNT, REGION, FakeCloudHsmDirectory } from './harness.js';

/** Custom key stores survive restarts: secrets sealed, CONNECTING resumed, failed writes undone. */

const CALLER = { accountId: ACCOUNT, region: REGION };
const CLUSTER = 'cluster-abcdefghijk';

/** A store whose writes can be made to fail. */
class FlakyStore implements EmulatorStore {
  readonly inner = new InMemoryEmulatorStore();
  failNext = false;
  loadAll(): Promise<StoredObject[]> {
    return this.inner.loadAll();
  }
  async apply(change: StoreChange): Promise<void> {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('disk full');
    }
    await this.inner.apply(change);
  }
}

async function open(store: EmulatorStore, rootKey: Uint8Array, directory: FakeCloudHsmDirectory) {
  const { KmsEmulator } = await import('../../../../src/emulator/emulator.js');
  return KmsEmulator.open({
    cloudHsmScryptLogN: 10, // cheap hashes for HSM users in tests
    store,
    rootKey,
    defaultAccountId: ACCOUNT,
    schedulerIntervalMs: 0,
    cloudHsmDirectory: directory,
  });
}

async function createStore(
  emulator: Awaited<ReturnType<typeof open>>,
  directory: FakeCloudHsmDirectory,
  password = 'kmsuser-pass',
): Promise<string> {
  const cluster = directory.clusters.get(CLUSTER) ?? directory.addCluster(CLUSTER);
  const out = await emulator.call(CALLER, 'CreateCustomKeyStore', {
    CustomKeyStoreName: 'hsm',
    CloudHsmClusterId: CLUSTER,
    TrustAnchorCertificate: cluster.trustAnchorPem,
    KeyStorePassword: password,
  });
  return out.CustomKeyStoreId!;
}

describe('custom key store durability', () => {
  it('the kmsuser password is sealed in the row secret, never in the document, and opens after a restart', async () => {
    const store = new InMemoryEmulatorStore();
    const rootKey = new Uint8Array(randomBytes(32));
    const directory = new FakeCloudHsmDirectory();
    const a = await open(store, rootKey, directory);
    const id = await createStore(a, directory);
    await a.close();
    const rows = (await store.loadAll()).filter((o) => o.kind === 'custom-key-store');
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows[0]!.doc)).not.toContain('kmsuser-pass');
    expect(Buffer.from(rows[0]!.secret!).includes(Buffer.from('kmsuser-pass'))).toBe(false);
    const b = await open(store, rootKey, directory);
    await b.call(CALLER, 'ConnectCustomKeyStore', { CustomKeyStoreId: id });
    await b.settled();
    expect(
      (await b.call(CALLER, 'DescribeCustomKeyStores', { CustomKeyStoreId: id })).CustomKeyStores![0]!.ConnectionState,
    ).toBe('CONNECTED');
    await b.close();
  });

  it('a store left CONNECTING by a restart is connected again when the emulator opens', async () => {
    const store = new InMemoryEmulatorStore();
    const rootKey = new Uint8Array(randomBytes(32));
    const directory = new FakeCloudHsmDirectory();
    const a = await open(store, rootKey, directory);
    const id = await createStore(a, directory);
    await a.call(CALLER, 'ConnectCustomKeyStore', { CustomKeyStoreId: id });
    // A copy of the store as it was with the store CONNECTING: what a crash right now would leave.
    const crashed = new InMemoryEmulatorStore();
    await crashed.apply({ put: await store.loadAll() });
    await a.close();
    const b = await open(crashed, rootKey, directory);
    const before = (await crashed.loadAll()).find((o) => o.kind === 'custom-key-store')!.doc as {
      connectionState: string;
    };
    expect(before.connectionState).toBe('CONNECTING');
    await b.settled();
    expect(
      (await b.call(CALLER, 'DescribeCustomKeyStores', { CustomKeyStoreId: id })).CustomKeyStores![0]!.ConnectionState,
    ).toBe('CONNECTED');
    expect(
      ((await crashed.loadAll()).find((o) => o.kind === 'custom-key-store')!.doc as { connectionState: string })
        .connectionState,
    ).toBe('CONNECTED');
    await b.close();
  });

  it("a Disconnect during CONNECTING wins over the attempt's late result", async () => {
    const store = new InMemoryEmulatorStore();
    const directory = new FakeCloudHsmDirectory();
    const a = await open(store, new Uint8Array(randomBytes(32)), directory);
    const id = await createStore(a, directory);
    await a.call(CALLER, 'ConnectCustomKeyStore', { CustomKeyStoreId: id });
    await a.call(CALLER, 'DisconnectCustomKeyStore', { CustomKeyStoreId: id });
    await a.settled();
    expect(
      (await a.call(CALLER, 'DescribeCustomKeyStores', { CustomKeyStoreId: id })).CustomKeyStores![0]!.ConnectionState,
    ).toBe('DISCONNECTED');
    await a.close();
  });

  it('an outcome that could not be written is retried: the store does not stay CONNECTING', async () => {
    const store = new FlakyStore();
    const directory = new FakeCloudHsmDirectory();
    const a = await open(store, new Uint8Array(randomBytes(32)), directory);
    const id = await createStore(a, directory);
    await a.call(CALLER, 'ConnectCustomKeyStore', { CustomKeyStoreId: id });
    store.failNext = true;
    await a.settled();
    const state = async () =>
      (await a.call(CALLER, 'DescribeCustomKeyStores', { CustomKeyStoreId: id })).CustomKeyStores![0]!.ConnectionState;
    expect(await state()).toBe('CONNECTING');
    const deadline = Date.now() + 5000;
    while ((await state()) === 'CONNECTING' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await a.settled();
    expect(await state()).toBe('CONNECTED');
    await a.close();
  });

  it('a failed store write undoes the create: the store does not exist and the name stays free', async () => {
    const store = new FlakyStore();
    const directory = new FakeCloudHsmDirectory();
    const a = await open(store, new Uint8Array(randomBytes(32)), directory);
    store.failNext = true;
    await expect(createStore(a, directory)).rejects.toMatchObject({ awsName: 'KMSInternalException' });
    expect((await a.call(CALLER, 'DescribeCustomKeyStores', {})).CustomKeyStores).toEqual([]);
    await createStore(a, directory);
    await a.close();
  });
});

describe('parseXksEndpoints (EMULATOR_XKS_ENDPOINTS)', () => {
  it('maps public endpoints and VPC endpoint services to the URLs really called', () => {
    const r = parseXksEndpoints(
      ' https://xks.example.com=http://127.0.0.1:9000 , com.amazonaws.vpce.us-east-1.vpce-svc-0abc=http://127.0.0.1:9001',
    );
    expect(r('https://XKS.example.com', 'PUBLIC_ENDPOINT')).toBe('http://127.0.0.1:9000');
    expect(r('https://other.example.com', 'PUBLIC_ENDPOINT')).toBeUndefined();
    expect(r('https://private.example.com', 'VPC_ENDPOINT_SERVICE', 'com.amazonaws.vpce.us-east-1.vpce-svc-0abc')).toBe(
      'http://127.0.0.1:9001',
    );
    expect(
      r('https://private.example.com', 'VPC_ENDPOINT_SERVICE', 'com.amazonaws.vpce.us-east-1.vpce-svc-0fff'),
    ).toBeUndefined();
  });

  it('rejects an entry without a target URL, naming it', () => {
    expect(() => parseXksEndpoints('https://xks.example.com')).toThrow(/https:\/\/xks.example.com/);
    expect(() => parseXksEndpoints('https://a.example=ftp://x')).toThrow(TypeError);
  });
});
