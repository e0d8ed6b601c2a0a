import { X509Certificate } from 'node:crypto';
import { loadX509 } from '../../../../src/emulator/cloudhsm/x509-loader.js';
import { createTestCa, type TestCa } from '../../../support/cloudhsm-cluster.js';
import { callOf, describe1, errorOf, HSM_CTX, newCluster, openHsmHarness, type HsmHarness } from './helpers.js';

let h: HsmHarness;
let ca: TestCa;
let otherCa: TestCa;
const call = callOf(() => h);

beforeAll(async () => {
  [ca, otherCa] = await Promise.all([createTestCa(), createTestCa('CN=someone else')]);
});
afterEach(async () => h?.emulator.close());

/** A cluster with one ACTIVE HSM (so it has a CSR), UNINITIALIZED. */
async function clusterWithHsm(transitionMs = 0): Promise<{ id: string; csr: string }> {
  h = await openHsmHarness({ transitionMs });
  const id = await newCluster(h);
  h.clock.advanceMs(transitionMs);
  await call('CreateHsm', { ClusterId: id, AvailabilityZone: 'eu-west-1a' });
  h.clock.advanceMs(transitionMs);
  return { id, csr: (await describe1(h, id)).Certificates.ClusterCsr };
}

describe('the cluster certificate chain', () => {
  it('is real X.509: manufacturer root → AWS hardware CA → HSM certificate, and the CSR carries the HSM key', async () => {
    const { id } = await clusterWithHsm();
    const certs = (await describe1(h, id)).Certificates;
    const mfr = new X509Certificate(certs.ManufacturerHardwareCertificate);
    const aws = new X509Certificate(certs.AwsHardwareCertificate);
    const hsm = new X509Certificate(certs.HsmCertificate);
    expect(mfr.verify(mfr.publicKey)).toBe(true);
    expect(aws.checkIssued(mfr) && aws.verify(mfr.publicKey)).toBe(true);
    expect(hsm.checkIssued(aws) && hsm.verify(aws.publicKey)).toBe(true);
    expect(hsm.verify(mfr.publicKey)).toBe(false);
    expect(mfr.ca && aws.ca && !hsm.ca).toBe(true);
    const x509 = await loadX509();
    const csr = new x509.Pkcs10CertificateRequest(certs.ClusterCsr);
    expect(await csr.verify()).toBe(true);
    expect(csr.subject).toContain(id);
    expect(Buffer.from(csr.publicKey.rawData).equals(hsm.publicKey.export({ type: 'spki', format: 'der' }))).toBe(true);
    expect(certs.ClusterCertificate).toBeUndefined();
  });
});

describe('InitializeCluster', () => {
  it('accepts the CSR signed by the trust anchor: INITIALIZE_IN_PROGRESS → INITIALIZED, with the cluster certificate', async () => {
    const { id, csr } = await clusterWithHsm(20);
    const signed = await ca.sign(csr);
    const out = await call('InitializeCluster', { ClusterId: id, SignedCert: signed, TrustAnchor: ca.certificatePem });
    expect(out.State).toBe('INITIALIZE_IN_PROGRESS');
    expect((await describe1(h, id)).State).toBe('INITIALIZE_IN_PROGRESS');
    h.clock.advanceMs(20);
    const shown = await describe1(h, id);
    expect(shown.State).toBe('INITIALIZED');
    expect(shown.Certificates.ClusterCertificate).toBe(signed.trim());
    const view = h.emulator.cloudHsm.findCluster(HSM_CTX.accountId, HSM_CTX.region, id)!;
    expect(view.trustAnchorPem).toBe(ca.certificatePem.trim());
    expect(h.emulator.cloudHsm.isTrustAnchor(HSM_CTX.accountId, HSM_CTX.region, id, ca.certificatePem)).toBe(true);
    expect(h.emulator.cloudHsm.isTrustAnchor(HSM_CTX.accountId, HSM_CTX.region, id, otherCa.certificatePem)).toBe(
      false,
    );
    expect(h.emulator.cloudHsm.isTrustAnchor(HSM_CTX.accountId, HSM_CTX.region, id, 'not a pem')).toBe(false);
    const again = await errorOf(() =>
      call('InitializeCluster', { ClusterId: id, SignedCert: signed, TrustAnchor: ca.certificatePem }),
    );
    expect([again.awsName, again.message]).toEqual([
      'CloudHsmInvalidRequestException',
      expect.stringContaining('is INITIALIZED'),
    ]);
  });

  it('refuses a trust anchor that did not sign the certificate', async () => {
    const { id, csr } = await clusterWithHsm();
    const err = await errorOf(async () =>
      call('InitializeCluster', { ClusterId: id, SignedCert: await ca.sign(csr), TrustAnchor: otherCa.certificatePem }),
    );
    expect([err.awsName, err.message]).toEqual([
      'CloudHsmInvalidRequestException',
      'SignedCert is not signed by TrustAnchor.',
    ]);
    expect((await describe1(h, id)).State).toBe('UNINITIALIZED');
  });

  it('refuses a certificate for another key than the cluster CSR', async () => {
    const { id } = await clusterWithHsm();
    const x509 = await loadX509();
    const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
    const keys = await crypto.subtle.generateKey(alg, false, ['sign', 'verify']);
    const foreignCsr = await x509.Pkcs10CertificateRequestGenerator.create({
      name: 'CN=foreign',
      keys,
      signingAlgorithm: alg,
    });
    const err = await errorOf(async () =>
      call('InitializeCluster', {
        ClusterId: id,
        SignedCert: await ca.sign(foreignCsr.toString('pem')),
        TrustAnchor: ca.certificatePem,
      }),
    );
    expect(err.message).toContain('its public key differs from the public key of the cluster CSR');
  });

  it('refuses a trust anchor that is not self-signed, an expired certificate and garbage', async () => {
    const { id, csr } = await clusterWithHsm();
    const signed = await ca.sign(csr);
    const notRoot = await errorOf(() =>
      call('InitializeCluster', { ClusterId: id, SignedCert: signed, TrustAnchor: signed }),
    );
    expect(notRoot.message).toContain('TrustAnchor must be a self-signed certificate');
    const expired = await ca.sign(csr, { notAfter: new Date(Date.now() - 60_000) });
    expect(
      (
        await errorOf(() =>
          call('InitializeCluster', { ClusterId: id, SignedCert: expired, TrustAnchor: ca.certificatePem }),
        )
      ).message,
    ).toContain('SignedCert is expired');
    const garbage = await errorOf(() =>
      call('InitializeCluster', { ClusterId: id, SignedCert: 'abc', TrustAnchor: ca.certificatePem }),
    );
    expect([garbage.awsName, garbage.message]).toEqual([
      'CloudHsmInvalidRequestException',
      'SignedCert is not a PEM-encoded X.509 certificate.',
    ]);
    const tooLong = await errorOf(() =>
      call('InitializeCluster', { ClusterId: id, SignedCert: 'A'.repeat(20_001), TrustAnchor: ca.certificatePem }),
    );
    expect(tooLong.message).toContain('SignedCert must be at most 20000 characters');
    const missing = await errorOf(() => call('InitializeCluster', { ClusterId: id, SignedCert: signed }));
    expect(missing.message).toBe('TrustAnchor is required.');
    expect((await describe1(h, id)).State).toBe('UNINITIALIZED');
  });

  it('needs an ACTIVE HSM first, and an UNINITIALIZED cluster', async () => {
    h = await openHsmHarness({ transitionMs: 10 });
    const id = await newCluster(h);
    const creating = await errorOf(() =>
      call('InitializeCluster', { ClusterId: id, SignedCert: ca.certificatePem, TrustAnchor: ca.certificatePem }),
    );
    expect(creating.message).toContain('is CREATE_IN_PROGRESS');
    h.clock.advanceMs(10);
    const noHsm = await errorOf(() =>
      call('InitializeCluster', { ClusterId: id, SignedCert: ca.certificatePem, TrustAnchor: ca.certificatePem }),
    );
    expect(noHsm.message).toContain('has no active HSM yet');
    await call('CreateHsm', { ClusterId: id, AvailabilityZone: 'eu-west-1a' });
    const pending = await errorOf(() =>
      call('InitializeCluster', { ClusterId: id, SignedCert: ca.certificatePem, TrustAnchor: ca.certificatePem }),
    );
    expect(pending.message).toContain('has no active HSM yet');
    const unknown = await errorOf(() =>
      call('InitializeCluster', {
        ClusterId: 'cluster-abcdefghijk',
        SignedCert: ca.certificatePem,
        TrustAnchor: ca.certificatePem,
      }),
    );
    expect(unknown.awsName).toBe('CloudHsmResourceNotFoundException');
  });
});
