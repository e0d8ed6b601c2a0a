import { timingSafeEqual } from 'node:crypto';
import { headerValue, type HeaderMap } from '../sigv4/canonical-request.js';
import { signRequest } from '../sigv4/sigv4-signer.js';
import { DEFAULT_MAX_CLOCK_SKEW_MS, parseAuthorization, verifySignature } from '../sigv4/sigv4-verifier.js';
import type { XksCredential } from './xks-types.js';

/**
 * SigV4 as the XKS proxy API uses it, both ends: {@link signXksRequest} signs what the
 * client sends, {@link verifyXksRequest} checks what the proxy receives. The signing itself
 * is src/sigv4's (shared with the emulator's wire endpoint); this adds the API's rules: the
 * `kms-xks-proxy` service, the store's Region, and the store's list of accepted credentials.
 * Paths on this API are RFC 3986 unreserved characters and `/` (the KMS models pattern for
 * XksProxyUriPath and XksKeyId), which the shared signer and verifier require anyway.
 */

/** The SigV4 service name of the XKS proxy API. */
export const XKS_SIGNING_SERVICE = 'kms-xks-proxy';

/** What {@link signXksRequest} signs. */
export interface XksSignInput {
  method: string;
  /** The full request URL (scheme, host, optional port, path, optional query). */
  url: URL;
  /** Extra headers to send and sign (e.g. content-type); names are lower-cased. */
  headers?: Record<string, string>;
  body: Uint8Array;
  credential: XksCredential;
  region: string;
  service?: string;
  /** Signing time; defaults to now. */
  now?: Date;
}

/**
 * Signs a request for the XKS proxy API and returns every header to send (the given
 * ones plus `host`, `x-amz-date`, `x-amz-content-sha256` and `authorization`), all signed.
 * @throws Error when the URL path has characters outside the API's path alphabet.
 */
export function signXksRequest(input: XksSignInput): Record<string, string> {
  return signRequest({ ...input, service: input.service ?? XKS_SIGNING_SERVICE });
}

/** A received request, as the verifier needs it. */
export interface XksReceivedRequest {
  method: string;
  /** The path exactly as received on the wire (no query), e.g. `/api/.../kms/xks/v1/health`. */
  path: string;
  /** The query string as received, with or without the leading `?`; usually empty. */
  query?: string;
  /** Lower-case header names, as node:http provides them. */
  headers: HeaderMap;
  body: Uint8Array;
}

/** Who may call and in which scope. */
export interface XksVerifyOptions {
  region: string;
  service?: string;
  /** Every credential the proxy currently accepts (more than one during rotation). */
  credentials: readonly XksCredential[];
  now?: Date;
  maxClockSkewMs?: number;
}

/** The outcome of {@link verifyXksRequest}; `reason` is safe to return to the caller. */
export type XksVerifyResult = { ok: true; accessKeyId: string } | { ok: false; reason: string };

/** Signs in place of an unknown access key id, so timing does not reveal which ids exist. */
const UNKNOWN_CREDENTIAL_SECRET = 'unknown-credential-placeholder';

/**
 * Verifies the SigV4 signature of a request received by the proxy: the Authorization
 * header's form, the credential scope (service and Region of this store), then everything
 * src/sigv4's verifySignature checks (signed host and x-amz-date, date, clock skew, body
 * hash, the signature in constant time) against the accepted credential with the same
 * access key id. Never throws.
 */
export function verifyXksRequest(req: XksReceivedRequest, opts: XksVerifyOptions): XksVerifyResult {
  const fail = (reason: string): XksVerifyResult => ({ ok: false, reason });
  const auth = parseAuthorization(headerValue(req.headers, 'authorization'));
  if (!auth) return fail('The request has no valid AWS4-HMAC-SHA256 Authorization header');
  const expectedService = opts.service ?? XKS_SIGNING_SERVICE;
  if (auth.service !== expectedService)
    return fail(`The credential scope names service ${auth.service}; expected ${expectedService}`);
  if (auth.region !== opts.region)
    return fail(`The credential scope names region ${auth.region}; expected ${opts.region}`);
  const id = Buffer.from(auth.accessKeyId);
  const credential = opts.credentials.find(
    (c) => c.accessKeyId.length === auth.accessKeyId.length && timingSafeEqual(Buffer.from(c.accessKeyId), id),
  );
  const query = req.query?.startsWith('?') ? req.query.slice(1) : (req.query ?? '');
  const verdict = verifySignature(
    { method: req.method, path: req.path, query, headers: req.headers, body: req.body },
    auth,
    credential?.secretAccessKey ?? UNKNOWN_CREDENTIAL_SECRET,
    { now: opts.now ?? new Date(), maxClockSkewMs: opts.maxClockSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS },
  );
  if (!verdict.ok) return fail(verdict.reason);
  if (!credential) return fail('The request signature does not match');
  return { ok: true, accessKeyId: credential.accessKeyId };
}
