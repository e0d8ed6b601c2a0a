import { constants, createHash, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { ed25519ph } from '@noble/curves/ed25519.js';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { isMlDsaSpec, ML_DSA, mlDsaKeys, privateKeyOf, publicKeyOf, rawPrivateKey } from './asymmetric-keys.js';
import { sm2MessageDigest, sm2PublicPoint, sm2SignDigest, sm2VerifyDigest } from './sm2.js';
import { signDigestPkcs1, signDigestPss, verifyDigestPkcs1, verifyDigestPss, type RsaHash } from './rsa-prehashed.js';

/** KMS MessageType values. */
export type SignMessageType = 'RAW' | 'DIGEST' | 'EXTERNAL_MU';

type Family = 'rsa-pss' | 'rsa-pkcs1' | 'ecdsa' | 'ed25519' | 'ed25519ph' | 'ml-dsa' | 'sm2';

/** How one KMS signing algorithm works and which message types it takes. */
export interface SigningAlgorithmInfo {
  family: Family;
  hash?: RsaHash;
  /** Required Message length for DIGEST (and EXTERNAL_MU: μ is 64 bytes). */
  digestBytes: number;
  messageTypes: readonly SignMessageType[];
}

const rsa = (family: Family, hash: RsaHash, digestBytes: number): SigningAlgorithmInfo => ({
  family,
  hash,
  digestBytes,
  messageTypes: ['RAW', 'DIGEST'],
});

/**
 * The signing algorithms this module implements, after AWS's Sign reference: RSA
 * (PSS with salt length = digest length, PKCS#1 v1.5), ECDSA (DER signatures),
 * ED25519_SHA_512 (RAW only), ED25519_PH_SHA_512 (DIGEST only; the 64-byte digest is
 * hashed again as Ed25519ph's PH step), ML_DSA_SHAKE_256 (RAW or a 64-byte external μ).
 * SM2DSA (RAW: SM3 over Z_A ‖ M with the distinguishing ID 1234567812345678; DIGEST: the
 * caller's 32-byte SM3(Z_A ‖ M), as AWS's "Offline verification with SM2 key pairs" says).
 */
export const SIGNING_ALGORITHMS: Readonly<Record<string, SigningAlgorithmInfo>> = {
  RSASSA_PSS_SHA_256: rsa('rsa-pss', 'sha256', 32),
  RSASSA_PSS_SHA_384: rsa('rsa-pss', 'sha384', 48),
  RSASSA_PSS_SHA_512: rsa('rsa-pss', 'sha512', 64),
  RSASSA_PKCS1_V1_5_SHA_256: rsa('rsa-pkcs1', 'sha256', 32),
  RSASSA_PKCS1_V1_5_SHA_384: rsa('rsa-pkcs1', 'sha384', 48),
  RSASSA_PKCS1_V1_5_SHA_512: rsa('rsa-pkcs1', 'sha512', 64),
  ECDSA_SHA_256: { family: 'ecdsa', hash: 'sha256', digestBytes: 32, messageTypes: ['RAW', 'DIGEST'] },
  ECDSA_SHA_384: { family: 'ecdsa', hash: 'sha384', digestBytes: 48, messageTypes: ['RAW', 'DIGEST'] },
  ECDSA_SHA_512: { family: 'ecdsa', hash: 'sha512', digestBytes: 64, messageTypes: ['RAW', 'DIGEST'] },
  ED25519_SHA_512: { family: 'ed25519', digestBytes: 64, messageTypes: ['RAW'] },
  ED25519_PH_SHA_512: { family: 'ed25519ph', digestBytes: 64, messageTypes: ['DIGEST'] },
  ML_DSA_SHAKE_256: { family: 'ml-dsa', digestBytes: 64, messageTypes: ['RAW', 'EXTERNAL_MU'] },
  SM2DSA: { family: 'sm2', digestBytes: 32, messageTypes: ['RAW', 'DIGEST'] },
};

const EC = { ECC_NIST_P256: p256, ECC_NIST_P384: p384, ECC_NIST_P521: p521, ECC_SECG_P256K1: secp256k1 } as const;

/** One signing request: the key (spec + stored material), the algorithm and the message as given. */
export interface SignInput {
  keySpec: string;
  material: Uint8Array;
  algorithm: string;
  messageType: SignMessageType;
  message: Uint8Array;
}

function infoOf(algorithm: string): SigningAlgorithmInfo {
  const info = SIGNING_ALGORITHMS[algorithm];
  if (!info) throw new Error(`signing algorithm ${algorithm} is not implemented`);
  return info;
}

/** The digest the algorithm signs: the message hashed for RAW, the message itself for DIGEST. */
const digestOf = (info: SigningAlgorithmInfo, input: SignInput): Buffer =>
  input.messageType === 'RAW' ? createHash(info.hash!).update(input.message).digest() : Buffer.from(input.message);

const pss = (key: KeyObject, hash: RsaHash) => ({
  key,
  padding: constants.RSA_PKCS1_PSS_PADDING,
  saltLength: { sha256: 32, sha384: 48, sha512: 64 }[hash],
});

function ecCurve(keySpec: string) {
  const curve = EC[keySpec as keyof typeof EC];
  if (!curve) throw new Error(`${keySpec} is not an ECDSA key spec`);
  return curve;
}

/**
 * Like {@link signMessage}, but RSA signatures of RAW messages (the costly case: ~0.3 ms
 * of CPU each for RSA-2048) run on libuv's thread pool, off the event loop, so they use
 * the other cores and do not stall other requests.
 */
export function signMessageAsync(input: SignInput): Promise<Uint8Array> {
  const info = infoOf(input.algorithm);
  if ((info.family !== 'rsa-pss' && info.family !== 'rsa-pkcs1') || input.messageType !== 'RAW') {
    return Promise.resolve(signMessage(input));
  }
  const key = privateKeyOf(input.material);
  return new Promise((resolve, reject) => {
    nodeSign(info.hash!, input.message, info.family === 'rsa-pss' ? pss(key, info.hash!) : key, (err, sig) =>
      err ? reject(err) : resolve(new Uint8Array(sig)),
    );
  });
}

/** Signs; the caller has checked that the algorithm fits the key and the message type and length fit the algorithm. */
export function signMessage(input: SignInput): Uint8Array {
  const info = infoOf(input.algorithm);
  switch (info.family) {
    case 'rsa-pss':
    case 'rsa-pkcs1': {
      const key = privateKeyOf(input.material);
      if (input.messageType === 'RAW') {
        return new Uint8Array(
          nodeSign(info.hash!, input.message, info.family === 'rsa-pss' ? pss(key, info.hash!) : key),
        );
      }
      return info.family === 'rsa-pss'
        ? signDigestPss(key, info.hash!, input.message)
        : signDigestPkcs1(key, info.hash!, input.message);
    }
    case 'ecdsa':
      // RAW: OpenSSL hashes and signs natively (DER, like noble's output); a given digest needs noble.
      if (input.messageType === 'RAW')
        return new Uint8Array(nodeSign(info.hash!, input.message, privateKeyOf(input.material)));
      return ecCurve(input.keySpec).sign(digestOf(info, input), rawPrivateKey(input.material), {
        prehash: false,
        format: 'der',
        lowS: false,
      });
    case 'ed25519':
      return new Uint8Array(nodeSign(null, input.message, privateKeyOf(input.material)));
    case 'ed25519ph':
      return ed25519ph.sign(input.message, rawPrivateKey(input.material));
    case 'ml-dsa': {
      if (!isMlDsaSpec(input.keySpec)) throw new Error(`${input.keySpec} is not an ML-DSA key spec`);
      const { dsa } = ML_DSA[input.keySpec];
      const { secretKey } = mlDsaKeys(input.keySpec, input.material);
      return input.messageType === 'EXTERNAL_MU'
        ? dsa.internal.sign(input.message, secretKey, { externalMu: true })
        : dsa.sign(input.message, secretKey);
    }
    case 'sm2':
      return sm2SignDigest(input.material, sm2Digest(input));
  }
}

/** What SM2DSA signs: SM3(Z_A ‖ M) for RAW, the caller's digest for DIGEST. */
const sm2Digest = (input: SignInput): Uint8Array =>
  input.messageType === 'RAW' ? sm2MessageDigest(sm2PublicPoint(input.material), input.message) : input.message;

/** Verifies; false for any signature that does not verify or does not parse. */
export function verifySignature(input: SignInput, signature: Uint8Array): boolean {
  const info = infoOf(input.algorithm);
  try {
    switch (info.family) {
      case 'rsa-pss':
      case 'rsa-pkcs1': {
        const key = privateKeyOf(input.material);
        if (input.messageType === 'RAW') {
          return nodeVerify(
            info.hash!,
            input.message,
            info.family === 'rsa-pss' ? pss(key, info.hash!) : key,
            signature,
          );
        }
        const verify = info.family === 'rsa-pss' ? verifyDigestPss : verifyDigestPkcs1;
        return verify(key, info.hash!, input.message, signature);
      }
      case 'ecdsa': {
        if (input.messageType === 'RAW')
          return nodeVerify(info.hash!, input.message, publicKeyOf(input.material), signature);
        const curve = ecCurve(input.keySpec);
        const pub = curve.getPublicKey(rawPrivateKey(input.material), false);
        return curve.verify(signature, digestOf(info, input), pub, { prehash: false, format: 'der', lowS: false });
      }
      case 'ed25519':
        return nodeVerify(null, input.message, privateKeyOf(input.material), signature);
      case 'ed25519ph':
        return ed25519ph.verify(signature, input.message, ed25519ph.getPublicKey(rawPrivateKey(input.material)));
      case 'ml-dsa': {
        if (!isMlDsaSpec(input.keySpec)) return false;
        const { dsa } = ML_DSA[input.keySpec];
        const { publicKey } = mlDsaKeys(input.keySpec, input.material);
        return input.messageType === 'EXTERNAL_MU'
          ? dsa.internal.verify(signature, input.message, publicKey, { externalMu: true })
          : dsa.verify(signature, input.message, publicKey);
      }
      case 'sm2':
        return sm2VerifyDigest(sm2PublicPoint(input.material), sm2Digest(input), signature);
    }
  } catch {
    return false;
  }
}
