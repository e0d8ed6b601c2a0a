import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * The self-describing ciphertext blob of symmetric encryption (Encrypt, GenerateDataKey*,
 * ReEncrypt, GenerateDataKeyPair*), so Decrypt finds the key and its material version
 * without a KeyId. The whole layout lives here.
 *
 * Format 1:
 * ```
 * [0]            0x01 format version
 * [1]            n, length of the key ARN in bytes (1..255)
 * [2..2+n)       key ARN, UTF-8 (names account, Region and key id)
 * [+32]          material version id (KeyMaterialId, 32 raw bytes)
 * [+12]          AES-256-GCM IV (random)
 * [+16]          GCM tag
 * [..)           ciphertext
 * ```
 * AAD = label ‖ header (version byte through material id) ‖ canonical encryption
 * context, so changing any header byte, the tag, the ciphertext or the context fails
 * authentication.
 */
export const BLOB_FORMAT_VERSION = 1;

const MATERIAL_ID_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const LABEL = Buffer.from('opencckm/emulator/ciphertext/v1\u0000', 'utf8');

/** Thrown for any blob that does not parse or does not authenticate (no detail leaks why). */
export class CiphertextBlobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CiphertextBlobError';
  }
}

/** What a blob's header says: which key and which of its material versions sealed it. */
export interface BlobHeader {
  keyArn: string;
  /** 64 lowercase hex characters. */
  materialId: string;
}

/** A parsed blob, ready to open. */
export interface ParsedBlob extends BlobHeader {
  readonly header: Buffer;
  readonly iv: Buffer;
  readonly tag: Buffer;
  readonly ciphertext: Buffer;
}

/**
 * Canonical encoding of an encryption context: pairs sorted by the UTF-8 bytes of the
 * key, each as `u32be keyLength ‖ key ‖ u32be valueLength ‖ value`. An absent and an
 * empty context encode the same (empty), as AWS treats them alike.
 */
export function encodeEncryptionContext(context: Readonly<Record<string, string>> | undefined): Buffer {
  const pairs = Object.entries(context ?? {}).map(
    ([k, v]) => [Buffer.from(k, 'utf8'), Buffer.from(v, 'utf8')] as const,
  );
  pairs.sort((a, b) => Buffer.compare(a[0], b[0]));
  const parts: Buffer[] = [];
  for (const [k, v] of pairs) parts.push(u32(k.length), k, u32(v.length), v);
  return Buffer.concat(parts);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** Encoded headers by `arn material-id` (a key's header never changes; bounded, cleared when full). */
const headerCache = new Map<string, Buffer>();
const HEADER_CACHE_MAX = 10_000;

function cachedHeader(h: BlobHeader): Buffer {
  const id = `${h.keyArn} ${h.materialId}`;
  let head = headerCache.get(id);
  if (!head) {
    head = encodeHeader(h);
    if (headerCache.size >= HEADER_CACHE_MAX) headerCache.clear();
    headerCache.set(id, head);
  }
  return head;
}

function encodeHeader(h: BlobHeader): Buffer {
  const arn = Buffer.from(h.keyArn, 'utf8');
  const id = Buffer.from(h.materialId, 'hex');
  if (arn.length < 1 || arn.length > 255) throw new CiphertextBlobError('key ARN must be 1..255 bytes');
  if (id.length !== MATERIAL_ID_BYTES || id.toString('hex') !== h.materialId) {
    throw new CiphertextBlobError('material id must be 64 lowercase hex characters');
  }
  return Buffer.concat([Buffer.of(BLOB_FORMAT_VERSION, arn.length), arn, id]);
}

function aad(header: Buffer, context: Readonly<Record<string, string>> | undefined): Buffer {
  for (const _ in context) return Buffer.concat([LABEL, header, encodeEncryptionContext(context)]);
  return Buffer.concat([LABEL, header]);
}

/**
 * Random IVs drawn from a pool: one CSPRNG call per 1 024 encryptions instead of one per
 * call (the same distribution as `randomBytes(12)` each time; no IV is handed out twice,
 * and a spent pool is replaced, never refilled in place).
 */
const IV_POOL_BYTES = IV_BYTES * 1024;
let ivPool = randomBytes(IV_POOL_BYTES);
let ivOffset = 0;
function nextIv(): Buffer {
  if (ivOffset === IV_POOL_BYTES) {
    ivPool = randomBytes(IV_POOL_BYTES);
    ivOffset = 0;
  }
  const iv = ivPool.subarray(ivOffset, ivOffset + IV_BYTES);
  ivOffset += IV_BYTES;
  return iv;
}

/** Encrypts `plaintext` under a 32-byte material version, binding header and context. */
export function sealBlob(
  header: BlobHeader,
  material: Uint8Array,
  plaintext: Uint8Array,
  context?: Readonly<Record<string, string>>,
): Uint8Array {
  const head = cachedHeader(header);
  const iv = nextIv();
  const cipher = createCipheriv('aes-256-gcm', material, iv);
  cipher.setAAD(aad(head, context));
  const body = cipher.update(plaintext);
  const tail = cipher.final();
  const tag = cipher.getAuthTag();
  // Assembled in place: one allocation and one copy of each part.
  const out = new Uint8Array(head.length + IV_BYTES + TAG_BYTES + body.length + tail.length);
  let at = 0;
  for (const part of [head, iv, tag, body, tail]) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Strict UTF-8 (a one-shot decode keeps no state between calls, so one decoder serves all). */
const ARN_DECODER = new TextDecoder('utf-8', { fatal: true });

/** Reads a blob's header; throws {@link CiphertextBlobError} when it is not a blob of ours. */
export function parseBlob(blob: Uint8Array): ParsedBlob {
  const buf = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  if (buf.length < 2 || buf[0] !== BLOB_FORMAT_VERSION) throw new CiphertextBlobError('unknown ciphertext format');
  const arnLength = buf[1]!;
  const headerEnd = 2 + arnLength + MATERIAL_ID_BYTES;
  if (arnLength === 0 || buf.length < headerEnd + IV_BYTES + TAG_BYTES)
    throw new CiphertextBlobError('ciphertext is truncated');
  const arnBytes = buf.subarray(2, 2 + arnLength);
  let keyArn: string;
  try {
    keyArn = ARN_DECODER.decode(arnBytes);
  } catch {
    throw new CiphertextBlobError('ciphertext key reference is not UTF-8');
  }
  return {
    keyArn,
    materialId: buf.subarray(2 + arnLength, headerEnd).toString('hex'),
    header: buf.subarray(0, headerEnd),
    iv: buf.subarray(headerEnd, headerEnd + IV_BYTES),
    tag: buf.subarray(headerEnd + IV_BYTES, headerEnd + IV_BYTES + TAG_BYTES),
    ciphertext: buf.subarray(headerEnd + IV_BYTES + TAG_BYTES),
  };
}

/** Decrypts a parsed blob with its material version; throws {@link CiphertextBlobError} on any mismatch. */
export function openBlob(
  blob: ParsedBlob,
  material: Uint8Array,
  context?: Readonly<Record<string, string>>,
): Uint8Array {
  const decipher = createDecipheriv('aes-256-gcm', material, blob.iv);
  decipher.setAAD(aad(blob.header, context));
  decipher.setAuthTag(blob.tag);
  try {
    const body = decipher.update(blob.ciphertext);
    const tail = decipher.final();
    const out = new Uint8Array(body.length + tail.length);
    out.set(body);
    out.set(tail, body.length);
    return out;
  } catch {
    throw new CiphertextBlobError('ciphertext failed authentication');
  }
}
