import {
  DAY_MS,
  daysBetween,
  DEFAULT_ROTATION_DAYS,
  isoTime,
  KEY_COLUMNS,
  keyCells,
  rotationMode,
} from './report-cells.js';
import type { ReportBuilder, ReportKey, ReportKms, ReportRowValues } from './report-types.js';

const COLUMNS = [
  ...KEY_COLUMNS,
  'key_state',
  'origin',
  'created_at',
  'age_days',
  'age_bucket',
  'rotation',
  'rotated_at',
  'next_rotation_at',
  'rotation_overdue',
  'valid_to',
  'material_expiry',
  'deletion_date',
] as const;

/** Age buckets by the key's AWS creation date, upper bounds in days (inclusive). */
const BUCKETS: [string, number][] = [
  ['0-30d', 30],
  ['31-90d', 90],
  ['91-180d', 180],
  ['181-365d', 365],
  ['1-2y', 730],
  ['over-2y', Infinity],
];

export function ageBucket(days: number): string {
  return BUCKETS.find(([, max]) => days <= max)![0];
}

/** Imported material: `expired`, `expiring` (within the window), `valid`, `no_expiry`; '' for other origins. */
function materialExpiry(k: ReportKey, now: Date, expiringDays: number): string {
  if (k.origin !== 'EXTERNAL') return '';
  if (!k.validTo) return 'no_expiry';
  if (k.validTo.getTime() <= now.getTime()) return 'expired';
  return k.validTo.getTime() <= now.getTime() + expiringDays * DAY_MS ? 'expiring' : 'valid';
}

/**
 * Rotation is overdue when AWS's next automatic rotation date has passed, or, for a key
 * that could rotate but is not automatically rotated, when its last rotation (opencckm's
 * `rotated_at`, else its creation) is older than its rotation period (365 days by default).
 */
function rotationOverdue(k: ReportKey, now: Date): boolean {
  const mode = rotationMode(k);
  if (mode === 'automatic') return !!k.nextRotationDate && k.nextRotationDate.getTime() < now.getTime();
  if (mode === 'not_applicable') return false;
  const since = k.rotatedAt ?? k.createdAt;
  return daysBetween(since, now) > (k.rotationPeriodInDays ?? DEFAULT_ROTATION_DAYS);
}

const PENDING = new Set(['PendingDeletion', 'PendingReplicaDeletion']);

/**
 * `key-aging`: age buckets, rotation overdue, imported material expiring or expired, keys
 * pending deletion (and those deleted within 7 days), and the oldest key.
 */
export class KeyAgingBuilder implements ReportBuilder {
  readonly columns = COLUMNS;
  private total = 0;
  private readonly buckets: Record<string, number> = Object.fromEntries(BUCKETS.map(([b]) => [b, 0]));
  private overdue = 0;
  private readonly material = { imported: 0, expired: 0, expiring: 0, valid: 0, no_expiry: 0 };
  private readonly deletion = { total: 0, within_7_days: 0 };
  private oldest: { key_id: string; created_at: string | null; age_days: number } | null = null;

  constructor(
    private readonly now: Date,
    private readonly expiringDays: number,
  ) {}

  add(k: ReportKey, kms: ReportKms): ReportRowValues {
    const age = daysBetween(k.createdAt, this.now);
    const bucket = ageBucket(age);
    const overdue = rotationOverdue(k, this.now);
    const expiry = materialExpiry(k, this.now, this.expiringDays);
    this.total++;
    this.buckets[bucket]!++;
    if (overdue) this.overdue++;
    if (expiry) {
      this.material.imported++;
      this.material[expiry as keyof typeof this.material]++;
    }
    if (k.keyState && PENDING.has(k.keyState)) {
      this.deletion.total++;
      if (k.deletionDate && k.deletionDate.getTime() <= this.now.getTime() + 7 * DAY_MS) this.deletion.within_7_days++;
    }
    if (!this.oldest || age > this.oldest.age_days)
      this.oldest = { key_id: k.id, created_at: isoTime(k.createdAt), age_days: age };
    return {
      ...keyCells(k, kms),
      key_state: k.keyState,
      origin: k.origin,
      created_at: isoTime(k.createdAt),
      age_days: age,
      age_bucket: bucket,
      rotation: rotationMode(k),
      rotated_at: isoTime(k.rotatedAt),
      next_rotation_at: isoTime(k.nextRotationDate),
      rotation_overdue: overdue,
      valid_to: isoTime(k.validTo),
      material_expiry: expiry,
      deletion_date: isoTime(k.deletionDate),
    };
  }

  summary(): Record<string, unknown> {
    return {
      total: this.total,
      age_buckets: { ...this.buckets },
      rotation_overdue: this.overdue,
      imported_material: { ...this.material, expiring_days: this.expiringDays },
      pending_deletion: { ...this.deletion },
      oldest_key: this.oldest,
    };
  }
}
