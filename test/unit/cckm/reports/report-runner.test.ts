import type { Principal } from '../../../../src/auth/principal.js';
import { InternalError } from '../../../../src/errors/index.js';
import type { ClaimedUnit } from '../../../../src/cckm/jobs/job.repository.js';
import { UnitStopped, type UnitContext, type UnitSignal } from '../../../../src/cckm/jobs/job-workers.js';
import type { KmsService } from '../../../../src/cckm/kms/kms.service.js';
import { ReportRunner } from '../../../../src/cckm/reports/report-runner.js';
import type {
  KeyCursor,
  ReportOutcome,
  ReportRepository,
  StoredReportRow,
} from '../../../../src/cckm/reports/report.repository.js';
import type { ReportKey, ReportParams, ReportRowValues } from '../../../../src/cckm/reports/report-types.js';
import { reportKey } from './report-key.js';

const REPORT_ID = '11111111-1111-4111-8111-111111111111';
const P: Principal = { userId: 'u1', username: 'admin', account: 'kylo', groups: ['admin'] };

/** Keys alternate between two regions; ARNs are not read by the runner. */
const key = (i: number): ReportKey =>
  reportKey(i, { region: i % 2 ? 'us-east-1' : 'eu-west-1', kmsKeyId: `k${i}`, arn: null });

/** Reports held in memory; `keys` are served in keyset pages by their cursor. */
class FakeReports implements Pick<
  ReportRepository,
  'begin' | 'countKeys' | 'keyPage' | 'appendRows' | 'finish' | 'rowPage'
> {
  exists = true;
  rows = new Map<number, ReportRowValues>();
  outcome: ReportOutcome | null = null;
  pagesRead = 0;
  failAppendAt = -1;
  constructor(readonly keys: ReportKey[]) {}
  async begin() {
    if (!this.exists) return false;
    this.rows.clear();
    this.outcome = null;
    return true;
  }
  async countKeys() {
    return this.keys.length;
  }
  async keyPage(_a: string, _s: unknown, after: KeyCursor | null, limit: number) {
    this.pagesRead++;
    return this.keys.filter((k) => !after || k.cursorAt > after.at).slice(0, limit);
  }
  async appendRows(_id: string, first: number, rows: readonly ReportRowValues[]) {
    if (!this.exists) throw new InternalError('insert or update on table "report_rows" violates foreign key');
    if (first === this.failAppendAt) throw new InternalError('disk full');
    rows.forEach((r, i) => {
      if (this.rows.has(first + i)) throw new InternalError('duplicate key');
      this.rows.set(first + i, r);
    });
  }
  async finish(_id: string, o: ReportOutcome) {
    if (!this.exists) return false;
    this.outcome = o;
    return true;
  }
  async rowPage(): Promise<StoredReportRow[]> {
    return [];
  }
}

const kms = {
  find: async (_p: Principal, id: string) => ({ id, name: 'prod', awsAccountId: '111122223333' }),
} as unknown as KmsService;

function context(params: ReportParams, signals: (n: number) => UnitSignal = () => 'continue') {
  const progress: Record<string, number>[] = [];
  const unit = {
    jobId: REPORT_ID,
    seq: 0,
    label: 'key-report',
    status: 'running',
    payload: {},
    progress: {},
    results: [],
    message: null,
    attempts: 1,
    startedAt: new Date(),
    finishedAt: null,
    kind: 'report',
    account: 'kylo',
    params,
    principal: P,
  } satisfies ClaimedUnit;
  const ctx: UnitContext = {
    unit,
    checkpoint: async (p) => {
      progress.push({ ...p });
      return signals(progress.length);
    },
  };
  return { ctx, progress };
}

const PARAMS: ReportParams = { report_type: 'key-report', kms_ids: ['kms-1'] };
const keys = (n: number) => Array.from({ length: n }, (_, i) => key(i + 1));

describe('ReportRunner', () => {
  it('streams the keys in pages, numbers rows without gaps, reports progress and stores the summary', async () => {
    const repo = new FakeReports(keys(25));
    const { ctx, progress } = context(PARAMS);
    const outcome = await new ReportRunner(repo as unknown as ReportRepository, kms, {
      pageSize: 10,
      usageConcurrency: 2,
    }).run(ctx);
    expect(outcome).toEqual({
      status: 'completed',
      message: 'completed: 25 keys',
      progress: { total: 25, processed: 25 },
    });
    expect(repo.pagesRead).toBe(3);
    expect([...repo.rows.keys()]).toEqual([...Array(25).keys()]);
    expect(progress.map((p) => p.processed)).toEqual([0, 10, 20]);
    expect(repo.outcome).toMatchObject({
      status: 'completed',
      rowCount: 25,
      summary: { total: 25, by_region: { 'us-east-1': 13, 'eu-west-1': 12 } },
    });
  });

  it('a run claimed again starts over: the earlier attempt’s rows are dropped, none doubled', async () => {
    const repo = new FakeReports(keys(12));
    const runner = new ReportRunner(repo as unknown as ReportRepository, kms, { pageSize: 5, usageConcurrency: 1 });
    await expect(runner.run(context(PARAMS, (n) => (n === 2 ? 'stop' : 'continue')).ctx)).rejects.toBeInstanceOf(
      UnitStopped,
    );
    expect(repo.rows.size).toBe(5);
    expect(repo.outcome).toBeNull();
    await runner.run(context(PARAMS).ctx);
    expect(repo.rows.size).toBe(12);
    expect(repo.outcome).toMatchObject({ status: 'completed', rowCount: 12 });
  });

  it('a cancelled job ends the report cancelled with what it had processed', async () => {
    const repo = new FakeReports(keys(30));
    const { ctx } = context(PARAMS, (n) => (n === 3 ? 'cancel' : 'continue'));
    const outcome = await new ReportRunner(repo as unknown as ReportRepository, kms, {
      pageSize: 10,
      usageConcurrency: 1,
    }).run(ctx);
    expect(outcome).toMatchObject({ status: 'cancelled', message: 'cancelled after 20 of 30 keys' });
    expect(repo.outcome).toMatchObject({ status: 'cancelled', rowCount: 20 });
  });

  it('a database failure marks the report failed with the reason and fails the unit', async () => {
    const repo = new FakeReports(keys(30));
    repo.failAppendAt = 10;
    const runner = new ReportRunner(repo as unknown as ReportRepository, kms, { pageSize: 10, usageConcurrency: 1 });
    await expect(runner.run(context(PARAMS).ctx)).rejects.toThrow('disk full');
    expect(repo.outcome).toMatchObject({ status: 'failed', message: 'failed: disk full' });
  });

  it('a report deleted before or while it runs ends cancelled, not failed', async () => {
    const gone = new FakeReports(keys(3));
    gone.exists = false;
    const runner = (r: FakeReports) =>
      new ReportRunner(r as unknown as ReportRepository, kms, { pageSize: 2, usageConcurrency: 1 });
    expect(await runner(gone).run(context(PARAMS).ctx)).toMatchObject({
      status: 'cancelled',
      message: 'the report was deleted',
    });
    const midway = new FakeReports(keys(10));
    const { ctx } = context(PARAMS, (n) => {
      if (n === 3) midway.exists = false;
      return 'continue';
    });
    expect(await runner(midway).run(ctx)).toMatchObject({
      status: 'cancelled',
      message: 'the report was deleted while it ran',
    });
  });
});
