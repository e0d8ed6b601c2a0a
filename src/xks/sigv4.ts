import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { XksCredential } from './xks-types.js';

/**
 * AWS Signature Version 4 for the XKS proxy API, both ends: {@link signXksRequest} signs
 * what the client sends, {@link verifyXksRequest} checks what the proxy receives. Pure
 * node:crypto and synchronous, so the proxy core needs no SDK.
 *
 * Paths on this API are restricted to RFC 3986 unreserved characters and `/` (the KMS
 * models pattern for XksProxyUriPath and XksKeyId), so the canonical URI is the path
 * itself; both the single-encoding and the double-encoding SigV4 variants agree on it.
 * The verifier rejects any other path rather than guess which variant the signer used.
 */

/** The SigV4 service name of the XKS proxy API. */
export const XKS_SIGNING_SERVICE = 'kms-xks-proxy';

/** How far a request's `x-amz-date` may be from the verifier's clock (AWS uses 5 minutes). */
export const DEFAULT_MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

const ALGORITHM = 'AWS4-HMAC-SHA256';
/** Characters a path may contain on this API (unreserved plus `/`). */
const SAFE_PATH = /^\/[A-Za-z0-9\-._~/]*$/;
const AUTH = /^AWS4-HMAC-SHA256\s+Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request,\s*SignedHeaders=([a-z0-9\-;]+),\s*Signature=([0-9a-f]{64})\s*$/;
/** Headers that must be covered by every signature this API accepts. */
const REQUIRED_SIGNED = ['host', 'x-amz-date'];

const sha256Hex = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');
const hmac = (key: Uint8Array | string, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

/** A header map as node:http gives it (lower-case names) or as a client builds it. */
export type HeaderMap = Record<string, string | string[] | undefined>;

function headerValue(headers: HeaderMap, name: string): string | undefined {
  const v = headers[name];
  if (v === undefined) return undefined;
  const joined = Array.isArray(v) ? v.join(',') : v;
  return joined.trim().replace(/\s+/g, ' ');
}

/** `20261123T175800Z` for a date. */
export function formatAmzDate(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** Parses `x-amz-date` (yyyymmddThhmmssZ); undefined when malformed. */
export function parseAmzDate(value: string | undefined): Date | undefined {
  const m = value ? /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value) : null;
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  const date = new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!));
  return formatAmzDate(date) === value ? date : undefined;
}

function canonicalQuery(query: string): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const params = [...new URLSearchParams(query)].map(([k, v]) => [enc(k), enc(v)] as const);
  params.sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return params.map(([k, v]) => `${k}=${v}`).join('&');
}

interface CanonicalInput {
  method: string;
  path: string;
  query: string;
  headers: HeaderMap;
  signedHeaders: string[];
  body: Uint8Array;
  amzDate: string;
  scope: { date: string; region: string; service: string };
}

function signature(input: CanonicalInput, secretAccessKey: string): Buffer {
  const canonicalHeaders = input.signedHeaders.map((h) => `${h}:${headerValue(input.headers, h) ?? ''}\n`).join('');
  const canonicalRequest = [
    input.method.toUpperCase(),
    input.path,
    canonicalQuery(input.query),
    canonicalHeaders,
    input.signedHeaders.join(';'),
    sha256Hex(input.body),
  ].join('\n');
  const { date, region, service } = input.scope;
  const stringToSign = [ALGORITHM, input.amzDate, `${date}/${region}/${service}/aws4_request`, sha256Hex(canonicalRequest)].join('\n');
  const kSigning = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, date), region), service), 'aws4_request');
  return createHmac('sha256', kSigning).update(stringToSign, 'utf8').digest();
}

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
  if (!SAFE_PATH.test(input.url.pathname)) throw new Error(`XKS request path has characters SigV4 would encode: ${input.url.pathname}`);
  const amzDate = formatAmzDate(input.now ?? new Date());
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.headers ?? {})) headers[k.toLowerCase()] = v;
  headers.host = input.url.host;
  headers['x-amz-date'] = amzDate;
  headers['x-amz-content-sha256'] = sha256Hex(input.body);
  const signedHeaders = Object.keys(headers).sort();
  const scope = { date: amzDate.slice(0, 8), region: input.region, service: input.service ?? XKS_SIGNING_SERVICE };
  const sig = signature(
    { method: input.method, path: input.url.pathname, query: input.url.search, headers, signedHeaders, body: input.body, amzDate, scope },
    input.credential.secretAccessKey,
  );
  headers.authorization =
    `${ALGORITHM} Credential=${input.credential.accessKeyId}/${scope.date}/${scope.region}/${scope.service}/aws4_request, ` +
    `SignedHeaders=${signedHeaders.join(';')}, Signature=${sig.toString('hex')}`;
  return headers;
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

/**
 * Verifies the SigV4 signature of a request received by the proxy: the Authorization
 * header's form, the credential scope (service, region, date matching `x-amz-date`), the
 * clock skew, that `host` and `x-amz-date` are signed, that a sent `x-amz-content-sha256`
 * matches the body, and the signature itself against the accepted credential with the
 * same access key id, compared in constant time. The payload hash is always computed
 * from the body received, so an altered body never verifies. Never throws.
 */
export function verifyXksRequest(req: XksReceivedRequest, opts: XksVerifyOptions): XksVerifyResult {
  const fail = (reason: string): XksVerifyResult => ({ ok: false, reason });
  const m = AUTH.exec(headerValue(req.headers, 'authorization') ?? '');
  if (!m) return fail('The request has no valid AWS4-HMAC-SHA256 Authorization header');
  const [, accessKeyId, date, region, service, signedList, sigHex] = m as unknown as string[];
  const expectedService = opts.service ?? XKS_SIGNING_SERVICE;
  if (service !== expectedService) return fail(`The credential scope names service ${service}; expected ${expectedService}`);
  if (region !== opts.region) return fail(`The credential scope names region ${region}; expected ${opts.region}`);
  const signedHeaders = signedList!.split(';');
  const sorted = [...signedHeaders].sort();
  if (sorted.some((h, i) => h !== signedHeaders[i] || (i > 0 && h === sorted[i - 1]))) return fail('SignedHeaders must be sorted and unique');
  for (const h of REQUIRED_SIGNED) if (!signedHeaders.includes(h)) return fail(`The signature must cover the ${h} header`);
  for (const h of signedHeaders) if (headerValue(req.headers, h) === undefined) return fail(`Signed header ${h} is missing from the request`);
  const amzDate = headerValue(req.headers, 'x-amz-date');
  const when = parseAmzDate(amzDate);
  if (!when) return fail('x-amz-date is missing or malformed');
  if (amzDate!.slice(0, 8) !== date) return fail('The credential scope date does not match x-amz-date');
  const skew = Math.abs((opts.now ?? new Date()).getTime() - when.getTime());
  if (skew > (opts.maxClockSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS)) return fail('The request time is too far from the proxy clock');
  const contentHash = headerValue(req.headers, 'x-amz-content-sha256');
  if (contentHash !== undefined && contentHash !== sha256Hex(req.body)) return fail('x-amz-content-sha256 does not match the body');
  if (!SAFE_PATH.test(req.path)) return fail('The request path has characters outside the XKS path alphabet');
  const credential = opts.credentials.find((c) => c.accessKeyId.length === accessKeyId!.length && timingSafeEqual(Buffer.from(c.accessKeyId), Buffer.from(accessKeyId!)));
  // Compute a signature even for an unknown key id so timing does not reveal which ids exist.
  const expected = signature(
    {
      method: req.method,
      path: req.path,
      query: req.query ?? '',
      headers: req.headers,
      signedHeaders,
      body: req.body,
      amzDate: amzDate!,
      scope: { date: date!, region: region!, service: service! },
    },
    credential?.secretAccessKey ?? 'unknown-credential-placeholder',
  );
  const given = Buffer.from(sigHex!, 'hex');
  const matches = given.length === expected.length && timingSafeEqual(given, expected);
  if (!credential || !matches) return fail('The request signature does not match');
  return { ok: true, accessKeyId: credential.accessKeyId };
}
