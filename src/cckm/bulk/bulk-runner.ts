import type { Principal } from '../../auth/principal.js';
import { failureReason, NotFoundError } from '../../errors/index.js';
import type { KeyActionService } from '../keys/key-actions.service.js';
import type { KeyRepository } from '../keys/key.repository.js';
import type { UnitOutcome } from '../jobs/job.repository.js';
import { mapLimit } from '../jobs/concurrency.js';
import { creatorAsStored, creatorCheck, type CreatorNow } from '../jobs/creator-check.js';
import {
  cancelledAfter,
  UnitStopped,
  type UnitContext,
  type UnitRunner,
  type UnitSignal,
} from '../jobs/job-workers.js';

/** The bulk operations (the original's names). */
export const BULK_OPERATIONS = [
  'enablekey',
  'disablekey',
  'schedulekeydeletion',
  'cancelkeydeletion',
  'applypolicytemplate',
] as const;
export type BulkOperation = (typeof BULK_OPERATIONS)[number];

/** The resolved request, stored with the job. */
export interface BulkJobParams {
  operation: BulkOperation;
  days?: number;
  policy_template_id?: string;
  total: number;
}

/** One chunk of a bulk job's keys. */
export interface BulkUnitPayload {
  keys: string[];
}

/** The outcome for one key. `skipped`: nothing to do (already in the wanted state) or the job was cancelled first. */
export interface BulkKeyResult {
  key_id: string;
  status: 'succeeded' | 'failed' | 'skipped';
  error?: string;
}

/**
 * The approval gate (ApprovalService): on a KMS account with `approvals_required`, a key's
 * deletion or policy change becomes a pending approval requested by the job's creator.
 */
export interface BulkApprovalGate {
  request(
    p: Principal,
    action: 'schedule-deletion' | 'policy',
    keyId: string,
    body: Record<string, unknown>,
  ): Promise<{ id: string } | null>;
}

type Progress = { total: number; succeeded: number; failed: number; skipped: number };

/**
 * Runs one chunk of a bulk job: each key goes through the same {@link KeyActionService}
 * method its single-key endpoint uses, as the job's creator. A key that fails (unknown id,
 * another account's key, AWS refusing) is a failed result, not a failed job. A key already
 * in the wanted deletion state is skipped, which also makes a chunk safe to run again
 * after its instance died.
 */
export class BulkRunner implements UnitRunner {
  constructor(
    private readonly actions: KeyActionService,
    private readonly keys: KeyRepository,
    /**
     * The job's creator as they are now (groups included), or undefined once deleted,
     * disabled or moved to another account: revoking a user stops their bulk jobs too.
     */
    private readonly creatorNow: CreatorNow = creatorAsStored,
    /** Keys of one chunk acted on at once. */
    private readonly concurrency = 8,
    /** Destructive operations on KMS accounts that require approvals wait for them (none: no gate). */
    private readonly approvals?: BulkApprovalGate,
  ) {}

  async run(ctx: UnitContext): Promise<UnitOutcome> {
    const params = ctx.unit.params as BulkJobParams;
    const { keys } = ctx.unit.payload as BulkUnitPayload;
    // The creator must still hold keybulkoperation on some KMS account; each key's own is checked in runOne.
    const creator = creatorCheck(this.creatorNow, ctx.unit.principal as Principal, async (p) => {
      const ids = await this.actions.acls.viewableKmsIds(p, 'keybulkoperation');
      return ids === 'all' || ids.length > 0;
    });
    const results = new Array<BulkKeyResult | undefined>(keys.length);
    const progress: Progress = { total: keys.length, succeeded: 0, failed: 0, skipped: 0 };
    const state: { signal: UnitSignal; revoked: boolean } = { signal: 'continue', revoked: false };
    let done = 0;
    await mapLimit(keys, this.concurrency, async (keyId, i) => {
      if (state.signal === 'continue')
        state.signal = await ctx.checkpoint(progress, `in progress: ${done} of ${keys.length} keys`);
      if (state.signal !== 'continue' || state.revoked) return;
      const p = await creator();
      if (!p) {
        state.revoked = true;
        return;
      }
      const result = await this.runOne(p, params, keyId);
      results[i] = result;
      progress[result.status]++;
      done++;
    });
    if (state.signal === 'stop') throw new UnitStopped();
    const why = state.revoked ? "the job's creator may no longer change keys" : 'the job was cancelled before this key';
    const final = keys.map((key_id, i) => results[i] ?? { key_id, status: 'skipped' as const, error: why });
    if (state.revoked && state.signal !== 'cancel') {
      progress.skipped += keys.length - done;
      return {
        status: 'failed',
        message: `stopped after ${done} of ${keys.length} keys: the job's creator was deleted, disabled or lost the right to change keys`,
        progress,
        results: final,
      };
    }
    if (state.signal === 'cancel') return cancelledAfter(done, keys.length, progress, final);
    return {
      status: 'completed',
      message: `completed: ${progress.succeeded} succeeded, ${progress.failed} failed, ${progress.skipped} skipped`,
      progress,
      results: final,
    };
  }

  private async runOne(p: Principal, params: BulkJobParams, keyId: string): Promise<BulkKeyResult> {
    try {
      const key = await this.keys.find(p.account, keyId);
      if (!key) throw new NotFoundError(`Key ${keyId} not found`);
      await this.actions.acls.assertPermitted(p, key.kmsId, 'keybulkoperation');
      if (params.operation === 'schedulekeydeletion' && key.keyState === 'PendingDeletion') {
        return { key_id: keyId, status: 'skipped', error: 'already pending deletion' };
      }
      if (
        params.operation === 'cancelkeydeletion' &&
        key.keyState !== 'PendingDeletion' &&
        key.keyState !== 'PendingReplicaDeletion'
      ) {
        return { key_id: keyId, status: 'skipped', error: `not pending deletion (${key.keyState ?? 'unknown state'})` };
      }
      const pending = await this.gate(p, params, keyId);
      if (pending) {
        return { key_id: keyId, status: 'skipped', error: `waiting for approval ${pending.id} (approvals_required)` };
      }
      await this.act(p, params, keyId);
      return { key_id: keyId, status: 'succeeded' };
    } catch (err) {
      return { key_id: keyId, status: 'failed', error: failureReason(err) };
    }
  }

  /** A pending approval instead of the deletion or policy change, when the key's KMS account requires approvals. */
  private gate(p: Principal, params: BulkJobParams, id: string): Promise<{ id: string } | null> {
    if (!this.approvals) return Promise.resolve(null);
    if (params.operation === 'schedulekeydeletion')
      return this.approvals.request(p, 'schedule-deletion', id, params.days !== undefined ? { days: params.days } : {});
    if (params.operation === 'applypolicytemplate')
      return this.approvals.request(p, 'policy', id, { policytemplate: params.policy_template_id! });
    return Promise.resolve(null);
  }

  private act(p: Principal, params: BulkJobParams, id: string): Promise<unknown> {
    switch (params.operation) {
      case 'enablekey':
        return this.actions.enable(p, id);
      case 'disablekey':
        return this.actions.disable(p, id);
      case 'schedulekeydeletion':
        return this.actions.scheduleDeletion(p, id, params.days);
      case 'cancelkeydeletion':
        return this.actions.cancelDeletion(p, id);
      case 'applypolicytemplate':
        return this.actions.putPolicy(p, id, { policytemplate: params.policy_template_id! });
    }
  }
}
