import { awsError } from '../../errors/index.js';
import type { WrappingAlgorithm } from '../crypto/import-wrapping.js';
import type { KeyDoc } from '../model/key-record.js';
import type { OperationContext } from './context.js';

/**
 * Import tokens are self-contained: the wrapping private key, the wrapping algorithm
 * and the expiry, sealed under the emulator's root key and bound to the key's ARN. So a
 * token only opens for the key it was issued for, only with its own wrapping key, and
 * survives restarts without storage. Layout inside the seal:
 * `u16be headerLength ‖ JSON {alg, exp} ‖ PKCS#8 wrapping private key`.
 */

/** How long GetParametersForImport's public key and token stay valid, as AWS: 24 hours. */
export const IMPORT_PARAMETERS_TTL_MS = 24 * 3_600_000;

const binding = (doc: KeyDoc) => `import-token/${doc.arn}`;

/** What an opened token holds. */
export interface ImportToken {
  algorithm: WrappingAlgorithm;
  validTo: Date;
  wrappingKey: Uint8Array;
}

/** Issues the token for `doc`. */
export function issueImportToken(ctx: OperationContext, doc: KeyDoc, token: ImportToken): Uint8Array {
  const header = Buffer.from(JSON.stringify({ alg: token.algorithm, exp: token.validTo.getTime() }), 'utf8');
  const len = Buffer.alloc(2);
  len.writeUInt16BE(header.length);
  const plain = Buffer.concat([len, header, token.wrappingKey]);
  try {
    return ctx.sealSecret(binding(doc), plain);
  } finally {
    plain.fill(0);
  }
}

/**
 * Opens a token presented with ImportKeyMaterial for `doc`.
 *
 * @throws InvalidImportTokenException (not ours, tampered, or issued for another key) | ExpiredImportTokenException
 */
export function openImportToken(ctx: OperationContext, doc: KeyDoc, sealed: Uint8Array): ImportToken {
  let plain: Buffer;
  try {
    plain = Buffer.from(ctx.openSecret(binding(doc), sealed));
  } catch {
    throw awsError(
      'InvalidImportTokenException',
      'The import token is invalid or is not associated with the specified KMS key.',
    );
  }
  const n = plain.readUInt16BE(0);
  const header = JSON.parse(plain.subarray(2, 2 + n).toString('utf8')) as { alg: WrappingAlgorithm; exp: number };
  const token = {
    algorithm: header.alg,
    validTo: new Date(header.exp),
    wrappingKey: new Uint8Array(plain.subarray(2 + n)),
  };
  plain.fill(0);
  if (token.validTo.getTime() <= ctx.now.getTime()) {
    token.wrappingKey.fill(0);
    throw awsError(
      'ExpiredImportTokenException',
      'The import token has expired. Use GetParametersForImport to get a new import token and public key.',
    );
  }
  return token;
}
