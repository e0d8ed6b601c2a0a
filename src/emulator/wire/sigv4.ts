import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** The parts of a SigV4 `Authorization` header. */
export interface SigV4Authorization {
  accessKeyId: string;
  /** yyyymmdd from the credential scope. */
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

const AUTH = /^AWS4-HMAC-SHA256\s+Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request,\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})\s*$/;

/** Parses an `Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...` header. */
export function parseAuthorization(header: string | undefined): SigV4Authorization | undefined {
  const m = header ? AUTH.exec(header) : null;
  if (!m) return undefined;
  const [, accessKeyId, date, region, service, signed, signature] = m as unknown as string[];
  return { accessKeyId: accessKeyId!, date: date!, region: region!, service: service!, signedHeaders: signed!.split(';'), signature: signature! };
}

const sha256Hex = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');
const hmac = (key: Uint8Array | string, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

/** RFC 3986 encoding as SigV4 requires (`encodeURIComponent` leaves `!'()*` alone). */
const rfc3986 = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function canonicalQuery(search: string): string {
  const params = [...new URLSearchParams(search)].map(([k, v]) => [rfc3986(k), rfc3986(v)] as const);
  params.sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return params.map(([k, v]) => `${k}=${v}`).join('&');
}

function headerValue(headers: IncomingHttpHeaders, name: string): string {
  const v = headers[name];
  const joined = Array.isArray(v) ? v.join(',') : (v ?? '');
  return joined.trim().replace(/\s+/g, ' ');
}

/** The request as the verifier needs it. */
export interface SignedRequest {
  method: string;
  /** Path and query as sent (`/`, `/?a=b`). */
  url: string;
  headers: IncomingHttpHeaders;
  body: Uint8Array;
}

/**
 * Recomputes the SigV4 signature of a request with `secretAccessKey` and compares it
 * with the one sent, in constant time. The payload hash is always computed from the body
 * received, so an unsigned or altered payload never verifies.
 */
export function signatureMatches(req: SignedRequest, auth: SigV4Authorization, secretAccessKey: string): boolean {
  const amzDate = headerValue(req.headers, 'x-amz-date');
  const url = new URL(req.url, 'http://placeholder');
  const canonicalHeaders = auth.signedHeaders.map((h) => `${h}:${headerValue(req.headers, h)}\n`).join('');
  const payloadHash = sha256Hex(req.body);
  const canonicalRequest = [
    req.method.toUpperCase(),
    url.pathname || '/',
    canonicalQuery(url.search),
    canonicalHeaders,
    auth.signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
  const scope = `${auth.date}/${auth.region}/${auth.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const kDate = hmac(`AWS4${secretAccessKey}`, auth.date);
  const kSigning = hmac(hmac(hmac(kDate, auth.region), auth.service), 'aws4_request');
  const expected = createHmac('sha256', kSigning).update(stringToSign, 'utf8').digest();
  const given = Buffer.from(auth.signature, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Compares two secrets in constant time: both are hashed first, so neither their content
 * nor their lengths leak through timing (timingSafeEqual needs equal-length buffers).
 */
export function constantTimeEqual(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** Parses `x-amz-date` (yyyymmddThhmmssZ); undefined when absent or malformed. */
export function parseAmzDate(value: string | undefined): Date | undefined {
  const m = value ? /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value) : null;
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  return new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!));
}
