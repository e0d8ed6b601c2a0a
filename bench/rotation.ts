/**
 * The scheduler's rotation job over `keys` keys (`BENCH_ONLY=rotation`, or with every group):
 * keys created through the API (symmetric, AWS_KMS, in the emulator), attached to one
 * `cckm_key_rotation` job config, then one run-now timed from the POST to the run's end.
 * Reported as keys rotated per second, with the run's progress (every key must be rotated).
 */
import { call, type Api } from './support/api-call.js';

/** One measured rotation run. */
export interface RotationFigure {
  keys: number;
  wallMs: number;
  perSecond: number;
  overallStatus: string;
  progress: unknown;
}

/** Runs `fn` over `items`, `limit` at a time. */
async function inParallel<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: limit }, lane));
}

export async function benchRotation(
  api: Api,
  o: { keys: number; region: string },
): Promise<Record<string, RotationFigure>> {
  const ids: string[] = [];
  await inParallel(
    Array.from({ length: o.keys }, (_, i) => i),
    16,
    async (i) => {
      const k = await call(api, 'POST', '/cckm/aws/keys', {
        kms: 'kms',
        region: o.region,
        aws_param: { Description: `bench rotation ${i}` },
      });
      ids.push(String(k.id));
    },
  );
  const config = await call(api, 'POST', '/scheduler/job-configs', {
    name: `bench-rotation-${Date.now()}`,
    operation: 'cckm_key_rotation',
    run_at: '0 0 1 1 *',
    cckm_key_rotation_params: { cloud_name: 'aws' },
  });
  const configPath = `/scheduler/job-configs/${String(config.id)}`;
  await inParallel(ids, 16, async (id) => {
    await call(api, 'POST', `/cckm/aws/keys/${id}/enable-rotation-job`, { job_config_id: config.id });
  });
  const started = Date.now();
  const run = await call(api, 'POST', `${configPath}/run-now`);
  let state = run;
  while (state.overall_status === 'in_progress') {
    await new Promise((r) => setTimeout(r, 50));
    state = await call(api, 'GET', `${configPath}/runs/${String(run.id)}`);
  }
  const wallMs = Date.now() - started;
  const progress = state.progress as { rotated?: number };
  if (state.overall_status !== 'completed' || progress.rotated !== o.keys)
    throw new Error(`rotation run did not rotate every key: ${JSON.stringify(progress)}`);
  return {
    [`rotation_job_${o.keys}_keys`]: {
      keys: o.keys,
      wallMs,
      perSecond: Math.round((o.keys / wallMs) * 1000),
      overallStatus: String(state.overall_status),
      progress,
    },
  };
}
