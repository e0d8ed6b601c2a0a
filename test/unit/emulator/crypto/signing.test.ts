import {
  constants,
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  verify,
} from 'node:crypto';
import { ed25519ph } from '@noble/curves/ed25519.js';
import { ml_dsa65 } from '@noble/post-quantum/ml-dsa.js';
import { publicKeySpki } from '../../../../src/emulator/crypto/asymmetric-keys.js';
import { signMessage, verifySignature, type SignInput } from '../../../../src/emulator/crypto/signing.js';
import { generateKeyMaterial } from '../../../../src/emulator/crypto/key-generation.js';

const msg = Buffer.from('the quick brown fox');
const pkcs8 = (k: ReturnType<typeof generateKeyPairSync>['privateKey']) =>
  new Uint8Array(k.export({ type: 'pkcs8', format: 'der' }));
const rsa = pkcs8(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
const spkiOf = (m: Uint8Array) =>
  createPublicKey({ key: Buffer.from(publicKeySpki('RSA_2048', m)), format: 'der', type: 'spki' });

describe('RSA over a caller-computed digest (MessageType DIGEST)', () => {
  test.each([
    ['RSASSA_PSS_SHA_256', 'sha256', true],
    ['RSASSA_PSS_SHA_384', 'sha384', true],
    ['RSASSA_PSS_SHA_512', 'sha512', true],
    ['RSASSA_PKCS1_V1_5_SHA_256', 'sha256', false],
    ['RSASSA_PKCS1_V1_5_SHA_384', 'sha384', false],
    ['RSASSA_PKCS1_V1_5_SHA_512', 'sha512', false],
  ] as const)('%s signatures verify in node:crypto over the message', (algorithm, hash, isPss) => {
    const digest = createHash(hash).update(msg).digest();
    const input: SignInput = { keySpec: 'RSA_2048', material: rsa, algorithm, messageType: 'DIGEST', message: digest };
    const sig = signMessage(input);
    const key = spkiOf(rsa);
    const saltLength = createHash(hash).digest().length;
    const opts = isPss ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength } : key;
    expect(verify(hash, msg, opts, sig)).toBe(true);
    expect(verifySignature(input, sig)).toBe(true);
    // and the RAW path verifies the DIGEST path's signature (same algorithm, same message)
    expect(verifySignature({ ...input, messageType: 'RAW', message: msg }, sig)).toBe(true);
    const bad = new Uint8Array(sig);
    bad[10]! ^= 1;
    expect(verifySignature(input, bad)).toBe(false);
    expect(verifySignature({ ...input, message: createHash(hash).update('other').digest() }, sig)).toBe(false);
  });

  test('PSS DIGEST verification rejects PSS signatures whose salt length is not the digest length', () => {
    const digest = createHash('sha256').update(msg).digest();
    const key = createPrivateKey({ key: Buffer.from(rsa), format: 'der', type: 'pkcs8' });
    const sig = sign('sha256', msg, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 20 });
    expect(
      verifySignature(
        { keySpec: 'RSA_2048', material: rsa, algorithm: 'RSASSA_PSS_SHA_256', messageType: 'DIGEST', message: digest },
        sig,
      ),
    ).toBe(false);
  });
});

test('Ed25519ph matches RFC 8032 §7.3 (test "abc")', () => {
  const seed = Buffer.from('833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42', 'hex');
  // PKCS#8 wrapper of an Ed25519 seed (RFC 8410)
  const material = new Uint8Array(Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]));
  const sig = signMessage({
    keySpec: 'ECC_NIST_EDWARDS25519',
    material,
    algorithm: 'ED25519_PH_SHA_512',
    messageType: 'DIGEST',
    message: Buffer.from('abc'),
  });
  expect(Buffer.from(sig).toString('hex')).toBe(
    '98a70222f0b8121aa9d30f813d683f809e462b469c7ff87639499bb94e6dae4131f85042463c2a355a2003d062adf5aaa10b8c61e636062aaad11c2a26083406',
  );
  const pub = ed25519ph.getPublicKey(seed);
  expect(Buffer.from(pub).toString('hex')).toBe('ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf');
});

test('ML-DSA external μ follows FIPS 204: SHAKE256(SHAKE256(pk, 64) ‖ 0 ‖ 0 ‖ M, 64)', async () => {
  const seed = await generateKeyMaterial('ML_DSA_65');
  const { publicKey } = ml_dsa65.keygen(seed);
  const tr = createHash('shake256', { outputLength: 64 }).update(publicKey).digest();
  const mu = createHash('shake256', { outputLength: 64 }).update(tr).update(Buffer.of(0, 0)).update(msg).digest();
  const input: SignInput = {
    keySpec: 'ML_DSA_65',
    material: seed,
    algorithm: 'ML_DSA_SHAKE_256',
    messageType: 'EXTERNAL_MU',
    message: mu,
  };
  const sig = signMessage(input);
  expect(ml_dsa65.verify(sig, msg, publicKey)).toBe(true);
  expect(verifySignature({ ...input, messageType: 'RAW', message: msg }, sig)).toBe(true);
  expect(verifySignature({ ...input, message: randomBytes(64) }, sig)).toBe(false);
});
