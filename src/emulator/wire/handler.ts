import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { awsError, isAppError, toKmsWireError, type AppError } from '../../errors/index.js';
import { KMS_OPERATIONS, type KmsOperationName } from '../../providers/kms-provider.js';
import type { KmsEmulator } from '../emulator.js';
import { authenticate, type WireCredentials } from './authenticate.js';
import { FAULTS_PATH, serveFaultAdmin } from './fault-admin.js';
import { decodeInput, encodeOutput } from './json-codec.js';
import { handleSts, StsSessions, stsError } from './sts.js';

/** Options of {@link createEmulatorWireHandler}. */
export interface WireHandlerOptions {
  /** Access keys to accept; when non-empty, every request must be correctly SigV4-signed by one. */
  credentials: WireCredentials;
  defaultAccountId: string;
  defaultRegion: string;
  /** Largest accepted request body in bytes (default 1 MiB). */
  maxBodyBytes?: number;
  /** Current time for the SigV4 clock-skew check (default: system clock). */
  now?: () => Date;
  /**
   * Serves the fault-injection admin endpoint `/_opencckm/faults` (GET, POST, DELETE; see
   * wire/fault-admin.ts and {@link KmsEmulator.setFaults}). Off by default: it is
   * unauthenticated and meant for test setups only.
   */
  enableFaultInjection?: boolean;
  /**
   * Caps the lifetime of credentials issued by STS AssumeRole, in seconds (default: AWS's
   * maximum, 43 200). Tests set a few seconds to exercise credential refresh.
   */
  stsMaxSessionSeconds?: number;
}

const JSON_TYPE = 'application/x-amz-json-1.1';
const TARGET_PREFIX = 'TrentService.';
const OPERATIONS = new Set<string>(KMS_OPERATIONS);

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new BodyTooLarge());
        req.resume(); // drain and discard the rest so the response can be sent
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** JSON text of frozen (shared, immutable) outputs such as cached ListKeys pages. */
const frozenText = new WeakMap<object, string>();

function toJson(body: unknown): string {
  if (typeof body !== 'object' || body === null || !Object.isFrozen(body)) return JSON.stringify(body);
  let text = frozenText.get(body);
  if (text === undefined) {
    text = JSON.stringify(body);
    frozenText.set(body, text);
  }
  return text;
}

function sendJson(res: ServerResponse, status: number, requestId: string, body: unknown): void {
  const text = toJson(body);
  res.writeHead(status, { 'content-type': JSON_TYPE, 'x-amzn-requestid': requestId, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendKmsError(res: ServerResponse, requestId: string, err: unknown): void {
  const appErr: AppError = isAppError(err) ? err : awsError('InternalFailure', 'An internal error occurred');
  const wire = toKmsWireError(appErr);
  sendJson(res, wire.httpStatus, requestId, { __type: wire.__type, message: wire.message });
}

function sendXml(res: ServerResponse, requestId: string, r: { status: number; body: string }): void {
  res.writeHead(r.status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId, 'content-length': Buffer.byteLength(r.body) });
  res.end(r.body);
}

/**
 * The emulator's AWS-compatible HTTP endpoint: KMS over AWS JSON 1.1
 * (`POST /`, `X-Amz-Target: TrentService.<Op>`) and STS GetCallerIdentity and AssumeRole over the query
 * protocol (form-encoded POST) on the same port, so unmodified AWS SDKs and the CLI work
 * with an endpoint override. Errors are `{"__type", "message"}` with AWS's status codes.
 */
export function createEmulatorWireHandler(
  emulator: KmsEmulator,
  options: WireHandlerOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const limit = options.maxBodyBytes ?? 1024 * 1024;
  const now = options.now ?? (() => new Date());
  const sessions = new StsSessions(options.stsMaxSessionSeconds);
  return (req, res) => {
    const requestId = randomUUID();
    void serve(req, res, requestId).catch((err: unknown) => {
      if (!res.headersSent) sendKmsError(res, requestId, err);
      else res.destroy();
    });
  };

  async function serve(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
    const target = req.headers['x-amz-target'];
    const contentType = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    const isSts = target === undefined && contentType === 'application/x-www-form-urlencoded';
    let body: Uint8Array;
    try {
      body = await readBody(req, limit);
    } catch (err) {
      if (!(err instanceof BodyTooLarge)) throw err;
      const message = `The request body exceeds ${limit} bytes.`;
      if (isSts) return sendXml(res, requestId, stsError(413, 'RequestEntityTooLarge', message, requestId));
      return sendJson(res, 413, requestId, { __type: 'RequestEntityTooLargeException', message });
    }
    const base = {
      credentials: options.credentials,
      sessions: sessions.map,
      defaultAccountId: options.defaultAccountId,
      defaultRegion: options.defaultRegion,
      now: now(),
    };
    const signed = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body };
    const path = (req.url ?? '/').split('?')[0];
    if (path === FAULTS_PATH && options.enableFaultInjection) return serveFaultAdmin(emulator, req.method ?? 'GET', body, res);
    if (req.method !== 'POST' || path !== '/') {
      return sendJson(res, 404, requestId, { __type: 'UnknownOperationException', message: 'Only POST / is served.' });
    }
    if (isSts) {
      try {
        const caller = authenticate(signed, { ...base, protocol: 'sts' });
        return sendXml(res, requestId, handleSts(new URLSearchParams(Buffer.from(body).toString('utf8')), caller, requestId, sessions, base.now.getTime()));
      } catch (err) {
        const e = isAppError(err) ? err : awsError('InternalFailure', 'An internal error occurred');
        return sendXml(res, requestId, stsError(e.fault === 'server' ? 500 : 403, e.awsName ?? 'InternalFailure', e.message, requestId));
      }
    }
    try {
      const op = parseTarget(target);
      if (contentType !== JSON_TYPE) throw awsError('SerializationException', `Content-Type must be ${JSON_TYPE}.`);
      const caller = authenticate(signed, { ...base, protocol: 'kms' });
      const input = decodeInput(op, parseJson(body));
      const output = await emulator.call(caller, op, input as never);
      sendJson(res, 200, requestId, encodeOutput(op, output));
    } catch (err) {
      sendKmsError(res, requestId, err);
    }
  }
}

function parseTarget(target: string | string[] | undefined): KmsOperationName {
  const op = typeof target === 'string' && target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
  if (!OPERATIONS.has(op)) throw awsError('UnknownOperationException', 'The X-Amz-Target header does not name a KMS operation.');
  return op as KmsOperationName;
}

function parseJson(body: Uint8Array): unknown {
  if (body.length === 0) return {};
  try {
    return JSON.parse(Buffer.from(body).toString('utf8'));
  } catch {
    throw awsError('SerializationException', 'The request body is not valid JSON.');
  }
}
