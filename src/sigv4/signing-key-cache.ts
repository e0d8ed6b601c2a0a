import { createHmac } from 'node:crypto';

const hmac = (key: Uint8Array | string, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

/**
 * The SigV4 signing key of a secret in one credential scope:
 * HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request").
 */
export function deriveSigningKey(secretAccessKey: string, date: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, date), region), service), 'aws4_request');
}

/** Entries kept by default: credentials × days × Regions × services in use, with room to spare. */
const DEFAULT_SIGNING_KEY_CACHE_ENTRIES = 1024;

/**
 * Signing keys by (secret, date, Region, service), so a request costs one HMAC instead of
 * five: a key stays valid for its whole day and scope, and every request of one client
 * shares it. Bounded: when full, the oldest entry goes (keys of yesterday age out first).
 * Keys are returned shared; callers must not modify them. The cache holds what the
 * credential store already holds (secrets) and keys derived from them, nothing more.
 */
export class SigningKeyCache {
  private readonly keys = new Map<string, Buffer>();

  constructor(readonly maxEntries = DEFAULT_SIGNING_KEY_CACHE_ENTRIES) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1)
      throw new RangeError('A signing key cache holds at least one entry');
  }

  /** Entries held now. */
  get size(): number {
    return this.keys.size;
  }

  /** The signing key for this secret and scope: cached, or derived and cached. */
  signingKey(secretAccessKey: string, date: string, region: string, service: string): Buffer {
    // Length prefixes: no two (scope, secret) pairs share an id, whatever characters they hold.
    const id = `${date.length}/${date}${region.length}/${region}${service.length}/${service}${secretAccessKey}`;
    let key = this.keys.get(id);
    if (key === undefined) {
      key = deriveSigningKey(secretAccessKey, date, region, service);
      if (this.keys.size >= this.maxEntries) this.keys.delete(this.keys.keys().next().value!);
      this.keys.set(id, key);
    }
    return key;
  }
}

/** The process's cache, used by the signer and the verifier unless given another. */
export const sharedSigningKeys = new SigningKeyCache();
