import { randomUUID } from 'node:crypto';
import { assertCanRead, assertCanWrite, type Principal } from '../../auth/principal.js';
import { ConflictError, NotFoundError, ValidationError } from '../../errors/index.js';
import type { ListQuery, Page } from '../common/list.js';
import type { KmsAccountRecord } from '../common/records.js';
import type { KmsService } from '../kms/kms.service.js';
import {
  checkName,
  checkNoForeignParams,
  checkOperation,
  checkRotationParams,
  checkSchedule,
  checkSyncParamsShape,
  type JobConfigInput,
  type SyncParams,
} from './job-config-input.js';
import type {
  JobConfigChanges,
  JobConfigFilter,
  JobConfigRecord,
  JobConfigRepository,
  RunRecord,
  SchedulerOperation,
} from './job-config.repository.js';
import type { RunPlanner } from './run-planner.js';

/**
 * Scheduler job configs (`/api/v1/scheduler/job-configs`): validation, the next tick, runs
 * listed and queued on demand. Every record belongs to the caller's account; another
 * account's id is a 404 like an unknown one.
 */
export class JobConfigService {
  constructor(
    private readonly configs: JobConfigRepository,
    private readonly kms: KmsService,
    private readonly planner: RunPlanner,
    /** A run was queued (wakes this instance's job workers). */
    private readonly onQueued: () => void = () => {},
  ) {}

  /**
   * @throws ValidationError naming the field (name, operation, run_at with the cron field, time_zone, params);
   * ConflictError when the account has a config of that name
   */
  async create(p: Principal, input: JobConfigInput): Promise<JobConfigRecord> {
    assertCanWrite(p);
    const name = checkName(input.name);
    const operation = checkOperation(input.operation);
    const schedule = checkSchedule(input.run_at, input.time_zone);
    checkNoForeignParams(operation, input);
    const params = await this.paramsOf(p, operation, input);
    const disabled = input.disabled === true;
    return this.configs.create({
      id: randomUUID(),
      account: p.account,
      name,
      description: input.description ?? null,
      operation,
      runAt: schedule.expression,
      timeZone: schedule.timeZone,
      disabled,
      params,
      nextRunAt: disabled ? null : schedule.next(new Date()),
      createdBy: p.username,
    });
  }

  /** @throws NotFoundError (also for another account's config) */
  async get(p: Principal, id: string): Promise<JobConfigRecord> {
    assertCanRead(p);
    const c = UUID.test(id) ? await this.configs.find(p.account, id) : null;
    if (!c) throw new NotFoundError(`Job config ${id} not found`);
    return c;
  }

  async list(p: Principal, filter: JobConfigFilter, q: ListQuery): Promise<Page<JobConfigRecord>> {
    assertCanRead(p);
    if (filter.ids && !filter.ids.every((id) => UUID.test(id)))
      return { skip: q.skip, limit: q.limit, total: 0, resources: [] };
    const { total, rows } = await this.configs.list(p.account, filter, q);
    return { skip: q.skip, limit: q.limit, total, resources: rows };
  }

  /**
   * PATCH: name, description, run_at, time_zone, disabled and the operation's params; the
   * operation itself cannot change. A new schedule (or enabling) recomputes the next tick.
   * @throws ValidationError naming the field; NotFoundError; ConflictError on a name taken
   */
  async update(p: Principal, id: string, input: JobConfigInput): Promise<JobConfigRecord> {
    assertCanWrite(p);
    const current = await this.get(p, id);
    const operation = current.operation as SchedulerOperation;
    if (input.operation !== undefined && input.operation !== operation)
      throw ValidationError.field('operation', 'cannot be changed; create another job config');
    checkNoForeignParams(operation, input);
    const changes: JobConfigChanges = {};
    if (input.name !== undefined) changes.name = checkName(input.name);
    if (input.description !== undefined) changes.description = input.description;
    const scheduleChanged = input.run_at !== undefined || input.time_zone !== undefined;
    const schedule = checkSchedule(input.run_at ?? current.runAt, input.time_zone ?? current.timeZone);
    if (scheduleChanged) {
      changes.runAt = schedule.expression;
      changes.timeZone = schedule.timeZone;
    }
    if (input.disabled !== undefined) changes.disabled = input.disabled;
    const disabled = changes.disabled ?? current.disabled;
    if (disabled) changes.nextRunAt = null;
    else if (scheduleChanged || current.disabled) changes.nextRunAt = schedule.next(new Date());
    if (input.cckm_key_rotation_params !== undefined || input.cckm_synchronization_params !== undefined)
      changes.params = await this.paramsOf(p, operation, input);
    const updated = await this.configs.update(p.account, id, changes);
    if (!updated) throw new NotFoundError(`Job config ${id} not found`);
    return updated;
  }

  /**
   * @throws NotFoundError; ConflictError while keys or custom key stores are attached (detach
   * them with disable-rotation-job / disable-credential-rotation-job)
   */
  async delete(p: Principal, id: string): Promise<void> {
    assertCanWrite(p);
    await this.get(p, id);
    if (!(await this.configs.delete(p.account, id))) throw new NotFoundError(`Job config ${id} not found`);
  }

  /** A page of runs, at most {@link MAX_RUNS_PAGE}: each carries its per-key results (up to MAX_ATTACHED_KEYS). */
  async runs(p: Principal, id: string, q: ListQuery): Promise<Page<RunRecord>> {
    await this.get(p, id);
    const limit = Math.min(q.limit, MAX_RUNS_PAGE);
    const { total, rows } = await this.configs.runs(p.account, id, { ...q, limit });
    return { skip: q.skip, limit, total, resources: rows };
  }

  /** Keys attached to the config now. */
  attachedKeyCount(configId: string): Promise<number> {
    return this.configs.attachedKeyCount(configId);
  }

  async run(p: Principal, id: string, runId: string): Promise<RunRecord> {
    await this.get(p, id);
    const run = UUID.test(runId) ? await this.configs.run(p.account, id, runId) : null;
    if (!run) throw new NotFoundError(`Run ${runId} of job config ${id} not found`);
    return run;
  }

  /**
   * Queues a run now, outside the schedule (also for a disabled config); the schedule is unchanged.
   * @throws NotFoundError; ConflictError when a synchronization in progress holds one of its regions
   */
  async runNow(p: Principal, id: string): Promise<RunRecord> {
    assertCanWrite(p);
    const c = await this.get(p, id);
    const busy = await this.configs.runInProgress(c.id);
    if (busy)
      throw new ConflictError(`Run ${busy} of job config ${id} is still in progress; wait for it to finish`, {
        details: [{ field: 'run_id', message: busy }],
      });
    const run = await this.planner.plan(c, null, c.nextRunAt, p.username);
    await this.configs.queue(run);
    this.onQueued();
    const queued = await this.configs.run(p.account, id, run.job.id);
    if (!queued) throw new ConflictError(`The run of job config ${id} was deleted before it could be read`);
    return queued;
  }

  private async paramsOf(p: Principal, operation: SchedulerOperation, input: JobConfigInput): Promise<unknown> {
    if (operation === 'cckm_key_rotation') return checkRotationParams(input.cckm_key_rotation_params);
    if (operation === 'cckm_synchronization') return this.syncParams(p, input);
    return {};
  }

  /** `cckm_synchronization_params` with its KMS accounts resolved in the caller's account. */
  private async syncParams(p: Principal, input: JobConfigInput): Promise<SyncParams> {
    const at = 'cckm_synchronization_params';
    const shape = checkSyncParamsShape(input.cckm_synchronization_params);
    if (shape.synchronize_all)
      return { cloud_name: shape.cloud_name, kms_ids: [], kms: [], regions: null, synchronize_all: true };
    const accounts: KmsAccountRecord[] = [];
    for (const [i, ref] of shape.kms!.entries()) {
      const k = await this.kms.find(p, ref, `${at}.kms[${i}]`);
      if (!accounts.some((a) => a.id === k.id)) accounts.push(k);
    }
    for (const [i, region] of (shape.regions ?? []).entries()) {
      const missing = accounts.find((k) => !k.regions.includes(region));
      if (missing)
        throw ValidationError.field(
          `${at}.regions[${i}]`,
          `${region} is not one of the regions of KMS account ${missing.name}`,
        );
    }
    return {
      cloud_name: shape.cloud_name,
      kms_ids: accounts.map((k) => k.id),
      kms: accounts.map((k) => k.name),
      regions: shape.regions ? [...new Set(shape.regions)] : null,
      synchronize_all: false,
    };
  }
}

/** Runs per page of a runs list (each holds one result per key of its run). */
const MAX_RUNS_PAGE = 20;
/** Keys one rotation job config may have attached (a run's results stay bounded). */
export const MAX_ATTACHED_KEYS = 10_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
