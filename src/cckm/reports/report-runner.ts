import { failureReason } from '../../errors/index.js';
import type { UnitOutcome } from '../jobs/job.repository.js';
import { UnitStopped, type UnitContext, type UnitRunner } from '../jobs/job-workers.js';
import type { KmsService } from '../kms/kms.service.js';
import { createReportBuilder } from './report-builder.js';
import { kmsAccountsOf, lookUpUsage } from './key-usage-lookup.js';
import type { KeyCursor, ReportRepository, ReportScope } from './report.repository.js';
import type { KeyUsageFacts, ReportKms, ReportParams, ReportRowValues } from './report-types.js';

interface ReportRunnerOptions {
  /** Keys read (and rows written) per statement. */
  pageSize: number;
  /** key-usage: GetKeyLastUsage calls in flight. */
  usageConcurrency: number;
}

const DEFAULT_REPORT_RUNNER_OPTIONS: ReportRunnerOptions = { pageSize: 1000, usageConcurrency: 16 };

/** The keys a report covers, from its stored params. */
function scopeOf(params: ReportParams): ReportScope {
  return {
    kmsIds: params.kms_ids,
    ...(params.regions ? { regions: params.regions } : {}),
    ...(params.from ? { from: new Date(params.from) } : {}),
    ...(params.to ? { to: new Date(params.to) } : {}),
  };
}

/**
 * Generates one report (a job of kind `report`, one unit). Keys are streamed from the
 * database in keyset pages of `pageSize` (never all at once, never OFFSET); each page's rows
 * are appended to `report_rows` in one statement and its keys added to the summary, so
 * memory holds one page and the counts. Progress (`total`, `processed`) is checkpointed per
 * page; cancel and shutdown are honoured between pages. A unit claimed again after its
 * instance died starts over (`begin` drops the earlier attempt's rows).
 */
export class ReportRunner implements UnitRunner {
  constructor(
    private readonly reports: ReportRepository,
    private readonly kms: KmsService,
    private readonly options: ReportRunnerOptions = DEFAULT_REPORT_RUNNER_OPTIONS,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async run(ctx: UnitContext): Promise<UnitOutcome> {
    const id = ctx.unit.jobId;
    const progress = { total: 0, processed: 0 };
    if (!(await this.reports.begin(id))) return { status: 'cancelled', message: 'the report was deleted', progress };
    try {
      return await this.generate(ctx, progress);
    } catch (err) {
      if (err instanceof UnitStopped) throw err;
      const kept = await this.reports
        .finish(id, { status: 'failed', message: `failed: ${failureReason(err)}`, rowCount: progress.processed })
        .catch(() => true);
      if (!kept) return { status: 'cancelled', message: 'the report was deleted while it ran', progress };
      throw err;
    }
  }

  private async generate(ctx: UnitContext, progress: { total: number; processed: number }): Promise<UnitOutcome> {
    const { jobId: id, account, principal } = ctx.unit;
    const params = ctx.unit.params as ReportParams;
    const scope = scopeOf(params);
    const builder = createReportBuilder(params, this.clock());
    const kmsAccount = kmsAccountsOf(this.kms, principal);
    progress.total = await this.reports.countKeys(account, scope);
    let cursor: KeyCursor | null = null;
    // The previous page's insert runs while the next page is read: at most one in flight, so two pages in memory.
    let writing: Promise<void> = Promise.resolve();
    for (;;) {
      const signal = await ctx.checkpoint(progress, `in progress: ${progress.processed} of ${progress.total} keys`);
      if (signal === 'stop') {
        // Settled first: an insert still running could otherwise land after the next attempt's `begin`.
        await writing.catch(() => {});
        throw new UnitStopped();
      }
      if (signal === 'cancel') {
        await writing;
        const message = `cancelled after ${progress.processed} of ${progress.total} keys`;
        await this.reports.finish(id, { status: 'cancelled', message, rowCount: progress.processed });
        return { status: 'cancelled', message, progress };
      }
      const page = await this.reports.keyPage(account, scope, cursor, this.options.pageSize);
      if (!page.length) break;
      const usage: (KeyUsageFacts | undefined)[] =
        params.report_type === 'key-usage'
          ? await lookUpUsage(this.kms, kmsAccount, page, this.options.usageConcurrency)
          : [];
      const rows: ReportRowValues[] = [];
      for (const [i, k] of page.entries()) rows.push(builder.add(k, labelOf(await kmsAccount(k.kmsId)), usage[i]));
      await writing;
      writing = this.reports.appendRows(id, progress.processed, rows);
      // Observed here so a failed insert is never an unhandled rejection; awaited before the next one or the end.
      writing.catch(() => {});
      progress.processed += page.length;
      const last = page[page.length - 1]!;
      cursor = { at: last.cursorAt, id: last.id };
      if (page.length < this.options.pageSize) break;
    }
    await writing;
    const message = `completed: ${progress.processed} keys`;
    const kept = await this.reports.finish(id, {
      status: 'completed',
      message,
      summary: builder.summary(),
      rowCount: progress.processed,
    });
    if (!kept) return { status: 'cancelled', message: 'the report was deleted while it ran', progress };
    return { status: 'completed', message, progress };
  }
}

function labelOf(kms: { name: string; awsAccountId: string }): ReportKms {
  return { name: kms.name, awsAccountId: kms.awsAccountId };
}
