import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { weierstrass, type WeierstrassPoint } from '@noble/curves/abstract/weierstrass.js';
import { der } from './der.js';

/**
 * SM2 (GB/T 32918, China Regions only in AWS KMS): signatures (SM2DSA), public key
 * encryption (SM2PKE), ECDH on the SM2 curve, and the SPKI of a key.
 *
 * Node's OpenSSL knows the curve and SM3 but cannot set the SM2 distinguishing ID, cannot
 * encrypt with SM2 and aborts the process when some SM2 keys are exported, so the scheme
 * runs here over @noble/curves' generic short-Weierstrass arithmetic with node's `sm3`
 * hash. Stored material is PKCS#8 DER (as node generates it); it is parsed here, never
 * opened as a node KeyObject.
 */

const CURVE: { p: bigint; n: bigint; h: bigint; a: bigint; b: bigint; Gx: bigint; Gy: bigint } = {
  p: 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn,
  n: 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n,
  h: 1n,
  a: 0xfffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffcn,
  b: 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n,
  Gx: 0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n,
  Gy: 0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n,
};

const Point = weierstrass(CURVE);
type Sm2Point = WeierstrassPoint<bigint>;
const N = CURVE.n;

/** The distinguishing ID AWS KMS uses for SM2DSA (GM/T 0009's default). */
export const SM2_DEFAULT_ID = Buffer.from('1234567812345678', 'ascii');

/** AWS's plaintext limit for SM2PKE (bytes). */
export const SM2PKE_MAX_PLAINTEXT = 1024;

/** Thrown for malformed SM2 inputs: keys, points, signatures or ciphertexts that do not parse or check. */
export class Sm2Error extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Sm2Error';
  }
}

const sm3 = (...parts: Uint8Array[]): Buffer => {
  const h = createHash('sm3');
  for (const p of parts) h.update(p);
  return h.digest();
};
const be32 = (v: bigint): Buffer => Buffer.from(v.toString(16).padStart(64, '0'), 'hex');
const toBig = (b: Uint8Array): bigint => (b.length === 0 ? 0n : BigInt(`0x${Buffer.from(b).toString('hex')}`));
const mod = (a: bigint, m: bigint): bigint => ((a % m) + m) % m;

function invert(a: bigint, m: bigint): bigint {
  let [r0, r1, s0, s1] = [mod(a, m), m, 1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  if (r0 !== 1n) throw new Sm2Error('value is not invertible');
  return mod(s0, m);
}

/** A uniformly random scalar in [1, n−1] (64 bytes reduced: the bias is below 2^-250). */
const randomScalar = (): bigint => mod(toBig(randomBytes(64)), N - 1n) + 1n;

interface Tlv {
  tag: number;
  body: Buffer;
  next: number;
}

/** Reads one DER TLV at `at`. @throws Sm2Error */
function readTlv(buf: Buffer, at: number): Tlv {
  if (at + 2 > buf.length) throw new Sm2Error('truncated DER');
  const tag = buf[at]!;
  let len = buf[at + 1]!;
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 3 || start + n > buf.length) throw new Sm2Error('bad DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = (len << 8) | buf[start + i]!;
    start += n;
  }
  if (start + len > buf.length) throw new Sm2Error('truncated DER');
  return { tag, body: buf.subarray(start, start + len), next: start + len };
}

/** The TLVs of a constructed body, in order. */
function children(body: Buffer): Tlv[] {
  const out: Tlv[] = [];
  for (let at = 0; at < body.length;) {
    const t = readTlv(body, at);
    out.push(t);
    at = t.next;
  }
  return out;
}

const derInt = (v: bigint): Buffer => {
  let hex = v.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  let bytes = Buffer.from(hex, 'hex');
  if (bytes[0]! & 0x80) bytes = Buffer.concat([Buffer.of(0), bytes]);
  return der(0x02, bytes);
};
const intOf = (t: Tlv | undefined): bigint => {
  if (!t || t.tag !== 0x02 || t.body.length === 0 || t.body[0]! & 0x80)
    throw new Sm2Error('expected a non-negative DER INTEGER');
  return toBig(t.body);
};

/** SPKI prefix: SEQUENCE { SEQUENCE { id-ecPublicKey, sm2 (1.2.156.10197.1.301) }, BIT STRING (65 bytes) }. */
const SPKI_PREFIX = Buffer.from('3059301306072a8648ce3d020106082a811ccf5501822d034200', 'hex');
const SM2_OID = Buffer.from('2a811ccf5501822d', 'hex');

const privateScalars = new WeakMap<Uint8Array, bigint>();

/**
 * The private scalar of PKCS#8 DER SM2 material (cached per material buffer).
 *
 * @throws Sm2Error when the material is not a PKCS#8 EC private key on the SM2 curve
 */
function sm2PrivateScalar(pkcs8: Uint8Array): bigint {
  const cached = privateScalars.get(pkcs8);
  if (cached !== undefined) return cached;
  const top = readTlv(Buffer.from(pkcs8), 0);
  const [, alg, octets] = children(top.body);
  if (!alg || alg.tag !== 0x30 || !octets || octets.tag !== 0x04) throw new Sm2Error('not a PKCS#8 private key');
  const curveOid = children(alg.body)[1];
  if (!curveOid || curveOid.tag !== 0x06 || !curveOid.body.equals(SM2_OID))
    throw new Sm2Error('not an SM2 private key');
  const ecKey = children(readTlv(octets.body, 0).body)[1];
  if (!ecKey || ecKey.tag !== 0x04) throw new Sm2Error('not an EC private key');
  const d = toBig(ecKey.body);
  if (d <= 0n || d >= N - 1n) throw new Sm2Error('SM2 private key out of range');
  privateScalars.set(pkcs8, d);
  return d;
}

const EC_SM2_ALGORITHM = Buffer.from('301306072a8648ce3d020106082a811ccf5501822d', 'hex');

/** PKCS#8 DER of private scalar `d`: ECPrivateKey (RFC 5915) with the public key, under id-ecPublicKey + sm2. */
function pkcs8Of(d: bigint): Uint8Array {
  const pub = Point.BASE.multiply(d).toBytes(false);
  const ecPrivateKey = der(
    0x30,
    Buffer.concat([derInt(1n), der(0x04, be32(d)), der(0xa1, der(0x03, Buffer.concat([Buffer.of(0), pub])))]),
  );
  return new Uint8Array(der(0x30, Buffer.concat([derInt(0n), EC_SM2_ALGORITHM, der(0x04, ecPrivateKey)])));
}

/**
 * Canonical PKCS#8 DER of SM2 material given in any PKCS#8 form (as OpenSSL or node write
 * it): the same private key always gives the same bytes, so re-imported material gets the
 * same KeyMaterialId.
 *
 * @throws Sm2Error when the material is not an SM2 private key
 */
export function sm2CanonicalPkcs8(pkcs8: Uint8Array): Uint8Array {
  return pkcs8Of(sm2PrivateScalar(new Uint8Array(pkcs8)));
}

/** A fresh SM2 private key as canonical PKCS#8 DER (an import wrapping key, for one). */
export function sm2GeneratePkcs8(): Uint8Array {
  let d = randomScalar();
  while (d >= N - 1n) d = randomScalar();
  return pkcs8Of(d);
}

const publicPoints = new WeakMap<Uint8Array, Sm2Point>();

/**
 * The public point d·G of SM2 material (cached per material buffer, with a small
 * precomputed window: verification and encryption multiply it on every call).
 */
function publicPoint(pkcs8: Uint8Array): Sm2Point {
  let p = publicPoints.get(pkcs8);
  if (!p) {
    p = Point.BASE.multiply(sm2PrivateScalar(pkcs8)).precompute(4);
    publicPoints.set(pkcs8, p);
  }
  return p;
}

/** The DER SubjectPublicKeyInfo of SM2 material, the format GetPublicKey returns. */
export function sm2PublicKeySpki(pkcs8: Uint8Array): Uint8Array {
  return new Uint8Array(Buffer.concat([SPKI_PREFIX, publicPoint(pkcs8).toBytes(false)]));
}

/**
 * The point of a DER SPKI on the SM2 curve (uncompressed or compressed).
 *
 * @throws Sm2Error when it is not an SM2 public key or the point is invalid
 */
export function sm2PointOfSpki(spki: Uint8Array): Sm2Point {
  const [alg, bits] = children(readTlv(Buffer.from(spki), 0).body);
  const curveOid = alg?.tag === 0x30 ? children(alg.body)[1] : undefined;
  if (
    !curveOid ||
    curveOid.tag !== 0x06 ||
    !curveOid.body.equals(SM2_OID) ||
    !bits ||
    bits.tag !== 0x03 ||
    bits.body[0] !== 0
  ) {
    throw new Sm2Error('not an SM2 SubjectPublicKeyInfo');
  }
  try {
    const p = Point.fromBytes(bits.body.subarray(1));
    p.assertValidity();
    return p;
  } catch {
    throw new Sm2Error('the public key is not a valid point on the SM2 curve');
  }
}

/** Z_A = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA) (GB/T 32918.2 §5.5). */
function za(pub: Sm2Point, id: Uint8Array): Buffer {
  const entl = id.length * 8;
  return sm3(
    Buffer.of(entl >> 8, entl & 0xff),
    id,
    be32(CURVE.a),
    be32(CURVE.b),
    be32(CURVE.Gx),
    be32(CURVE.Gy),
    be32(pub.x),
    be32(pub.y),
  );
}

/**
 * The SM3 digest SM2DSA signs: SM3(Z_A ‖ M) with AWS's distinguishing ID. Callers of
 * Sign with MessageType DIGEST pass this value.
 */
export function sm2MessageDigest(
  publicKey: Sm2Point,
  message: Uint8Array,
  id: Uint8Array = SM2_DEFAULT_ID,
): Uint8Array {
  return new Uint8Array(sm3(za(publicKey, id), message));
}

/** The public point of SM2 material (for {@link sm2MessageDigest}). */
export const sm2PublicPoint = publicPoint;

/**
 * SM2DSA signature over `digest` (e = SM3(Z_A ‖ M), 32 bytes), DER SEQUENCE { r, s }.
 */
export function sm2SignDigest(pkcs8: Uint8Array, digest: Uint8Array): Uint8Array {
  const d = sm2PrivateScalar(pkcs8);
  const e = toBig(digest);
  const dInv = invert(1n + d, N);
  for (;;) {
    const k = randomScalar();
    const r = mod(e + Point.BASE.multiply(k).x, N);
    if (r === 0n || r + k === N) continue;
    const s = mod(dInv * (k - r * d), N);
    if (s === 0n) continue;
    return new Uint8Array(der(0x30, Buffer.concat([derInt(r), derInt(s)])));
  }
}

/** Verifies an SM2DSA DER signature over `digest`; false for anything that does not verify or parse. */
export function sm2VerifyDigest(publicKey: Sm2Point, digest: Uint8Array, signature: Uint8Array): boolean {
  try {
    const top = readTlv(Buffer.from(signature), 0);
    if (top.tag !== 0x30 || top.next !== signature.length) return false;
    const parts = children(top.body);
    if (parts.length !== 2) return false;
    const r = intOf(parts[0]);
    const s = intOf(parts[1]);
    if (r < 1n || r >= N || s < 1n || s >= N) return false;
    const t = mod(r + s, N);
    if (t === 0n) return false;
    const x1 = Point.BASE.multiplyUnsafe(s).add(publicKey.multiplyUnsafe(t)).x;
    return mod(toBig(digest) + x1, N) === r;
  } catch {
    return false;
  }
}

/** KDF of GB/T 32918.4 §5.4.3 (SM3, 32-bit big-endian counter from 1). */
function kdf(z: Uint8Array, length: number): Buffer {
  const blocks: Buffer[] = [];
  for (let ct = 1; blocks.length * 32 < length; ct++)
    blocks.push(sm3(z, Buffer.of(ct >>> 24, (ct >>> 16) & 0xff, (ct >>> 8) & 0xff, ct & 0xff)));
  return Buffer.concat(blocks).subarray(0, length);
}

/**
 * SM2PKE encryption to a public point. The ciphertext is the GM/T 0009 DER form that
 * OpenSSL and AWS use: SEQUENCE { INTEGER x1, INTEGER y1, OCTET STRING C3 (SM3 hash),
 * OCTET STRING C2 }.
 */
export function sm2Encrypt(publicKey: Sm2Point, plaintext: Uint8Array): Uint8Array {
  if (plaintext.length === 0) throw new Sm2Error('plaintext is empty');
  for (;;) {
    const k = randomScalar();
    const c1 = Point.BASE.multiply(k);
    const shared = publicKey.multiply(k);
    const x2 = be32(shared.x);
    const y2 = be32(shared.y);
    const t = kdf(Buffer.concat([x2, y2]), plaintext.length);
    if (t.every((b) => b === 0)) continue;
    const c2 = Buffer.alloc(plaintext.length);
    for (let i = 0; i < c2.length; i++) c2[i] = plaintext[i]! ^ t[i]!;
    const c3 = sm3(x2, plaintext, y2);
    return new Uint8Array(der(0x30, Buffer.concat([derInt(c1.x), derInt(c1.y), der(0x04, c3), der(0x04, c2)])));
  }
}

/**
 * SM2PKE decryption with PKCS#8 SM2 material.
 *
 * @throws Sm2Error for a ciphertext that does not parse or authenticate (C3 mismatch)
 */
export function sm2Decrypt(pkcs8: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  const top = readTlv(Buffer.from(ciphertext), 0);
  if (top.tag !== 0x30 || top.next !== ciphertext.length) throw new Sm2Error('not an SM2 ciphertext');
  const [xt, yt, c3t, c2t] = children(top.body);
  if (!c3t || c3t.tag !== 0x04 || c3t.body.length !== 32 || !c2t || c2t.tag !== 0x04 || c2t.body.length === 0) {
    throw new Sm2Error('not an SM2 ciphertext');
  }
  let c1: Sm2Point;
  try {
    c1 = Point.fromAffine({ x: intOf(xt), y: intOf(yt) });
    c1.assertValidity();
  } catch {
    throw new Sm2Error('C1 is not a point on the SM2 curve');
  }
  const shared = c1.multiply(sm2PrivateScalar(pkcs8));
  const x2 = be32(shared.x);
  const y2 = be32(shared.y);
  const t = kdf(Buffer.concat([x2, y2]), c2t.body.length);
  const m = Buffer.alloc(c2t.body.length);
  for (let i = 0; i < m.length; i++) m[i] = c2t.body[i]! ^ t[i]!;
  t.fill(0);
  if (!timingSafeEqual(sm3(x2, m, y2), c3t.body)) {
    m.fill(0);
    throw new Sm2Error('SM2 ciphertext does not authenticate');
  }
  return new Uint8Array(m);
}

/**
 * ECDH on the SM2 curve: the x-coordinate of d·Q (32 bytes), as DeriveSharedSecret
 * returns for NIST curves.
 *
 * @throws Sm2Error when `peerSpki` is not an SM2 public key
 */
export function sm2SharedSecret(pkcs8: Uint8Array, peerSpki: Uint8Array): Uint8Array {
  const peer = sm2PointOfSpki(peerSpki);
  return new Uint8Array(be32(peer.multiply(sm2PrivateScalar(pkcs8)).x));
}
