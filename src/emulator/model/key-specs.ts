import type {
  EncryptionAlgorithmSpec,
  KeyAgreementAlgorithmSpec,
  KeySpec,
  KeyUsageType,
  MacAlgorithmSpec,
  SigningAlgorithmSpec,
} from '@aws-sdk/client-kms';

/**
 * The KeySpec values of the AWS model this emulator implements. (The SDK's KeySpec type
 * may list newer values; input validation against the model rejects those first.)
 */
export type EmulatedKeySpec = Exclude<KeySpec, 'ML_KEM_512' | 'ML_KEM_768' | 'ML_KEM_1024'>;

/** The algorithms a key of one spec offers for one usage, as DescribeKey lists them. */
export interface UsageAlgorithms {
  EncryptionAlgorithms?: EncryptionAlgorithmSpec[];
  SigningAlgorithms?: SigningAlgorithmSpec[];
  MacAlgorithms?: MacAlgorithmSpec[];
  KeyAgreementAlgorithms?: KeyAgreementAlgorithmSpec[];
}

const RSA_SIGNING: SigningAlgorithmSpec[] = [
  'RSASSA_PKCS1_V1_5_SHA_256',
  'RSASSA_PKCS1_V1_5_SHA_384',
  'RSASSA_PKCS1_V1_5_SHA_512',
  'RSASSA_PSS_SHA_256',
  'RSASSA_PSS_SHA_384',
  'RSASSA_PSS_SHA_512',
];
const RSA: Partial<Record<KeyUsageType, UsageAlgorithms>> = {
  ENCRYPT_DECRYPT: { EncryptionAlgorithms: ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'] },
  SIGN_VERIFY: { SigningAlgorithms: RSA_SIGNING },
};
const nist = (alg: SigningAlgorithmSpec): Partial<Record<KeyUsageType, UsageAlgorithms>> => ({
  SIGN_VERIFY: { SigningAlgorithms: [alg] },
  KEY_AGREEMENT: { KeyAgreementAlgorithms: ['ECDH'] },
});
const hmac = (alg: MacAlgorithmSpec): Partial<Record<KeyUsageType, UsageAlgorithms>> => ({
  GENERATE_VERIFY_MAC: { MacAlgorithms: [alg] },
});
const mlDsa: Partial<Record<KeyUsageType, UsageAlgorithms>> = {
  SIGN_VERIFY: { SigningAlgorithms: ['ML_DSA_SHAKE_256'] },
};

/**
 * Valid KeyUsage values per KeySpec and the algorithms each combination offers, from
 * AWS's "Key spec reference" (symmetric, RSA, ECC, HMAC, SM2 China Regions only,
 * ML-DSA). The key order of each entry is the order AWS lists usages in its docs.
 */
export const KEY_SPECS: Readonly<Record<EmulatedKeySpec, Partial<Record<KeyUsageType, UsageAlgorithms>>>> = {
  SYMMETRIC_DEFAULT: { ENCRYPT_DECRYPT: { EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'] } },
  RSA_2048: RSA,
  RSA_3072: RSA,
  RSA_4096: RSA,
  ECC_NIST_P256: nist('ECDSA_SHA_256'),
  ECC_NIST_P384: nist('ECDSA_SHA_384'),
  ECC_NIST_P521: nist('ECDSA_SHA_512'),
  ECC_SECG_P256K1: { SIGN_VERIFY: { SigningAlgorithms: ['ECDSA_SHA_256'] } },
  ECC_NIST_EDWARDS25519: { SIGN_VERIFY: { SigningAlgorithms: ['ED25519_SHA_512', 'ED25519_PH_SHA_512'] } },
  HMAC_224: hmac('HMAC_SHA_224'),
  HMAC_256: hmac('HMAC_SHA_256'),
  HMAC_384: hmac('HMAC_SHA_384'),
  HMAC_512: hmac('HMAC_SHA_512'),
  SM2: {
    ENCRYPT_DECRYPT: { EncryptionAlgorithms: ['SM2PKE'] },
    SIGN_VERIFY: { SigningAlgorithms: ['SM2DSA'] },
    KEY_AGREEMENT: { KeyAgreementAlgorithms: ['ECDH'] },
  },
  ML_DSA_44: mlDsa,
  ML_DSA_65: mlDsa,
  ML_DSA_87: mlDsa,
};

/** The KeyUsage values a spec allows. */
export function usagesOf(spec: KeySpec): KeyUsageType[] {
  return Object.keys(KEY_SPECS[spec as EmulatedKeySpec] ?? {}) as KeyUsageType[];
}

/** The algorithm lists for DescribeKey; undefined when the combination is invalid. */
export function algorithmsOf(spec: KeySpec, usage: KeyUsageType): UsageAlgorithms | undefined {
  return KEY_SPECS[spec as EmulatedKeySpec]?.[usage];
}

/** True for the HMAC key specs. */
export const isHmacSpec = (spec: KeySpec): boolean => spec.startsWith('HMAC_');

/** A caller-owned copy of an algorithm list entry (cheaper than structuredClone on hot paths). */
export function copyAlgorithms(a: UsageAlgorithms | undefined): UsageAlgorithms {
  const out: UsageAlgorithms = {};
  if (a?.EncryptionAlgorithms) out.EncryptionAlgorithms = [...a.EncryptionAlgorithms];
  if (a?.SigningAlgorithms) out.SigningAlgorithms = [...a.SigningAlgorithms];
  if (a?.MacAlgorithms) out.MacAlgorithms = [...a.MacAlgorithms];
  if (a?.KeyAgreementAlgorithms) out.KeyAgreementAlgorithms = [...a.KeyAgreementAlgorithms];
  return out;
}
