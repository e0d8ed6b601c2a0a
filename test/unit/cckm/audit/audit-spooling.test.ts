import { AuditService, type AuditEventInput, type AuditRepository } from '../../../../src/cckm/audit/audit.service.js';
import type { AuditSpool, DrainResult } from '../../../../src/cckm/audit/audit-spool.js';
import { DatabaseUnavailableError } from '../../../../src/errors/index.js';

/** A database that can be taken down; restore skips events already stored (by request id and time). */
class FakeAuditRepository implements Pick<AuditRepository, 'appendMany' | 'restore'> {
  up = true;
  rows: AuditEventInput[] = [];
  async appendMany(events: AuditEventInput[]) {
    if (!this.up) throw new DatabaseUnavailableError('down');
    this.rows.push(...events);
  }
  async restore(events: AuditEventInput[]) {
    if (!this.up) throw new DatabaseUnavailableError('down');
    for (const e of events)
      if (!this.rows.some((r) => r.requestId === e.requestId && r.at?.getTime() === e.at?.getTime())) this.rows.push(e);
  }
}

class MemorySpool implements AuditSpool {
  lines: AuditEventInput[] = [];
  full = false;
  async append(events: AuditEventInput[]) {
    if (this.full) throw new Error('full');
    this.lines.push(...events.map((e) => ({ ...e })));
  }
  async drain(restore: (events: AuditEventInput[]) => Promise<void>): Promise<DrainResult> {
    const taken = [...this.lines];
    await restore(taken);
    this.lines = this.lines.slice(taken.length);
    return { restored: taken.length, corrupt: 0 };
  }
  async pending() {
    return this.lines.length > 0;
  }
}

const logger = { info: jest.fn(), warn: jest.fn(), error: jest.fn() };
const event = (requestId: string): AuditEventInput => ({
  account: 'kylo',
  actor: 'admin',
  action: 'createAwsKey',
  resourceType: 'aws-key',
  resourceId: null,
  result: 'success',
  statusCode: 201,
  requestId,
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('AuditService with a spool', () => {
  let repo: FakeAuditRepository;
  let spool: MemorySpool;
  let audit: AuditService;
  beforeEach(() => {
    repo = new FakeAuditRepository();
    spool = new MemorySpool();
    audit = new AuditService(repo as unknown as AuditRepository, 500, { spool, logger, retryMs: 10, maxRetryMs: 40 });
    jest.clearAllMocks();
  });
  afterEach(() => audit.close());

  it('writes to the database while it answers, stamping each event with its time', async () => {
    await audit.record(event('a'));
    expect(repo.rows).toHaveLength(1);
    expect(repo.rows[0]!.at).toBeInstanceOf(Date);
    expect(spool.lines).toEqual([]);
  });

  it('spools what the database refuses (resolving: the event is durable) and replays it, with backoff, once the database is back', async () => {
    repo.up = false;
    await audit.record(event('a'));
    await audit.record(event('b'));
    expect(spool.lines.map((e) => e.requestId)).toEqual(['a', 'b']);
    await sleep(50); // replays fail meanwhile and back off
    expect(repo.rows).toEqual([]);
    repo.up = true;
    for (let i = 0; i < 50 && repo.rows.length < 2; i++) await sleep(10);
    expect(repo.rows.map((e) => e.requestId).sort()).toEqual(['a', 'b']);
    expect(spool.lines).toEqual([]);
  });

  it('replays idempotently: an event whose first insert did land is not stored twice', async () => {
    repo.up = false;
    await audit.record(event('a'));
    repo.rows.push(spool.lines[0]!); // the failed insert had committed after all
    repo.up = true;
    await audit.replaySpool();
    expect(repo.rows).toHaveLength(1);
  });

  it('rejects (and logs loudly) only when the spool refuses too', async () => {
    repo.up = false;
    spool.full = true;
    await expect(audit.record(event('a'))).rejects.toBeInstanceOf(DatabaseUnavailableError);
    expect(logger.error).toHaveBeenCalledWith(expect.anything(), expect.stringMatching(/AUDIT EVENTS LOST/));
  });
});
