import { sql, type Kysely } from 'kysely';
import type { DB } from '../src/db/database.js';
import { call, type Api } from './support/api-call.js';

/**
 * A report over `records` key records (`BENCH_ONLY=report`, or with every group): the
 * records are inserted directly into `aws_keys` (one generate_series statement, in a
 * Region no other row uses), then one `key-report` is timed from the POST to `completed`,
 * with the process's RSS sampled every 20 ms while it runs (the service runs in this
 * process), and its CSV download is read to the end as a stream (never held whole).
 */

/** One measured report. */
export interface ReportFigure {
  records: number;
  reportType: string;
  wallMs: number;
  perSecond: number;
  status: string;
  rssBeforeMiB: number;
  peakRssMiB: number;
  download: { ms: number; bytes: number; lines: number };
}

const REGION = 'ap-southeast-2';
const MiB = 2 ** 20;

/** Inserts `n` ready key records of the KMS account in {@link REGION}, with varied states, specs and ages. */
async function seed(db: Kysely<DB>, kmsId: string, n: number): Promise<void> {
  await sql`INSERT INTO aws_keys (id, account, kms_id, region, cloud_name, kms_key_id, arn, key_state, key_spec,
      key_usage, origin, aliases, aws_param, aws_created_at, created_at, updated_at)
    SELECT gen_random_uuid(), 'kylo', ${kmsId}, ${REGION}, 'aws', 'bench-report-' || g,
      'arn:aws:kms:${sql.raw(REGION)}:123456789012:key/bench-report-' || g,
      (ARRAY['Enabled', 'Enabled', 'Enabled', 'Disabled', 'PendingDeletion'])[1 + g % 5],
      (ARRAY['SYMMETRIC_DEFAULT', 'SYMMETRIC_DEFAULT', 'RSA_2048', 'ECC_NIST_P256'])[1 + g % 4],
      'ENCRYPT_DECRYPT', (ARRAY['AWS_KMS', 'AWS_KMS', 'EXTERNAL'])[1 + g % 3], ARRAY['alias/bench-' || g],
      jsonb_build_object('Description', 'bench key ' || g, 'KeyRotationEnabled', g % 2 = 0),
      now() - ((g % 1000) || ' days')::interval, now(), now()
    FROM generate_series(1, ${n}) g`.execute(db);
}

export async function benchReport(
  api: Api,
  db: Kysely<DB>,
  o: { records: number },
): Promise<Record<string, ReportFigure>> {
  const kms = await call(api, 'GET', '/cckm/aws/kms/kms');
  await seed(db, String(kms.id), o.records);
  const rssBefore = process.memoryUsage.rss();
  let peak = rssBefore;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
  const started = Date.now();
  let state: Record<string, unknown>;
  try {
    const report = await call(api, 'POST', '/cckm/aws/reports', {
      name: `bench-report-${Date.now()}`,
      report_type: 'key-report',
      regions: [REGION],
    });
    state = report;
    while (state.status === 'pending' || state.status === 'running') {
      await new Promise((r) => setTimeout(r, 50));
      state = await call(api, 'GET', `/cckm/aws/reports/${String(report.id)}`);
    }
  } finally {
    clearInterval(sampler);
  }
  const wallMs = Date.now() - started;
  if (state.status !== 'completed' || state.row_count !== o.records)
    throw new Error(`report did not cover every record: ${JSON.stringify(state)}`);
  const downloadStarted = Date.now();
  const res = await fetch(`${api.base}/cckm/aws/reports/${String(state.id)}/download`, {
    headers: { authorization: `Bearer ${api.token}` },
  });
  let bytes = 0;
  let lines = 0;
  for await (const chunk of res.body! as AsyncIterable<Uint8Array>) {
    bytes += chunk.length;
    for (const b of chunk) if (b === 10) lines++;
  }
  if (lines !== o.records + 1) throw new Error(`the download had ${lines} lines for ${o.records} records`);
  return {
    [`report_key_report_${o.records}_records`]: {
      records: o.records,
      reportType: 'key-report',
      wallMs,
      perSecond: Math.round((o.records / wallMs) * 1000),
      status: String(state.status),
      rssBeforeMiB: Math.round(rssBefore / MiB),
      peakRssMiB: Math.round(peak / MiB),
      download: { ms: Date.now() - downloadStarted, bytes, lines },
    },
  };
}
