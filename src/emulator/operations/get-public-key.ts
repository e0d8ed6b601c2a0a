import type { GetPublicKeyResponse } from '@aws-sdk/client-kms';
import { awsError } from '../../errors/index.js';
import { publicKeySpki } from '../crypto/asymmetric-keys.js';
import { toKeyMetadata } from '../model/key-metadata-view.js';
import { algorithmsOf, copyAlgorithms } from '../model/key-specs.js';
import { assertKeyUsable } from '../model/key-state.js';
import type { OperationHandler } from './context.js';
import { currentMaterialOf } from './crypto-key.js';

/**
 * GetPublicKey: the DER SubjectPublicKeyInfo of an asymmetric key with its spec, usage
 * and the algorithms of that usage. Symmetric and HMAC keys have no public key.
 *
 * @throws UnsupportedOperationException | NotFoundException | DisabledException | KMSInvalidStateException
 */
export const getPublicKey: OperationHandler<'GetPublicKey'> = async (ctx, input) => {
  const entry = ctx.findKey(input.KeyId!, { allowAlias: true, crossAccount: true });
  const doc = entry.doc;
  if (doc.keySpec === 'SYMMETRIC_DEFAULT' || doc.keySpec.startsWith('HMAC_')) {
    throw awsError(
      'UnsupportedOperationException',
      `${doc.arn} key spec is ${doc.keySpec} which is not valid for GetPublicKey.`,
    );
  }
  assertKeyUsable(doc, ctx.op);
  const out: GetPublicKeyResponse = {
    KeyId: doc.arn,
    PublicKey: publicKeySpki(doc.keySpec, currentMaterialOf(entry).bytes),
  };
  const cmk = toKeyMetadata(doc).CustomerMasterKeySpec;
  if (cmk) out.CustomerMasterKeySpec = cmk;
  out.KeySpec = doc.keySpec;
  out.KeyUsage = doc.keyUsage;
  Object.assign(out, copyAlgorithms(algorithmsOf(doc.keySpec, doc.keyUsage)));
  delete (out as { MacAlgorithms?: unknown }).MacAlgorithms;
  return out;
};
