import { awsError } from '../../errors/index.js';
import type { KeyDoc, KeyEntry } from '../model/key-record.js';
import { assertKeyUsable } from '../model/key-state.js';
import type { OperationContext } from './context.js';

/**
 * The key of an import operation: named by key id or ARN (no alias), in this account,
 * with origin EXTERNAL and in a state that allows importing.
 *
 * @throws NotFoundException | UnsupportedOperationException | KMSInvalidStateException
 */
export function importKey(ctx: OperationContext, keyId: string): KeyEntry {
  const entry = ctx.findKey(keyId);
  if (entry.doc.origin !== 'EXTERNAL') {
    throw awsError(
      'UnsupportedOperationException',
      `${entry.doc.arn} origin is ${entry.doc.origin} which is not valid for this operation.`,
    );
  }
  assertKeyUsable(entry.doc, ctx.op);
  return entry;
}

/** True for a replica of a multi-Region key. */
export const isReplica = (doc: KeyDoc): boolean => doc.primaryRegion !== undefined && doc.primaryRegion !== doc.region;

/**
 * The key with its imported material removed (DeleteImportedKeyMaterial, expiry): the
 * key waits for the same material again in PendingImport; the versions stay listed so
 * that only that material is accepted.
 */
export function withoutImportedMaterial(doc: KeyDoc): KeyDoc {
  const { validTo: _v, expirationModel: _e, ...rest } = doc;
  return { ...rest, keyState: 'PendingImport' };
}
