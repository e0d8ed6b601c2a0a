import { awsError } from '../../errors/index.js';
import { currentMaterial } from '../model/key-record.js';
import type { OperationHandler } from './context.js';
import { importKey, withoutImportedMaterial } from './import-support.js';

/**
 * DeleteImportedKeyMaterial: removes the imported material; the key becomes
 * PendingImport and is unusable until the same material is imported again (earlier
 * ciphertexts then decrypt again). KeyMaterialId, when given, must name the key's material.
 *
 * @throws NotFoundException | UnsupportedOperationException | KMSInvalidStateException | ValidationException
 */
export const deleteImportedKeyMaterial: OperationHandler<'DeleteImportedKeyMaterial'> = async (ctx, input) => {
  const entry = importKey(ctx, input.KeyId!);
  const { doc } = entry;
  const current = currentMaterial(doc);
  if (input.KeyMaterialId !== undefined) {
    if (doc.keySpec !== 'SYMMETRIC_DEFAULT')
      throw awsError('ValidationException', 'KeyMaterialId is valid only for symmetric encryption keys.');
    if (!doc.materials.some((m) => m.id === input.KeyMaterialId)) {
      throw awsError('NotFoundException', `Key material ${input.KeyMaterialId} is not associated with ${doc.arn}.`);
    }
  }
  const tx = ctx.begin();
  tx.putKey(ctx.sealEntry(withoutImportedMaterial(doc), new Map()));
  await ctx.commit(tx);
  return { KeyId: doc.arn, ...(current ? { KeyMaterialId: input.KeyMaterialId ?? current.id } : {}) };
};
