import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { awsError, isAppError, toKmsWireError, type AppError } from '../../errors/index.js';
import { KMS_OPERATIONS, type KmsOperationName } from '../../providers/kms-provider.js';
import type { KmsEmulator } from '../emulator.js';
import {
  authenticate,
  type AuthenticateOptions,
  type WireCredentials,
  type WireRequest,
} from './wire-authentication.js';
import { FAULTS_PATH, serveFaultAdmin } from './fault-admin.js';
import { CLOUDHSM_ADMIN_PATH, isCloudHsmTarget, serveCloudHsm, serveCloudHsmAdmin } from './cloudhsm-wire.js';
import { decodeInput, encodeOutput } from './json-codec.js';
import { handleSts, StsSessions, stsError } from './sts.js';
import type { AuthzRecord } from '../authz/authorizer.js';
import { EXPLAIN_PATH, serveExplain } from './authz-explain.js';

/** Options of {@link createEmulatorWireHandler}. */
export interface WireHandlerOptions {
  /** Access keys to accept: every request must be correctly SigV4-signed by one (an empty map refuses all). */
  credentials: WireCredentials;
  /**
   * `on` (default): signatures are required and verified. `off`: every request is accepted,
   * unsigned included, as the signing key's account or `defaultAccountId` — the open mode of
   * throwaway local setups (EMULATOR_AUTH=off); never expose such an endpoint.
   */
  auth?: 'on' | 'off';
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
   * Serves the simulated CloudHSM's admin paths `/_opencckm/cloudhsm/clusters/{id}/activate`
   * and `.../crypto-users` (set `kmsuser`'s password; see wire/cloudhsm-wire.ts). Off by
   * default: unauthenticated, for test and development setups only.
   */
  enableCloudHsmAdmin?: boolean;
  /**
   * Caps the lifetime of credentials issued by STS AssumeRole, in seconds (default: AWS's
   * maximum, 43 200). Tests set a few seconds to exercise credential refresh.
   */
  stsMaxSessionSeconds?: number;
  /**
   * Access keys computed rather than listed: the peer credentials of instances sharing the
   * master key (emulator/peer-credentials.ts), looked up after `credentials`.
   */
  lookupCredential?: AuthenticateOptions['lookupCredential'];
}

const JSON_TYPE = 'application/x-amz-json-1.1';
const TARGET_PREFIX = 'TrentService.';
const OPERATIONS = new Set<string>(KMS_OPERATIONS);

/**
 * Collects a request body of at most `limit` bytes, then calls `done` once: with the body,
 * or with `undefined` when it is too large (the rest is drained and discarded so the
 * response can be sent). Callback-based rather than a promise: this is every request's path.
 */
function readBody(
  req: IncomingMessage,
  limit: number,
  done: (body: Buffer | undefined) => void,
  fail: (err: unknown) => void,
): void {
  let first: Buffer | undefined;
  let more: Buffer[] | undefined;
  let size = 0;
  let finished = false;
  req.on('data', (c: Buffer) => {
    if (finished) return;
    size += c.length;
    if (size > limit) {
      finished = true;
      done(undefined);
      return;
    }
    if (first === undefined) first = c;
    else (more ??= [first]).push(c);
  });
  req.on('end', () => {
    if (finished) return;
    finished = true;
    done(more ? Buffer.concat(more, size) : (first ?? EMPTY));
  });
  req.on('error', (err) => {
    if (finished) return;
    finished = true;
    fail(err);
  });
}

const EMPTY = Buffer.alloc(0);

/**
 * Bodies longer than this go out as a Buffer: node writes a large string body several
 * times slower than the same bytes as a Buffer (measured: a 140 KB ListKeys page costs
 * ~1.8 ms of server CPU as a string, ~0.45 ms as a Buffer). Shorter ones stay strings,
 * which node sends together with the head in one chunk.
 */
const BUFFER_BODY_CHARS = 16 * 1024;

/** Encoded JSON of frozen (shared, immutable) outputs such as cached ListKeys pages. */
const frozenBody = new WeakMap<object, string | Buffer>();

function toBody(text: string): string | Buffer {
  return text.length > BUFFER_BODY_CHARS ? Buffer.from(text, 'utf8') : text;
}

function toJson(body: unknown): string | Buffer {
  if (typeof body !== 'object' || body === null || !Object.isFrozen(body)) return toBody(JSON.stringify(body));
  let encoded = frozenBody.get(body);
  if (encoded === undefined) {
    encoded = toBody(JSON.stringify(body));
    frozenBody.set(body, encoded);
  }
  return encoded;
}

function sendJson(res: ServerResponse, status: number, requestId: string, body: unknown, authz?: AuthzRecord[]): void {
  const encoded = toJson(body);
  const length = typeof encoded === 'string' ? Buffer.byteLength(encoded) : encoded.length;
  // The flat-array form skips the object walk over the headers.
  const head = ['content-type', JSON_TYPE, 'x-amzn-requestid', requestId, 'content-length', String(length)];
  if (authz) head.push(AUTHZ_HEADER, authzHeader(authz));
  res.writeHead(status, head);
  res.end(encoded);
}

function sendKmsError(res: ServerResponse, requestId: string, err: unknown, authz?: AuthzRecord[]): void {
  const appErr: AppError = isAppError(err) ? err : awsError('InternalFailure', 'An internal error occurred');
  const wire = toKmsWireError(appErr);
  sendJson(res, wire.httpStatus, requestId, { __type: wire.__type, message: wire.message }, authz);
}

/**
 * A request carrying `X-Opencckm-Authz` (any value) gets the call's authorization
 * decisions in the response header of that name:
 * `allow; action=kms:Encrypt; by=key policy statement "Allow use of the key" (#3)`, several
 * separated by `, ` (printable ASCII only).
 */
const AUTHZ_HEADER = 'x-opencckm-authz';

function authzHeader(records: readonly AuthzRecord[]): string {
  const text = records.map((r) => `${r.allowed ? 'allow' : 'deny'}; action=${r.action}; by=${r.decidedBy}`).join(', ');
  return (text || 'none').replace(/[^\x20-\x7e]/g, '?');
}

function sendXml(res: ServerResponse, requestId: string, r: { status: number; body: string }): void {
  res.writeHead(r.status, {
    'content-type': 'text/xml',
    'x-amzn-requestid': requestId,
    'content-length': Buffer.byteLength(r.body),
  });
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
    const fail = (err: unknown) => {
      if (!res.headersSent) sendKmsError(res, requestId, err);
      else res.destroy();
    };
    const target = req.headers['x-amz-target'];
    const contentType = mediaType(req.headers['content-type']);
    const isSts = target === undefined && contentType === 'application/x-www-form-urlencoded';
    readBody(
      req,
      limit,
      (body) => {
        try {
          if (body === undefined) {
            const message = `The request body exceeds ${limit} bytes.`;
            if (isSts) return sendXml(res, requestId, stsError(413, 'RequestEntityTooLarge', message, requestId));
            return sendJson(res, 413, requestId, { __type: 'RequestEntityTooLargeException', message });
          }
          serve(req, res, requestId, target, contentType, isSts, body);
        } catch (err) {
          fail(err);
        }
      },
      fail,
    );
  };

  /** Routes a fully read request; KMS answers (and errors) are sent when the emulator settles. */
  function serve(
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    target: string | string[] | undefined,
    contentType: string,
    isSts: boolean,
    body: Buffer,
  ): void {
    const url = req.url ?? '/';
    const mark = url.indexOf('?');
    const path = mark < 0 ? url : url.slice(0, mark);
    if (path === FAULTS_PATH && options.enableFaultInjection)
      return serveFaultAdmin(emulator, req.method ?? 'GET', body, res);
    if (path.startsWith(CLOUDHSM_ADMIN_PATH) && options.enableCloudHsmAdmin)
      return void serveCloudHsmAdmin(emulator, req.method ?? 'GET', path, body, res).catch(() => res.destroy());
    const signed: WireRequest = {
      method: req.method ?? 'GET',
      path,
      query: mark < 0 ? '' : url.slice(mark + 1),
      headers: req.headers,
      body,
    };
    const at = now();
    if (path === EXPLAIN_PATH && req.method === 'POST') {
      return serveExplain(emulator, body, requestId, res, () => authenticate(signed, authOptions(at, 'kms')));
    }
    if (req.method !== 'POST' || path !== '/') {
      return sendJson(res, 404, requestId, { __type: 'UnknownOperationException', message: 'Only POST / is served.' });
    }
    if (isSts) {
      try {
        const caller = authenticate(signed, authOptions(at, 'sts'));
        return sendXml(
          res,
          requestId,
          handleSts(
            new URLSearchParams(body.toString('utf8')),
            caller,
            requestId,
            sessions,
            at.getTime(),
            emulator.authorizer.identities,
          ),
        );
      } catch (err) {
        const e = isAppError(err) ? err : awsError('InternalFailure', 'An internal error occurred');
        return sendXml(
          res,
          requestId,
          stsError(e.fault === 'server' ? 500 : 403, e.awsName ?? 'InternalFailure', e.message, requestId),
        );
      }
    }
    if (isCloudHsmTarget(target)) {
      const reply = serveCloudHsm(
        emulator,
        target,
        contentType,
        () => authenticate(signed, authOptions(at, 'kms')),
        body,
      );
      return void reply.then(
        (out) => sendJson(res, 200, requestId, out),
        (err: unknown) => sendKmsError(res, requestId, err),
      );
    }
    let op: KmsOperationName;
    let pending: Promise<unknown>;
    let decisions: AuthzRecord[] | undefined;
    try {
      op = parseTarget(target);
      if (contentType !== JSON_TYPE) throw awsError('SerializationException', `Content-Type must be ${JSON_TYPE}.`);
      const caller = authenticate(signed, authOptions(at, 'kms'));
      const input = decodeInput(op, parseJson(body));
      if (req.headers[AUTHZ_HEADER] !== undefined) {
        decisions = [];
        const sink = decisions;
        caller.observer = (r) => sink.push(r);
      }
      caller.secureTransport = (req.socket as { encrypted?: boolean }).encrypted === true;
      pending = emulator.call(caller, op, input as never);
    } catch (err) {
      return sendKmsError(res, requestId, err, decisions);
    }
    pending.then(
      (output) => {
        try {
          sendJson(res, 200, requestId, encodeOutput(op, output), decisions);
        } catch (err) {
          if (!res.headersSent) sendKmsError(res, requestId, err);
          else res.destroy();
        }
      },
      (err: unknown) => sendKmsError(res, requestId, err, decisions),
    );
  }

  function authOptions(at: Date, protocol: 'kms' | 'sts'): AuthenticateOptions {
    return {
      credentials: options.credentials,
      ...(options.lookupCredential ? { lookupCredential: options.lookupCredential } : {}),
      auth: options.auth ?? 'on',
      sessions: sessions.map,
      defaultAccountId: options.defaultAccountId,
      defaultRegion: options.defaultRegion,
      now: at,
      protocol,
    };
  }
}

/** `application/x-amz-json-1.1; charset=utf-8` → `application/x-amz-json-1.1` (lower case). */
function mediaType(header: string | undefined): string {
  if (header === undefined) return '';
  if (header === JSON_TYPE) return header;
  return header.split(';')[0]!.trim().toLowerCase();
}

function parseTarget(target: string | string[] | undefined): KmsOperationName {
  const op = typeof target === 'string' && target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
  if (!OPERATIONS.has(op))
    throw awsError('UnknownOperationException', 'The X-Amz-Target header does not name a KMS operation.');
  return op as KmsOperationName;
}

function parseJson(body: Buffer): unknown {
  if (body.length === 0) return {};
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw awsError('SerializationException', 'The request body is not valid JSON.');
  }
}
