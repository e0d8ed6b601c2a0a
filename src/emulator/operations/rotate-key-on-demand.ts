import { awsError } from '../../errors/index.js';
import { newMaterialId } from '../core/key-material.js';
import { generateKeyMaterial } from '../crypto/key-generation.js';
import type { KeyDoc } from '../model/key-record.js';
import { assertKeyUsable } from '../model/key-state.js';
import type { OperationHandler } from './context.js';
import { syncReplicas } from '../core/replicas.js';
import { assertNotReplica, assertRotationSupported } from './rotation-support.js';

/** AWS allows at most this many on-demand rotations per key. */
export const MAX_ON_DEMAND_ROTATIONS = 25;

/**
 * RotateKeyOnDemand: a new material version (RotationType ON_DEMAND) becomes current at
 * once; earlier versions stay to decrypt what they encrypted. The automatic rotation
 * schedule is unchanged, as AWS documents.
 *
 * @throws UnsupportedOperationException | NotFoundException | DisabledException | KMSInvalidStateException |
 *   LimitExceededException
 */
export const rotateKeyOnDemand: OperationHandler<'RotateKeyOnDemand'> = async (ctx, input) => {
  const entry = ctx.findKey(input.KeyId!);
  assertRotationSupported(entry.doc);
  assertNotReplica(entry.doc);
  assertKeyUsable(entry.doc, ctx.op);
  const done = entry.doc.materials.filter((m) => m.rotationType === 'ON_DEMAND').length;
  if (done >= MAX_ON_DEMAND_ROTATIONS) {
    throw awsError('LimitExceededException', `${entry.doc.arn} has reached the limit of ${MAX_ON_DEMAND_ROTATIONS} on-demand rotations.`);
  }
  const material = await generateKeyMaterial('SYMMETRIC_DEFAULT');
  const current = ctx.findKey(input.KeyId!);
  if (current.doc !== entry.doc) {
    throw awsError('ConflictException', `${entry.doc.arn} changed while it was being rotated; retry the request.`);
  }
  const id = newMaterialId();
  const doc: KeyDoc = { ...entry.doc, materials: [...entry.doc.materials, { id, createdAt: ctx.now.toISOString(), rotationType: 'ON_DEMAND' }] };
  const tx = ctx.begin();
  const rotated = ctx.sealEntry(doc, new Map([...entry.material, [id, material]]));
  tx.putKey(rotated);
  syncReplicas(ctx.registry, tx, rotated, ctx.sealEntry);
  await ctx.commit(tx);
  return { KeyId: doc.arn };
};
