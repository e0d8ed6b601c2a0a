import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { HeaderMap } from '../sigv4/canonical-request.js';
import { DEFAULT_MAX_CLOCK_SKEW_MS } from '../sigv4/sigv4-verifier.js';
import { ciphertextIntegrityValue, toBase64, XKS_LIMITS } from './codec.js';
import {
  ALLOWED_FIELDS,
  parseDecrypt,
  parseEncrypt,
  parseXksBody,
  parseXksRoute,
  REQUIRED_METADATA,
  XksProxyError,
} from './proxy-request.js';
import { verifyXksRequest } from './xks-authentication.js';
import type { XksCredential, XksHealth, XksKeyMetadata, XksKeyUsage } from './xks-types.js';

/** What the proxy needs to know about one external key store it serves. */
export interface XksStoreAccess {
  /** The KMS Region (SigV4 signing region). */
  region: string;
  /** Every proxy authentication credential currently accepted (two while rotating). */
  credentials: readonly XksCredential[];
  /** A blocked store refuses every call with InvalidStateException (400), as the XKS spec says for a blocked key store. */
  blocked: boolean;
  /** The account whose XKS keys this store may use. */
  ownerAccount: string;
  /** `mtls_enabled`: calls must come over TLS with a client certificate the server verified. */
  requireClientCertificate?: boolean;
  /**
   * `health_check_key_id`: the key (of the owner account) the deep health check encrypts and
   * decrypts with. Without one, the check runs the same round trip under a throwaway key.
   */
  healthCheckKeyId?: string;
}

/** Finds the store a proxy URL belongs to. Implemented by the store service and in memory. */
export interface XksStoreResolver {
  /** undefined when no store has this id (the proxy answers InvalidUriPathException). */
  resolveXksStore(storeId: string): Promise<XksStoreAccess | undefined>;
}

/** A proxy-held key: 32 bytes of AES-256 material, whether it may be used, and for what. */
export interface XksVaultKey {
  material: Uint8Array;
  enabled: boolean;
  /** What the key may do (GetKeyMetadata's keyUsage); absent means both ENCRYPT and DECRYPT. */
  keyUsage?: readonly XksKeyUsage[];
}

const BOTH_USAGES: readonly XksKeyUsage[] = ['ENCRYPT', 'DECRYPT'];

/** Where the proxy's keys live. Implemented by the XKS key service and in memory. */
export interface XksKeyVault {
  /** undefined when the account has no key with this id. */
  getXksKey(account: string, keyId: string): Promise<XksVaultKey | undefined>;
}

/** One request as the HTTP layer received it. */
export interface XksProxyRequest {
  storeId: string;
  method: string;
  /** Path relative to the store's URI path: `/health`, `/keys/{keyId}/encrypt`, ... */
  path: string;
  /** The full path and query exactly as received (what the client signed), e.g. `req.originalUrl`. */
  requestUrl: string;
  /** Lower-case header names, including `host`. */
  headers: HeaderMap;
  rawBody: Uint8Array;
  /** True when the call came over TLS with a client certificate the server verified against its trusted CAs. */
  clientCertificateVerified?: boolean;
}

/** The answer to send: HTTP status and a JSON body. */
export interface XksProxyResponse {
  status: number;
  body: Record<string, unknown>;
}

/** Options of {@link XksProxy}. */
export interface XksProxyOptions {
  /** Largest request body accepted (bytes). */
  maxBodyBytes?: number;
  maxClockSkewMs?: number;
  /** What `/health` reports about this proxy. */
  health?: Omit<XksHealth, 'ekmFleetDetails'> & { ekmFleetDetails?: XksHealth['ekmFleetDetails'] };
  /** Time allowed for a store or key lookup before DependencyTimeoutException (default 1 s). */
  lookupTimeoutMs?: number;
  /** Calls handled at once before ThrottlingException (default 64). */
  maxConcurrent?: number;
  /** Clock (tests). */
  now?: () => Date;
}

/** Default request body bound: the largest legal body is well under this. */
export const DEFAULT_XKS_MAX_BODY_BYTES = 32 * 1024;

const DEFAULT_HEALTH: XksHealth = {
  xksProxyFleetSize: 1,
  xksProxyVendor: 'opencckm',
  xksProxyModel: 'opencckm-xks-proxy',
  ekmVendor: 'opencckm',
  ekmFleetDetails: [{ id: 'opencckm-keystore', model: 'software-aes-256-gcm', healthStatus: 'ACTIVE' }],
};

/**
 * The server side of the XKS Proxy API v1, independent of any HTTP framework.
 * `handle` never throws: each failure becomes an XKS error body with its status.
 * Order of checks: body size, store, client certificate (mTLS stores), SigV4 (AuthenticationFailedException), route and
 * body (ValidationException...), blocked store (InvalidStateException, as the spec lists "disabled, deactivated or blocked"), key
 * (KeyNotFoundException, InvalidStateException), cryptography (InvalidCiphertextException).
 * Plaintext and key material never appear in an answer's error message.
 */
export class XksProxy {
  private readonly maxBodyBytes: number;
  private readonly health: XksHealth;
  private readonly lookupTimeoutMs: number;
  private readonly maxConcurrent: number;
  private inFlight = 0;

  constructor(
    private readonly stores: XksStoreResolver,
    private readonly vault: XksKeyVault,
    private readonly options: XksProxyOptions = {},
  ) {
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_XKS_MAX_BODY_BYTES;
    this.lookupTimeoutMs = options.lookupTimeoutMs ?? 1000;
    this.maxConcurrent = options.maxConcurrent ?? 64;
    this.health = {
      ...DEFAULT_HEALTH,
      ...options.health,
      ekmFleetDetails: options.health?.ekmFleetDetails ?? DEFAULT_HEALTH.ekmFleetDetails,
    };
  }

  /** Handles one proxy call; resolves with the status and JSON body to answer. */
  async handle(req: XksProxyRequest): Promise<XksProxyResponse> {
    if (this.inFlight >= this.maxConcurrent) {
      return errorResponse(
        new XksProxyError('ThrottlingException', 'The XKS proxy is handling too many requests; retry later'),
      );
    }
    this.inFlight++;
    try {
      return { status: 200, body: await this.dispatch(req) };
    } catch (err) {
      return errorResponse(
        err instanceof XksProxyError
          ? err
          : new XksProxyError('InternalException', 'The XKS proxy failed to process the request'),
      );
    } finally {
      this.inFlight--;
    }
  }

  /** Runs a store or key lookup within the lookup timeout. @throws XksProxyError DependencyTimeoutException */
  private async lookup<T>(what: string, fn: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new XksProxyError(
              'DependencyTimeoutException',
              `The ${what} lookup did not finish within ${this.lookupTimeoutMs} ms`,
            ),
          ),
        this.lookupTimeoutMs,
      );
    });
    try {
      return await Promise.race([fn(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async dispatch(req: XksProxyRequest): Promise<Record<string, unknown>> {
    if (req.rawBody.length > this.maxBodyBytes)
      throw new XksProxyError('ValidationException', `The request body exceeds ${this.maxBodyBytes} bytes`);
    const store = await this.lookup('key store', () => this.stores.resolveXksStore(req.storeId));
    if (!store) throw new XksProxyError('InvalidUriPathException', 'No external key store is served at this URI path');
    if (store.requireClientCertificate && req.clientCertificateVerified !== true) {
      throw new XksProxyError(
        'AuthenticationFailedException',
        'This key store requires mutual TLS: call it over HTTPS with a client certificate from a trusted CA',
      );
    }
    const [path, query = ''] = req.requestUrl.split('?', 2) as [string, string?];
    const verdict = verifyXksRequest(
      { method: req.method, path, query, headers: req.headers, body: req.rawBody },
      {
        region: store.region,
        credentials: store.credentials,
        now: this.options.now?.(),
        maxClockSkewMs: this.options.maxClockSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS,
      },
    );
    if (!verdict.ok) throw new XksProxyError('AuthenticationFailedException', verdict.reason);
    if (req.method.toUpperCase() !== 'POST')
      throw new XksProxyError('InvalidUriPathException', 'XKS API operations are POST requests');
    const route = parseXksRoute(req.path);
    const { body } = parseXksBody(req.rawBody, ALLOWED_FIELDS[route.op], REQUIRED_METADATA[route.op]);
    if (store.blocked)
      throw new XksProxyError('InvalidStateException', 'This external key store is blocked at the proxy');
    if (route.op === 'health') return this.deepHealth(store);
    const key = await this.lookup('key', () => this.vault.getXksKey(store.ownerAccount, route.keyId));
    if (!key) throw new XksProxyError('KeyNotFoundException', `No XKS key ${route.keyId} exists`);
    if (key.material.length !== 32)
      throw new XksProxyError('InternalException', 'The XKS key material is not an AES-256 key');
    const usage = key.keyUsage ?? BOTH_USAGES;
    if (route.op === 'metadata') {
      const md: XksKeyMetadata = {
        keySpec: 'AES_256',
        keyUsage: [...usage],
        keyStatus: key.enabled ? 'ENABLED' : 'DISABLED',
      };
      return { ...md };
    }
    if (!key.enabled) throw new XksProxyError('InvalidStateException', `XKS key ${route.keyId} is disabled`);
    if (route.op === 'decrypt') {
      requireUsage(usage, 'DECRYPT', route.keyId);
      return decrypt(key.material, body);
    }
    requireUsage(usage, 'ENCRYPT', route.keyId);
    const request = parseEncrypt(body);
    // Appendix C: a CDIV is a promise that the ciphertext decrypts, so it is checked by decrypting, which needs DECRYPT.
    if (request.integrity) requireUsage(usage, 'DECRYPT', route.keyId);
    return encrypt(key.material, request);
  }

  /**
   * GetHealthStatus, deep as the spec recommends: an AES-GCM round trip (encrypt, then
   * decrypt and compare) under the store's health check key, or under a throwaway key when it
   * has none. The answer is 200 either way; a failed round trip reports the key manager
   * UNAVAILABLE. A key lookup that times out is DependencyTimeoutException.
   */
  private async deepHealth(store: XksStoreAccess): Promise<Record<string, unknown>> {
    let material: Uint8Array | undefined = randomBytes(32);
    if (store.healthCheckKeyId) {
      const id = store.healthCheckKeyId;
      const key = await this.lookup('health check key', () => this.vault.getXksKey(store.ownerAccount, id));
      const usage = key?.keyUsage ?? BOTH_USAGES;
      const usable = key?.enabled && usage.includes('ENCRYPT') && usage.includes('DECRYPT');
      material = usable ? key.material : undefined;
    }
    const healthy = material !== undefined && roundTrips(material);
    const ekmFleetDetails = this.health.ekmFleetDetails.map((d) =>
      healthy ? { ...d } : { ...d, healthStatus: 'UNAVAILABLE' as const },
    );
    return { ...this.health, ekmFleetDetails };
  }
}

/** @throws XksProxyError InvalidKeyUsageException when the key may not do `needed`. */
function requireUsage(usage: readonly XksKeyUsage[], needed: XksKeyUsage, keyId: string): void {
  if (!usage.includes(needed))
    throw new XksProxyError('InvalidKeyUsageException', `XKS key ${keyId} does not allow ${needed}`);
}

/** True when the GCM output decrypts back to `plaintext` under `material`. */
function roundTripsAs(
  material: Uint8Array,
  out: { iv: Uint8Array; ciphertext: Uint8Array; tag: Uint8Array; aad?: Uint8Array },
  plaintext: Uint8Array,
): boolean {
  try {
    return gcmOpen(material, out.iv, out.ciphertext, out.tag, out.aad).equals(plaintext);
  } catch {
    return false;
  }
}

/** True when 32 random bytes encrypt and decrypt back to themselves under `material`. */
function roundTrips(material: Uint8Array): boolean {
  try {
    const probe = randomBytes(32);
    const aad = Buffer.from('opencckm-xks-health-check');
    const sealed = gcmSeal(material, probe, aad);
    return gcmOpen(material, sealed.iv, sealed.ciphertext, sealed.tag, aad).equals(probe);
  } catch {
    return false;
  }
}

function gcmSeal(material: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array) {
  const iv = randomBytes(XKS_LIMITS.ivBytes);
  const cipher = createCipheriv('aes-256-gcm', material, iv, { authTagLength: XKS_LIMITS.tagBytes });
  if (aad) cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv, ciphertext, tag: cipher.getAuthTag() };
}

/** @throws Error when the tag does not verify */
function gcmOpen(material: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array, aad?: Uint8Array) {
  const decipher = createDecipheriv('aes-256-gcm', material, iv, { authTagLength: XKS_LIMITS.tagBytes });
  if (aad) decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
}

const errorResponse = (e: XksProxyError): XksProxyResponse => ({
  status: e.status,
  body: { errorName: e.errorName, errorMessage: e.message },
});

/**
 * Encrypts; with a CDIV requested, computes it first and then decrypts the output to check
 * it (Appendix C's order, so a corruption after the hash cannot go unnoticed).
 */
function encrypt(material: Uint8Array, req: ReturnType<typeof parseEncrypt>): Record<string, unknown> {
  const { iv, ciphertext, tag } = gcmSeal(material, req.plaintext, req.aad);
  const out: Record<string, unknown> = {
    authenticationTag: toBase64(tag),
    ciphertext: toBase64(ciphertext),
    initializationVector: toBase64(iv),
  };
  if (req.integrity) {
    const value = ciphertextIntegrityValue({
      additionalAuthenticatedData: req.aad,
      initializationVector: iv,
      ciphertext,
      authenticationTag: tag,
    });
    out.ciphertextDataIntegrityValue = toBase64(value);
    if (!roundTripsAs(material, { iv, ciphertext, tag, aad: req.aad }, req.plaintext))
      throw new XksProxyError('InternalException', 'The encryption output did not verify; retry');
  }
  return out;
}

function decrypt(material: Uint8Array, body: Record<string, unknown>): Record<string, unknown> {
  const req = parseDecrypt(body);
  // This proxy never issues ciphertextMetadata, so a ciphertext carrying some is not ours.
  if (req.metadata && req.metadata.length > 0)
    throw new XksProxyError('InvalidCiphertextException', 'The ciphertext was not produced by this proxy');
  try {
    return { plaintext: toBase64(gcmOpen(material, req.iv, req.ciphertext, req.tag, req.aad)) };
  } catch {
    throw new XksProxyError(
      'InvalidCiphertextException',
      'The ciphertext, tag, IV or additional authenticated data do not verify under this key',
    );
  }
}
