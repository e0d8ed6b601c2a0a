import { awsError } from '../../errors/index.js';

/**
 * Input checks of the CloudHSM v2 operations, with the limits and patterns of the AWS model
 * (cloudhsmv2-2017-04-28.json). Wire input is untrusted JSON, so every check also checks
 * the type. All failures are CloudHsmInvalidRequestException naming the field.
 */

export const invalid = (message: string) => awsError('CloudHsmInvalidRequestException', message);

export const PATTERNS = {
  ClusterId: /^cluster-[2-7a-zA-Z]{11,16}$/,
  HsmId: /^hsm-[2-7a-zA-Z]{11,16}$/,
  HsmType: /^(p|)hsm[0-9][a-z.]*\.[a-zA-Z]+$/,
  SubnetId: /^subnet-[0-9a-fA-F]{8,17}$/,
  ExternalAz: /^[a-z]{2}(-(gov))?-(east|west|north|south|central){1,2}-\d[a-z]$/,
  IpAddress: /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/,
  EniId: /^eni-[0-9a-fA-F]{8,17}$/,
  ResourceId: /^(?:cluster|backup)-[2-7a-zA-Z]{11,16}$/,
  Cert: /^[a-zA-Z0-9+-/=\s]*$/,
  Tag: /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u,
  Field: /^[a-zA-Z0-9_-]+$/,
} as const;

/** The HSM types the emulator offers (AWS's current generation and the previous one). */
export const HSM_TYPES = new Set(['hsm1.medium', 'hsm2m.medium']);

export function requireObject(input: unknown): Record<string, unknown> {
  if (input === undefined || input === null) return {};
  if (typeof input !== 'object' || Array.isArray(input)) throw invalid('The request body must be a JSON object.');
  return input as Record<string, unknown>;
}

/** A required string field matching `pattern` (and at most `max` characters). */
export function requiredString(input: Record<string, unknown>, field: string, pattern?: RegExp, max = 20_000): string {
  const v = input[field];
  if (v === undefined || v === null) throw invalid(`${field} is required.`);
  return checkString(v, field, pattern, max);
}

export function optionalString(
  input: Record<string, unknown>,
  field: string,
  pattern?: RegExp,
  max = 20_000,
): string | undefined {
  const v = input[field];
  return v === undefined || v === null ? undefined : checkString(v, field, pattern, max);
}

function checkString(v: unknown, field: string, pattern: RegExp | undefined, max: number): string {
  if (typeof v !== 'string') throw invalid(`${field} must be a string.`);
  if (v.length > max) throw invalid(`${field} must be at most ${max} characters.`);
  if (pattern && !pattern.test(v)) throw invalid(`${field} is not valid: it must match ${pattern.source}.`);
  return v;
}

/** An optional integer in [min, max]. */
export function optionalInt(
  input: Record<string, unknown>,
  field: string,
  min: number,
  max: number,
): number | undefined {
  const v = input[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    throw invalid(`${field} must be an integer from ${min} to ${max}.`);
  return v;
}

/** A list of strings with `min`..`max` entries, each matching `pattern`. */
export function stringList(v: unknown, field: string, min: number, max: number, pattern?: RegExp): string[] {
  if (!Array.isArray(v)) throw invalid(`${field} must be a list of strings.`);
  if (v.length < min || v.length > max) throw invalid(`${field} must have from ${min} to ${max} members.`);
  return v.map((s, i) => checkString(s, `${field}[${i}]`, pattern, 256));
}

/** A TagList (1–50 tags, keys 1–128 and values 0–256 characters, unique keys, no `aws:` prefix). */
export function tagList(v: unknown, field = 'TagList'): Array<{ Key: string; Value: string }> {
  if (!Array.isArray(v)) throw invalid(`${field} must be a list of tags.`);
  if (v.length < 1 || v.length > 50) throw invalid(`${field} must have from 1 to 50 tags.`);
  const seen = new Set<string>();
  return v.map((t: unknown, i) => {
    const tag = requireObject(t);
    const Key = requiredString(tag, 'Key', PATTERNS.Tag, 128);
    const Value = requiredString(tag, 'Value', PATTERNS.Tag, 256);
    if (Key.length === 0) throw invalid(`${field}[${i}].Key must not be empty.`);
    if (Key.toLowerCase().startsWith('aws:'))
      throw invalid(`${field}[${i}].Key must not start with "aws:" (reserved for AWS).`);
    if (seen.has(Key)) throw invalid(`${field} contains the key "${Key}" twice.`);
    seen.add(Key);
    return { Key, Value };
  });
}

/** Reads a NextToken made by {@link pageToken}: the index to continue from. */
export function readPageToken(token: string | undefined, kind: string): number {
  if (token === undefined) return 0;
  const m = /^(\w+):(\d{1,6})$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (!m || m[1] !== kind) throw invalid('NextToken is not valid.');
  return Number(m[2]);
}

export const pageToken = (kind: string, next: number): string =>
  Buffer.from(`${kind}:${next}`, 'utf8').toString('base64url');
