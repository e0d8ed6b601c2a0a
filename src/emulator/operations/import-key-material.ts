import type { ImportKeyMaterialRequest } from '@aws-sdk/client-kms';
import { awsError } from '../../errors/index.js';
import { importedMaterialId, UnwrapError, unwrapKeyMaterial } from '../crypto/import-wrapping.js';
import { canonicalImportedMaterial, ImportedMaterialError } from '../crypto/imported-material.js';
import type { KeyDoc, MaterialVersion } from '../model/key-record.js';
import type { OperationContext, OperationHandler } from './context.js';
import { invalidCiphertext } from './crypto-key.js';
import { importKey, isReplica } from './import-support.js';
import { openImportToken } from './import-token.js';

const MAX_VALID_MS = 365 * 86_400_000;

/** ExpirationModel (default KEY_MATERIAL_EXPIRES) and ValidTo, checked as AWS documents. */
function expiryOf(ctx: OperationContext, input: ImportKeyMaterialRequest): Pick<KeyDoc, 'expirationModel' | 'validTo'> {
  const model = input.ExpirationModel ?? 'KEY_MATERIAL_EXPIRES';
  if (model === 'KEY_MATERIAL_DOES_NOT_EXPIRE') {
    if (input.ValidTo !== undefined)
      throw awsError(
        'ValidationException',
        'ValidTo is not valid when ExpirationModel is KEY_MATERIAL_DOES_NOT_EXPIRE.',
      );
    return { expirationModel: model };
  }
  if (input.ValidTo === undefined)
    throw awsError('ValidationException', 'ValidTo is required when ExpirationModel is KEY_MATERIAL_EXPIRES.');
  const ms = input.ValidTo.getTime() - ctx.now.getTime();
  if (ms <= 0 || ms > MAX_VALID_MS)
    throw awsError('ValidationException', 'ValidTo must be a future time at most 365 days from now.');
  return { expirationModel: model, validTo: input.ValidTo.toISOString() };
}

/** ImportType and KeyMaterialId apply to symmetric encryption keys only. */
function checkImportType(doc: KeyDoc, input: ImportKeyMaterialRequest): void {
  const symmetric = doc.keySpec === 'SYMMETRIC_DEFAULT';
  if (!symmetric && (input.ImportType !== undefined || input.KeyMaterialId !== undefined)) {
    throw awsError('ValidationException', 'ImportType and KeyMaterialId are valid only for symmetric encryption keys.');
  }
  if (input.ImportType === 'NEW_KEY_MATERIAL' && input.KeyMaterialId !== undefined) {
    throw awsError('ValidationException', 'You cannot specify a KeyMaterialId with ImportType NEW_KEY_MATERIAL.');
  }
}

const incorrect = (message: string) => awsError('IncorrectKeyMaterialException', message);

/** The material versions a key accepts: its own, or for a replica those of its primary. */
function knownVersions(ctx: OperationContext, doc: KeyDoc): MaterialVersion[] {
  if (!isReplica(doc)) return doc.materials;
  const primary = ctx.registry.scope(doc.accountId, doc.primaryRegion!).keys.get(doc.keyId);
  return primary && primary.doc.materials.length > 0 ? primary.doc.materials : doc.materials;
}

/**
 * New material for a key that has material: held as PENDING_ROTATION until
 * RotateKeyOnDemand makes it current. Only one version may be pending, and only while
 * the key holds its current material (not while PendingImport).
 *
 * @throws ValidationException | KMSInvalidStateException
 */
function withPendingMaterial(
  ctx: OperationContext,
  doc: KeyDoc,
  id: string,
  input: ImportKeyMaterialRequest,
): MaterialVersion[] {
  if (doc.keyState === 'PendingImport') {
    throw awsError(
      'KMSInvalidStateException',
      `${doc.arn} is pending import: import its current key material again (ImportType EXISTING_KEY_MATERIAL) before new key material.`,
    );
  }
  if (doc.materials.some((m) => m.pendingRotation)) {
    throw awsError(
      'ValidationException',
      `${doc.arn} already has key material pending rotation; rotate it (RotateKeyOnDemand) or delete it first.`,
    );
  }
  const version: MaterialVersion = { id, createdAt: ctx.now.toISOString(), pendingRotation: true };
  if (input.KeyMaterialDescription) version.description = input.KeyMaterialDescription;
  return [...doc.materials, version];
}

/**
 * Which version the material is: the first material of a key, or material imported
 * before (same KeyMaterialId), or with ImportType NEW_KEY_MATERIAL a new version pending
 * rotation. Other different material is IncorrectKeyMaterialException.
 */
function versionFor(
  ctx: OperationContext,
  doc: KeyDoc,
  id: string,
  input: ImportKeyMaterialRequest,
): MaterialVersion[] {
  const known = knownVersions(ctx, doc);
  if (input.KeyMaterialId !== undefined && input.KeyMaterialId !== id) {
    throw incorrect('The key material does not match the specified KeyMaterialId.');
  }
  if (known.length === 0) {
    if (input.ImportType === 'EXISTING_KEY_MATERIAL' || input.KeyMaterialId !== undefined) {
      throw incorrect('No key material was imported into this KMS key before; use ImportType NEW_KEY_MATERIAL.');
    }
    return [
      {
        id,
        createdAt: ctx.now.toISOString(),
        ...(input.KeyMaterialDescription ? { description: input.KeyMaterialDescription } : {}),
      },
    ];
  }
  if (known.some((m) => m.id === id)) {
    if (input.ImportType === 'NEW_KEY_MATERIAL')
      throw incorrect(
        'This key material is already associated with the KMS key; use ImportType EXISTING_KEY_MATERIAL.',
      );
    return known;
  }
  if (input.ImportType === 'NEW_KEY_MATERIAL') {
    if (isReplica(doc))
      throw awsError(
        'UnsupportedOperationException',
        'New key material must be imported into the primary key of a multi-Region key.',
      );
    return withPendingMaterial(ctx, doc, id, input);
  }
  throw incorrect('The key material is not the key material that was previously imported into this KMS key.');
}

/**
 * ImportKeyMaterial: unwraps EncryptedKeyMaterial with the token's wrapping key, checks
 * it fits the key spec, and installs it; a PendingImport key becomes Enabled. Re-import
 * accepts only the same material (same KeyMaterialId) and replaces ExpirationModel and
 * ValidTo; the scheduler removes expired material.
 *
 * @throws InvalidImportTokenException | ExpiredImportTokenException | InvalidCiphertextException |
 *   IncorrectKeyMaterialException | ValidationException | UnsupportedOperationException | KMSInvalidStateException
 */
export const importKeyMaterial: OperationHandler<'ImportKeyMaterial'> = async (ctx, input) => {
  const entry = importKey(ctx, input.KeyId!);
  const { doc } = entry;
  checkImportType(doc, input);
  const expiry = expiryOf(ctx, input);
  const token = openImportToken(ctx, doc, input.ImportToken!);
  let material: Uint8Array;
  try {
    const raw = unwrapKeyMaterial(token.wrappingKey, token.algorithm, input.EncryptedKeyMaterial!);
    try {
      material = canonicalImportedMaterial(doc.keySpec, raw);
    } finally {
      raw.fill(0);
    }
  } catch (err) {
    if (err instanceof UnwrapError) throw invalidCiphertext();
    if (err instanceof ImportedMaterialError) throw incorrect(err.message);
    throw err;
  } finally {
    token.wrappingKey.fill(0);
  }
  const id = importedMaterialId(doc.keyId, material);
  const materials = versionFor(ctx, doc, id, input);
  const { validTo: _v, expirationModel: _e, ...rest } = doc;
  const next: KeyDoc = {
    ...rest,
    ...expiry,
    materials,
    keyState: doc.keyState === 'PendingImport' ? 'Enabled' : doc.keyState,
  };
  const tx = ctx.begin();
  tx.putKey(ctx.sealEntry(next, new Map([...entry.material, [id, material]])));
  await ctx.commit(tx);
  return { KeyId: doc.arn, KeyMaterialId: id };
};
