import { X509Certificate as NodeX509, webcrypto } from 'node:crypto';
import type * as X509 from '@peculiar/x509';
import { awsError } from '../../errors/index.js';
import { loadX509, type X509Lib } from './x509-loader.js';

/**
 * The certificates of an emulated cluster, as DescribeClusters reports them (PEM). The
 * chain is real X.509: an emulated manufacturer root signs the emulated "AWS hardware"
 * CA, which signs the HSM's certificate; the cluster CSR carries the HSM's public key and
 * is signed by its private key (which is discarded: the emulator never signs again).
 */
export interface ClusterCertificates {
  ClusterCsr: string;
  HsmCertificate: string;
  AwsHardwareCertificate: string;
  ManufacturerHardwareCertificate: string;
}

const ECDSA = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
/** Real CloudHSM clusters issue RSA-2048 CSRs; customers' CAs sign them with openssl or a PKI. */
const RSA = {
  name: 'RSASSA-PKCS1-v1_5',
  hash: 'SHA-256',
  publicExponent: new Uint8Array([1, 0, 1]),
  modulusLength: 2048,
} as const;
const TEN_YEARS_MS = 10 * 365 * 86_400_000;

const ca = (x509: X509Lib): X509.Extension[] => [
  new x509.BasicConstraintsExtension(true, undefined, true),
  new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true),
];

/**
 * Generates the chain and CSR of a new cluster (done when its first HSM is created, as
 * in AWS, where the CSR appears once an HSM exists).
 */
export async function createClusterCertificates(
  clusterId: string,
  hsmId: string,
  now: Date,
): Promise<ClusterCertificates> {
  const x509 = await loadX509();
  const notBefore = new Date(now.getTime() - 60_000);
  const notAfter = new Date(now.getTime() + TEN_YEARS_MS);
  const [mfrKeys, awsKeys, hsmKeys] = await Promise.all([
    webcrypto.subtle.generateKey(ECDSA, false, ['sign', 'verify']),
    webcrypto.subtle.generateKey(ECDSA, false, ['sign', 'verify']),
    webcrypto.subtle.generateKey(RSA, false, ['sign', 'verify']),
  ]);
  const manufacturer = await x509.X509CertificateGenerator.createSelfSigned({
    name: 'CN=opencckm emulated HSM manufacturer root, O=opencckm',
    keys: mfrKeys,
    signingAlgorithm: ECDSA,
    notBefore,
    notAfter,
    extensions: ca(x509),
  });
  const awsHardware = await x509.X509CertificateGenerator.create({
    subject: 'CN=opencckm emulated AWS CloudHSM hardware CA, O=opencckm',
    issuer: manufacturer.subject,
    publicKey: awsKeys.publicKey,
    signingKey: mfrKeys.privateKey,
    signingAlgorithm: ECDSA,
    notBefore,
    notAfter,
    extensions: ca(x509),
  });
  const hsmName = `CN=${hsmId}, OU=${clusterId}, O=opencckm emulated CloudHSM`;
  const hsm = await x509.X509CertificateGenerator.create({
    subject: hsmName,
    issuer: awsHardware.subject,
    publicKey: hsmKeys.publicKey,
    signingKey: awsKeys.privateKey,
    signingAlgorithm: ECDSA,
    notBefore,
    notAfter,
  });
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${clusterId}, O=opencckm emulated CloudHSM`,
    keys: hsmKeys,
    signingAlgorithm: RSA,
  });
  return {
    ClusterCsr: csr.toString('pem'),
    HsmCertificate: hsm.toString('pem'),
    AwsHardwareCertificate: awsHardware.toString('pem'),
    ManufacturerHardwareCertificate: manufacturer.toString('pem'),
  };
}

const invalid = (message: string) => awsError('CloudHsmInvalidRequestException', message);

function parseCertificate(x509: X509Lib, pem: string, field: string): X509.X509Certificate {
  try {
    return new x509.X509Certificate(pem);
  } catch {
    throw invalid(`${field} is not a PEM-encoded X.509 certificate.`);
  }
}

const sameBytes = (a: ArrayBuffer, b: ArrayBuffer): boolean => Buffer.from(a).equals(Buffer.from(b));

/**
 * The checks of InitializeCluster: `signedCertPem` must be the cluster's CSR (same public
 * key) signed by `trustAnchorPem`, a self-signed CA certificate, and both must be valid at
 * `now`.
 *
 * @throws AppError CloudHsmInvalidRequestException naming the field and the problem
 */
export async function verifyClusterCertificate(
  csrPem: string,
  signedCertPem: string,
  trustAnchorPem: string,
  now: Date,
): Promise<void> {
  const x509 = await loadX509();
  const signed = parseCertificate(x509, signedCertPem, 'SignedCert');
  const anchor = parseCertificate(x509, trustAnchorPem, 'TrustAnchor');
  const csr = new x509.Pkcs10CertificateRequest(csrPem);
  if (!(await anchor.isSelfSigned()))
    throw invalid('TrustAnchor must be a self-signed certificate (the root of the issuing CA).');
  if (!anchor.getExtension(x509.BasicConstraintsExtension)?.ca)
    throw invalid('TrustAnchor is not a CA certificate (basicConstraints cA is not set).');
  if (!inValidity(anchor, now)) throw invalid('TrustAnchor is expired or not yet valid.');
  if (!sameBytes(signed.publicKey.rawData, csr.publicKey.rawData)) {
    throw invalid(
      'SignedCert does not certify the cluster CSR: its public key differs from the public key of the cluster CSR.',
    );
  }
  if (signed.issuer !== anchor.subject || !(await signed.verify({ publicKey: anchor, signatureOnly: true }))) {
    throw invalid('SignedCert is not signed by TrustAnchor.');
  }
  if (!inValidity(signed, now)) throw invalid('SignedCert is expired or not yet valid.');
}

/** Clocks differ: a certificate minted moments ago elsewhere may start a little in our future. */
const NOT_BEFORE_SKEW_MS = 5 * 60_000;

const inValidity = (c: X509.X509Certificate, now: Date): boolean =>
  c.notBefore.getTime() <= now.getTime() + NOT_BEFORE_SKEW_MS && now.getTime() <= c.notAfter.getTime();

/** True when both PEMs are the same certificate (compared as DER); false for anything unparsable. */
export function sameCertificate(a: string, b: string): boolean {
  try {
    return new NodeX509(a).raw.equals(new NodeX509(b).raw);
  } catch {
    return false;
  }
}
