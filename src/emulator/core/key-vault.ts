import { randomBytes } from 'node:crypto';
import { decodeMaterialSet, encodeMaterialSet, openWithRootKey, sealWithRootKey } from '../crypto/envelope-codec.js';
import type { KeyDoc, KeyEntry } from '../model/key-record.js';

/** What a key's sealed secret is bound to: a secret copied onto another key does not open. */
const binding = (doc: KeyDoc): string => `key/${doc.accountId}/${doc.region}/${doc.keyId}`;

/** A new KeyMaterialId: 64 lowercase hex characters, as AWS's BackingKeyIdType. */
export const newMaterialId = (): string => randomBytes(32).toString('hex');

const NO_MATERIAL: ReadonlyMap<string, Uint8Array> = new Map();

/** Default number of keys whose unsealed material {@link KeyVault} keeps. */
export const DEFAULT_MATERIAL_CACHE_KEYS = 10_000;

/**
 * Policies up to this length are shared between keys with the same text (most keys carry
 * the default policy of their account and Region, ~300 bytes each otherwise).
 */
const MAX_SHARED_POLICY_CHARS = 4096;
const MAX_SHARED_STRINGS = 4096;

/**
 * Seals, opens and caches key material for the hot index. A key entry holds only its
 * document and its sealed secret (as a one-byte string: a V8 string costs ~16 bytes of
 * header, a small Uint8Array with its ArrayBuffer and backing store ~300). Unsealed
 * material is cached on at most `cacheKeys` entries at a time, chosen by the CLOCK
 * algorithm (an approximation of least-recently-used whose hit costs one field write, so
 * Encrypt on a hot key pays nothing for it); a miss opens the sealed secret again (one
 * AES-GCM decryption). Cached KeyObjects (crypto/asymmetric-keys.ts) are keyed by the
 * material buffers, so they leave with them.
 */
export class KeyVault {
  /** The entries that hold material; `hand` is the next eviction candidate. */
  private readonly ring: VaultEntry[] = [];
  private hand = 0;
  private readonly shared = new Map<string, string>();

  constructor(
    private readonly rootKey: Uint8Array,
    private readonly cacheKeys = DEFAULT_MATERIAL_CACHE_KEYS,
  ) {}

  /** Builds a key entry, sealing its material under the root key for the store. */
  seal(doc: KeyDoc, material: ReadonlyMap<string, Uint8Array>): KeyEntry {
    if (material.size === 0) return new VaultEntry(this.share(doc), null, this);
    const set = encodeMaterialSet([...material].map(([id, m]) => ({ id, material: m })));
    try {
      const secret = Buffer.from(sealWithRootKey(this.rootKey, binding(doc), set)).toString('latin1');
      const entry = new VaultEntry(this.share(doc), secret, this);
      this.cache(entry, material);
      return entry;
    } finally {
      set.fill(0);
    }
  }

  /**
   * Reverses {@link seal} for a stored key (checking that the secret opens, so a wrong
   * root key fails at open rather than at first use). Short repeated fields of the
   * parsed document are shared with other keys.
   *
   * @throws EnvelopeError when the secret does not open under the root key
   */
  open(doc: KeyDoc, sealed: Uint8Array | null | undefined): KeyEntry {
    const own = this.shareFields(doc);
    if (!sealed || sealed.length === 0) return new VaultEntry(own, null, this);
    const secret = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength).toString('latin1');
    this.unseal(own, secret);
    return new VaultEntry(own, secret, this);
  }

  /** The same key with a new document; the sealed secret (and cached material) is reused untouched. @internal */
  rebind(from: VaultEntry, doc: KeyDoc): KeyEntry {
    const entry = new VaultEntry(this.share(doc), from.secret, this);
    if (from.cached) this.cache(entry, from.cached);
    return entry;
  }

  /** Opens an entry's sealed secret (a cache miss) and caches the material on it. @internal */
  load(entry: VaultEntry, secret: string): ReadonlyMap<string, Uint8Array> {
    const material = this.unseal(entry.doc, secret);
    this.cache(entry, material);
    return material;
  }

  private unseal(doc: KeyDoc, secret: string): ReadonlyMap<string, Uint8Array> {
    const set = openWithRootKey(this.rootKey, binding(doc), Buffer.from(secret, 'latin1'));
    const material = new Map(decodeMaterialSet(set).map((e) => [e.id, e.material] as const));
    set.fill(0);
    return material;
  }

  /** Caches material on an entry, evicting the first entry not used since the hand last passed it. */
  private cache(entry: VaultEntry, material: ReadonlyMap<string, Uint8Array>): void {
    if (this.cacheKeys <= 0) return;
    entry.cached = material;
    if (this.ring.length < this.cacheKeys) {
      this.ring.push(entry);
      return;
    }
    for (;;) {
      const victim = this.ring[this.hand]!;
      const at = this.hand;
      this.hand = (this.hand + 1) % this.ring.length;
      if (victim.recent) {
        victim.recent = false;
        continue;
      }
      victim.cached = undefined;
      this.ring[at] = entry;
      return;
    }
  }

  /**
   * Points the document at the shared copy of its policy text and at flat copies of its
   * key id and ARN. The values are unchanged (same characters), so this is invisible to
   * every reader of the immutable document; only its footprint shrinks.
   */
  private share(doc: KeyDoc): KeyDoc {
    // A document already written may be frozen (the in-memory store freezes what it keeps);
    // it was compacted when it was first written.
    if (Object.isFrozen(doc)) return doc;
    // Strings compare by value, so the compact copies are assigned unconditionally.
    if (doc.policy.length <= MAX_SHARED_POLICY_CHARS) doc.policy = this.intern(doc.policy);
    doc.keyId = flatString(doc.keyId);
    doc.arn = flatString(doc.arn);
    return doc;
  }

  /** {@link share}, plus the short fields a parsed document repeats per key. */
  private shareFields(doc: KeyDoc): KeyDoc {
    doc.accountId = this.intern(doc.accountId);
    doc.region = this.intern(doc.region);
    doc.keySpec = this.intern(doc.keySpec) as KeyDoc['keySpec'];
    doc.keyUsage = this.intern(doc.keyUsage) as KeyDoc['keyUsage'];
    doc.origin = this.intern(doc.origin) as KeyDoc['origin'];
    doc.keyState = this.intern(doc.keyState) as KeyDoc['keyState'];
    doc.description = this.intern(doc.description);
    return this.share(doc);
  }

  /**
   * A bounded pool of shared strings. When full it starts again: texts that repeat come
   * back at once, and unique texts (custom policies) are not held after their keys go.
   */
  private intern(text: string): string {
    const known = this.shared.get(text);
    if (known !== undefined) return known;
    if (this.shared.size >= MAX_SHARED_STRINGS) this.shared.clear();
    this.shared.set(text, text);
    return text;
  }
}

/**
 * The same text as one flat string. Built strings are V8 cons-string trees: a key id from
 * `randomUUID()` is ~20 nodes of 32 bytes each, an ARN from a template ~6; flat, they
 * cost their length plus a 16-byte header. The hot index holds both for every key.
 */
export const flatString = (text: string): string => JSON.parse(JSON.stringify(text)) as string;

/** A key of the hot index: its document and sealed secret; material comes from the vault. */
class VaultEntry implements KeyEntry {
  /** The unsealed material while the vault caches it here. @internal */
  cached: ReadonlyMap<string, Uint8Array> | undefined = undefined;
  /** Used since the vault's CLOCK hand last passed (spares it one round). @internal */
  recent = false;

  constructor(
    readonly doc: KeyDoc,
    /** The sealed secret, one character per byte (latin1); null for a key without material. */
    readonly secret: string | null,
    private readonly vault: KeyVault,
  ) {}

  get material(): ReadonlyMap<string, Uint8Array> {
    if (this.secret === null) return NO_MATERIAL;
    const cached = this.cached;
    if (cached === undefined) return this.vault.load(this, this.secret);
    this.recent = true;
    return cached;
  }

  get sealed(): Uint8Array | null {
    return this.secret === null ? null : new Uint8Array(Buffer.from(this.secret, 'latin1'));
  }

  withDoc(doc: KeyDoc): KeyEntry {
    return this.vault.rebind(this, doc);
  }
}

/**
 * The same key with a new document; material and sealed secret are reused untouched (a
 * metadata change never re-encrypts material).
 */
export function withDoc(entry: KeyEntry, doc: KeyDoc): KeyEntry {
  if (!(entry instanceof VaultEntry)) throw new TypeError('withDoc: not a key entry of the hot index');
  return entry.withDoc(doc);
}
