import { awsError } from '../../errors/index.js';
import {
  generateSm2WrappingKeyPair,
  generateWrappingKeyPair,
  isRsaWrappingAlgorithm,
  type WrappingAlgorithm,
} from '../crypto/import-wrapping.js';
import { importableSpec } from '../crypto/imported-material.js';
import { isChinaRegion } from '../model/arn.js';
import type { OperationHandler } from './context.js';
import { importKey } from './import-support.js';
import { IMPORT_PARAMETERS_TTL_MS, issueImportToken } from './import-token.js';

const WRAPPING_BITS: Readonly<Record<string, number>> = { RSA_2048: 2048, RSA_3072: 3072, RSA_4096: 4096 };

/**
 * GetParametersForImport: a fresh wrapping key pair of WrappingKeySpec (RSA generated
 * off the event loop; SM2 with SM2PKE in the China Regions) and an import token bound to the key, the wrapping key and the
 * algorithm, valid 24 hours. RSAES_PKCS1_V1_5 is no longer offered by AWS.
 *
 * @throws NotFoundException | UnsupportedOperationException | KMSInvalidStateException | ValidationException
 */
export const getParametersForImport: OperationHandler<'GetParametersForImport'> = async (ctx, input) => {
  const entry = importKey(ctx, input.KeyId!);
  const { doc } = entry;
  if (!importableSpec(doc.keySpec)) {
    throw awsError(
      'UnsupportedOperationException',
      `Importing key material is not supported for KeySpec ${doc.keySpec}.`,
    );
  }
  const algorithm = input.WrappingAlgorithm!;
  const spec = input.WrappingKeySpec!;
  if (algorithm === 'SM2PKE' || spec === 'SM2') {
    if (!isChinaRegion(ctx.region))
      throw awsError(
        'ValidationException',
        'The SM2 wrapping key spec and SM2PKE wrapping algorithm are supported only in the China Regions.',
      );
    if (algorithm !== 'SM2PKE' || spec !== 'SM2')
      throw awsError(
        'ValidationException',
        'The SM2PKE wrapping algorithm requires WrappingKeySpec SM2, and SM2 wrapping keys require SM2PKE.',
      );
  } else if (!isRsaWrappingAlgorithm(algorithm)) {
    throw awsError(
      'ValidationException',
      `The wrapping algorithm ${algorithm} is not supported. Use RSAES_OAEP_SHA_256 or RSA_AES_KEY_WRAP_SHA_256.`,
    );
  }
  const pair = spec === 'SM2' ? generateSm2WrappingKeyPair() : await generateWrappingKeyPair(WRAPPING_BITS[spec]!);
  const validTo = new Date(ctx.now.getTime() + IMPORT_PARAMETERS_TTL_MS);
  try {
    const token = issueImportToken(ctx, doc, {
      algorithm: algorithm as WrappingAlgorithm,
      validTo,
      wrappingKey: pair.privateKey,
    });
    return { KeyId: doc.arn, ImportToken: token, PublicKey: pair.publicKey, ParametersValidTo: validTo };
  } finally {
    pair.privateKey.fill(0);
  }
};
