import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import {
  canonicalRequest,
  credentialScope,
  headerValue,
  isCanonicalPath,
  parseAmzDate,
  sha256Hex,
  stringToSign,
  type SignableRequest,
} from './canonical-request.js';
import { sharedSigningKeys, type SigningKeyCache } from './signing-key-cache.js';

/**
 * The server side of AWS Signature Version 4 (Authorization header form), shared by the
 * emulator's wire endpoint and the XKS proxy. Callers parse the header, find the secret of
 * its access key by their own rules (credential maps, STS sessions, a store's credentials),
 * then call {@link verifySignature}, and turn a failure's code into their own error answer.
 */

/** The parts of a SigV4 `Authorization` header. */
export interface SigV4Authorization {
  accessKeyId: string;
  /** yyyymmdd from the credential scope. */
  date: string;
  region: string;
  service: string;
  signedHeaders: readonly string[];
  /** The SignedHeaders value as sent (the names joined by `;`): what the canonical request carries. */
  signedHeaderList: string;
  /** 64 lower-case hex digits. */
  signature: string;
}

const AUTH =
  /^AWS4-HMAC-SHA256\s+Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request,\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})\s*$/;

/** Parses `AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`; undefined when it is not that form. */
export function parseAuthorization(header: string | undefined): SigV4Authorization | undefined {
  const m = header ? AUTH.exec(header) : null;
  if (!m) return undefined;
  const [, accessKeyId, date, region, service, signedHeaderList, signature] = m as unknown as string[];
  return {
    accessKeyId: accessKeyId!,
    date: date!,
    region: region!,
    service: service!,
    signedHeaders: signedHeaderList!.split(';'),
    signedHeaderList: signedHeaderList!,
    signature: signature!,
  };
}

/** A received request, as the verifier needs it. */
export interface SignedRequest extends SignableRequest {
  body: Uint8Array;
}

/** How far a request's `x-amz-date` may be from the verifier's clock (AWS uses 5 minutes). */
export const DEFAULT_MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

/** Why a signature was refused; callers map these to their protocol's error answers. */
export type SigV4FailureCode =
  | 'host-unsigned'
  | 'date-unsigned'
  | 'headers-unsorted'
  | 'header-missing'
  | 'date-malformed'
  | 'date-out-of-scope'
  | 'clock-skew'
  | 'path-not-canonical'
  | 'content-hash-mismatch'
  | 'signature-mismatch';

/** The outcome of {@link verifySignature}; `reason` names no secret and is safe to answer. */
export type SigV4Verdict = { ok: true } | { ok: false; code: SigV4FailureCode; reason: string };

/** Options of {@link verifySignature}. */
export interface SigV4VerifyOptions {
  /** The verifier's clock. */
  now: Date;
  maxClockSkewMs?: number;
  /** Where signing keys are cached (default: the process's shared cache). */
  keys?: SigningKeyCache;
}

const fail = (code: SigV4FailureCode, reason: string): SigV4Verdict => ({ ok: false, code, reason });
const OK: SigV4Verdict = { ok: true };

/** The last x-amz-date read and its time: a client's requests within one second share it. */
let lastAmzDate: { text: string; ms: number } | undefined;

/** Epoch ms of an x-amz-date; undefined when malformed. */
function amzDateMs(text: string): number | undefined {
  if (lastAmzDate?.text !== text) {
    const date = parseAmzDate(text);
    if (!date) return undefined;
    lastAmzDate = { text, ms: date.getTime() };
  }
  return lastAmzDate.ms;
}

/**
 * Verifies a request's SigV4 signature with `secretAccessKey`: `host` and `x-amz-date` must
 * be signed, SignedHeaders sorted and unique and every one present, `x-amz-date` well formed,
 * on the credential scope's date and within the clock-skew window, the path one that needs no
 * encoding, a sent `x-amz-content-sha256` equal to the body's hash, and the signature equal
 * to the one recomputed, compared in constant time. The payload hash always comes from the
 * body received (hashed once), so an unsigned or altered payload never verifies. The signing
 * key comes from the cache, so a request costs one HMAC. Never throws.
 */
export function verifySignature(
  req: SignedRequest,
  auth: SigV4Authorization,
  secretAccessKey: string,
  opts: SigV4VerifyOptions,
): SigV4Verdict {
  const signed = auth.signedHeaders;
  if (!signed.includes('host')) return fail('host-unsigned', 'The signature must cover the host header');
  if (!signed.includes('x-amz-date')) return fail('date-unsigned', 'The signature must cover the x-amz-date header');
  // One pass checks the names and builds the canonical headers block, each value read once.
  let headerBlock = '';
  let amzDate = '';
  for (let i = 0; i < signed.length; i++) {
    const name = signed[i]!;
    if (i > 0 && signed[i - 1]! >= name) return fail('headers-unsorted', 'SignedHeaders must be sorted and unique');
    const value = headerValue(req.headers, name);
    if (value === undefined) return fail('header-missing', `Signed header ${name} is missing from the request`);
    if (name === 'x-amz-date') amzDate = value;
    headerBlock += `${name}:${value}\n`;
  }
  const signedAt = amzDateMs(amzDate);
  if (signedAt === undefined) return fail('date-malformed', 'x-amz-date is missing or malformed');
  if (!amzDate.startsWith(auth.date))
    return fail('date-out-of-scope', 'The credential scope date does not match x-amz-date');
  if (Math.abs(opts.now.getTime() - signedAt) > (opts.maxClockSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS)) {
    return fail('clock-skew', 'The request time is too far from the server clock');
  }
  if (!isCanonicalPath(req.path))
    return fail(
      'path-not-canonical',
      'The request path has characters outside the SigV4 path alphabet (RFC 3986 unreserved and /)',
    );
  const payloadHash = sha256Hex(req.body);
  const sentHash = headerValue(req.headers, 'x-amz-content-sha256');
  if (sentHash !== undefined && sentHash !== payloadHash)
    return fail('content-hash-mismatch', 'x-amz-content-sha256 does not match the body');
  const key = (opts.keys ?? sharedSigningKeys).signingKey(secretAccessKey, auth.date, auth.region, auth.service);
  const canonical = canonicalRequest(req, headerBlock, auth.signedHeaderList, payloadHash);
  const toSign = stringToSign(amzDate, credentialScope(auth.date, auth.region, auth.service), canonical);
  const expected = createHmac('sha256', key).update(toSign, 'utf8').digest();
  const given = Buffer.from(auth.signature, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return fail('signature-mismatch', 'The request signature does not match');
  return OK;
}

/**
 * Compares two secrets in constant time: both are hashed first, so neither their content
 * nor their lengths leak through timing (timingSafeEqual needs equal-length buffers).
 */
export function constantTimeEqual(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}
