import { hash } from 'node:crypto';

/**
 * The canonical request and string to sign of AWS Signature Version 4, shared by the signer
 * (sigv4-signer.ts) and the verifier (sigv4-verifier.ts) so both ends build the same bytes.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv4-create-signed-request.html
 */

export const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256';

/** A header map as node:http gives it (lower-case names) or as a client builds it. */
export type HeaderMap = Record<string, string | string[] | undefined>;

/** A request as SigV4 sees it, body aside. */
export interface SignableRequest {
  method: string;
  /** The path exactly as sent, without the query (see {@link isCanonicalPath}). */
  path: string;
  /** The query string as sent, without the leading `?`; empty when there is none. */
  query: string;
  /** Lower-case names. */
  headers: HeaderMap;
}

/** RFC 3986 unreserved characters and `/`. */
const CANONICAL_PATH = /^\/[A-Za-z0-9\-._~/]*$/;

/**
 * True when the path needs no percent-encoding, so its canonical URI is the path itself:
 * the single-encoding (S3) and double-encoding (every other service) variants of SigV4 agree
 * on it. For any other path a verifier cannot tell which variant the signer used, so both
 * ends refuse it. The emulator serves only `/`; XKS paths are this alphabet by the KMS models.
 */
export function isCanonicalPath(path: string): boolean {
  return CANONICAL_PATH.test(path);
}

/** Lower-case hex SHA-256 (one-shot: cheaper than a Hash object for one buffer). */
export function sha256Hex(data: string | Uint8Array): string {
  return hash('sha256', data, 'hex');
}

/** Whitespace SigV4 folds: any run of two or more, or any single one that is not a space. */
const FOLDABLE = /[^\S ]| {2}/;

/** A header's canonical value (trimmed, inner whitespace runs folded to one space; repeats joined by `,`). */
export function headerValue(headers: HeaderMap, name: string): string | undefined {
  const v: unknown = headers[name];
  // Anything but a string or an array (a name such as `constructor` reaching the prototype) is absent.
  const joined = typeof v === 'string' ? v : Array.isArray(v) ? v.join(',') : undefined;
  if (joined === undefined) return undefined;
  const trimmed = joined.trim();
  return FOLDABLE.test(trimmed) ? trimmed.replace(/\s+/g, ' ') : trimmed;
}

/** RFC 3986 encoding as SigV4 requires (`encodeURIComponent` leaves `!'()*` alone). */
const rfc3986 = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** Parameters decoded, encoded again per RFC 3986 and sorted by name, then value. */
function canonicalQuery(query: string): string {
  if (query === '') return '';
  const params = [...new URLSearchParams(query)].map(([k, v]) => [rfc3986(k), rfc3986(v)] as const);
  params.sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return params.map(([k, v]) => `${k}=${v}`).join('&');
}

/** The canonical headers block: `name:value\n` for each signed header, in order (a header the request lacks is empty). */
export function canonicalHeaders(headers: HeaderMap, signedHeaders: readonly string[]): string {
  let block = '';
  for (const h of signedHeaders) block += `${h}:${headerValue(headers, h) ?? ''}\n`;
  return block;
}

/**
 * The canonical request, given its headers block (see {@link canonicalHeaders}; the verifier
 * builds it while checking the headers), the signed header names joined by `;` as the
 * Authorization header carries them (lower-case, sorted), and the payload's hash.
 */
export function canonicalRequest(
  req: SignableRequest,
  headerBlock: string,
  signedHeaderList: string,
  payloadHash: string,
): string {
  return `${req.method.toUpperCase()}\n${req.path}\n${canonicalQuery(req.query)}\n${headerBlock}\n${signedHeaderList}\n${payloadHash}`;
}

/** `date/region/service/aws4_request` */
export function credentialScope(date: string, region: string, service: string): string {
  return `${date}/${region}/${service}/aws4_request`;
}

/** What the signing key signs: the algorithm, the request time, the scope and the canonical request's hash. */
export function stringToSign(amzDate: string, scope: string, canonical: string): string {
  return `${SIGV4_ALGORITHM}\n${amzDate}\n${scope}\n${sha256Hex(canonical)}`;
}

/** `20261123T175800Z` for a date. */
export function formatAmzDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** Parses `x-amz-date` (yyyymmddThhmmssZ); undefined when absent or not a real time (month 13, day 32, ...). */
export function parseAmzDate(value: string | undefined): Date | undefined {
  const m = value ? /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value) : null;
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  const date = new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!));
  // Date.UTC rolls over out-of-range fields (and maps years below 100 to 19xx): compare them back.
  const exact =
    date.getUTCFullYear() === y &&
    date.getUTCMonth() === mo! - 1 &&
    date.getUTCDate() === d &&
    date.getUTCHours() === h &&
    date.getUTCMinutes() === mi &&
    date.getUTCSeconds() === s;
  return exact ? date : undefined;
}
