import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { ciphertextIntegrityValue, decodeBase64Strict, toBase64, XKS_KEY_ID_PATTERN, XKS_LIMITS } from './codec.js';
import { signXksRequest } from './xks-authentication.js';
import {
  XksCallError,
  type XksClient,
  type XksDecryptInput,
  type XksEncryptResult,
  type XksErrorName,
  type XksFailure,
  type XksHealth,
  type XksHealthRequestMetadata,
  type XksKeyMetadata,
  type XksProxyTarget,
  type XksRequestMetadata,
} from './xks-types.js';

/** Options of {@link HttpXksClient}. */
export interface HttpXksClientOptions {
  /**
   * Time allowed for one proxy call, connect to last byte. AWS KMS allows 250 ms in
   * production; the default is generous for local proxies.
   */
  timeoutMs?: number;
  /** Largest response body accepted; a larger one is an invalid response. */
  maxResponseBytes?: number;
  /**
   * Maps a target to the base URL actually called, e.g. `https://xks.example.com` to
   * `http://127.0.0.1:8443`. The result replaces the URI endpoint; the URI path is appended.
   * The request is signed for the URL actually called (its host header).
   */
  resolveBaseUrl?: (target: XksProxyTarget) => string;
  /** TLS options for https targets (e.g. a private CA). */
  tls?: Pick<https.RequestOptions, 'ca' | 'rejectUnauthorized' | 'servername'>;
  /** Clock for signing (tests). */
  now?: () => Date;
  /**
   * Refuses a URL before it is called (the outbound policy: proxies are named by tenants);
   * returns the reason, or undefined to call it.
   */
  checkUrl?: (url: URL) => string | undefined;
  /** Name resolution for the connection, e.g. one that refuses internal addresses (DNS rebinding). */
  lookup?: LookupFunction;
}

const DEFAULT_XKS_TIMEOUT_MS = 2000;
const DEFAULT_XKS_MAX_RESPONSE_BYTES = 64 * 1024;

const ERROR_NAMES: ReadonlySet<string> = new Set<XksErrorName>([
  'ValidationException',
  'InvalidStateException',
  'InvalidCiphertextException',
  'InvalidKeyUsageException',
  'AuthenticationFailedException',
  'AccessDeniedException',
  'KeyNotFoundException',
  'InvalidUriPathException',
  'UnsupportedOperationException',
  'ThrottlingException',
  'InternalException',
  'DependencyTimeoutException',
]);
const HEALTH_STATUSES: ReadonlySet<string> = new Set(['ACTIVE', 'DEGRADED', 'UNAVAILABLE']);

const invalid = (message: string) => new XksCallError({ kind: 'invalid-response', message });
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function bytesField(
  body: Record<string, unknown>,
  field: string,
  check: (b: Buffer) => boolean,
  optional = false,
): Buffer | undefined {
  const value = body[field];
  if (value === undefined && optional) return undefined;
  const buf = decodeBase64Strict(value);
  if (!buf || !check(buf)) throw invalid(`The proxy answered an invalid ${field}`);
  return buf;
}

function stringField(body: Record<string, unknown>, field: string): string {
  const v = body[field];
  if (typeof v !== 'string' || v.length > 1024) throw invalid(`The proxy answered an invalid ${field}`);
  return v;
}

/**
 * The XKS proxy client over node:http/node:https: signs every call with SigV4 (service
 * `kms-xks-proxy`), bounds time and response size, validates every answer strictly and
 * maps every failure to an {@link XksCallError}. Secrets are never put in error messages.
 */
export class HttpXksClient implements XksClient {
  private readonly timeoutMs: number;
  private readonly maxResponseBytes: number;

  constructor(private readonly options: HttpXksClientOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_XKS_TIMEOUT_MS;
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_XKS_MAX_RESPONSE_BYTES;
    if (!(this.timeoutMs > 0)) throw new RangeError('timeoutMs must be positive');
    if (!(this.maxResponseBytes > 0)) throw new RangeError('maxResponseBytes must be positive');
  }

  /**
   * POST /health with exactly the body AWS KMS sends: `requestMetadata` holding only
   * `kmsRequestId` and `kmsOperation` (any other member of the argument is not sent).
   * @throws XksCallError
   */
  async health(target: XksProxyTarget, requestMetadata: XksHealthRequestMetadata): Promise<XksHealth> {
    const { kmsRequestId, kmsOperation } = requestMetadata;
    const body = await this.call(target, '/health', { requestMetadata: { kmsRequestId, kmsOperation } });
    const fleetSize = body.xksProxyFleetSize;
    if (typeof fleetSize !== 'number' || !Number.isInteger(fleetSize) || fleetSize < 1)
      throw invalid('The proxy answered an invalid xksProxyFleetSize');
    const details = body.ekmFleetDetails;
    if (!Array.isArray(details) || details.length > 64) throw invalid('The proxy answered an invalid ekmFleetDetails');
    return {
      xksProxyFleetSize: fleetSize,
      xksProxyVendor: stringField(body, 'xksProxyVendor'),
      xksProxyModel: stringField(body, 'xksProxyModel'),
      ekmVendor: stringField(body, 'ekmVendor'),
      ekmFleetDetails: details.map((d: unknown) => {
        if (!isRecord(d) || typeof d.healthStatus !== 'string' || !HEALTH_STATUSES.has(d.healthStatus)) {
          throw invalid('The proxy answered an invalid ekmFleetDetails entry');
        }
        return {
          id: stringField(d, 'id'),
          model: stringField(d, 'model'),
          healthStatus: d.healthStatus as XksHealth['ekmFleetDetails'][number]['healthStatus'],
        };
      }),
    };
  }

  /** POST /keys/{keyId}/metadata. @throws XksCallError */
  async getKeyMetadata(
    target: XksProxyTarget,
    keyId: string,
    requestMetadata: XksRequestMetadata,
  ): Promise<XksKeyMetadata> {
    const body = await this.call(target, this.keyPath(keyId, 'metadata'), { requestMetadata });
    const usage = body.keyUsage;
    if (body.keySpec !== 'AES_256') throw invalid('The proxy answered an invalid keySpec');
    if (!Array.isArray(usage) || usage.length > 8 || usage.some((u) => typeof u !== 'string'))
      throw invalid('The proxy answered an invalid keyUsage');
    if (body.keyStatus !== 'ENABLED' && body.keyStatus !== 'DISABLED')
      throw invalid('The proxy answered an invalid keyStatus');
    // Other usages (SIGN, WRAP...) may be listed by a proxy; KMS only cares about these two.
    const keyUsage = (usage as string[]).filter((u): u is 'ENCRYPT' | 'DECRYPT' => u === 'ENCRYPT' || u === 'DECRYPT');
    return { keySpec: 'AES_256', keyUsage, keyStatus: body.keyStatus };
  }

  /**
   * POST /keys/{keyId}/encrypt with AES_GCM. When an integrity value is requested the
   * answer must carry one that matches the returned fields.
   * @throws XksCallError
   */
  async encrypt(
    target: XksProxyTarget,
    keyId: string,
    req: {
      plaintext: Uint8Array;
      additionalAuthenticatedData?: Uint8Array;
      ciphertextDataIntegrityValueAlgorithm?: 'SHA_256';
    },
    requestMetadata: XksRequestMetadata,
  ): Promise<XksEncryptResult> {
    const payload: Record<string, unknown> = {
      requestMetadata,
      plaintext: toBase64(req.plaintext),
      encryptionAlgorithm: 'AES_GCM',
    };
    if (req.additionalAuthenticatedData)
      payload.additionalAuthenticatedData = toBase64(req.additionalAuthenticatedData);
    if (req.ciphertextDataIntegrityValueAlgorithm)
      payload.ciphertextDataIntegrityValueAlgorithm = req.ciphertextDataIntegrityValueAlgorithm;
    const body = await this.call(target, this.keyPath(keyId, 'encrypt'), payload);
    const result: XksEncryptResult = {
      ciphertext: bytesField(body, 'ciphertext', (b) => b.length === req.plaintext.length)!,
      initializationVector: bytesField(body, 'initializationVector', (b) => b.length === XKS_LIMITS.ivBytes)!,
      authenticationTag: bytesField(body, 'authenticationTag', (b) => b.length === XKS_LIMITS.tagBytes)!,
    };
    const metadata = bytesField(
      body,
      'ciphertextMetadata',
      (b) => b.length <= XKS_LIMITS.maxCiphertextMetadataBytes,
      true,
    );
    if (metadata) result.ciphertextMetadata = metadata;
    if (req.ciphertextDataIntegrityValueAlgorithm) {
      const expected = ciphertextIntegrityValue({
        ...result,
        additionalAuthenticatedData: req.additionalAuthenticatedData,
      });
      const given = bytesField(body, 'ciphertextDataIntegrityValue', (b) => b.equals(expected));
      result.ciphertextDataIntegrityValue = given;
    }
    return result;
  }

  /** POST /keys/{keyId}/decrypt with AES_GCM; returns the plaintext. @throws XksCallError */
  async decrypt(
    target: XksProxyTarget,
    keyId: string,
    req: XksDecryptInput,
    requestMetadata: XksRequestMetadata,
  ): Promise<Uint8Array> {
    const payload: Record<string, unknown> = {
      requestMetadata,
      ciphertext: toBase64(req.ciphertext),
      encryptionAlgorithm: 'AES_GCM',
      initializationVector: toBase64(req.initializationVector),
      authenticationTag: toBase64(req.authenticationTag),
    };
    if (req.additionalAuthenticatedData)
      payload.additionalAuthenticatedData = toBase64(req.additionalAuthenticatedData);
    if (req.ciphertextMetadata) payload.ciphertextMetadata = toBase64(req.ciphertextMetadata);
    const body = await this.call(target, this.keyPath(keyId, 'decrypt'), payload);
    return bytesField(body, 'plaintext', (b) => b.length === req.ciphertext.length)!;
  }

  private keyPath(keyId: string, op: string): string {
    if (!XKS_KEY_ID_PATTERN.test(keyId)) {
      throw new XksCallError({
        kind: 'proxy-error',
        errorName: 'ValidationException',
        message: 'The XKS key id is not valid',
        httpStatus: 400,
      });
    }
    return `/keys/${keyId}/${op}`;
  }

  /** Signs and sends one POST; resolves with the parsed 200 body or throws XksCallError. */
  private async call(target: XksProxyTarget, suffix: string, payload: unknown): Promise<Record<string, unknown>> {
    let url: URL;
    try {
      const base = this.options.resolveBaseUrl ? this.options.resolveBaseUrl(target) : target.uriEndpoint;
      url = new URL(`${base.replace(/\/+$/, '')}${target.uriPath}${suffix}`);
      if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('unsupported scheme');
    } catch {
      throw new XksCallError({ kind: 'unreachable', message: 'The XKS proxy URI is not a valid http(s) URL' });
    }
    if (this.options.checkUrl?.(url) !== undefined) {
      throw new XksCallError({
        kind: 'unreachable',
        message: "The XKS proxy URI is refused by the server's outbound policy",
      });
    }
    const body = Buffer.from(JSON.stringify(payload), 'utf8');
    let headers: Record<string, string>;
    try {
      headers = signXksRequest({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/json' },
        body,
        credential: target.credential,
        region: target.region,
        now: this.options.now?.(),
      });
    } catch {
      throw new XksCallError({
        kind: 'unreachable',
        message: 'The XKS proxy URI path has characters outside [A-Za-z0-9-._~/]',
      });
    }
    const { status, text } = await this.send(url, headers, body);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw invalid(`The XKS proxy answered HTTP ${status} with a body that is not JSON`);
    }
    if (!isRecord(parsed)) throw invalid(`The XKS proxy answered HTTP ${status} with a body that is not a JSON object`);
    if (status === 200) return parsed;
    const { errorName, errorMessage } = parsed;
    if (typeof errorName !== 'string' || !ERROR_NAMES.has(errorName)) {
      throw invalid(`The XKS proxy answered HTTP ${status} without a known XKS errorName`);
    }
    const message = typeof errorMessage === 'string' ? errorMessage.slice(0, 512) : errorName;
    throw new XksCallError({ kind: 'proxy-error', errorName: errorName as XksErrorName, message, httpStatus: status });
  }

  private send(url: URL, headers: Record<string, string>, body: Buffer): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const finish = (err: XksFailure | undefined, value?: { status: number; text: string }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) {
          request.destroy();
          reject(new XksCallError(err));
        } else resolve(value!);
      };
      const transport = url.protocol === 'https:' ? https : http;
      const request = transport.request(
        url,
        {
          method: 'POST',
          headers: { ...headers, 'content-length': String(body.length) },
          ...(this.options.lookup ? { lookup: this.options.lookup } : {}),
          ...(url.protocol === 'https:' ? this.options.tls : {}),
        },
        (res) => {
          const declared = Number(res.headers['content-length'] ?? 0);
          if (declared > this.maxResponseBytes)
            return finish({ kind: 'invalid-response', message: 'The XKS proxy answer is too large' });
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > this.maxResponseBytes)
              finish({ kind: 'invalid-response', message: 'The XKS proxy answer is too large' });
            else chunks.push(chunk);
          });
          res.on('end', () =>
            finish(undefined, { status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', (e) =>
            finish({ kind: 'unreachable', message: `The XKS proxy connection failed: ${e.message}` }),
          );
        },
      );
      const timer = setTimeout(
        () => finish({ kind: 'timeout', message: `The XKS proxy did not answer within ${this.timeoutMs} ms` }),
        this.timeoutMs,
      );
      request.on('error', (e: NodeJS.ErrnoException) =>
        finish({ kind: 'unreachable', message: `The XKS proxy could not be reached (${e.code ?? e.message})` }),
      );
      request.end(body);
    });
  }
}
