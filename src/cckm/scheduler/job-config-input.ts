import { ValidationError } from '../../errors/index.js';
import { parseCron, type CronSchedule } from './cron.js';
import { SCHEDULER_OPERATIONS, type SchedulerOperation } from './job-config.repository.js';

/**
 * The body of `POST /scheduler/job-configs` (and, partly, of PATCH), as the original names
 * it, already shape-checked by the OpenAPI contract; the rules it cannot express are here.
 */
export interface JobConfigInput {
  name?: string;
  description?: string | null;
  operation?: string;
  run_at?: string;
  time_zone?: string;
  disabled?: boolean;
  cckm_key_rotation_params?: KeyRotationParamsInput;
  cckm_synchronization_params?: SyncParamsInput;
}

export interface KeyRotationParamsInput {
  cloud_name?: string;
  expiration?: string;
  expire_in?: string;
  rotation_after?: string;
}

export interface SyncParamsInput {
  cloud_name?: string;
  kms?: string[];
  regions?: string[];
  synchronize_all?: boolean;
}

/** `cckm_key_rotation_params` as stored: durations kept as given and in milliseconds. */
export interface KeyRotationParams {
  cloud_name: string;
  /** Validity of the material a BYOK rotation imports (its ValidTo = rotation time + this); absent: it does not expire. */
  expiration?: string;
  expirationMs?: number;
  /** Only keys whose material expires within this window rotate. */
  expire_in?: string;
  expireInMs?: number;
  /** Only keys last rotated (or created) at least this long ago rotate. */
  rotation_after?: string;
  rotationAfterMs?: number;
}

/** `cckm_synchronization_params` as stored: the KMS accounts by id (names shown as they were). */
export interface SyncParams {
  cloud_name: string;
  kms_ids: string[];
  kms: string[];
  regions: string[] | null;
  synchronize_all: boolean;
}

const CLOUD_NAMES = ['aws', 'aws-us-gov', 'aws-cn'] as const;
const NAME = /^[A-Za-z0-9][A-Za-z0-9 _.-]{0,127}$/;
const DURATION = /^([1-9][0-9]{0,4})([dh])$/;
const DAY = 86_400_000;
/** KMS accounts one synchronization config may name. */
const MAX_SYNC_KMS = 100;

/** `30d` / `12h` in ms, within `maxDays`. @throws ValidationError naming the field */
function duration(raw: unknown, field: string, maxDays: number): number {
  const m = typeof raw === 'string' ? DURATION.exec(raw) : null;
  if (!m) throw ValidationError.field(field, 'must be a duration such as 30d (days) or 12h (hours)');
  const ms = Number(m[1]) * (m[2] === 'd' ? DAY : 3_600_000);
  if (ms > maxDays * DAY) throw ValidationError.field(field, `must be at most ${maxDays}d`);
  return ms;
}

function cloudName(raw: unknown, field: string, required: boolean): string {
  if (raw === undefined && !required) return 'aws';
  if (!CLOUD_NAMES.includes(raw as (typeof CLOUD_NAMES)[number]))
    throw ValidationError.field(field, `must be one of ${CLOUD_NAMES.join(', ')}`);
  return raw as string;
}

/** @throws ValidationError naming `name` */
export function checkName(name: unknown): string {
  if (typeof name !== 'string' || !NAME.test(name))
    throw ValidationError.field(
      'name',
      'must be 1 to 128 characters: letters, digits, space, _ . - (starting with a letter or digit)',
    );
  return name;
}

/** @throws ValidationError naming `operation` */
export function checkOperation(operation: unknown): SchedulerOperation {
  if (!SCHEDULER_OPERATIONS.includes(operation as SchedulerOperation))
    throw ValidationError.field('operation', `must be one of ${SCHEDULER_OPERATIONS.join(', ')}`);
  return operation as SchedulerOperation;
}

/** `run_at` in `time_zone`. @throws ValidationError naming `run_at` (with the cron field) or `time_zone` */
export function checkSchedule(runAt: unknown, timeZone: unknown): CronSchedule {
  if (typeof runAt !== 'string') throw ValidationError.field('run_at', 'is required: a 5-field cron expression');
  if (timeZone !== undefined && typeof timeZone !== 'string')
    throw ValidationError.field('time_zone', 'must be an IANA time zone such as UTC or Europe/Paris');
  return parseCron(runAt, timeZone ?? 'UTC');
}

/** @throws ValidationError naming `cckm_key_rotation_params.<field>` */
export function checkRotationParams(input: KeyRotationParamsInput | undefined): KeyRotationParams {
  const at = 'cckm_key_rotation_params';
  if (!input || typeof input !== 'object')
    throw ValidationError.field(at, 'is required for operation cckm_key_rotation (at least cloud_name)');
  const out: KeyRotationParams = { cloud_name: cloudName(input.cloud_name, `${at}.cloud_name`, true) };
  if (input.expiration !== undefined) {
    // AWS accepts imported material valid for at most 365 days.
    out.expirationMs = duration(input.expiration, `${at}.expiration`, 365);
    out.expiration = input.expiration;
  }
  if (input.expire_in !== undefined) {
    out.expireInMs = duration(input.expire_in, `${at}.expire_in`, 365);
    out.expire_in = input.expire_in;
  }
  if (input.rotation_after !== undefined) {
    out.rotationAfterMs = duration(input.rotation_after, `${at}.rotation_after`, 3650);
    out.rotation_after = input.rotation_after;
  }
  return out;
}

/**
 * The shape of `cckm_synchronization_params` (the KMS accounts are resolved by the service).
 * @throws ValidationError naming `cckm_synchronization_params.<field>`
 */
export function checkSyncParamsShape(
  input: SyncParamsInput | undefined,
): Required<Pick<SyncParamsInput, 'cloud_name'>> & SyncParamsInput {
  const at = 'cckm_synchronization_params';
  if (!input || typeof input !== 'object')
    throw ValidationError.field(at, 'is required for operation cckm_synchronization (kms or synchronize_all)');
  const cloud = cloudName(input.cloud_name, `${at}.cloud_name`, false);
  if (input.kms !== undefined && input.synchronize_all !== undefined) {
    const message = `${at}.kms and ${at}.synchronize_all are mutually exclusive; give one of them`;
    throw new ValidationError(message, {
      details: [
        { field: `${at}.kms`, message },
        { field: `${at}.synchronize_all`, message },
      ],
    });
  }
  if (input.synchronize_all !== undefined) {
    if (input.synchronize_all !== true)
      throw ValidationError.field(`${at}.synchronize_all`, 'must be true when given (or give kms instead)');
    if (input.regions !== undefined) throw ValidationError.field(`${at}.regions`, 'applies only together with kms');
    return { ...input, cloud_name: cloud };
  }
  if (!Array.isArray(input.kms) || !input.kms.length)
    throw ValidationError.field(`${at}.kms`, 'give kms (KMS account names or ids) or synchronize_all: true');
  if (input.kms.length > MAX_SYNC_KMS) throw ValidationError.field(`${at}.kms`, `at most ${MAX_SYNC_KMS} KMS accounts`);
  if (input.regions !== undefined && !input.regions.length)
    throw ValidationError.field(`${at}.regions`, 'must list at least one region when given (omit it for every region)');
  return { ...input, cloud_name: cloud };
}

/** Params given for another operation than the config's. @throws ValidationError naming them */
export function checkNoForeignParams(operation: SchedulerOperation, input: JobConfigInput): void {
  if (operation !== 'cckm_key_rotation' && input.cckm_key_rotation_params !== undefined)
    throw ValidationError.field('cckm_key_rotation_params', 'applies only to operation cckm_key_rotation');
  if (operation !== 'cckm_synchronization' && input.cckm_synchronization_params !== undefined)
    throw ValidationError.field('cckm_synchronization_params', 'applies only to operation cckm_synchronization');
}
