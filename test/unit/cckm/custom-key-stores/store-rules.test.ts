import { randomBytes } from 'node:crypto';
import { webcrypto } from 'node:crypto';
import { SecretBox } from '../../../../src/auth/secret-box.js';
import { isTrustAnchorOf } from '../../../../src/cckm/custom-key-stores/cloudhsm-precheck.js';
import {
  checkCreate,
  createStoreInput,
  type CreateStoreInput,
} from '../../../../src/cckm/custom-key-stores/store-request.js';
import {
  generateXksCredential,
  openXksSecret,
  sealXksSecret,
} from '../../../../src/cckm/custom-key-stores/xks-credential.js';
import { ValidationError } from '../../../../src/errors/index.js';
import { loadX509 } from '../../../../src/emulator/cloudhsm/x509-loader.js';
import { createTestCa } from '../../../support/cloudhsm-cluster.js';

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** A cluster certificate (a self-made "CSR" key) issued by `ca`. */
async function clusterCertificate(ca: Awaited<ReturnType<typeof createTestCa>>): Promise<string> {
  const x509 = await loadX509();
  const keys = await webcrypto.subtle.generateKey(ALG, false, ['sign', 'verify']);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: 'CN=cluster-abcdefghijk',
    keys,
    signingAlgorithm: ALG,
  });
  return ca.sign(csr.toString('pem'));
}

describe('custom key stores: pure rules', () => {
  it('the trust anchor check accepts the CA that signed the cluster certificate, and nothing else', async () => {
    const ca = await createTestCa();
    const other = await createTestCa('CN=other CA');
    const cert = await clusterCertificate(ca);
    expect(isTrustAnchorOf(cert, ca.certificatePem)).toBe(true);
    // A chain given with the cluster certificate: the anchor may sign any certificate of it.
    expect(isTrustAnchorOf(`${cert}\n${ca.certificatePem}`, ca.certificatePem)).toBe(true);
    expect(isTrustAnchorOf(cert, other.certificatePem)).toBe(false);
    // The same subject name is not enough: the signature must verify with the anchor's key.
    const impostor = await createTestCa('CN=opencckm test customer CA, O=Example Corp');
    expect(isTrustAnchorOf(cert, impostor.certificatePem)).toBe(false);
    expect(isTrustAnchorOf(cert, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----')).toBe(false);
    expect(isTrustAnchorOf('garbage', ca.certificatePem)).toBe(false);
  });

  it('generates proxy credentials in the formats AWS requires, different every time, sealed per store', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const c = generateXksCredential();
      expect(c.accessKeyId).toMatch(/^[A-Z2-7]{20,30}$/);
      expect(c.secretAccessKey).toMatch(/^[a-zA-Z0-9/+=]{43,64}$/);
      expect(Buffer.from(c.secretAccessKey, 'base64')).toHaveLength(32);
      seen.add(c.accessKeyId).add(c.secretAccessKey);
    }
    expect(seen.size).toBe(100);
    const box = new SecretBox(randomBytes(32));
    const { secretAccessKey } = generateXksCredential();
    const sealed = sealXksSecret(box, 'store-a', secretAccessKey);
    expect(sealed.includes(Buffer.from(secretAccessKey))).toBe(false);
    expect(openXksSecret(box, 'store-a', sealed)).toBe(secretAccessKey);
    // Bound to its store: a sealed secret copied to another store's row does not open.
    expect(() => openXksSecret(box, 'store-b', sealed)).toThrow();
  });

  it("builds CreateCustomKeyStore per type; a hosted store gets opencckm's endpoint, path and credential", () => {
    const hsm: CreateStoreInput = {
      name: 's',
      kms: 'kms',
      region: 'us-east-1',
      aws_param: {
        cloud_hsm_cluster_id: 'cluster-abcdefghijk',
        key_store_password: 'kmsuser-Passw0rd',
        trust_anchor_certificate: '-----BEGIN CERTIFICATE-----x',
      },
    };
    checkCreate(hsm);
    expect(createStoreInput(hsm)).toEqual({
      CustomKeyStoreName: 's',
      CustomKeyStoreType: 'AWS_CLOUDHSM',
      CloudHsmClusterId: 'cluster-abcdefghijk',
      KeyStorePassword: 'kmsuser-Passw0rd',
      TrustAnchorCertificate: '-----BEGIN CERTIFICATE-----x',
    });
    const hosted: CreateStoreInput = {
      name: 'h',
      kms: 'kms',
      region: 'us-east-1',
      aws_param: { custom_key_store_type: 'EXTERNAL_KEY_STORE' },
      local_hosted_params: {},
    };
    checkCreate(hosted);
    expect(
      createStoreInput(hosted, {
        uriEndpoint: 'https://cckm.example.com',
        uriPath: '/p/kms/xks/v1',
        accessKeyId: 'A'.repeat(24),
        secret: 'b'.repeat(44),
      }),
    ).toEqual({
      CustomKeyStoreName: 'h',
      CustomKeyStoreType: 'EXTERNAL_KEY_STORE',
      XksProxyConnectivity: 'PUBLIC_ENDPOINT',
      XksProxyUriEndpoint: 'https://cckm.example.com',
      XksProxyUriPath: '/p/kms/xks/v1',
      XksProxyAuthenticationCredential: { AccessKeyId: 'A'.repeat(24), RawSecretAccessKey: 'b'.repeat(44) },
    });
  });

  it('refuses a third-party external store created unlinked, and a VPC service name with public connectivity', () => {
    const base = {
      name: 'x',
      kms: 'kms',
      region: 'us-east-1',
      aws_param: {
        custom_key_store_type: 'EXTERNAL_KEY_STORE' as const,
        xks_proxy_connectivity: 'PUBLIC_ENDPOINT' as const,
        xks_proxy_uri_endpoint: 'https://xks.example.com',
        xks_proxy_uri_path: '/kms/xks/v1',
        xks_proxy_authentication_credential: { access_key_id: 'A'.repeat(20), raw_secret_access_key: 'a'.repeat(43) },
      },
    };
    expect(() => checkCreate(base)).not.toThrow();
    const unlinked = (() => {
      try {
        checkCreate({ ...base, linked_state: false });
      } catch (e) {
        return e;
      }
    })();
    expect(unlinked).toBeInstanceOf(ValidationError);
    expect((unlinked as ValidationError).details?.[0]?.field).toBe('linked_state');
    expect(() =>
      checkCreate({
        ...base,
        aws_param: {
          ...base.aws_param,
          xks_proxy_vpc_endpoint_service_name: 'com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0',
        },
      }),
    ).toThrow(/aws_param.xks_proxy_vpc_endpoint_service_name: applies only when/);
  });
});
