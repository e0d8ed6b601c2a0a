import { daysBetween, isoTime, KEY_COLUMNS, keyCells } from './report-cells.js';
import type { KeyUsageFacts, ReportBuilder, ReportKey, ReportKms, ReportRowValues } from './report-types.js';
import { Tally } from './tally.js';

const COLUMNS = [
  ...KEY_COLUMNS,
  'key_state',
  'created_at',
  'last_used_at',
  'last_operation',
  'tracking_started_at',
  'days_unused',
  'retirement_candidate',
  'usage_tracking',
] as const;

/**
 * `key-usage`: the last cryptographic use of each key (AWS GetKeyLastUsage), and the keys
 * unused for at least `unusedDays` days, the candidates for retirement. A key never used
 * counts its days unused from when tracking began (or its creation, if later): AWS tracks
 * only from a date, so a never-used key is not a candidate before the window has passed.
 * Keys the provider cannot answer for are counted apart, never as candidates.
 */
export class KeyUsageBuilder implements ReportBuilder {
  readonly columns = COLUMNS;
  private total = 0;
  private usedWithin = 0;
  private candidates = 0;
  private neverUsed = 0;
  private unavailable = 0;
  private readonly byOperation = new Tally();

  constructor(
    private readonly now: Date,
    private readonly unusedDays: number,
  ) {}

  add(k: ReportKey, kms: ReportKms, usage?: KeyUsageFacts): ReportRowValues {
    this.total++;
    const cells = { ...keyCells(k, kms), key_state: k.keyState, created_at: isoTime(k.createdAt) };
    if (!usage || usage.unavailable !== undefined) {
      this.unavailable++;
      return {
        ...cells,
        last_used_at: null,
        last_operation: null,
        tracking_started_at: null,
        days_unused: null,
        retirement_candidate: false,
        usage_tracking: `unavailable: ${usage?.unavailable ?? 'not asked'}`,
      };
    }
    const since = usage.lastUsedAt ?? laterOf(usage.trackingStartedAt, k.createdAt);
    const days = daysBetween(since, this.now);
    const candidate = days >= this.unusedDays;
    if (!usage.lastUsedAt) this.neverUsed++;
    if (candidate) this.candidates++;
    else this.usedWithin++;
    this.byOperation.add(usage.operation ?? 'never');
    return {
      ...cells,
      last_used_at: isoTime(usage.lastUsedAt),
      last_operation: usage.operation,
      tracking_started_at: isoTime(usage.trackingStartedAt),
      days_unused: days,
      retirement_candidate: candidate,
      usage_tracking: 'available',
    };
  }

  summary(): Record<string, unknown> {
    return {
      total: this.total,
      unused_days: this.unusedDays,
      retirement_candidates: this.candidates,
      active: this.usedWithin,
      never_used: this.neverUsed,
      tracking_unavailable: this.unavailable,
      by_last_operation: this.byOperation.toJSON(),
    };
  }
}

function laterOf(a: Date | null, b: Date): Date {
  return a && a.getTime() > b.getTime() ? a : b;
}
