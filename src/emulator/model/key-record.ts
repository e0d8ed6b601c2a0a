import type { ExpirationModelType, KeySpec, KeyState, KeyUsageType, OriginType, Tag } from '@aws-sdk/client-kms';

/** Metadata about one version of a key's material (the bytes live only in memory and sealed). */
export interface MaterialVersion {
  /** 64 lowercase hex characters, AWS's KeyMaterialId / CurrentKeyMaterialId. */
  id: string;
  /** ISO-8601 time the version was created (CreateKey, rotation or import). */
  createdAt: string;
  /** How the version came to be; absent for the key's original material. */
  rotationType?: 'AUTOMATIC' | 'ON_DEMAND';
  /** Imported material: the KeyMaterialDescription given at import. */
  description?: string;
  /**
   * Imported with ImportType NEW_KEY_MATERIAL into a key that already has material: held,
   * but not used to encrypt until RotateKeyOnDemand makes it current (AWS's
   * PENDING_ROTATION). At most one version of a key is pending.
   */
  pendingRotation?: boolean;
}

/**
 * The persisted document of one KMS key (StoredObject kind `key`). Plain JSON, never
 * key material. Documents are treated as immutable values: a mutation builds a new
 * document, which makes rollback a matter of putting the old reference back.
 */
export interface KeyDoc {
  keyId: string;
  accountId: string;
  region: string;
  arn: string;
  /** ISO-8601 creation time. */
  creationDate: string;
  description: string;
  keySpec: KeySpec;
  keyUsage: KeyUsageType;
  origin: OriginType;
  /**
   * The key state. `enabled` is derived from it (AWS reports Enabled=true only in the
   * Enabled state) and is not stored separately.
   */
  keyState: KeyState;
  /** The key policy document, exactly as given (AWS returns it verbatim). */
  policy: string;
  tags: Tag[];
  multiRegion: boolean;
  customKeyStoreId?: string;
  xksKeyId?: string;
  /** Set while PendingDeletion: ISO-8601 due time and the window that produced it. */
  deletionDate?: string;
  pendingWindowInDays?: number;
  /** Automatic rotation: enabled flag, period and the next due time (ISO-8601). */
  rotationEnabled: boolean;
  rotationPeriodInDays?: number;
  nextRotationDate?: string;
  /**
   * Material versions, oldest first. Empty for keys that never had material imported.
   * For imported keys the versions stay listed after the bytes are deleted or expire, so
   * that only the same material can be imported again.
   */
  materials: MaterialVersion[];
  /** Imported material (origin EXTERNAL): how it expires and when (ISO-8601), as last imported. */
  expirationModel?: ExpirationModelType;
  validTo?: string;
  /**
   * Multi-Region keys: the Region of the primary key of the set (this key's own Region
   * when it is the primary). Replicas share key id, spec, usage, origin and material.
   */
  primaryRegion?: string;
}

/** One alias (StoredObject kind `alias`, id = alias name). */
export interface AliasDoc {
  aliasName: string;
  accountId: string;
  region: string;
  targetKeyId: string;
  creationDate: string;
  lastUpdatedDate: string;
}

/**
 * A key as the hot index holds it: the document, the decrypted material by version id,
 * and the sealed secret as last written (reused when only metadata changes, so a
 * metadata update never re-encrypts material). Entries are built by core/key-vault.ts,
 * which keeps only the document and the sealed secret resident: `material` comes from a
 * bounded cache (opened again on a miss) and `sealed` is a fresh copy on each read.
 */
export interface KeyEntry {
  readonly doc: KeyDoc;
  readonly material: ReadonlyMap<string, Uint8Array>;
  readonly sealed: Uint8Array | null;
}

/** The current material version of a key (the newest one not pending rotation), if it has any. */
export function currentMaterial(doc: KeyDoc): MaterialVersion | undefined {
  for (let i = doc.materials.length - 1; i >= 0; i--) if (!doc.materials[i]!.pendingRotation) return doc.materials[i];
  return undefined;
}
