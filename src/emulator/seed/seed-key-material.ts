import { canonicalImportedMaterial, ImportedMaterialError } from '../crypto/imported-material.js';
import { SEED_LIMITS, type SeedOrigin } from './seed-document.js';

/**
 * Decodes the `KeyMaterial` of a seed entry, `{ "Base64": "..." }` or `{ "Pem": "..." }`,
 * into the form the emulator stores, checked against the key spec exactly as
 * ImportKeyMaterial checks imported material:
 *
 * - SYMMETRIC_DEFAULT: 32 bytes (Base64);
 * - HMAC_224/256/384/512: AWS's importable lengths (Base64);
 * - RSA, ECC (NIST, secp256k1, Ed25519) and SM2: a PKCS#8 private key, DER as Base64 or
 *   PEM (`-----BEGIN PRIVATE KEY-----`), re-encoded canonically;
 * - ML_DSA_44/65/87 (Origin AWS_KMS only: AWS does not import ML-DSA keys): the 32-byte
 *   FIPS 204 seed the emulator derives the key pair from (Base64).
 *
 * Error messages describe what is expected, never the bytes given.
 */

/** Thrown with a message about the field; the caller adds the JSON path. */
export class SeedMaterialError extends Error {
  constructor(
    /** The sub-field at fault (`Base64`, `Pem`) or '' for the material as a whole. */
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'SeedMaterialError';
  }
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const PEM = /^-----BEGIN PRIVATE KEY-----\s+([A-Za-z0-9+/=\s]+?)\s*-----END PRIVATE KEY-----\s*$/;
const ML_DSA_SEED_BYTES = 32;

/** The material of one seed entry, decoded and checked; throws SeedMaterialError. */
export function decodeSeedMaterial(value: unknown, spec: string, origin: SeedOrigin): Uint8Array {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SeedMaterialError('', 'must be an object with Base64 or Pem');
  }
  const entries = Object.keys(value);
  const unknown = entries.find((k) => k !== 'Base64' && k !== 'Pem');
  if (unknown !== undefined) throw new SeedMaterialError(unknown, 'unknown field (expected Base64 or Pem)');
  if (entries.length !== 1) throw new SeedMaterialError('', 'give exactly one of Base64 or Pem');
  const field = entries[0]!;
  const text = (value as Record<string, unknown>)[field];
  if (typeof text !== 'string' || text.length === 0) throw new SeedMaterialError(field, 'must be a non-empty string');
  if (text.length > SEED_LIMITS.materialChars) {
    throw new SeedMaterialError(field, `must be at most ${SEED_LIMITS.materialChars} characters`);
  }
  if (field === 'Pem' && rawSpec(spec)) {
    throw new SeedMaterialError(field, `${spec} key material is raw bytes: give it as Base64`);
  }
  const bytes = field === 'Pem' ? pemBody(text) : base64Bytes(text);
  try {
    return canonicalMaterial(spec, origin, bytes, field);
  } finally {
    bytes.fill(0);
  }
}

function canonicalMaterial(spec: string, origin: SeedOrigin, bytes: Uint8Array, field: string): Uint8Array {
  if (spec.startsWith('ML_DSA_')) {
    if (origin === 'EXTERNAL') throw new SeedMaterialError('', 'AWS does not import key material into ML-DSA keys');
    if (bytes.length !== ML_DSA_SEED_BYTES) {
      throw new SeedMaterialError(field, `${spec} key material is the 32-byte FIPS 204 seed`);
    }
    return new Uint8Array(bytes);
  }
  try {
    return canonicalImportedMaterial(spec, bytes);
  } catch (err) {
    if (err instanceof ImportedMaterialError) throw new SeedMaterialError(field, err.message);
    throw err;
  }
}

/** Specs whose material is raw bytes, not a private key. */
const rawSpec = (spec: string): boolean =>
  spec === 'SYMMETRIC_DEFAULT' || spec.startsWith('HMAC_') || spec.startsWith('ML_DSA_');

function base64Bytes(text: string): Uint8Array {
  const compact = text.replace(/\s+/g, '');
  if (!BASE64.test(compact) || compact.length % 4 !== 0) throw new SeedMaterialError('Base64', 'is not valid base64');
  return new Uint8Array(Buffer.from(compact, 'base64'));
}

function pemBody(text: string): Uint8Array {
  const match = PEM.exec(text.trim());
  if (!match) {
    throw new SeedMaterialError('Pem', 'must be one PKCS#8 private key (-----BEGIN PRIVATE KEY-----)');
  }
  const body = match[1]!.replace(/\s+/g, '');
  if (!BASE64.test(body) || body.length % 4 !== 0) throw new SeedMaterialError('Pem', 'the PEM body is not base64');
  return new Uint8Array(Buffer.from(body, 'base64'));
}
