/**
 * Reports through the REST API against the emulator: each type's summary checked against
 * keys made for it, progress, downloads in both formats (hostile text neutralised in CSV),
 * bad input naming the field, permissions, another account's 404, audit, deletion.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { startTestApp, type TestApp } from '../../fixtures/app.js';
import { createKeyOk, emulator, expectBadRequest, expectError } from '../keys/helpers.js';
import { as } from '../api/helpers.js';
import { JOB_ENV, type Body } from '../sync/helpers.js';
import { parseCsv } from '../../support/csv-reader.js';

const REPORTS = '/cckm/aws/reports';
const HOSTILE = '=HYPERLINK("http://evil.example","click"), "quoted"';

describe('reports', () => {
  let t: TestApp;
  let kmsId: string;
  const keys = {} as Record<'rotating' | 'signing' | 'disabled' | 'deleting' | 'hostile', Body>;
  const admin = () => as(t, t.adminToken);

  /** Creates a report and polls it until it leaves pending/running; returns every state seen. */
  async function runReport(body: object, token = t.adminToken): Promise<{ report: Body; seen: Body[] }> {
    const res = await as(t, token).post(REPORTS, body);
    if (res.status !== 201) throw new Error(`report: ${res.status} ${JSON.stringify(res.body)}`);
    // The runner may claim it at once (a timer tick can come before the answer is read).
    expect(['pending', 'running']).toContain(res.body.status);
    expect(res.body.summary).toBeNull();
    const seen: Body[] = [res.body];
    const until = Date.now() + 60_000;
    for (;;) {
      const r = await as(t, token).get(`${REPORTS}/${res.body.id}`);
      expect(r.status).toBe(200);
      seen.push(r.body);
      if (!['pending', 'running'].includes(r.body.status)) return { report: r.body, seen };
      if (Date.now() > until) throw new Error(`report still ${r.body.status}`);
      await new Promise((x) => setTimeout(x, 50));
    }
  }

  beforeAll(async () => {
    t = await startTestApp('reports', { env: JOB_ENV });
    kmsId = (await admin().get('/cckm/aws/kms/kms')).body.id;
    keys.rotating = await createKeyOk(t, { kms: 'kms', region: 'us-east-1', aws_param: { Description: 'rot' } });
    keys.signing = await createKeyOk(t, {
      kms: 'kms',
      region: 'us-west-2',
      aws_param: { KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' },
    });
    keys.disabled = await createKeyOk(t, { kms: 'kms', region: 'us-east-1' });
    keys.deleting = await createKeyOk(t, { kms: 'kms', region: 'us-east-1' });
    keys.hostile = await createKeyOk(t, { kms: 'kms', region: 'us-east-1', aws_param: { Description: HOSTILE } });
    const ok = async (path: string, body: object = {}) => expect((await admin().post(path, body)).status).toBe(200);
    await ok(`/cckm/aws/keys/${keys.rotating.id}/enable-auto-rotation`);
    await ok(`/cckm/aws/keys/${keys.disabled.id}/disable`);
    await ok(`/cckm/aws/keys/${keys.deleting.id}/schedule-deletion`, { days: 7 });
    await emulator(t, 'us-east-1', 'Encrypt', {
      KeyId: keys.rotating.aws_param.KeyId,
      Plaintext: new TextEncoder().encode('used once'),
    });
  });
  afterAll(() => t?.close());

  it('key-report: the inventory counts match the keys, and the answer is complete', async () => {
    const { report } = await runReport({ name: 'inventory', report_type: 'key-report' });
    expect(report).toMatchObject({
      status: 'completed',
      report_type: 'key-report',
      kms: [kmsId],
      row_count: 5,
      progress: { total: 5, processed: 5, percent: 100 },
      message: 'completed: 5 keys',
    });
    expect(report.summary).toEqual({
      total: 5,
      by_account: { 'kms (123456789012)': 5 },
      by_region: { 'us-east-1': 4, 'us-west-2': 1 },
      by_state: { Enabled: 3, Disabled: 1, PendingDeletion: 1 },
      by_spec: { SYMMETRIC_DEFAULT: 4, RSA_2048: 1 },
      by_origin: { AWS_KMS: 5 },
      by_rotation: { disabled: 3, automatic: 1, not_applicable: 1 },
      by_drift: { no_template: 5 },
      by_custom_key_store: { '(none)': 5 },
    });
  });

  it('key-report limited to a region and a creation window', async () => {
    const { report } = await runReport({
      name: 'west',
      report_type: 'key-report',
      kms: ['kms'],
      regions: ['us-west-2'],
      from: new Date(Date.now() - 3_600_000).toISOString(),
      to: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect(report.summary).toMatchObject({ total: 1, by_region: { 'us-west-2': 1 }, by_spec: { RSA_2048: 1 } });
    const { report: none } = await runReport({
      name: 'future',
      report_type: 'key-report',
      from: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect(none).toMatchObject({ status: 'completed', row_count: 0, summary: { total: 0 } });
  });

  it('key-aging: ages, pending deletions, automatic rotation not overdue', async () => {
    const { report } = await runReport({ name: 'aging', report_type: 'key-aging', expiring_days: 10 });
    expect(report).toMatchObject({ status: 'completed', expiring_days: 10 });
    expect(report.summary).toMatchObject({
      total: 5,
      age_buckets: { '0-30d': 5, '31-90d': 0, 'over-2y': 0 },
      rotation_overdue: 0,
      imported_material: { imported: 0, expiring_days: 10 },
      pending_deletion: { total: 1, within_7_days: 1 },
    });
  });

  it('key-usage: the last use the emulator recorded, and a key AWS cannot answer for counted apart', async () => {
    // A record whose key the emulator does not have (inserted directly): GetKeyLastUsage answers NotFound.
    await sql`INSERT INTO aws_keys (id, account, kms_id, region, cloud_name, kms_key_id, arn, key_state, key_spec, origin, updated_at)
      VALUES (${randomUUID()}, 'kylo', ${kmsId}, 'us-east-1', 'aws', ${randomUUID()}, NULL, 'Enabled', 'SYMMETRIC_DEFAULT', 'AWS_KMS', now())`.execute(
      t.db.db,
    );
    const { report } = await runReport({ name: 'usage', report_type: 'key-usage', unused_days: 30 });
    expect(report.summary).toEqual({
      total: 6,
      unused_days: 30,
      retirement_candidates: 0,
      active: 5,
      never_used: 4,
      tracking_unavailable: 1,
      by_last_operation: { never: 4, Encrypt: 1 },
    });
    const json = await admin().get(`${REPORTS}/${report.id}/download?format=json`);
    expect(json.status).toBe(200);
    const rows = json.body.rows as Body[];
    expect(rows.find((r) => r.key_id === keys.rotating.id)).toMatchObject({
      last_operation: 'Encrypt',
      usage_tracking: 'available',
      retirement_candidate: false,
      days_unused: 0,
    });
    expect(rows.filter((r) => String(r.usage_tracking).startsWith('unavailable: NotFoundException'))).toHaveLength(1);
  });

  it('downloads CSV (quoted, formula-safe) and JSON with the same rows', async () => {
    const { report } = await runReport({ name: 'download', report_type: 'key-report', kms: [kmsId] });
    const csv = await admin().get(`${REPORTS}/${report.id}/download`).buffer(true);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.headers['content-disposition']).toBe(`attachment; filename="report-${report.id}.csv"`);
    const records = parseCsv(csv.text);
    const [header, ...body] = records as [string[], ...string[][]];
    expect(header.slice(0, 7)).toEqual([
      'key_id',
      'kms',
      'aws_account_id',
      'region',
      'kms_key_id',
      'alias',
      'description',
    ]);
    expect(body).toHaveLength(report.row_count);
    const hostile = body.find((r) => r[0] === keys.hostile.id)!;
    expect(hostile[header.indexOf('description')]).toBe(`'${HOSTILE}`);
    expect(csv.text).not.toMatch(/(^|,)=HYPERLINK/m);

    const json = await admin().get(`${REPORTS}/${report.id}/download?format=json`);
    expect(json.status).toBe(200);
    expect(json.headers['content-disposition']).toBe(`attachment; filename="report-${report.id}.json"`);
    expect(json.body.report).toMatchObject({ id: report.id, summary: report.summary });
    expect(json.body.columns).toEqual(header);
    expect(json.body.rows.map((r: Body) => r.key_id).sort()).toEqual(body.map((r) => r[0]).sort());
    expect(json.body.rows.find((r: Body) => r.key_id === keys.hostile.id).description).toBe(HOSTILE);

    // The original product's paged view of the same rows.
    const pages: Body[] = [];
    for (let skip = 0; skip < report.row_count; skip += 2) {
      const page = await admin().get(`${REPORTS}/${report.id}/contents?skip=${skip}&limit=2`);
      expect(page.status).toBe(200);
      expect(page.body).toMatchObject({ skip, limit: 2, total: report.row_count, columns: header });
      expect(page.body.resources.length).toBe(Math.min(2, report.row_count - skip));
      pages.push(...page.body.resources);
    }
    expect(pages).toEqual(json.body.rows);
    const past = await admin().get(`${REPORTS}/${report.id}/contents?skip=${report.row_count}`);
    expect(past.body).toMatchObject({ total: report.row_count, resources: [] });
    expectBadRequest(await admin().get(`${REPORTS}/${report.id}/contents?limit=0`), 'limit');
    expectBadRequest(await admin().get(`${REPORTS}/${report.id}/contents?limit=-1`), 'limit');
  });

  it("accepts the original product's start_time and end_time for the window", async () => {
    const { report } = await runReport({
      name: 'original-names',
      report_type: 'key-report',
      regions: ['us-west-2'],
      start_time: new Date(Date.now() - 3_600_000).toISOString(),
      end_time: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect(report.summary).toMatchObject({ total: 1, by_region: { 'us-west-2': 1 } });
    const { report: none } = await runReport({
      name: 'original-names-future',
      report_type: 'key-report',
      start_time: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect(none).toMatchObject({ status: 'completed', summary: { total: 0 } });
  });

  it.each([
    ['name', { report_type: 'key-report' }],
    ['name', { name: '   ', report_type: 'key-report' }],
    ['report_type', { name: 'x', report_type: 'service-report' }],
    ['kms[0]', { name: 'x', report_type: 'key-report', kms: ['no-such-kms'] }],
    ['kms[1]', { name: 'x', report_type: 'key-report', kms: ['kms', 'kms'] }],
    ['regions[0]', { name: 'x', report_type: 'key-report', regions: ['moon-1'] }],
    ['from', { name: 'x', report_type: 'key-report', from: 'yesterday' }],
    ['to', { name: 'x', report_type: 'key-report', from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }],
    ['unused_days', { name: 'x', report_type: 'key-report', unused_days: 30 }],
    ['unused_days', { name: 'x', report_type: 'key-usage', unused_days: 0 }],
    ['expiring_days', { name: 'x', report_type: 'key-usage', expiring_days: 5 }],
    ['extra', { name: 'x', report_type: 'key-report', extra: 1 }],
    [
      'start_time',
      { name: 'x', report_type: 'key-report', from: '2026-01-01T00:00:00Z', start_time: '2026-01-01T00:00:00Z' },
    ],
    ['end_time', { name: 'x', report_type: 'key-report', end_time: 'tomorrow' }],
  ])('400 naming %s', async (field, body) => {
    expectBadRequest(await admin().post(REPORTS, body), field);
  });

  it('400 for an unknown download format, 404 for an unknown report', async () => {
    const { report } = await runReport({ name: 'formats', report_type: 'key-report' });
    expectBadRequest(await admin().get(`${REPORTS}/${report.id}/download?format=xlsx`), 'format');
    expectError(await admin().get(`${REPORTS}/${randomUUID()}`), 404, 'NCERRResourceNotFound');
    expectError(await admin().get(`${REPORTS}/${randomUUID()}/download`), 404, 'NCERRResourceNotFound');
  });

  it('lists with filters, sorting and paging', async () => {
    await runReport({ name: 'list-a', report_type: 'key-aging' });
    const list = await admin().get(`${REPORTS}?report_type=key-aging&status=completed&sort=-createdAt&limit=100`);
    expect(list.status).toBe(200);
    expect(list.body.total).toBeGreaterThanOrEqual(2);
    expect(list.body.resources.every((r: Body) => r.report_type === 'key-aging' && r.status === 'completed')).toBe(
      true,
    );
    expect(list.body.resources[0].name).toBe('list-a');
    expect(list.body.resources[0]).not.toHaveProperty('summary');
    const byName = await admin().get(`${REPORTS}?name=list-a`);
    expect(byName.body).toMatchObject({ total: 1, resources: [{ name: 'list-a' }] });
    expectBadRequest(await admin().get(`${REPORTS}?sort=secret`), 'sort');
  });

  it('another account gets 404 for every report path and never sees the report in its list', async () => {
    const { report } = await runReport({ name: 'private', report_type: 'key-report' });
    const other = as(t, await t.userToken('reports-acme-admin', ['admin'], 'acme-reports'));
    for (const path of [`${REPORTS}/${report.id}`, `${REPORTS}/${report.id}/download`])
      expectError(await other.get(path), 404, 'NCERRResourceNotFound');
    expectError(await other.delete(`${REPORTS}/${report.id}`), 404, 'NCERRResourceNotFound');
    const list = await other.get(`${REPORTS}?limit=-1`);
    expect(JSON.stringify(list.body.resources)).not.toContain(report.id);
    expectBadRequest(await other.post(REPORTS, { name: 'steal', report_type: 'key-report', kms: [kmsId] }), 'kms[0]');
    expect((await admin().get(`${REPORTS}/${report.id}`)).status).toBe(200);
  });

  it('read-only users view and download (reportview, reportdownload) but cannot create or delete', async () => {
    const { report } = await runReport({ name: 'shared', report_type: 'key-report' });
    const viewer = as(t, await t.userToken('reports-viewer', ['cckm_users']));
    expect((await viewer.get(`${REPORTS}/${report.id}`)).status).toBe(200);
    expect((await viewer.get(`${REPORTS}/${report.id}/download`)).status).toBe(200);
    expectError(await viewer.post(REPORTS, { name: 'mine', report_type: 'key-report' }), 403, 'NCERRForbidden');
    expectError(await viewer.delete(`${REPORTS}/${report.id}`), 403, 'NCERRForbidden', 'reportdelete');
    expect((await admin().get(`${REPORTS}/${report.id}`)).status).toBe(200);
  });

  it('per-KMS-account ACLs: a user sees, creates and downloads only where granted; lists filter', async () => {
    const other = await admin().post('/cckm/aws/kms', {
      name: 'reports-b',
      account_id: '123456789012',
      connection: 'emulator',
      regions: ['eu-west-1'],
    });
    expect(other.status).toBe(201);
    const userToken = await t.userToken('reports-acl-user', ['cckm_users']);
    const me = (await admin().get('/usermgmt/users?username=reports-acl-user')).body.resources[0].id as string;
    const grant = async (kms: string, acls: object[]) =>
      expect((await admin().post(`/cckm/aws/kms/${kms}/update-acls`, { acls })).status).toBe(200);
    await grant(kmsId, [{ user_id: me, actions: ['reportview', 'reportcreate'], permit: true }]);
    // B has an entry that does not name the user: the user holds nothing there.
    await grant(other.body.id, [{ group: 'admin', actions: ['reportview'], permit: true }]);
    const { report: onA } = await runReport({ name: 'acl-a', report_type: 'key-report', kms: ['kms'] });
    const { report: onB } = await runReport({ name: 'acl-b', report_type: 'key-report', kms: ['reports-b'] });
    const user = as(t, userToken);
    expect((await user.get(`${REPORTS}/${onA.id}`)).status).toBe(200);
    expectError(await user.get(`${REPORTS}/${onB.id}`), 403, 'NCERRForbidden', 'reportview', 'reports-b');
    // reportview without reportdownload: the summary, not the rows.
    expectError(await user.get(`${REPORTS}/${onA.id}/download`), 403, 'NCERRForbidden', 'reportdownload');
    const listed = (await user.get(`${REPORTS}?limit=-1`)).body.resources.map((r: Body) => r.id);
    expect(listed).toContain(onA.id);
    expect(listed).not.toContain(onB.id);
    expectError(
      await user.post(REPORTS, { name: 'b', report_type: 'key-report', kms: ['reports-b'] }),
      403,
      'NCERRForbidden',
      'reportcreate',
    );
    const { report: mine } = await runReport({ name: 'acl-mine', report_type: 'key-aging' }, userToken);
    expect(mine).toMatchObject({ status: 'completed', kms: [kmsId] });

    // A user in no group at all holds exactly what an entry grants: the ACL decides, not the built-in groups.
    const outsiderToken = await t.userToken('reports-acl-outsider', []);
    const outsiderId = (await admin().get('/usermgmt/users?username=reports-acl-outsider')).body.resources[0].id;
    const outsider = as(t, outsiderToken);
    expect((await outsider.get(`${REPORTS}/${onA.id}`)).status).toBe(403);
    await grant(kmsId, [{ user_id: outsiderId, actions: ['reportview', 'reportdownload'], permit: true }]);
    expect((await outsider.get(`${REPORTS}/${onA.id}`)).status).toBe(200);
    expect((await outsider.get(`${REPORTS}/${onA.id}/download`)).status).toBe(200);
    expect((await outsider.get(`${REPORTS}?limit=-1`)).body.resources.map((r: Body) => r.id)).toContain(onA.id);
    expectError(await outsider.post(REPORTS, { name: 'x', report_type: 'key-report' }), 403, 'NCERRForbidden');
  });

  it('audits create, download (allowed and refused) and delete; delete removes the rows', async () => {
    const { report } = await runReport({ name: 'audited', report_type: 'key-report' });
    expect((await admin().get(`${REPORTS}/${report.id}/download`)).status).toBe(200);
    const viewer = as(t, await t.userToken('reports-nobody', []));
    expect((await viewer.get(`${REPORTS}/${report.id}/download`)).status).toBe(403);
    expect((await admin().delete(`${REPORTS}/${report.id}`)).status).toBe(204);
    expectError(await admin().get(`${REPORTS}/${report.id}`), 404, 'NCERRResourceNotFound');
    const rows = await sql<{ n: string }>`SELECT count(*) AS n FROM report_rows WHERE report_id = ${report.id}`.execute(
      t.db.db,
    );
    expect(Number(rows.rows[0]!.n)).toBe(0);
    let events: Body[] = [];
    for (let i = 0; i < 50 && events.length < 4; i++) {
      await new Promise((r) => setTimeout(r, 100));
      events = (await admin().get(`/audit/records?resource_id=${report.id}&limit=100`)).body.resources;
    }
    const seen = events.map((e) => `${e.action} ${e.result} ${e.status_code ?? e.statusCode ?? ''}`.trim()).sort();
    expect(seen).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^createReport success/),
        expect.stringMatching(/^deleteReport success/),
        expect.stringMatching(/^downloadReport success/),
        expect.stringMatching(/^downloadReport failure/),
      ]),
    );
  });

  it('a large report streams in pages with progress and downloads every row', async () => {
    const n = 5000;
    await sql`INSERT INTO aws_keys (id, account, kms_id, region, cloud_name, kms_key_id, key_state, key_spec, origin, aws_param, created_at, updated_at)
      SELECT gen_random_uuid(), 'kylo', ${kmsId}, 'eu-west-1', 'aws', 'bulk-' || g, 'Enabled', 'SYMMETRIC_DEFAULT', 'AWS_KMS',
             jsonb_build_object('Description', '-' || g), now() - (g || ' minutes')::interval, now()
      FROM generate_series(1, ${n}) g`.execute(t.db.db);
    const { report, seen } = await runReport({ name: 'large', report_type: 'key-report', regions: ['eu-west-1'] });
    expect(report).toMatchObject({ status: 'completed', row_count: n, progress: { total: n, processed: n } });
    for (const s of seen) expect(s.progress.processed).toBeLessThanOrEqual(s.progress.total || n);
    const processed = seen.map((s) => s.progress.processed as number);
    expect(processed).toEqual([...processed].sort((a, b) => a - b));
    const csv = await admin().get(`${REPORTS}/${report.id}/download`).buffer(true);
    const records = parseCsv(csv.text);
    expect(records).toHaveLength(n + 1);
    expect(new Set(records.slice(1).map((r) => r[0])).size).toBe(n);
    // "-123" is text from AWS, not a number: it must not reach a spreadsheet as a formula.
    expect(records.slice(1).every((r) => r[records[0]!.indexOf('description')]!.startsWith("'-"))).toBe(true);
  });
});
