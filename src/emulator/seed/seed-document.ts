import type { KeySpec, KeyUsageType, Tag } from '@aws-sdk/client-kms';

/**
 * Bounds of a seed file (EMULATOR_SEED). A seed is read once at start, but it is still
 * input: every list and string is capped so that a wrong file fails fast and clearly.
 */
export const SEED_LIMITS = {
  /** Size of the seed file in bytes (a thousand RSA-4096 PEM keys fit). */
  fileBytes: 4 * 1024 * 1024,
  keys: 1000,
  aliasesPerKey: 50,
  replicaRegionsPerKey: 20,
  /** AWS's DescriptionType maximum. */
  descriptionChars: 8192,
  /** Key material text (base64 or PEM) of one key: an RSA-4096 PKCS#8 PEM is about 3.3 KB. */
  materialChars: 16 * 1024,
} as const;

/** The origins a seeded key may have: KMS material (generated or given) or imported material. */
export type SeedOrigin = 'AWS_KMS' | 'EXTERNAL';

/**
 * One key of a validated seed, with every default applied (account, Region, usage,
 * policy) and its material decoded to the form the emulator stores. `path` is the JSON
 * path of its entry (`keys[3]`), used to name it in conflict reports.
 */
export interface SeedKey {
  readonly path: string;
  readonly accountId: string;
  readonly region: string;
  readonly keyId: string;
  readonly description: string;
  readonly keySpec: KeySpec;
  readonly keyUsage: KeyUsageType;
  readonly origin: SeedOrigin;
  readonly multiRegion: boolean;
  /** Regions where replicas of this (multi-Region primary) key are created. */
  readonly replicaRegions: readonly string[];
  readonly enabled: boolean;
  /** The key policy text; undefined means AWS's default key policy of the account. */
  readonly policy?: string;
  readonly tags: readonly Tag[];
  /** Alias names (`alias/...`) pointing at the key, in the key's own Region. */
  readonly aliases: readonly string[];
  /**
   * The key material in the emulator's stored form (raw bytes for symmetric and HMAC keys,
   * canonical PKCS#8 DER for RSA, ECC and SM2 keys, the 32-byte seed for ML-DSA keys).
   * A secret: never logged, never part of a report.
   */
  readonly material?: Uint8Array;
}

/** A validated seed: the keys to create, in file order. */
export interface EmulatorSeed {
  readonly keys: readonly SeedKey[];
}

/** Defaults that complete a seed entry: the emulator's default account and first Region. */
export interface SeedDefaults {
  readonly accountId: string;
  readonly region: string;
}
