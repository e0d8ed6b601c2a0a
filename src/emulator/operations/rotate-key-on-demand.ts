import { awsError } from '../../errors/index.js';
import { newMaterialId } from '../core/key-vault.js';
import { generateKeyMaterial } from '../crypto/key-generation.js';
import type { KeyDoc, KeyEntry } from '../model/key-record.js';
import { assertKeyUsable } from '../model/key-state.js';
import type { OperationContext, OperationHandler } from './context.js';
import { syncReplicas } from '../core/replicas.js';
import { assertNotReplica, assertOnDemandRotationSupported } from './rotation-support.js';

/** AWS allows at most this many on-demand rotations per key. */
const MAX_ON_DEMAND_ROTATIONS = 25;

/**
 * RotateKeyOnDemand: a new material version (RotationType ON_DEMAND) becomes current at
 * once (for imported keys: the material imported with NEW_KEY_MATERIAL, pending rotation); earlier versions stay to decrypt what they encrypted. The automatic rotation
 * schedule is unchanged, as AWS documents.
 *
 * @throws UnsupportedOperationException | NotFoundException | DisabledException | KMSInvalidStateException |
 *   LimitExceededException
 */
export const rotateKeyOnDemand: OperationHandler<'RotateKeyOnDemand'> = async (ctx, input) => {
  const entry = ctx.findKey(input.KeyId!);
  assertOnDemandRotationSupported(entry.doc);
  assertNotReplica(entry.doc);
  assertKeyUsable(entry.doc, ctx.op);
  const done = entry.doc.materials.filter((m) => m.rotationType === 'ON_DEMAND').length;
  if (done >= MAX_ON_DEMAND_ROTATIONS) {
    throw awsError(
      'LimitExceededException',
      `${entry.doc.arn} has reached the limit of ${MAX_ON_DEMAND_ROTATIONS} on-demand rotations.`,
    );
  }
  if (entry.doc.origin === 'EXTERNAL') return rotateToImported(ctx, entry);
  const material = await generateKeyMaterial('SYMMETRIC_DEFAULT');
  const current = ctx.findKey(input.KeyId!);
  if (current.doc !== entry.doc) {
    throw awsError('ConflictException', `${entry.doc.arn} changed while it was being rotated; retry the request.`);
  }
  const id = newMaterialId();
  const doc: KeyDoc = {
    ...entry.doc,
    materials: [...entry.doc.materials, { id, createdAt: ctx.now.toISOString(), rotationType: 'ON_DEMAND' }],
  };
  const tx = ctx.begin();
  const rotated = ctx.sealEntry(doc, new Map([...entry.material, [id, material]]));
  tx.putKey(rotated);
  syncReplicas(ctx.registry, tx, rotated, ctx.sealEntry);
  await ctx.commit(tx);
  return { KeyId: doc.arn };
};

/**
 * Imported keys rotate to the material pending rotation, which becomes the newest
 * (current) version with RotationType ON_DEMAND and the rotation time as its date.
 *
 * @throws ValidationException when no imported material is pending rotation
 */
async function rotateToImported(ctx: OperationContext, entry: KeyEntry): Promise<{ KeyId: string }> {
  const pending = entry.doc.materials.find((m) => m.pendingRotation);
  if (!pending || !entry.material.has(pending.id)) {
    throw awsError(
      'ValidationException',
      `${entry.doc.arn} has no key material pending rotation: import new key material (ImportType NEW_KEY_MATERIAL) first.`,
    );
  }
  const { pendingRotation: _p, ...version } = pending;
  const rotated = { ...version, createdAt: ctx.now.toISOString(), rotationType: 'ON_DEMAND' as const };
  const doc: KeyDoc = { ...entry.doc, materials: [...entry.doc.materials.filter((m) => m !== pending), rotated] };
  const tx = ctx.begin();
  tx.putKey(ctx.sealEntry(doc, entry.material));
  await ctx.commit(tx);
  return { KeyId: doc.arn };
}
