import { sql, type Expression, type ExpressionBuilder, type Kysely, type SqlBool } from 'kysely';
import type {
  ApprovalAction,
  ApprovalFilter,
  ApprovalRecord,
  ApprovalRepository,
  ApprovalStatus,
  ApprovalVote,
  NewApproval,
  VoteRefusal,
} from '../../cckm/approvals/approval.repository.js';
import type { ListQuery } from '../../cckm/common/list.js';
import { NotFoundError } from '../../errors/index.js';
import { jsonb, now } from '../columns.js';
import { guard } from '../constraint-errors.js';
import type { DB } from '../database.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Every column but the stored status (answered as {@link shownStatus}). */
const COLUMNS = [
  'id',
  'account',
  'kmsId',
  'keyId',
  'action',
  'body',
  'requesterId',
  'requesterName',
  'requesterGroups',
  'requesterIssuer',
  'required',
  'expiresAt',
  'result',
  'decidedAt',
  'createdAt',
  'updatedAt',
] as const;
const SORT_FIELDS = { createdAt: 'createdAt', updatedAt: 'updatedAt', expiresAt: 'expiresAt', id: 'id' } as const;

type Eb = ExpressionBuilder<DB, 'approvals'>;

function statusIs(eb: Eb, s: ApprovalStatus): Expression<SqlBool> {
  if (s === 'pending') return eb.and([eb('status', '=', 'pending'), eb('expiresAt', '>', now())]);
  if (s === 'expired') return eb.and([eb('status', '=', 'pending'), eb('expiresAt', '<=', now())]);
  return eb('status', '=', s);
}

/** The status as answered: a pending row past its expiry is `expired` (database clock). */
function shownStatus(eb: Eb) {
  return eb.case().when(statusIs(eb, 'expired')).then('expired').else(eb.ref('status')).end();
}

type Row = Omit<ApprovalRecord, 'votes' | 'status' | 'action' | 'body' | 'requesterGroups'> & {
  status: string;
  action: string;
  body: unknown;
  requesterGroups: string[] | null;
};

function toRecord(r: Row, votes: ApprovalVote[]): ApprovalRecord {
  return {
    ...r,
    action: r.action as ApprovalAction,
    status: r.status as ApprovalStatus,
    body: (r.body ?? {}) as Record<string, unknown>,
    requesterGroups: r.requesterGroups ?? [],
    votes,
  };
}

/** Approvals (`approvals`) and their votes (`approval_votes`, one per user by primary key). */
export class PostgresApprovalRepository implements ApprovalRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async create(a: NewApproval): Promise<ApprovalRecord> {
    const { ttlHours, body, ...rest } = a;
    await guard('Approval', () =>
      this.db
        .insertInto('approvals')
        .values({
          ...rest,
          body: jsonb(body),
          expiresAt: sql<Date>`now() + make_interval(hours => ${ttlHours})`,
          updatedAt: now(),
        })
        .execute(),
    );
    const created = await this.find(a.account, a.id);
    if (!created) throw new NotFoundError('Approval not found');
    return created;
  }

  async find(account: string, id: string): Promise<ApprovalRecord | null> {
    if (!UUID.test(id)) return null;
    const row = await this.rows().where('account', '=', account).where('id', '=', id).executeTakeFirst();
    if (!row) return null;
    return toRecord(row, (await this.votesOf([row.id])).get(row.id) ?? []);
  }

  async list(account: string, f: ApprovalFilter, q: ListQuery): Promise<{ total: number; rows: ApprovalRecord[] }> {
    let filtered = this.db.selectFrom('approvals').where('account', '=', account);
    if (f.kmsIds) filtered = filtered.where('kmsId', '=', (eb) => eb.fn.any(eb.val(f.kmsIds!)));
    if (f.kmsId)
      filtered = UUID.test(f.kmsId) ? filtered.where('kmsId', '=', f.kmsId) : filtered.where(sql<boolean>`false`);
    if (f.keyId)
      filtered = UUID.test(f.keyId) ? filtered.where('keyId', '=', f.keyId) : filtered.where(sql<boolean>`false`);
    if (f.statuses?.length) {
      const statuses = f.statuses;
      filtered = filtered.where((eb) => eb.or(statuses.map((s) => statusIs(eb, s))));
    }
    const field = SORT_FIELDS[(q.sort?.field ?? 'createdAt') as keyof typeof SORT_FIELDS] ?? 'createdAt';
    const dir = q.sort?.desc ? 'desc' : 'asc';
    const [counted, rows] = await Promise.all([
      filtered.select((eb) => eb.fn.countAll<bigint>().as('total')).executeTakeFirst(),
      filtered
        .select(COLUMNS)
        .select((eb) => shownStatus(eb).as('status'))
        .orderBy(field, dir)
        .orderBy('id', dir)
        .limit(q.limit)
        .offset(q.skip)
        .execute(),
    ]);
    const votes = await this.votesOf(rows.map((r) => r.id));
    return { total: Number(counted?.total ?? 0), rows: rows.map((r) => toRecord(r, votes.get(r.id) ?? [])) };
  }

  async vote(account: string, id: string, v: Omit<ApprovalVote, 'createdAt'>): Promise<VoteRefusal | null> {
    if (!UUID.test(id)) return 'not_found';
    // One statement: the vote goes in only while the approval is pending and unexpired; the
    // primary key (approval, user) keeps it to one per user.
    const inserted = await this.db
      .insertInto('approvalVotes')
      .columns(['approvalId', 'userId', 'username', 'decision', 'comment'])
      .expression((eb) =>
        eb
          .selectFrom('approvals')
          .select([
            'id',
            eb.val(v.userId).as('userId'),
            eb.val(v.username).as('username'),
            eb.val(v.decision).as('decision'),
            eb.val(v.comment).as('comment'),
          ])
          .where('id', '=', id)
          .where('account', '=', account)
          .where('status', '=', 'pending')
          .where('expiresAt', '>', now()),
      )
      .onConflict((oc) => oc.columns(['approvalId', 'userId']).doNothing())
      .returning('approvalId')
      .executeTakeFirst();
    if (inserted) return null;
    const current = await this.find(account, id);
    if (!current) return 'not_found';
    if (current.votes.some((x) => x.userId === v.userId)) return 'already_voted';
    return current.status === 'expired' ? 'expired' : 'not_pending';
  }

  async claimExecution(id: string): Promise<ApprovalRecord | null> {
    // Under READ COMMITTED a concurrent claimer blocks on the row, then re-checks the status
    // it changed and matches nothing: one run, whatever the number of approvers at once.
    const row = await this.db
      .updateTable('approvals')
      .set({ status: 'executing', decidedAt: now(), updatedAt: now() })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .where((eb) =>
        eb(
          eb
            .selectFrom('approvalVotes as v')
            .select((v) => v.fn.countAll<number>().as('votes'))
            .whereRef('v.approvalId', '=', 'approvals.id')
            .where('v.decision', '=', 'approve'),
          '>=',
          eb.ref('approvals.required'),
        ),
      )
      .returning('id')
      .executeTakeFirst();
    return row ? this.byId(row.id) : null;
  }

  async reject(id: string): Promise<boolean> {
    const r = await this.db
      .updateTable('approvals')
      .set({ status: 'rejected', decidedAt: now(), updatedAt: now() })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async finish(id: string, status: 'executed' | 'failed', result: string | null): Promise<ApprovalRecord> {
    await this.db
      .updateTable('approvals')
      .set({ status, result, updatedAt: now() })
      .where('id', '=', id)
      .where('status', '=', 'executing')
      .execute();
    const r = await this.byId(id);
    if (!r) throw new NotFoundError('Approval not found');
    return r;
  }

  private rows() {
    return this.db
      .selectFrom('approvals')
      .select(COLUMNS)
      .select((eb) => shownStatus(eb).as('status'));
  }

  private async byId(id: string): Promise<ApprovalRecord | null> {
    const row = await this.rows().where('id', '=', id).executeTakeFirst();
    return row ? toRecord(row, (await this.votesOf([id])).get(id) ?? []) : null;
  }

  private async votesOf(ids: string[]): Promise<Map<string, ApprovalVote[]>> {
    const out = new Map<string, ApprovalVote[]>();
    if (!ids.length) return out;
    const rows = await this.db
      .selectFrom('approvalVotes')
      .selectAll()
      .where('approvalId', '=', (eb) => eb.fn.any(eb.val(ids)))
      .orderBy('createdAt')
      .orderBy('userId')
      .execute();
    for (const r of rows) {
      const list = out.get(r.approvalId) ?? [];
      list.push({
        userId: r.userId,
        username: r.username,
        decision: r.decision as ApprovalVote['decision'],
        comment: r.comment,
        createdAt: r.createdAt,
      });
      out.set(r.approvalId, list);
    }
    return out;
  }
}
