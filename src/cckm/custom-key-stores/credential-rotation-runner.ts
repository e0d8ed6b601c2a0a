import { ConflictError, failureReason, NotFoundError } from '../../errors/index.js';
import type { UnitOutcome } from '../jobs/job.repository.js';
import { UnitStopped, type UnitContext, type UnitRunner } from '../jobs/job-workers.js';
import type { XksRotationRunParams, XksRotationUnitPayload } from '../scheduler/run-planner.js';
import type { XksCredentialRotation } from './credential-rotation.js';
import type { CustomKeyStoreRepository } from './custom-key-store.repository.js';

/**
 * The outcome for one store of an XKS credential rotation run. `rotated`: AWS holds the new
 * credential and the old one is refused; `skipped`: detached after the run was queued, or the
 * run was cancelled first; `not_rotatable`: the store cannot rotate now (gone, unlinked, not
 * hosted, deleted), with the reason; `failed`: the rotation was refused, with the error.
 */
export interface StoreRotationResult {
  custom_key_store_id: string;
  status: 'rotated' | 'skipped' | 'not_rotatable' | 'failed';
  reason?: string;
  /** After a rotation: the store's credential version (completed rotations). */
  credential_version?: number;
}

type Progress = Record<'total' | 'rotated' | 'skipped' | 'not_rotatable' | 'failed', number>;

/**
 * Runs a `cckm_xks_credential_rotation` run: the proxy credential of each hosted store
 * attached when the run was queued is rotated through {@link XksCredentialRotation}, one
 * store after the other, with the run's principal (the scheduler, in the config's account).
 * A rotation left pending by an earlier failure is finished, not started again.
 */
export class XksCredentialRotationRunner implements UnitRunner {
  constructor(
    private readonly repo: CustomKeyStoreRepository,
    private readonly rotation: XksCredentialRotation,
  ) {}

  async run(ctx: UnitContext): Promise<UnitOutcome> {
    const params = ctx.unit.params as XksRotationRunParams;
    const { stores } = ctx.unit.payload as XksRotationUnitPayload;
    const progress: Progress = { total: stores.length, rotated: 0, skipped: 0, not_rotatable: 0, failed: 0 };
    const results: StoreRotationResult[] = [];
    for (const [i, storeId] of stores.entries()) {
      const signal = await ctx.checkpoint(progress, `in progress: ${i} of ${stores.length} custom key stores`);
      if (signal === 'stop') throw new UnitStopped();
      if (signal === 'cancel') {
        for (const id of stores.slice(i))
          results.push({
            custom_key_store_id: id,
            status: 'skipped',
            reason: 'the run was cancelled before this store',
          });
        progress.skipped += stores.length - i;
        return { status: 'cancelled', message: `cancelled after ${i} of ${stores.length} stores`, progress, results };
      }
      const result = await this.rotateOne(ctx, params, storeId);
      results.push(result);
      progress[result.status]++;
    }
    const message = stores.length
      ? `completed: ${progress.rotated} rotated, ${progress.skipped} skipped, ${progress.not_rotatable} not rotatable, ${progress.failed} failed`
      : 'completed: no custom key store is attached to this job config';
    return { status: 'completed', message, progress, results };
  }

  private async rotateOne(ctx: UnitContext, params: XksRotationRunParams, id: string): Promise<StoreRotationResult> {
    const p = ctx.unit.principal;
    const store = await this.repo.find(p.account, id);
    if (!store)
      return {
        custom_key_store_id: id,
        status: 'not_rotatable',
        reason: 'the custom key store record no longer exists',
      };
    if (!store.credentialRotationJobEnabled || store.jobConfigId !== params.job_config_id)
      return { custom_key_store_id: id, status: 'skipped', reason: 'the store was detached from this job config' };
    try {
      const v = await this.rotation.rotateCredential(p, id);
      return { custom_key_store_id: id, status: 'rotated', credential_version: v.store.xksCredentialVersion };
    } catch (err) {
      // The store's own state forbids a rotation (gone, unlinked, not hosted, deleted meanwhile): reported, not failed.
      const blocked = err instanceof NotFoundError || (err instanceof ConflictError && !err.awsName);
      return { custom_key_store_id: id, status: blocked ? 'not_rotatable' : 'failed', reason: failureReason(err) };
    }
  }
}
