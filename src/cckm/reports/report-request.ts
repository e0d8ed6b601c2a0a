import type { Principal } from '../../auth/principal.js';
import { ForbiddenError, ValidationError } from '../../errors/index.js';
import type { KmsService } from '../kms/kms.service.js';
import { REPORT_TYPES, type ReportParams, type ReportType } from './report-types.js';

/** `POST /cckm/aws/reports`. */
export interface ReportInput {
  name?: unknown;
  report_type?: unknown;
  kms?: unknown;
  regions?: unknown;
  from?: unknown;
  to?: unknown;
  /** The original product's names for `from` and `to`. */
  start_time?: unknown;
  end_time?: unknown;
  unused_days?: unknown;
  expiring_days?: unknown;
}

const MAX_NAME = 128;
const MAX_KMS = 100;
const MAX_REGIONS = 50;
const MAX_DAYS = 3650;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
/** RFC 3339 date-time with a zone (what the contract's `format: date-time` accepts). */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;

function stringList(value: unknown, field: string, max: number): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length < 1 || value.length > max)
    throw ValidationError.field(field, `must be a list of 1 to ${max} strings`);
  const seen = new Map<string, number>();
  return value.map((v, i) => {
    if (typeof v !== 'string' || !v.length || v.length > 256)
      throw ValidationError.field(`${field}[${i}]`, 'must be a non-empty string of at most 256 characters');
    if (seen.has(v)) throw ValidationError.field(`${field}[${i}]`, `repeats ${field}[${seen.get(v)}]`);
    seen.set(v, i);
    return v;
  });
}

function instant(value: unknown, field: string): Date | undefined {
  if (value === undefined) return undefined;
  const d = typeof value === 'string' && DATE_TIME.test(value) ? new Date(value) : null;
  if (!d || Number.isNaN(d.getTime()))
    throw ValidationError.field(field, 'must be an RFC 3339 date-time with a time zone');
  return d;
}

/** One bound of the creation-time window, under our name or the original product's (not both). */
function windowBound(input: ReportInput, ours: 'from' | 'to', theirs: 'start_time' | 'end_time'): Date | undefined {
  if (input[ours] !== undefined && input[theirs] !== undefined)
    throw ValidationError.field(theirs, `is another name for ${ours}: give one of them`);
  return input[theirs] !== undefined ? instant(input[theirs], theirs) : instant(input[ours], ours);
}

function days(value: unknown, field: string, type: ReportType, applies: ReportType): number | undefined {
  if (value === undefined) return undefined;
  if (type !== applies) throw ValidationError.field(field, `applies only to ${applies} reports`);
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > MAX_DAYS)
    throw ValidationError.field(field, `must be an integer from 1 to ${MAX_DAYS}`);
  return value as number;
}

/**
 * Checks a report request and resolves it: `kms` names or ids to the caller's KMS account
 * ids (every KMS account of the caller's account when absent), regions, the creation-time
 * window and the type's threshold.
 * @throws ValidationError naming the field at fault (`name`, `report_type`, `kms[i]`, `regions[i]`, `from`, `to`, `unused_days`, `expiring_days`)
 */
export async function resolveReportRequest(
  kms: KmsService,
  p: Principal,
  input: ReportInput,
): Promise<{ name: string; params: ReportParams }> {
  const { name } = input;
  if (typeof name !== 'string' || !name.trim() || name.length > MAX_NAME)
    throw ValidationError.field('name', `is required: 1 to ${MAX_NAME} characters, not only spaces`);
  if (!REPORT_TYPES.includes(input.report_type as ReportType))
    throw ValidationError.field('report_type', `must be one of ${REPORT_TYPES.join(', ')}`);
  const type = input.report_type as ReportType;
  const kmsNames = stringList(input.kms, 'kms', MAX_KMS);
  const regions = stringList(input.regions, 'regions', MAX_REGIONS);
  regions?.forEach((r, i) => {
    if (!REGION.test(r)) throw ValidationError.field(`regions[${i}]`, 'must be an AWS Region name such as us-east-1');
  });
  const from = windowBound(input, 'from', 'start_time');
  const to = windowBound(input, 'to', 'end_time');
  if (from && to && from.getTime() > to.getTime()) throw ValidationError.field('to', 'must not be before from');
  const unused = days(input.unused_days, 'unused_days', type, 'key-usage');
  const expiring = days(input.expiring_days, 'expiring_days', type, 'key-aging');
  const kmsIds = kmsNames ? await namedKmsIds(kms, p, kmsNames) : await creatableKmsIds(kms, p);
  const params: ReportParams = {
    report_type: type,
    kms_ids: kmsIds,
    ...(regions ? { regions } : {}),
    ...(from ? { from: from.toISOString() } : {}),
    ...(to ? { to: to.toISOString() } : {}),
    ...(unused !== undefined ? { unused_days: unused } : {}),
    ...(expiring !== undefined ? { expiring_days: expiring } : {}),
  };
  return { name, params };
}

/** The KMS accounts a request names, each one the caller holds `reportcreate` on. */
async function namedKmsIds(kms: KmsService, p: Principal, names: string[]): Promise<string[]> {
  const ids = await Promise.all(
    names.map(
      async (n, i) => (await kms.acls.assertPermitted(p, await kms.find(p, n, `kms[${i}]`), 'reportcreate')).id,
    ),
  );
  return [...new Set(ids)];
}

/** Without `kms`: every KMS account of the caller's account they hold `reportcreate` on (at least one). */
async function creatableKmsIds(kms: KmsService, p: Principal): Promise<string[]> {
  const permitted = await kms.acls.viewableKmsIds(p, 'reportcreate');
  const ids = permitted === 'all' ? (await kms.all(p.account)).map((k) => k.id) : permitted;
  if (permitted !== 'all' && !ids.length)
    throw new ForbiddenError('This user lacks the reportcreate permission on every KMS account');
  return ids;
}
