import '../../../../src/emulator/cloudhsm/reflect-metadata-shim.js';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KMSClient } from '@aws-sdk/client-kms';
import { awsError } from '../../../../src/errors/index.js';
import type {
  CloudHsmDirectory,
  HsmClusterState,
  HsmClusterView,
  KmsUserLogin,
} from '../../../../src/emulator/cloudhsm/directory.js';
import type { KmsEmulator } from '../../../../src/emulator/emulator.js';
import type { EmulatorStore } from '../../../../src/emulator/store/emulator-store.js';
import { InMemoryEmulatorStore } from '../../../../src/emulator/store/in-memory-store.js';
import { HttpXksClient } from '../../../../src/xks/client.js';
import {
  InMemoryXksKeyVault,
  InMemoryXksStores,
  startStandaloneXksProxy,
  type StandaloneXksProxy,
} from '../../../../src/xks/standalone-proxy.js';

export const ACCOUNT = '111122223333';
export const REGION = 'us-east-1';
const ACCESS_KEY = 'AKIAOPENCCKMCKSTESTS';
const SECRET = 'cks-contract-secret-0123456789abcdefghijk';

/** The proxy credential a test store uses (AccessKeyId 20–30 of [A-Z2-7], secret 43–64 of base64 characters). */
export const XKS_CREDENTIAL = {
  AccessKeyId: 'ABCDEFGHIJKLMNOPQRST',
  RawSecretAccessKey: 'a'.repeat(22) + 'B'.repeat(22),
};
export const XKS_ENDPOINT = 'https://xks.example.com';
/** CreateCustomKeyStore input of the external store the tests' standalone proxy serves (name `xks`). */
export const XKS_STORE_INPUT = {
  CustomKeyStoreName: 'xks',
  CustomKeyStoreType: 'EXTERNAL_KEY_STORE',
  XksProxyConnectivity: 'PUBLIC_ENDPOINT',
  XksProxyUriEndpoint: XKS_ENDPOINT,
  XksProxyUriPath: '/kms/xks/v1',
  XksProxyAuthenticationCredential: XKS_CREDENTIAL,
} as const;

interface Cluster {
  state: HsmClusterState;
  hsms: Array<{ hsmId: string; availabilityZone: string }>;
  trustAnchorPem: string;
  kmsuser?: { password: string; lockedOut: boolean };
  securityGroup?: string;
}

/**
 * A CloudHsmDirectory whose clusters tests can put in any state at once (lockout, deleted,
 * no HSMs, UPDATE_IN_PROGRESS, clusters sharing a trust anchor), which the simulated CloudHSM
 * cannot be driven into on demand. Tests of record use the simulated service where it can.
 */
export class FakeCloudHsmDirectory implements CloudHsmDirectory {
  readonly clusters = new Map<string, Cluster>();
  readonly keys = new Map<string, Buffer>();

  /** An ACTIVE cluster with HSMs in two zones, a trust anchor and a kmsuser. */
  addCluster(id: string, opts: Partial<Cluster> & { password?: string } = {}): Cluster {
    const c: Cluster = {
      state: opts.state ?? 'ACTIVE',
      hsms: opts.hsms ?? [
        { hsmId: `hsm-${id}a`, availabilityZone: 'us-east-1a' },
        { hsmId: `hsm-${id}b`, availabilityZone: 'us-east-1b' },
      ],
      trustAnchorPem:
        opts.trustAnchorPem ??
        `-----BEGIN CERTIFICATE-----\n${randomBytes(24).toString('base64')}\n-----END CERTIFICATE-----`,
      kmsuser:
        opts.password === undefined
          ? { password: 'kmsuser-pass', lockedOut: false }
          : { password: opts.password, lockedOut: false },
      securityGroup: 'sg-0123456789',
    };
    this.clusters.set(id, c);
    return c;
  }

  findCluster(_a: string, _r: string, clusterId: string): HsmClusterView | undefined {
    const c = this.clusters.get(clusterId);
    return (
      c && {
        clusterId,
        state: c.state,
        activeHsms: c.hsms,
        trustAnchorPem: c.trustAnchorPem,
        securityGroup: c.securityGroup,
      }
    );
  }

  isTrustAnchor(_a: string, _r: string, clusterId: string, pem: string): boolean {
    return this.clusters.get(clusterId)?.trustAnchorPem.trim() === pem.trim();
  }

  loginKmsUser(_a: string, _r: string, clusterId: string, password: string): KmsUserLogin {
    const u = this.clusters.get(clusterId)?.kmsuser;
    if (!u) return 'USER_NOT_FOUND';
    if (u.lockedOut) return 'USER_LOCKED_OUT';
    return u.password === password ? 'OK' : 'INVALID_CREDENTIALS';
  }

  async createClusterKey(_a: string, _r: string, clusterId: string, label: string): Promise<string> {
    const c = this.clusters.get(clusterId)!;
    if (new Set(c.hsms.map((h) => h.availabilityZone)).size < 2)
      throw awsError('CloudHsmClusterInvalidConfigurationException', 'two HSMs in two zones required');
    const handle = `${clusterId}/${label}/${randomBytes(4).toString('hex')}`;
    this.keys.set(handle, randomBytes(32));
    return handle;
  }

  clusterEncrypt(
    _a: string,
    _r: string,
    _c: string,
    handle: string,
    plaintext: Uint8Array,
    aad: Uint8Array,
  ): Uint8Array {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(handle)!, iv).setAAD(aad);
    const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([iv, ct, cipher.getAuthTag()]);
  }

  clusterDecrypt(_a: string, _r: string, _c: string, handle: string, blob: Uint8Array, aad: Uint8Array): Uint8Array {
    const b = Buffer.from(blob);
    const d = createDecipheriv('aes-256-gcm', this.keys.get(handle)!, b.subarray(0, 12)).setAAD(aad);
    d.setAuthTag(b.subarray(b.length - 16));
    try {
      return Buffer.concat([d.update(b.subarray(12, b.length - 16)), d.final()]);
    } catch {
      throw awsError('InvalidCiphertextException', 'does not authenticate');
    }
  }

  async deleteClusterKey(_a: string, _r: string, _c: string, handle: string): Promise<void> {
    this.keys.delete(handle);
  }
}

/** A KMS emulator served on its wire endpoint, a real XKS proxy (standalone, HTTP) and an SDK client. */
export interface CksHarness {
  kms: KMSClient;
  emulator: KmsEmulator;
  directory: FakeCloudHsmDirectory;
  proxy: StandaloneXksProxy;
  xksStores: InMemoryXksStores;
  vault: InMemoryXksKeyVault;
  store: EmulatorStore;
  rootKey: Uint8Array;
  /** Reopens the emulator over the same store (a restart). */
  reopen(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts the harness. With `realCloudHsm` the KMS side uses the emulator's own simulated
 * CloudHSM service (transitions immediate), driven with test/support/cloudhsm-cluster.ts.
 */
export async function startHarness(opts: { realCloudHsm?: boolean; clock?: () => Date } = {}): Promise<CksHarness> {
  // Loaded after the Reflect shim has run: @peculiar/x509 (CJS, used by the CloudHSM emulator)
  // would otherwise be evaluated at link time, before any ES module body.
  const { KmsEmulator, parseXksEndpoints } = await import('../../../../src/emulator/emulator.js');
  const { createEmulatorWireHandler } = await import('../../../../src/emulator/wire/handler.js');
  const directory = new FakeCloudHsmDirectory();
  const xksStores = new InMemoryXksStores();
  const vault = new InMemoryXksKeyVault();
  xksStores.put('default', {
    region: REGION,
    credentials: [{ accessKeyId: XKS_CREDENTIAL.AccessKeyId, secretAccessKey: XKS_CREDENTIAL.RawSecretAccessKey }],
    blocked: false,
    ownerAccount: ACCOUNT,
  });
  const proxy = await startStandaloneXksProxy({ stores: xksStores, vault });
  const store = new InMemoryEmulatorStore();
  const rootKey = new Uint8Array(randomBytes(32));
  const resolver = parseXksEndpoints(
    `${XKS_ENDPOINT}=${proxy.baseUrl},com.amazonaws.vpce.us-east-1.vpce-svc-0abc123=${proxy.baseUrl}`,
  );
  const open = () =>
    KmsEmulator.open({
      cloudHsmScryptLogN: 10, // cheap hashes for HSM users in tests
      store,
      rootKey,
      defaultAccountId: ACCOUNT,
      schedulerIntervalMs: 0,
      clock: opts.clock,
      ...(opts.realCloudHsm ? { cloudHsmTransitionMs: 0 } : { cloudHsmDirectory: directory }),
      xksClient: new HttpXksClient({ timeoutMs: 2000 }),
      xksEndpointResolver: resolver,
    });
  let emulator = await open();
  let server: Server;
  const listen = async () => {
    server = createServer(
      createEmulatorWireHandler(emulator, {
        credentials: { [ACCESS_KEY]: { secretAccessKey: SECRET, accountId: ACCOUNT } },
        defaultAccountId: ACCOUNT,
        defaultRegion: REGION,
      }),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  };
  await listen();
  const url = `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
  const kms = new KMSClient({
    region: REGION,
    endpoint: url,
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET },
    maxAttempts: 1,
  });
  const h: CksHarness = {
    kms,
    get emulator() {
      return emulator;
    },
    directory,
    proxy,
    xksStores,
    vault,
    store,
    rootKey,
    reopen: async () => {
      await emulator.close();
      emulator = await open();
      server.removeAllListeners('request');
      server.on(
        'request',
        createEmulatorWireHandler(emulator, {
          credentials: { [ACCESS_KEY]: { secretAccessKey: SECRET, accountId: ACCOUNT } },
          defaultAccountId: ACCOUNT,
          defaultRegion: REGION,
        }),
      );
    },
    close: async () => {
      kms.destroy();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await emulator.close();
      await proxy.close();
    },
  };
  return h;
}

/** The AWS error name a promise rejects with, in-process (AppError) or over the wire (SDK error); fails the test if it resolves. */
export async function awsErrorName(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    const e = err as { awsName?: string; name: string };
    return e.awsName ?? e.name;
  }
  throw new Error('expected the call to fail');
}
