import type { RotationsListEntry } from '@aws-sdk/client-kms';
import type { MaterialVersion } from '../model/key-record.js';
import { paginate } from '../model/paging.js';
import type { OperationHandler } from './context.js';
import { assertRotationSupported } from './rotation-support.js';

/**
 * ListKeyRotations: the key's material versions, oldest first. By default
 * (ROTATIONS_ONLY) only versions created by rotation; ALL_KEY_MATERIAL adds the first
 * one, which has no RotationDate or RotationType. Pages like every KMS List operation.
 *
 * @throws UnsupportedOperationException | NotFoundException | InvalidMarkerException
 */
export const listKeyRotations: OperationHandler<'ListKeyRotations'> = async (ctx, input) => {
  const entry = ctx.findKey(input.KeyId!);
  assertRotationSupported(entry.doc);
  const { doc } = entry;
  const all = input.IncludeKeyMaterial === 'ALL_KEY_MATERIAL';
  const versions = doc.materials.filter((m) => all || m.rotationType !== undefined);
  const currentId = doc.materials[doc.materials.length - 1]?.id;
  const toEntry = (m: MaterialVersion): RotationsListEntry => {
    const e: RotationsListEntry = { KeyId: doc.arn, KeyMaterialId: m.id, KeyMaterialState: m.id === currentId ? 'CURRENT' : 'NON_CURRENT' };
    if (m.rotationType) Object.assign(e, { RotationDate: new Date(m.createdAt), RotationType: m.rotationType });
    return e;
  };
  const page = paginate(versions, (m) => `${m.createdAt}/${m.id}`, input.Limit, input.Marker);
  return { Rotations: page.items.map(toEntry), Truncated: page.Truncated, ...(page.NextMarker ? { NextMarker: page.NextMarker } : {}) };
};
