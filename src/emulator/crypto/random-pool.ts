import { randomBytes } from 'node:crypto';

/**
 * Small CSPRNG draws (data keys, 16–64 bytes) served from a pool refilled 4 KiB at a
 * time: each `randomBytes` call costs about 5 µs of fixed overhead in node 20, more than
 * the rest of a GenerateDataKey. The bytes are the CSPRNG's, handed out once each in
 * order (the same distribution as one call per draw); each draw is copied out and its
 * pool bytes zeroed at once, so a handed-out secret does not linger in the pool, and a
 * spent pool is replaced, never refilled in place.
 */
const POOL_BYTES = 4096;
/** Larger draws gain nothing from pooling and would drain it. */
const MAX_POOLED = 256;

let pool = randomBytes(POOL_BYTES);
let offset = 0;

/** `length` fresh random bytes (a new Uint8Array the caller owns). */
export function pooledRandomBytes(length: number): Uint8Array {
  if (length > MAX_POOLED) return new Uint8Array(randomBytes(length));
  if (offset + length > POOL_BYTES) {
    pool.fill(0);
    pool = randomBytes(POOL_BYTES);
    offset = 0;
  }
  const out = new Uint8Array(length);
  out.set(pool.subarray(offset, offset + length));
  pool.fill(0, offset, offset + length);
  offset += length;
  return out;
}
