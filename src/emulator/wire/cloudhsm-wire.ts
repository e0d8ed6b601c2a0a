import type { ServerResponse } from 'node:http';
import { awsError, isAppError } from '../../errors/index.js';
import { HSM_OPERATIONS, type HsmOperationName } from '../cloudhsm/cluster-operations.js';
import type { KmsEmulator } from '../emulator.js';
import type { WireCaller } from './wire-authentication.js';

/** The X-Amz-Target prefix of CloudHSM v2 (the model's `targetPrefix`). */
const CLOUDHSM_TARGET_PREFIX = 'BaldrApiService.';

/** The admin paths of the simulated CloudHSM on the emulator's port (see {@link serveCloudHsmAdmin}). */
export const CLOUDHSM_ADMIN_PATH = '/_opencckm/cloudhsm/';

const JSON_TYPE = 'application/x-amz-json-1.1';

/** True when a request's X-Amz-Target names a CloudHSM v2 operation (emulated or not). */
export function isCloudHsmTarget(target: string | string[] | undefined): target is string {
  return typeof target === 'string' && target.startsWith(CLOUDHSM_TARGET_PREFIX);
}

/**
 * Serves one CloudHSM v2 request over AWS JSON 1.1 (`POST /`, `X-Amz-Target:
 * BaldrApiService.<Op>`, SigV4 with signing name `cloudhsm`) and resolves with the JSON
 * body to send with 200: timestamps become epoch seconds, as the protocol encodes them.
 *
 * @throws AppError UnknownOperationException | SerializationException | authentication
 *   errors (from `authenticate`) | the operation's CloudHSM exceptions
 */
export async function serveCloudHsm(
  emulator: KmsEmulator,
  target: string,
  contentType: string,
  authenticate: () => WireCaller,
  body: Uint8Array,
): Promise<unknown> {
  const op = target.slice(CLOUDHSM_TARGET_PREFIX.length);
  if (!Object.hasOwn(HSM_OPERATIONS, op))
    throw awsError('UnknownOperationException', `${op} is not a CloudHSM v2 operation the emulator serves.`);
  if (contentType !== JSON_TYPE) throw awsError('SerializationException', `Content-Type must be ${JSON_TYPE}.`);
  const caller = authenticate();
  const output = await emulator.cloudHsm.call(caller, op as HsmOperationName, parseJson(body) as never);
  return toWire(output);
}

function parseJson(body: Uint8Array): unknown {
  if (body.length === 0) return {};
  try {
    return JSON.parse(Buffer.from(body).toString('utf8'));
  } catch {
    throw awsError('SerializationException', 'The request body is not valid JSON.');
  }
}

/** Dates → epoch seconds (AWS JSON timestamps); everything else as is. */
function toWire(value: unknown): unknown {
  if (value instanceof Date) return value.getTime() / 1000;
  if (Array.isArray(value)) return value.map(toWire);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, toWire(v)]),
    );
  }
  return value;
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const ROUTE = /^\/_opencckm\/cloudhsm\/clusters\/(cluster-[2-7a-zA-Z]{11,16})\/(activate|crypto-users)$/;

/**
 * What an operator does on the HSMs with the CloudHSM CLI, which the CloudHSM API cannot:
 *
 * - `POST /_opencckm/cloudhsm/clusters/{clusterId}/activate` `{"password"}`: activates an
 *   INITIALIZED cluster with the crypto officer's password → ACTIVE.
 * - `POST /_opencckm/cloudhsm/clusters/{clusterId}/crypto-users` `{"username", "password"}`:
 *   creates a crypto user or sets its password and unlocks it (activating an INITIALIZED
 *   cluster first). `kmsuser` is the user KMS logs in as for AWS_CLOUDHSM key stores.
 *
 * Cluster ids are unique across accounts and Regions, so no account is named. Answers
 * 200 `{"clusterId", "state"}`; errors `{"__type", "message"}` with 400, 404 (no such
 * cluster or path) or 405. Unauthenticated: served only when the wire handler was created
 * with `enableCloudHsmAdmin: true` (test and development setups).
 */
export async function serveCloudHsmAdmin(
  emulator: KmsEmulator,
  method: string,
  path: string,
  body: Uint8Array,
  res: ServerResponse,
): Promise<void> {
  const m = ROUTE.exec(path);
  if (!m) return reply(res, 404, { __type: 'NotFound', message: 'No such CloudHSM admin path.' });
  if (method !== 'POST') return reply(res, 405, { __type: 'MethodNotAllowed', message: 'Use POST.' });
  const clusterId = m[1]!;
  try {
    const input = parseAdminBody(body);
    const where = emulator.cloudHsm.locateCluster(clusterId);
    if (!where) throw awsError('CloudHsmResourceNotFoundException', `The cluster ${clusterId} does not exist.`);
    if (m[2] === 'activate')
      await emulator.cloudHsm.activate(where.accountId, where.region, clusterId, input.password as string);
    else
      await emulator.cloudHsm.setCryptoUser(
        where.accountId,
        where.region,
        clusterId,
        input.username as string,
        input.password as string,
      );
    reply(res, 200, {
      clusterId,
      state: emulator.cloudHsm.findCluster(where.accountId, where.region, clusterId)?.state,
    });
  } catch (err) {
    const e = isAppError(err) ? err : awsError('CloudHsmInternalFailureException', 'An internal error occurred');
    const status = e.awsName === 'CloudHsmResourceNotFoundException' ? 404 : e.fault === 'server' ? 500 : 400;
    reply(res, status, { __type: e.awsName ?? 'CloudHsmInternalFailureException', message: e.message });
  }
}

function parseAdminBody(body: Uint8Array): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body).toString('utf8') || '{}');
  } catch {
    throw awsError('CloudHsmInvalidRequestException', 'The request body is not valid JSON.');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw awsError('CloudHsmInvalidRequestException', 'The request body must be a JSON object.');
  return parsed as Record<string, unknown>;
}
