import type { Tag } from '@aws-sdk/client-kms';
import type { Principal } from '../../auth/principal.js';
import { AppError, failureReason } from '../../errors/index.js';
import type { KeyRecord } from '../common/records.js';
import type { KeyActionService } from '../keys/key-actions.service.js';
import { importKeyMaterial } from '../keys/key-material.js';
import type { KeyRepository } from '../keys/key.repository.js';
import { mapLimit } from '../jobs/concurrency.js';
import type { UnitOutcome } from '../jobs/job.repository.js';
import {
  cancelledAfter,
  UnitStopped,
  type UnitContext,
  type UnitRunner,
  type UnitSignal,
} from '../jobs/job-workers.js';
import type { RotationRunParams, RotationUnitPayload } from './run-planner.js';
import { unrotatableReason } from './rotation-job.service.js';

/**
 * The outcome for one key of a rotation run. `skipped`: the config's filters left it out
 * this time (or it was detached); `not_rotatable`: it cannot rotate now or ever (state,
 * spec, origin, replica), reported with the reason; `failed`: AWS refused the rotation.
 */
export interface RotationKeyResult {
  key_id: string;
  status: 'rotated' | 'skipped' | 'not_rotatable' | 'failed';
  reason?: string;
  /** The material that became current (AWS's KeyMaterialId), when AWS reports it. */
  key_material_id?: string;
  /** BYOK: when the imported material expires. */
  valid_to?: string;
}

type Progress = Record<'total' | 'rotated' | 'skipped' | 'not_rotatable' | 'failed', number>;

const DAY = 86_400_000;

const days = (ms: number) => (ms % DAY === 0 ? `${ms / DAY}d` : `${ms / 3_600_000}h`);

/**
 * Runs one chunk of a rotation run. AWS_KMS keys rotate with RotateKeyOnDemand; EXTERNAL
 * (BYOK) keys get new material generated here and imported with ImportType NEW_KEY_MATERIAL
 * (with the config's expiration as its ValidTo), then RotateKeyOnDemand makes it current, so
 * the key id stays and earlier ciphertexts still decrypt. Each key's outcome is a result
 * and is stored on the key record (`rotation_status`, `rotated_at`, `next_rotation_at`).
 */
export class RotationRunner implements UnitRunner {
  constructor(
    private readonly keys: KeyRepository,
    private readonly actions: KeyActionService,
    /** Keys of one chunk rotated at once. */
    private readonly concurrency = 8,
  ) {}

  async run(ctx: UnitContext): Promise<UnitOutcome> {
    const params = ctx.unit.params as RotationRunParams;
    const { keys } = ctx.unit.payload as RotationUnitPayload;
    const p = ctx.unit.principal;
    const results = new Array<RotationKeyResult | undefined>(keys.length);
    const progress: Progress = { total: keys.length, rotated: 0, skipped: 0, not_rotatable: 0, failed: 0 };
    const state: { signal: UnitSignal } = { signal: 'continue' };
    let done = 0;
    await mapLimit(keys, this.concurrency, async (keyId, i) => {
      if (state.signal === 'continue')
        state.signal = await ctx.checkpoint(progress, `in progress: ${done} of ${keys.length} keys`);
      if (state.signal !== 'continue') return;
      const result = await this.rotateOne(p, params, keyId);
      results[i] = result;
      progress[result.status]++;
      done++;
    });
    if (state.signal === 'stop') throw new UnitStopped();
    const final = keys.map(
      (key_id, i) =>
        results[i] ?? { key_id, status: 'skipped' as const, reason: 'the run was cancelled before this key' },
    );
    if (state.signal === 'cancel') return cancelledAfter(done, keys.length, progress, final);
    const message = keys.length
      ? `completed: ${progress.rotated} rotated, ${progress.skipped} skipped, ${progress.not_rotatable} not rotatable, ${progress.failed} failed`
      : 'completed: no key is attached to this job config';
    return { status: 'completed', message, progress, results: final };
  }

  private async rotateOne(p: Principal, params: RotationRunParams, keyId: string): Promise<RotationKeyResult> {
    const key = await this.keys.find(p.account, keyId).catch(() => null);
    if (!key) return { key_id: keyId, status: 'skipped', reason: 'the key record no longer exists' };
    if (!key.rotationJobEnabled || key.jobConfigId !== params.job_config_id)
      return { key_id: keyId, status: 'skipped', reason: 'the key was detached from this job config' };
    const why = this.blocker(key, params);
    if (why) {
      await this.record(key, { rotationStatus: 'not_rotatable', nextRotationAt: nextOf(params) });
      return { key_id: keyId, status: 'not_rotatable', reason: why };
    }
    const filtered = this.filteredOut(key, params);
    if (filtered) {
      await this.record(key, { nextRotationAt: nextOf(params) });
      return { key_id: keyId, status: 'skipped', reason: filtered };
    }
    try {
      const rotated = await this.rotate(p, key, params);
      this.actions.rotationOutcome(key, { rotated: true });
      return rotated;
    } catch (err) {
      await this.record(key, { rotationStatus: 'failed', nextRotationAt: nextOf(params) });
      this.actions.rotationOutcome(key, { rotated: false, reason: failureReason(err) });
      return { key_id: keyId, status: 'failed', reason: failureReason(err) };
    }
  }

  /** Why the key cannot rotate now (or ever), from its record. */
  private blocker(key: KeyRecord, params: RotationRunParams): string | undefined {
    if (key.gone) return 'the key no longer exists in AWS (gone)';
    if (!key.kmsKeyId) return `the key is still being created (status ${key.status})`;
    const never = unrotatableReason(key);
    if (never) return never;
    if (key.cloudName !== params.params.cloud_name)
      return `the key is in cloud ${key.cloudName}; this job config rotates ${params.params.cloud_name} keys`;
    if (key.multiRegionKeyType === 'REPLICA')
      return 'the key is a multi-Region replica; its primary key rotates for it';
    if (key.keyState && key.keyState !== 'Enabled') return `the key is ${key.keyState}; only Enabled keys can rotate`;
    return undefined;
  }

  /** Why the config's filters leave the key out of this run. */
  private filteredOut(key: KeyRecord, params: RotationRunParams): string | undefined {
    const { expireInMs, rotationAfterMs, expire_in, rotation_after } = params.params;
    const now = Date.now();
    if (expireInMs !== undefined) {
      const validTo = (key.awsParam as { ValidTo?: string } | null)?.ValidTo;
      const at = validTo ? Date.parse(validTo) : NaN;
      if (Number.isNaN(at)) return `its key material does not expire (expire_in ${expire_in})`;
      if (at - now > expireInMs) return `its key material expires after the expire_in window (${expire_in})`;
    }
    if (rotationAfterMs !== undefined) {
      const last = key.rotatedAt ?? key.awsCreatedAt ?? key.createdAt;
      if (now - last.getTime() < rotationAfterMs)
        return `rotated or created less than rotation_after (${rotation_after ?? days(rotationAfterMs)}) ago`;
    }
    return undefined;
  }

  private async rotate(p: Principal, key: KeyRecord, params: RotationRunParams): Promise<RotationKeyResult> {
    const t = await this.actions.target(p, key.id, 'keyrotate');
    const now = new Date();
    const { expirationMs } = params.params;
    const validTo =
      key.origin === 'EXTERNAL' && expirationMs !== undefined ? new Date(now.getTime() + expirationMs) : undefined;
    await this.actions.guard(t, async () => {
      if (key.origin === 'EXTERNAL') {
        try {
          await importKeyMaterial(t.provider, t.keyId, 'SYMMETRIC_DEFAULT', 'EXTERNAL', {
            import_type: 'NEW_KEY_MATERIAL',
            key_material_description: `opencckm scheduled rotation by job config ${params.job_config_name}`,
            ...(validTo ? { key_expiration: true, valid_to: validTo.toISOString() } : { key_expiration: false }),
          });
        } catch (err) {
          // A rotation cut short after its import left that material pending: rotating to it finishes the job.
          if (!(err instanceof AppError && /pending rotation/.test(err.message))) throw err;
        }
      }
      await t.provider.kms('RotateKeyOnDemand', { KeyId: t.keyId });
    });
    // A rotation changes the material only: the policy, aliases and tags the record holds are kept, not read again.
    const held = (key.awsParam ?? {}) as { Policy?: unknown; Alias?: unknown; Tags?: unknown };
    const view = await this.actions.reread(
      t,
      { rotationStatus: 'rotated', rotatedAt: now, nextRotationAt: nextOf(params) },
      {
        ...(held.Policy !== undefined ? { policy: held.Policy } : {}),
        ...(Array.isArray(held.Alias) ? { aliases: held.Alias as string[] } : {}),
        ...(Array.isArray(held.Tags) ? { tags: held.Tags as Tag[] } : {}),
      },
    );
    const aws = (view.key.awsParam ?? {}) as { CurrentKeyMaterialId?: string; ValidTo?: string };
    return {
      key_id: key.id,
      status: 'rotated',
      ...(aws.CurrentKeyMaterialId ? { key_material_id: aws.CurrentKeyMaterialId } : {}),
      ...(validTo ? { valid_to: aws.ValidTo ?? validTo.toISOString() } : {}),
    };
  }

  private async record(key: KeyRecord, changes: Partial<KeyRecord>): Promise<void> {
    await this.keys.update(key.id, changes).catch(() => undefined);
  }
}

const nextOf = (params: RotationRunParams) => (params.next_run_at ? new Date(params.next_run_at) : null);
