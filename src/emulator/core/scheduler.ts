import { generateKeyMaterial } from '../crypto/key-generation.js';
import type { KeyDoc, KeyEntry } from '../model/key-record.js';
import { newMaterialId, withDoc } from './key-vault.js';
import type { Registry } from './scope-registry.js';
import { syncReplicas } from './replicas.js';
import type { Transaction } from './transaction.js';

/** What one scheduler pass did. */
export interface ScheduledTaskResult {
  deleted: number;
  rotated: number;
  /** Keys whose imported material expired (now PendingImport). */
  expired: number;
}

/** The write path the scheduler needs, provided by the emulator. */
export interface SchedulerDeps {
  begin(): Transaction;
  commit(tx: Transaction): Promise<void>;
  sealEntry(doc: KeyDoc, material: ReadonlyMap<string, Uint8Array>): KeyEntry;
}

const DAY_MS = 86_400_000;

/**
 * The emulator's time-driven domain rules, kept in one place rather than hidden in
 * reads (local-kms deletes and rotates keys while loading them; we do not):
 * - a key in PendingDeletion whose DeletionDate has passed is deleted, with its aliases;
 * - an Enabled key with automatic rotation whose NextRotationDate has passed gets a new
 *   material version (RotationType AUTOMATIC) and its next date moves one period on.
 * - an imported key whose ValidTo has passed loses its material and becomes PendingImport;
 * - a multi-Region primary in PendingReplicaDeletion whose replicas are all gone starts
 *   its own waiting period (PendingDeletion).
 * Each key is its own transaction so that one failed write does not hold back the rest.
 */
export async function runScheduledTasks(
  registry: Registry,
  now: Date,
  deps: SchedulerDeps,
): Promise<ScheduledTaskResult> {
  const result: ScheduledTaskResult = { deleted: 0, rotated: 0, expired: 0 };
  // Primaries waiting for their replicas go last, so a replica deleted in this pass counts.
  const all = [...registry.allKeys()];
  const due = [
    ...all.filter((e) => e.doc.keyState !== 'PendingReplicaDeletion'),
    ...all.filter((e) => e.doc.keyState === 'PendingReplicaDeletion'),
  ];
  for (const entry of due) {
    const doc = entry.doc;
    if (
      doc.validTo &&
      Date.parse(doc.validTo) <= now.getTime() &&
      (doc.keyState === 'Enabled' || doc.keyState === 'Disabled')
    ) {
      await replaceIfUnchanged(registry, entry, deps, { ...withoutExpiry(doc), keyState: 'PendingImport' }, new Map());
      result.expired++;
    } else if (doc.keyState === 'PendingReplicaDeletion' && !hasReplicas(registry, doc)) {
      const days = doc.pendingWindowInDays ?? 30;
      const deletionDate = new Date(now.getTime() + days * DAY_MS).toISOString();
      await replaceIfUnchanged(
        registry,
        entry,
        deps,
        { ...doc, keyState: 'PendingDeletion', deletionDate },
        'unchanged',
      );
    } else if (
      doc.keyState === 'PendingDeletion' &&
      doc.deletionDate &&
      Date.parse(doc.deletionDate) <= now.getTime()
    ) {
      await deleteKey(registry, doc, deps);
      result.deleted++;
    } else if (
      doc.keyState === 'Enabled' &&
      doc.rotationEnabled &&
      (doc.primaryRegion ?? doc.region) === doc.region &&
      doc.nextRotationDate &&
      Date.parse(doc.nextRotationDate) <= now.getTime()
    ) {
      await rotate(registry, entry, now, deps);
      result.rotated++;
    }
  }
  return result;
}

function withoutExpiry(doc: KeyDoc): KeyDoc {
  const { validTo: _v, expirationModel: _e, ...rest } = doc;
  return rest;
}

/** True while any other Region holds a key of the same multi-Region set. */
function hasReplicas(registry: Registry, doc: KeyDoc): boolean {
  for (const [region, scope] of registry.scopesOf(doc.accountId)) {
    if (region !== doc.region && scope.keys.has(doc.keyId)) return true;
  }
  return false;
}

async function replaceIfUnchanged(
  registry: Registry,
  entry: KeyEntry,
  deps: SchedulerDeps,
  doc: KeyDoc,
  material: ReadonlyMap<string, Uint8Array> | 'unchanged',
): Promise<void> {
  if (registry.scope(entry.doc.accountId, entry.doc.region).keys.get(entry.doc.keyId)?.doc !== entry.doc) return;
  const tx = deps.begin();
  tx.putKey(material === 'unchanged' ? withDoc(entry, doc) : deps.sealEntry(doc, material));
  await deps.commit(tx);
}

async function deleteKey(registry: Registry, doc: KeyDoc, deps: SchedulerDeps): Promise<void> {
  const scope = registry.scope(doc.accountId, doc.region);
  if (scope.keys.get(doc.keyId)?.doc !== doc) return; // changed since the pass began
  const tx = deps.begin();
  for (const alias of [...scope.aliases.values()]) {
    if (alias.targetKeyId === doc.keyId) tx.deleteAlias(doc.accountId, doc.region, alias.aliasName);
  }
  for (const grant of scope.grantsOf(doc.keyId)) tx.deleteGrant(grant);
  tx.deleteKey(doc.accountId, doc.region, doc.keyId);
  await deps.commit(tx);
  registry.lastUsage.delete(doc.arn);
}

async function rotate(registry: Registry, entry: KeyEntry, now: Date, deps: SchedulerDeps): Promise<void> {
  const material = await generateKeyMaterial('SYMMETRIC_DEFAULT');
  const scope = registry.scope(entry.doc.accountId, entry.doc.region);
  const current = scope.keys.get(entry.doc.keyId);
  if (current?.doc !== entry.doc) return; // changed while the material was generated
  const id = newMaterialId();
  const period = entry.doc.rotationPeriodInDays ?? 365;
  const doc: KeyDoc = {
    ...entry.doc,
    materials: [...entry.doc.materials, { id, createdAt: now.toISOString(), rotationType: 'AUTOMATIC' }],
    nextRotationDate: new Date(now.getTime() + period * DAY_MS).toISOString(),
  };
  const tx = deps.begin();
  const rotated = deps.sealEntry(doc, new Map([...entry.material, [id, material]]));
  tx.putKey(rotated);
  syncReplicas(registry, tx, rotated, deps.sealEntry);
  await deps.commit(tx);
}
