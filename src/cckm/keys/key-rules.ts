/**
 * What AWS KMS allows when creating a key, checked before calling the provider so that
 * bad input gets a 400 naming the field (AWS would answer with a less specific error).
 * Source: the AWS KMS API model (KeySpec, KeyUsageType, OriginType) and CreateKey docs.
 * Pure (no imports): the web console bundles it for its create form, so the two never disagree.
 */

export const KEY_SPECS = [
  'SYMMETRIC_DEFAULT',
  'RSA_2048',
  'RSA_3072',
  'RSA_4096',
  'ECC_NIST_P256',
  'ECC_NIST_P384',
  'ECC_NIST_P521',
  'ECC_SECG_P256K1',
  'ECC_NIST_EDWARDS25519',
  'HMAC_224',
  'HMAC_256',
  'HMAC_384',
  'HMAC_512',
  'SM2',
  'ML_DSA_44',
  'ML_DSA_65',
  'ML_DSA_87',
] as const;
export type KeySpec = (typeof KEY_SPECS)[number];

export type KeyUsage = 'ENCRYPT_DECRYPT' | 'SIGN_VERIFY' | 'GENERATE_VERIFY_MAC' | 'KEY_AGREEMENT';

/** Usages each spec supports; the first is AWS's default when KeyUsage is omitted, if AWS has one. */
export const USAGES_BY_SPEC: Record<KeySpec, readonly KeyUsage[]> = {
  SYMMETRIC_DEFAULT: ['ENCRYPT_DECRYPT'],
  RSA_2048: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'],
  RSA_3072: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'],
  RSA_4096: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'],
  ECC_NIST_P256: ['SIGN_VERIFY', 'KEY_AGREEMENT'],
  ECC_NIST_P384: ['SIGN_VERIFY', 'KEY_AGREEMENT'],
  ECC_NIST_P521: ['SIGN_VERIFY', 'KEY_AGREEMENT'],
  ECC_SECG_P256K1: ['SIGN_VERIFY'],
  ECC_NIST_EDWARDS25519: ['SIGN_VERIFY'],
  HMAC_224: ['GENERATE_VERIFY_MAC'],
  HMAC_256: ['GENERATE_VERIFY_MAC'],
  HMAC_384: ['GENERATE_VERIFY_MAC'],
  HMAC_512: ['GENERATE_VERIFY_MAC'],
  SM2: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY', 'KEY_AGREEMENT'],
  ML_DSA_44: ['SIGN_VERIFY'],
  ML_DSA_65: ['SIGN_VERIFY'],
  ML_DSA_87: ['SIGN_VERIFY'],
};

/** Regions where HMAC keys are not available (seed 004) and the only ones SM2 is (AWS docs). */
const CHINA_REGIONS = ['cn-north-1', 'cn-northwest-1'] as const;

export function isChinaRegion(region: string): boolean {
  return (CHINA_REGIONS as readonly string[]).includes(region);
}

/** The CCKM key_type of a spec. */
export function keyTypeOf(spec: string | undefined): 'symmetric' | 'asymmetric' | 'hmac' {
  if (!spec || spec === 'SYMMETRIC_DEFAULT') return 'symmetric';
  return spec.startsWith('HMAC_') ? 'hmac' : 'asymmetric';
}

/** The CCKM key_material_origin of an AWS Origin. */
export function materialOriginOf(origin: string | undefined): string {
  switch (origin) {
    case 'EXTERNAL':
      return 'external';
    case 'AWS_CLOUDHSM':
      return 'cloudhsm';
    case 'EXTERNAL_KEY_STORE':
      return 'xks';
    case 'AWS_KMS':
    case undefined:
      return 'native';
    default:
      return 'unknown';
  }
}
