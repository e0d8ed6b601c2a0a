import type { RotationsListEntry } from '@aws-sdk/client-kms';
import { currentMaterial, type KeyEntry, type MaterialVersion } from '../model/key-record.js';
import { paginate } from '../model/paging.js';
import type { OperationHandler } from './context.js';
import { assertOnDemandRotationSupported } from './rotation-support.js';

/**
 * One material version as ListKeyRotations shows it. Imported material (origin EXTERNAL)
 * also reports whether its bytes are present (ImportState), its expiry and description;
 * material imported for rotation and not yet rotated to is PENDING_ROTATION.
 */
function toEntry(entry: KeyEntry, m: MaterialVersion, currentId: string | undefined): RotationsListEntry {
  const { doc } = entry;
  const state = m.pendingRotation ? 'PENDING_ROTATION' : m.id === currentId ? 'CURRENT' : 'NON_CURRENT';
  const e: RotationsListEntry = { KeyId: doc.arn, KeyMaterialId: m.id };
  if (doc.origin === 'EXTERNAL') {
    if (m.description !== undefined) e.KeyMaterialDescription = m.description;
    e.ImportState = entry.material.has(m.id) ? 'IMPORTED' : 'PENDING_IMPORT';
  }
  e.KeyMaterialState = state;
  if (doc.origin === 'EXTERNAL' && doc.expirationModel) {
    e.ExpirationModel = doc.expirationModel;
    if (doc.validTo) e.ValidTo = new Date(doc.validTo);
  }
  if (m.rotationType) Object.assign(e, { RotationDate: new Date(m.createdAt), RotationType: m.rotationType });
  return e;
}

/**
 * ListKeyRotations: the key's material versions, oldest first. By default
 * (ROTATIONS_ONLY) the versions created by rotation and imported material pending
 * rotation; ALL_KEY_MATERIAL adds the first one, which has no RotationDate or
 * RotationType. Pages like every KMS List operation.
 *
 * @throws UnsupportedOperationException | NotFoundException | InvalidMarkerException
 */
export const listKeyRotations: OperationHandler<'ListKeyRotations'> = async (ctx, input) => {
  const entry = ctx.findKey(input.KeyId!);
  assertOnDemandRotationSupported(entry.doc);
  const { doc } = entry;
  const all = input.IncludeKeyMaterial === 'ALL_KEY_MATERIAL';
  const versions = doc.materials.filter((m) => all || m.rotationType !== undefined || m.pendingRotation);
  const currentId = currentMaterial(doc)?.id;
  const page = paginate(versions, (m) => `${m.createdAt}/${m.id}`, input.Limit, input.Marker);
  return {
    Rotations: page.items.map((m) => toEntry(entry, m, currentId)),
    Truncated: page.Truncated,
    ...(page.NextMarker ? { NextMarker: page.NextMarker } : {}),
  };
};
