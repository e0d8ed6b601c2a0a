/** The report types (`report_type`). */
export const REPORT_TYPES = ['key-report', 'key-aging', 'key-usage'] as const;
export type ReportType = (typeof REPORT_TYPES)[number];

/** A report's overall status: `pending` until a worker starts it, then one of the others. */
export type ReportStatus = 'pending' | 'running' | 'completed' | 'failed' | 'cancelled';

/**
 * The request as resolved and stored with the report (and its job): KMS account ids (every
 * KMS account of the caller's account when the request named none), regions (all when
 * absent), the creation-time window, and the type's thresholds in days.
 */
export interface ReportParams {
  report_type: ReportType;
  kms_ids: string[];
  regions?: string[];
  from?: string;
  to?: string;
  /** key-usage: a key unused for at least this many days is a retirement candidate. */
  unused_days?: number;
  /** key-aging: imported material expiring within this many days counts as expiring. */
  expiring_days?: number;
}

/**
 * One key as reports read it: the record's narrow columns and the few fields of its
 * `aws_param` they use (never the policy), so a page of 1 000 keys stays small.
 */
export interface ReportKey {
  id: string;
  kmsId: string;
  region: string;
  kmsKeyId: string;
  arn: string | null;
  aliases: string[];
  description: string | null;
  keyState: string | null;
  keySpec: string | null;
  keyUsage: string | null;
  origin: string | null;
  customKeyStoreId: string | null;
  policyTemplateId: string | null;
  policyDrift: boolean;
  rotationJobEnabled: boolean;
  rotatedAt: Date | null;
  /** aws_param.KeyRotationEnabled / RotationPeriodInDays / NextRotationDate. */
  keyRotationEnabled: boolean | null;
  rotationPeriodInDays: number | null;
  nextRotationDate: Date | null;
  /** aws_param.ValidTo: when imported material expires. */
  validTo: Date | null;
  /** aws_param.DeletionDate: when a key pending deletion is deleted. */
  deletionDate: Date | null;
  /** The key's AWS creation date (the record's creation when AWS gave none). */
  createdAt: Date;
  /**
   * The record's creation time as the database wrote it (text, exact to the microsecond: a
   * JS Date would drop the microseconds and repeat keys): with the id, the keyset cursor.
   */
  cursorAt: string;
}

/** The KMS account a key belongs to, as reports label it. */
export interface ReportKms {
  name: string;
  awsAccountId: string;
}

/** What GetKeyLastUsage told about a key, or why it could not be asked. */
export interface KeyUsageFacts {
  lastUsedAt: Date | null;
  operation: string | null;
  trackingStartedAt: Date | null;
  /** Set when the provider could not answer for this key (the reason, safe to show). */
  unavailable?: string;
}

/** A cell of a report row. */
export type Cell = string | number | boolean | null;
/** One per-key row of a report, in its type's column order. */
export type ReportRowValues = Record<string, Cell>;

/**
 * Accumulates one report: each key added yields its row and updates the counts; the
 * summary is read once at the end. Memory is bounded by the number of distinct values
 * counted (capped per dimension), never by the number of keys.
 */
export interface ReportBuilder {
  readonly columns: readonly string[];
  add(key: ReportKey, kms: ReportKms, usage?: KeyUsageFacts): ReportRowValues;
  summary(): Record<string, unknown>;
}
