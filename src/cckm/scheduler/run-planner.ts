import { randomUUID } from 'node:crypto';
import type { Principal } from '../../auth/principal.js';
import { MAX_PAGE } from '../common/list.js';
import type { KmsAccountRecord } from '../common/records.js';
import { chunks } from '../jobs/concurrency.js';
import type { KmsService } from '../kms/kms.service.js';
import type { SyncJobParams } from '../sync/sync-job.service.js';
import type { SyncUnitPayload } from '../sync/sync-runner.js';
import type { KeyRotationParams, SyncParams } from './job-config-input.js';
import type { JobConfigRecord, JobConfigRepository, NewRun, RunUnit } from './job-config.repository.js';

/** Keys per unit of a rotation run: the granularity at which instances share a run and a run resumes. */
const ROTATION_CHUNK = 100;

/** What every unit of a rotation run knows of its run (the job's params). */
export interface RotationRunParams {
  job_config_id: string;
  job_config_name: string;
  params: KeyRotationParams;
  scheduled_at: string | null;
  /** The config's tick after this run: the rotated keys' next_rotation_at. */
  next_run_at: string | null;
  total: number;
}

/** The params of an XKS credential rotation run, for the runner the custom key store module registers. */
export interface XksRotationRunParams {
  job_config_id: string;
  job_config_name: string;
  params: unknown;
  scheduled_at: string | null;
  total: number;
}

/** The one unit of an XKS credential rotation run: the stores attached when it was queued. */
export interface XksRotationUnitPayload {
  stores: string[];
}

/** One chunk of a rotation run's keys. */
export interface RotationUnitPayload {
  keys: string[];
}

/** Runs act in the config's account as the scheduler (as the periodic synchronization does). */
function schedulerPrincipal(account: string): Principal {
  return { userId: 'scheduler', username: 'scheduler', account, groups: ['admin'] };
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/**
 * Turns a job config into the run to queue for one tick (or run-now): the job kind of its
 * operation, its params and its units. Rotation runs take the keys attached at that moment,
 * in chunks; XKS credential rotation runs the hosted stores attached then, in one unit;
 * synchronization runs one unit per KMS account and region, a unit whose region a
 * synchronization in progress already holds stored as skipped (not queued twice).
 */
export class RunPlanner {
  constructor(
    private readonly configs: JobConfigRepository,
    private readonly kms: KmsService,
  ) {}

  /**
   * The run of one tick (or run-now). While an earlier run of the config is still in
   * progress, the tick's run is stored with its units skipped, so runs never overlap.
   */
  async plan(c: JobConfigRecord, scheduledAt: Date | null, nextRunAt: Date | null, createdBy: string): Promise<NewRun> {
    const run = await this.planRun(c, scheduledAt, nextRunAt, createdBy);
    const busy = await this.configs.runInProgress(c.id);
    if (!busy) return run;
    const skipped = `skipped: run ${busy} of this job config is still in progress`;
    return { ...run, units: run.units.map((u) => ({ label: u.label, payload: u.payload, skipped })) };
  }

  private async planRun(
    c: JobConfigRecord,
    scheduledAt: Date | null,
    nextRunAt: Date | null,
    createdBy: string,
  ): Promise<NewRun> {
    const p = schedulerPrincipal(c.account);
    const base = { id: randomUUID(), account: c.account, principal: p, createdBy };
    const link = { jobConfigId: c.id, scheduledAt };
    const common = { job_config_id: c.id, job_config_name: c.name, scheduled_at: iso(scheduledAt) };
    if (c.operation === 'cckm_key_rotation') {
      const keys = await this.configs.attachedKeyIds(c.id);
      const units: RunUnit[] = chunks(keys, ROTATION_CHUNK).map((part, i) => ({
        label: `keys ${i * ROTATION_CHUNK + 1}-${i * ROTATION_CHUNK + part.length}`,
        payload: { keys: part } satisfies RotationUnitPayload,
      }));
      if (!units.length) units.push({ label: 'no keys attached', payload: { keys: [] } });
      const params: RotationRunParams = {
        ...common,
        params: c.params as KeyRotationParams,
        next_run_at: iso(nextRunAt),
        total: keys.length,
      };
      return { ...link, job: { ...base, kind: 'rotation', params }, units };
    }
    if (c.operation === 'cckm_synchronization') return { ...link, ...(await this.syncRun(c, p, base)) };
    const stores = await this.configs.attachedStoreIds(c.id);
    const params: XksRotationRunParams = { ...common, params: c.params, total: stores.length };
    const payload: XksRotationUnitPayload = { stores };
    const label = stores.length ? `custom key stores 1-${stores.length}` : 'no custom key stores attached';
    return { ...link, job: { ...base, kind: 'xks_credential_rotation', params }, units: [{ label, payload }] };
  }

  private async syncRun(c: JobConfigRecord, p: Principal, base: Omit<NewRun['job'], 'kind' | 'params'>) {
    const sp = c.params as SyncParams;
    let accounts: KmsAccountRecord[];
    if (sp.synchronize_all) {
      accounts = (await this.kms.list(p, {}, { skip: 0, limit: MAX_PAGE })).resources.map((v) => v.kms);
    } else {
      const found = await Promise.all(sp.kms_ids.map((id) => this.kms.find(p, id).catch(() => undefined)));
      accounts = found.filter((k): k is KmsAccountRecord => !!k);
    }
    const pairs = accounts.flatMap((k) =>
      (sp.regions ?? k.regions).filter((r) => k.regions.includes(r)).map((region) => ({ k, region })),
    );
    const busy = new Set(await this.configs.busyScopes(pairs.map(({ k, region }) => `sync:${k.id}/${region}`)));
    const units: RunUnit[] = pairs.map(({ k, region }) => {
      const scope = `sync:${k.id}/${region}`;
      return {
        label: `${k.awsAccountId}/${region} (${k.name})`,
        payload: { kmsId: k.id, region } satisfies SyncUnitPayload,
        ...(busy.has(scope)
          ? { skipped: 'skipped: a synchronization job in progress already covers this region' }
          : { activeScope: scope }),
      };
    });
    if (!units.length)
      units.push({ label: 'nothing to synchronize', payload: {}, skipped: 'skipped: none of its KMS accounts exists' });
    const params: SyncJobParams = {
      kmsIds: accounts.map((k) => k.id),
      kms: accounts.map((k) => k.name),
      regions: sp.regions,
      synchronize_all: sp.synchronize_all,
    };
    return { job: { ...base, kind: 'sync' as const, params }, units };
  }
}
