import type { ListQuery } from '../../cckm/common/list.js';
import type { KeyChanges, KeyFilter, KeyRepository, NewKeyRecord } from '../../cckm/keys/key.repository.js';
import type { Database } from '../database.js';
import { NotFoundError } from '../../errors/index.js';
import { guard, guardSql } from '../prisma-errors.js';
import { keyInsert, keyPage, keyUpdate, rowToKey } from './key-list.sql.js';

export class PrismaKeyRepository implements KeyRepository {
  private readonly prisma: Database['prisma'];

  constructor(private readonly db: Pick<Database, 'prisma' | 'sql'>) {
    this.prisma = db.prisma;
  }

  /** Written in SQL, like `update` and `list`: the per-key hot path (Prisma costs ~1 ms CPU a statement). */
  async reserve(row: NewKeyRecord) {
    const q = keyInsert({ ...row, status: 'creating', aliases: [], tags: [], awsParam: {}, labels: {} });
    const rows = await guardSql('Key record', () => this.db.sql.query(q.text, q.params));
    return rowToKey(rows[0]!);
  }

  async update(id: string, changes: KeyChanges) {
    const q = keyUpdate(id, changes);
    const rows = await guardSql('Key record', () => this.db.sql.query(q.text, q.params));
    if (!rows[0]) throw new NotFoundError('Key record not found');
    return rowToKey(rows[0]);
  }

  async failReservation(id: string, olderThanMs: number, lastError: string) {
    const rows = await guardSql('Key record', () =>
      this.db.sql.query(
        `UPDATE aws_keys SET status = 'failed', last_error = $3, updated_at = now()
         WHERE id = $1 AND status = 'creating' AND kms_key_id IS NULL AND created_at < now() - make_interval(secs => $2::double precision / 1000)
         RETURNING *`,
        [id, olderThanMs, lastError],
      ),
    );
    return rows[0] ? rowToKey(rows[0]) : null;
  }

  find(account: string, id: string) {
    return this.prisma.awsKey.findFirst({ where: { id, account } });
  }

  async list(account: string, filter: KeyFilter, q: ListQuery) {
    const { count, page } = keyPage(account, filter, q);
    const [counted, rows] = await Promise.all([
      this.db.sql.query<{ total: string | number }>(count.text, count.params),
      this.db.sql.query(page.text, page.params),
    ]);
    return { total: Number(counted[0]?.total ?? 0), rows: rows.map(rowToKey) };
  }

  async delete(id: string) {
    await guard('Key record', () => this.prisma.awsKey.delete({ where: { id } }));
  }

  async setPolicyDrift(id: string, drift: boolean, checkedAt: Date | null) {
    const q = keyUpdate(id, { policyDrift: drift, policyDriftCheckedAt: checkedAt });
    await guardSql('Key record', () => this.db.sql.query(q.text, q.params));
  }

  listByTemplate(templateId: string) {
    return this.prisma.awsKey.findMany({ where: { policyTemplateId: templateId }, orderBy: { createdAt: 'asc' } });
  }
}
