import { ConflictError, type ErrorDetail } from '../../errors/index.js';
import { KeyVault, newMaterialId } from '../core/key-vault.js';
import { KIND_ALIAS, KIND_KEY } from '../core/transaction.js';
import { generateKeyMaterial, type GeneratableKeySpec } from '../crypto/key-generation.js';
import { importedMaterialId } from '../crypto/import-wrapping.js';
import { keyArn } from '../model/arn.js';
import { defaultKeyPolicy } from '../model/key-policy-document.js';
import type { AliasDoc, KeyDoc, MaterialVersion } from '../model/key-record.js';
import type { EmulatorStore, StoredObject } from '../store/emulator-store.js';
import type { EmulatorSeed, SeedKey } from './seed-document.js';

/** What seeding did, by key ARN and alias ARN-like name; never material. */
export interface SeedReport {
  /** Keys (and replicas) created now, as ARNs. */
  created: string[];
  /** Keys already in the store, left as they are, as ARNs. */
  present: string[];
  /** Aliases created now, as `account/Region/alias/name`. */
  aliasesCreated: string[];
  /**
   * Seeded keys whose changeable state (description, enabled, policy, tags) differs from
   * the seed because it was changed after seeding: kept as stored, listed for the log.
   */
  drift: Array<{ arn: string; fields: string[] }>;
}

export interface ApplySeedOptions {
  store: EmulatorStore;
  /** The emulator's root key: seeded material is sealed under it, as the emulator seals its own. */
  rootKey: Uint8Array;
  seed: EmulatorSeed;
  clock?: () => Date;
}

const ref = (accountId: string, region: string, id: string) => `${accountId}\u0000${region}\u0000${id}`;

/**
 * Creates a seed's keys, replicas and aliases in an emulator store before the emulator
 * opens it. The rule, so that a restart on the same store is a no-op:
 *
 * - What the seed names and the store lacks is created (a key, a replica, an alias).
 * - What the store has is left exactly as it is: changes made at run time (description,
 *   enabled state, policy, tags, rotation, deletion) are kept, and reported as drift.
 * - What cannot change at run time must agree: an existing key with the seeded id must
 *   have the seeded KeySpec, KeyUsage, Origin, multi-Region setting and primary Region,
 *   and hold the seeded material (when the seed gives material); an existing alias must
 *   point at the seeded key. Any disagreement is a conflict: nothing is written and the
 *   error lists every conflict by the JSON path of its seed entry.
 *
 * Every creation goes to the store in one atomic change. Material is sealed with the
 * root key exactly as the emulator seals it; the KeyMaterialId of given material is
 * derived from the key id and the material (as for imported material), so the same seed
 * gives the same ids, ARNs and material ids on every machine, and ciphertexts made under
 * given material decrypt anywhere the seed is loaded.
 *
 * @throws ConflictError (details: one entry per conflict)
 */
export async function applyEmulatorSeed(opts: ApplySeedOptions): Promise<SeedReport> {
  const run: SeedRun = {
    now: (opts.clock ?? (() => new Date()))().toISOString(),
    existing: await indexStore(opts.store),
    vault: new KeyVault(opts.rootKey, 0),
    report: { created: [], present: [], aliasesCreated: [], drift: [] },
    conflicts: [],
    puts: [],
  };
  for (const key of opts.seed.keys) {
    await seedKeySet(run, key);
    seedAliases(run, key);
  }
  if (run.conflicts.length > 0) {
    const summary = run.conflicts.map((c) => `${c.field}: ${c.message}`).join('; ');
    throw new ConflictError(`the emulator seed conflicts with the emulator's stored state: ${summary}`, {
      details: run.conflicts,
    });
  }
  if (run.puts.length > 0) await opts.store.apply({ put: run.puts });
  return run.report;
}

/** The state of one seeding: what the store holds, and what this seeding will write or refuse. */
interface SeedRun {
  now: string;
  existing: Awaited<ReturnType<typeof indexStore>>;
  vault: KeyVault;
  report: SeedReport;
  conflicts: ErrorDetail[];
  puts: StoredObject[];
}

/** A seeded key and its replicas: each compared when present, created when absent. */
async function seedKeySet(run: SeedRun, key: SeedKey): Promise<void> {
  const regions = [key.region, ...key.replicaRegions];
  const found = regions.map((r) => run.existing.keys.get(ref(key.accountId, r, key.keyId)));
  let material: SetMaterial | undefined;
  for (const [i, region] of regions.entries()) {
    const present = found[i];
    if (present) {
      const stored = present.doc as KeyDoc;
      compareKey(key, region, stored, run.conflicts);
      const changed = driftOf(key, region, stored);
      if (changed.length > 0) run.report.drift.push({ arn: stored.arn, fields: changed });
      run.report.present.push(stored.arn);
      continue;
    }
    // A missing key of a multi-Region set gets the material of the set's present keys.
    material ??= await materialOf(key, found, run.vault, run.now);
    const doc = newKeyDoc(key, region, material.versions, run.now);
    const secret = run.vault.seal(doc, material.bytes).sealed;
    run.puts.push({ kind: KIND_KEY, accountId: key.accountId, region, id: key.keyId, doc, secret });
    run.report.created.push(doc.arn);
  }
}

/** A seeded key's aliases: created when absent; one pointing at another key is a conflict. */
function seedAliases(run: SeedRun, key: SeedKey): void {
  for (const [i, aliasName] of key.aliases.entries()) {
    const found = run.existing.aliases.get(ref(key.accountId, key.region, aliasName));
    if (found) {
      const target = (found.doc as AliasDoc).targetKeyId;
      if (target !== key.keyId) {
        run.conflicts.push({
          field: `${key.path}.Aliases[${i}]`,
          message: `${aliasName} already exists in ${key.accountId}/${key.region} and points at ${target}, not ${key.keyId}`,
        });
      }
      continue;
    }
    const doc: AliasDoc = {
      aliasName,
      accountId: key.accountId,
      region: key.region,
      targetKeyId: key.keyId,
      creationDate: run.now,
      lastUpdatedDate: run.now,
    };
    run.puts.push({ kind: KIND_ALIAS, accountId: key.accountId, region: key.region, id: aliasName, doc });
    run.report.aliasesCreated.push(`${key.accountId}/${key.region}/${aliasName}`);
  }
}

async function indexStore(store: EmulatorStore) {
  const keys = new Map<string, StoredObject>();
  const aliases = new Map<string, StoredObject>();
  for (const o of await store.loadAll()) {
    if (o.kind === KIND_KEY) keys.set(ref(o.accountId, o.region, o.id), o);
    else if (o.kind === KIND_ALIAS) aliases.set(ref(o.accountId, o.region, o.id), o);
  }
  return { keys, aliases };
}

/**
 * The key's material by version id: the seed's; else that of a present key of the same
 * multi-Region set; else generated (AWS_KMS) or none (EXTERNAL: PendingImport).
 */
async function materialOf(
  key: SeedKey,
  found: ReadonlyArray<StoredObject | undefined>,
  vault: KeyVault,
  now: string,
): Promise<SetMaterial> {
  const one = (id: string, bytes: Uint8Array): SetMaterial => ({
    bytes: new Map([[id, bytes]]),
    versions: [{ id, createdAt: now }],
  });
  if (key.material) return one(importedMaterialId(key.keyId, key.material), key.material);
  const withMaterial = found.find((o) => o && (o.doc as KeyDoc).materials.length > 0 && o.secret);
  if (withMaterial) {
    const doc = withMaterial.doc as KeyDoc;
    return { bytes: vault.open(doc, withMaterial.secret).material, versions: doc.materials };
  }
  if (key.origin === 'EXTERNAL') return { bytes: new Map(), versions: [] };
  return one(newMaterialId(), await generateKeyMaterial(key.keySpec as GeneratableKeySpec));
}

/** The material a key set shares: the bytes by version id and the version records. */
interface SetMaterial {
  bytes: ReadonlyMap<string, Uint8Array>;
  versions: readonly MaterialVersion[];
}

function newKeyDoc(key: SeedKey, region: string, versions: readonly MaterialVersion[], now: string): KeyDoc {
  const hasMaterial = versions.length > 0;
  const imported = key.origin === 'EXTERNAL';
  return {
    keyId: key.keyId,
    accountId: key.accountId,
    region,
    arn: keyArn(region, key.accountId, key.keyId),
    creationDate: now,
    description: key.description,
    keySpec: key.keySpec,
    keyUsage: key.keyUsage,
    origin: key.origin,
    keyState: !hasMaterial ? 'PendingImport' : key.enabled ? 'Enabled' : 'Disabled',
    policy: key.policy ?? defaultKeyPolicy(region, key.accountId),
    tags: key.tags.map((t) => ({ TagKey: t.TagKey, TagValue: t.TagValue ?? '' })),
    multiRegion: key.multiRegion,
    ...(key.multiRegion ? { primaryRegion: key.region } : {}),
    rotationEnabled: false,
    materials: versions.map((v) => ({ ...v })),
    ...(imported && hasMaterial ? { expirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' as const } : {}),
  };
}

/** Conflicts in what cannot change at run time. */
function compareKey(key: SeedKey, region: string, stored: KeyDoc, conflicts: ErrorDetail[]): void {
  const where = `${key.keyId} in ${key.accountId}/${region}`;
  const differ = (field: string, seeded: unknown, actual: unknown) => {
    if (seeded !== actual) {
      conflicts.push({
        field: `${key.path}.${field}`,
        message: `${where} already exists with ${field} ${String(actual)}, the seed says ${String(seeded)}`,
      });
    }
  };
  differ('KeySpec', key.keySpec, stored.keySpec);
  differ('KeyUsage', key.keyUsage, stored.keyUsage);
  differ('Origin', key.origin, stored.origin);
  differ('MultiRegion', key.multiRegion, stored.multiRegion);
  if (key.multiRegion && stored.multiRegion) differ('Region', key.region, stored.primaryRegion);
  if (key.material && !stored.materials.some((m) => m.id === importedMaterialId(key.keyId, key.material!))) {
    conflicts.push({
      field: `${key.path}.KeyMaterial`,
      message: `${where} already exists with other key material (the store's material is kept; delete the key or the store to reseed it)`,
    });
  }
}

/** The changeable fields whose stored value differs from the seed (the store's value is kept). */
function driftOf(key: SeedKey, region: string, stored: KeyDoc): string[] {
  const fields: string[] = [];
  if (stored.description !== key.description) fields.push('Description');
  const seededState =
    key.origin === 'EXTERNAL' && !key.material ? 'PendingImport' : key.enabled ? 'Enabled' : 'Disabled';
  if (stored.keyState !== seededState) fields.push(`KeyState (${stored.keyState})`);
  if (stored.policy !== (key.policy ?? defaultKeyPolicy(region, key.accountId))) fields.push('Policy');
  const tags = (t: readonly { TagKey?: string; TagValue?: string }[]) =>
    JSON.stringify(t.map((x) => [x.TagKey, x.TagValue ?? '']).sort());
  if (tags(stored.tags) !== tags(key.tags)) fields.push('Tags');
  return fields;
}
