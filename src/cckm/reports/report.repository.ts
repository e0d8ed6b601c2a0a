import type { ListQuery } from '../common/list.js';
import type { ReportKey, ReportParams, ReportRowValues, ReportStatus, ReportType } from './report-types.js';

/** A row of `reports`. */
export interface ReportRecord {
  id: string;
  account: string;
  name: string;
  reportType: string;
  params: unknown;
  /** As the runner last wrote it (see {@link ReportView.status} for what users see). */
  status: string;
  summary: unknown;
  rowCount: number;
  message: string | null;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
  completedAt: Date | null;
}

/**
 * A report as reads show it: the record, and its status and progress joined from its job.
 * A job that failed or was cancelled without the runner writing it (a worker gave up on the
 * unit, or the job was pruned) shows as failed or cancelled, never as running forever.
 */
export interface ReportView {
  report: ReportRecord;
  status: ReportStatus;
  message: string | null;
  progress: Record<string, number>;
}

export interface NewReport {
  id: string;
  account: string;
  name: string;
  reportType: ReportType;
  params: ReportParams;
  createdBy: string;
}

export interface ReportListFilter {
  ids?: string[];
  names?: string[];
  reportTypes?: string[];
  statuses?: string[];
  /** Only reports all of whose KMS accounts are among these (the caller's reportview ACLs). */
  kmsIdsWithin?: string[];
}

/** The keys a report covers: KMS accounts, regions and an AWS creation-time window. */
export interface ReportScope {
  kmsIds: string[];
  regions?: string[];
  from?: Date;
  to?: Date;
}

/** Where the next page of keys starts: after this (record creation time as the database wrote it, id). */
export interface KeyCursor {
  at: string;
  id: string;
}

/** One stored row of a report. */
export interface StoredReportRow {
  seq: number;
  row: ReportRowValues;
}

/** What the runner stores when a report ends. */
export interface ReportOutcome {
  status: 'completed' | 'failed' | 'cancelled';
  message: string;
  summary?: Record<string, unknown>;
  rowCount: number;
}

/** Reports and their rows (PostgreSQL `reports`, `report_rows`), and the key pages reports read. */
export interface ReportRepository {
  insert(r: NewReport): Promise<ReportRecord>;
  find(account: string, id: string): Promise<ReportView | null>;
  list(account: string, f: ReportListFilter, q: ListQuery): Promise<{ total: number; rows: ReportView[] }>;
  /** Deletes the report and its rows; false when the account has no such report. */
  delete(account: string, id: string): Promise<boolean>;
  /** Marks the report running and deletes rows of an earlier attempt; false when the report is gone. */
  begin(id: string): Promise<boolean>;
  /** Keys (not gone, with an AWS key id) in the scope. */
  countKeys(account: string, scope: ReportScope): Promise<number>;
  /** The next `limit` keys in the scope after `after`, by (record creation time, id): a keyset page, no OFFSET. */
  keyPage(account: string, scope: ReportScope, after: KeyCursor | null, limit: number): Promise<ReportKey[]>;
  /** Appends rows numbered from `firstSeq` (one statement). */
  appendRows(id: string, firstSeq: number, rows: readonly ReportRowValues[]): Promise<void>;
  /** Stores the outcome; false when the report is gone. */
  finish(id: string, outcome: ReportOutcome): Promise<boolean>;
  /** Up to `limit` rows with `seq` greater than `afterSeq`, in order. */
  rowPage(id: string, afterSeq: number, limit: number): Promise<StoredReportRow[]>;
}
