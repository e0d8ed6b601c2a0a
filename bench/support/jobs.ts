import type { Composed } from '../../src/compose.js';
import { call, type Api } from './api-call.js';

/**
 * One measured job: wall time from the POST to `completed_at`, keys per second, and the
 * process's resident memory before and at its highest while the job ran (the service and its
 * in-process emulator share the process: how bounded the job's memory is).
 */
export interface JobFigure {
  keys: number;
  wallMs: number;
  perSecond: number;
  rssBeforeMiB: number;
  rssPeakMiB: number;
  overallStatus: string;
  progress: unknown;
}

/** Posts a job and polls it (every 20 ms) until it leaves in_progress. */
async function timeJob(api: Api, path: string, body: unknown, keys: number): Promise<JobFigure> {
  const mib = (bytes: number) => Math.round(bytes / 2 ** 20);
  const rssBefore = process.memoryUsage.rss();
  let rssPeak = rssBefore;
  const started = Date.now();
  const job = await call(api, 'POST', path, body);
  let state = job;
  while (state.overall_status === 'in_progress') {
    await new Promise((r) => setTimeout(r, 20));
    rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
    state = await call(api, 'GET', `${path}/${String(job.id)}`);
  }
  const wallMs = Date.now() - started;
  return {
    keys,
    wallMs,
    perSecond: Math.round((keys / wallMs) * 1000),
    rssBeforeMiB: mib(rssBefore),
    rssPeakMiB: mib(rssPeak),
    overallStatus: String(state.overall_status),
    progress: state.progress,
  };
}

/**
 * Synchronization and bulk job figures: `keys` keys created directly in the emulator
 * (outside opencckm) in `region`, a sync job that discovers them (every record created),
 * the same sync again (nothing changed: nothing written), and a bulk disable of 1 000 of
 * the synced keys.
 */
export async function benchJobs(
  composed: Composed,
  api: Api,
  o: { keys: number; region: string; bulkKeys: number },
): Promise<Record<string, JobFigure>> {
  const emulator = composed.emulator;
  if (!emulator) throw new Error('the job benchmarks need the in-process emulator');
  const caller = { accountId: emulator.defaultAccountId, region: o.region };
  for (let i = 0; i < o.keys; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, o.keys - i) }, (_, j) =>
        emulator.call(caller, 'CreateKey', {
          Description: `bench sync ${i + j}`,
          Tags: [{ TagKey: 'bench', TagValue: String(i + j) }],
        }),
      ),
    );
  }
  const scope = { kms: ['kms'], regions: [o.region] };
  const out: Record<string, JobFigure> = {};
  out[`sync_job_${o.keys}_keys_new`] = await timeJob(api, '/cckm/aws/synchronization-jobs', scope, o.keys);
  out[`sync_job_${o.keys}_keys_unchanged`] = await timeJob(api, '/cckm/aws/synchronization-jobs', scope, o.keys);
  const page = await call(api, 'GET', `/cckm/aws/keys?region=${o.region}&limit=${o.bulkKeys}`);
  const ids = (page.resources as { id: string }[]).map((k) => k.id);
  out[`bulk_job_disablekey_${ids.length}_keys`] = await timeJob(
    api,
    '/cckm/aws/bulkjob',
    { keys: ids, operation: 'disablekey' },
    ids.length,
  );
  return out;
}
