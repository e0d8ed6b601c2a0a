import type { ServerResponse } from 'node:http';
import { awsError, isAppError, toKmsWireError } from '../../errors/index.js';
import { parseExplainRequest } from '../authz/explain.js';
import type { KmsEmulator } from '../emulator.js';
import type { WireCaller } from './wire-authentication.js';

/**
 * `POST /_opencckm/authz/explain`: evaluates a hypothetical request with the emulator's
 * evaluator and says what would decide it. Authenticated like every KMS request (SigV4,
 * the caller's account); the body is JSON:
 * `{"Principal": "arn:aws:iam::111122223333:user/alice", "Action": "kms:Decrypt",
 *   "KeyId": "alias/app", "EncryptionContext": {...}, "Input": {...}}` and the answer
 * `{"Allowed", "DecidedBy", "Explanation", "Principal", "Action", "Resource"}`.
 * Errors are KMS's JSON errors (ValidationException, NotFoundException, AccessDeniedException, ...).
 */
export const EXPLAIN_PATH = '/_opencckm/authz/explain';

function send(res: ServerResponse, status: number, requestId: string, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'x-amzn-requestid': requestId,
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

export function serveExplain(
  emulator: KmsEmulator,
  body: Buffer,
  requestId: string,
  res: ServerResponse,
  authenticate: () => WireCaller,
): void {
  try {
    const caller = authenticate();
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      throw awsError('SerializationException', 'The request body is not valid JSON.');
    }
    const r = emulator.explain(caller, parseExplainRequest(parsed));
    send(res, 200, requestId, {
      Allowed: r.allowed,
      DecidedBy: r.decidedBy,
      Explanation: r.explanation,
      Principal: r.principal,
      Action: r.action,
      Resource: r.resource,
    });
  } catch (err) {
    const e = isAppError(err) ? err : awsError('InternalFailure', 'An internal error occurred');
    const wire = toKmsWireError(e);
    send(res, wire.httpStatus, requestId, { __type: wire.__type, message: wire.message });
  }
}
