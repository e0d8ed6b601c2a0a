import { webcrypto } from 'node:crypto';
import { loadX509 } from '../../src/emulator/cloudhsm/x509-loader.js';
import type { KmsEmulator } from '../../src/emulator/emulator.js';
import type { CloudHsmOperationName, CloudHsmOperations, KmsProvider } from '../../src/providers/kms-provider.js';

/**
 * Test support for the simulated CloudHSM: a customer CA that signs cluster CSRs, and
 * {@link activeCluster}, which drives a cluster from CreateCluster to ACTIVE with a
 * `kmsuser` crypto user, through any of the three ways of reaching the emulator.
 */

const CA_ALG = { name: 'ECDSA', namedCurve: 'P-384', hash: 'SHA-384' } as const;

/** A customer's issuing CA: its self-signed certificate is the cluster's trust anchor. */
export interface TestCa {
  certificatePem: string;
  /** Signs a cluster CSR (PEM) and returns the cluster certificate (PEM). */
  sign(csrPem: string, options?: { notAfter?: Date }): Promise<string>;
}

/** Makes a fresh self-signed CA (P-384, independent of the emulator's own certificate code). */
export async function createTestCa(name = 'CN=opencckm test customer CA, O=Example Corp'): Promise<TestCa> {
  const x509 = await loadX509();
  const keys = await webcrypto.subtle.generateKey(CA_ALG, false, ['sign', 'verify']);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name,
    keys,
    signingAlgorithm: CA_ALG,
    notBefore: new Date(now - 3_600_000),
    notAfter: new Date(now + 365 * 86_400_000),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true),
    ],
  });
  return {
    certificatePem: cert.toString('pem'),
    async sign(csrPem, options = {}) {
      const csr = new x509.Pkcs10CertificateRequest(csrPem);
      if (!(await csr.verify())) throw new Error('the cluster CSR does not verify');
      const signed = await x509.X509CertificateGenerator.create({
        subject: csr.subject,
        issuer: cert.subject,
        publicKey: csr.publicKey,
        signingKey: keys.privateKey,
        signingAlgorithm: CA_ALG,
        notBefore: new Date(Date.now() - 3_600_000),
        notAfter: options.notAfter ?? new Date(Date.now() + 365 * 86_400_000),
      });
      return signed.toString('pem');
    },
  };
}

/** How {@link activeCluster} reaches CloudHSM: its API, and the admin action that sets a crypto user. */
export interface CloudHsmAccess {
  call<Op extends CloudHsmOperationName>(
    op: Op,
    input: CloudHsmOperations[Op]['input'],
  ): Promise<CloudHsmOperations[Op]['output']>;
  setCryptoUser(clusterId: string, username: string, password: string): Promise<void>;
}

/** In-process: the emulator's CloudHSM for one account and Region. */
export function emulatorAccess(emulator: KmsEmulator, ctx: { accountId: string; region: string }): CloudHsmAccess {
  return {
    call: (op, input) => emulator.cloudHsm.call(ctx, op, input as never) as never,
    setCryptoUser: (clusterId, username, password) =>
      emulator.cloudHsm.setCryptoUser(ctx.accountId, ctx.region, clusterId, username, password),
  };
}

/**
 * Through a provider (for the aws provider: @aws-sdk/client-cloudhsm-v2 against the
 * emulator's wire endpoint `wireUrl`, served with `enableCloudHsmAdmin: true`).
 */
export function providerAccess(provider: KmsProvider, wireUrl: string): CloudHsmAccess {
  return {
    call: (op, input) => provider.cloudHsm(op, input),
    setCryptoUser: (clusterId, username, password) => adminCryptoUser(wireUrl, clusterId, username, password),
  };
}

/** `POST /_opencckm/cloudhsm/clusters/{id}/crypto-users` on an emulator wire endpoint. */
async function adminCryptoUser(wireUrl: string, clusterId: string, username: string, password: string): Promise<void> {
  const res = await fetch(`${wireUrl}/_opencckm/cloudhsm/clusters/${clusterId}/crypto-users`, {
    method: 'POST',
    body: JSON.stringify({ username, password }),
  });
  if (res.status !== 200) throw new Error(`setting crypto user ${username} failed: ${res.status} ${await res.text()}`);
}

export interface ActiveCluster {
  clusterId: string;
  /** The trust anchor the cluster was initialized with (the test CA's certificate). */
  trustAnchorPem: string;
  ca: TestCa;
  hsms: Array<{ hsmId: string; availabilityZone: string }>;
  kmsuserPassword: string;
}

export interface ActiveClusterOptions {
  /** HSMs to create, one per zone round-robin over two subnets (default 2, what KMS requires). */
  hsms?: number;
  /** Default `kmsuser-Passw0rd` (7–32 characters, as KMS's KeyStorePassword). */
  kmsuserPassword?: string;
  /** How long to wait for each asynchronous transition (default 10 s). */
  timeoutMs?: number;
}

/**
 * CreateCluster (two subnets) → CreateHsm × `hsms` → wait for ACTIVE HSMs → DescribeClusters
 * (ClusterCsr) → sign with a fresh test CA → InitializeCluster → set `kmsuser` → ACTIVE.
 */
export async function activeCluster(
  access: CloudHsmAccess,
  options: ActiveClusterOptions = {},
): Promise<ActiveCluster> {
  const hsmCount = options.hsms ?? 2;
  const password = options.kmsuserPassword ?? 'kmsuser-Passw0rd';
  const timeoutMs = options.timeoutMs ?? 10_000;
  const created = await access.call('CreateCluster', {
    HsmType: 'hsm2m.medium',
    SubnetIds: ['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60002'],
  });
  const clusterId = created.Cluster!.ClusterId!;
  const describe = async () =>
    (await access.call('DescribeClusters', { Filters: { clusterIds: [clusterId] } })).Clusters![0]!;
  await until(async () => (await describe()).State === 'UNINITIALIZED', timeoutMs, 'cluster UNINITIALIZED');
  const zones = Object.keys(created.Cluster!.SubnetMapping ?? {}).sort();
  const hsms: ActiveCluster['hsms'] = [];
  for (let i = 0; i < hsmCount; i++) {
    const out = await access.call('CreateHsm', { ClusterId: clusterId, AvailabilityZone: zones[i % zones.length]! });
    hsms.push({ hsmId: out.Hsm!.HsmId!, availabilityZone: out.Hsm!.AvailabilityZone! });
  }
  await until(async () => (await describe()).Hsms!.every((h) => h.State === 'ACTIVE'), timeoutMs, 'HSMs ACTIVE');
  const ca = await createTestCa();
  const csr = (await describe()).Certificates!.ClusterCsr!;
  await access.call('InitializeCluster', {
    ClusterId: clusterId,
    SignedCert: await ca.sign(csr),
    TrustAnchor: ca.certificatePem,
  });
  await until(async () => (await describe()).State === 'INITIALIZED', timeoutMs, 'cluster INITIALIZED');
  await access.setCryptoUser(clusterId, 'kmsuser', password);
  await until(async () => (await describe()).State === 'ACTIVE', timeoutMs, 'cluster ACTIVE');
  return { clusterId, trustAnchorPem: ca.certificatePem, ca, hsms, kmsuserPassword: password };
}

/** Polls `check` every 20 ms until it holds. @throws Error naming `what` after `timeoutMs` */
export async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
