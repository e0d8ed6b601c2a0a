import { randomUUID } from 'node:crypto';
import type { Principal } from '../../auth/principal.js';
import { AppError, ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../errors/index.js';
import { httpStatusOf } from '../../errors/http-mapping.js';
import type { AuditService } from '../audit/audit.service.js';
import type { ListQuery, Page } from '../common/list.js';
import type { PolicyActionInput } from '../keys/key-action-bodies.js';
import type { KeyActionService, KeyNeed } from '../keys/key-actions.service.js';
import type { KeyRepository } from '../keys/key.repository.js';
import {
  KEY_VIEW_PERMISSIONS,
  keyDeletePermission,
  restrictKmsIds,
  type KmsAcls,
  type KmsPermission,
} from '../kms/kms-acls.js';
import type { KmsService } from '../kms/kms.service.js';
import type {
  ApprovalAction,
  ApprovalFilter,
  ApprovalRecord,
  ApprovalRepository,
  ApprovalStatus,
  VoteRefusal,
} from './approval.repository.js';

/** What the requester needs to ask for the action, and an approver to approve it. */
const NEED: Readonly<Record<ApprovalAction, KeyNeed>> = {
  'schedule-deletion': 'delete',
  'delete-material': 'keymaterialdelete',
  policy: 'keyupdate',
};

export interface ApprovalListFilter {
  statuses?: ApprovalStatus[];
  /** A KMS account by name or id. */
  kms?: string;
  keyId?: string;
}

export interface ApprovalDeps {
  repo: ApprovalRepository;
  keys: KeyRepository;
  kms: KmsService;
  actions: KeyActionService;
  audit: AuditService;
  /** The requester as they are now (current groups), or undefined once deleted, disabled or moved. */
  principalNow: (p: Principal) => Promise<Principal | undefined>;
  /** CCKM_APPROVAL_TTL_HOURS. */
  ttlHours: number;
}

/**
 * Approvals for destructive key changes (issue 15 item 5). On a KMS account with
 * `approvals_required` N > 0, schedule-deletion, delete-material and key policy changes
 * become a pending approval: N users other than the requester, each holding the action's
 * permission on the KMS account, must approve before the action runs, as the requester,
 * through the same {@link KeyActionService} method the route would have called. One reject
 * ends it; a pending approval expires after the configured time.
 */
export class ApprovalService {
  constructor(private readonly d: ApprovalDeps) {}

  private get acls(): KmsAcls {
    return this.d.kms.acls;
  }

  /**
   * The gate in front of a destructive action: checks the caller may ask for it on the key
   * (the action's own permission), then answers null when the key's KMS account needs no
   * approvals (the route runs the action) or the pending approval it stored.
   * @throws NotFoundError; ForbiddenError naming the permission; KeyStateError; ValidationError naming the field
   */
  async request(
    p: Principal,
    action: ApprovalAction,
    keyId: string,
    body: Record<string, unknown>,
  ): Promise<ApprovalRecord | null> {
    const t = await this.d.actions.target(p, keyId, NEED[action]);
    if (!t.kms.approvalsRequired) return null;
    if (action === 'schedule-deletion' && body.days !== undefined) {
      const days = body.days;
      if (typeof days !== 'number' || !Number.isInteger(days) || days < 7 || days > 30)
        throw ValidationError.field('days', 'must be an integer from 7 to 30');
    }
    return this.d.repo.create({
      id: randomUUID(),
      account: p.account,
      kmsId: t.kms.id,
      keyId: t.key.id,
      action,
      body,
      requesterId: p.userId,
      requesterName: p.username,
      requesterGroups: [...p.groups],
      requesterIssuer: p.issuer ?? null,
      required: t.kms.approvalsRequired,
      ttlHours: this.d.ttlHours,
    });
  }

  /** The approvals of the caller's account on KMS accounts whose keys the caller may view. */
  async list(p: Principal, f: ApprovalListFilter, q: ListQuery): Promise<Page<ApprovalRecord>> {
    const viewable = await this.acls.viewableKmsIds(p, KEY_VIEW_PERMISSIONS);
    const filter: ApprovalFilter = {};
    if (f.statuses) filter.statuses = f.statuses;
    if (f.keyId) filter.keyId = f.keyId;
    if (f.kms) filter.kmsId = (await this.d.kms.find(p, f.kms, 'kms')).id;
    const kmsIds = restrictKmsIds(undefined, viewable);
    if (kmsIds) filter.kmsIds = kmsIds;
    const { total, rows } = await this.d.repo.list(p.account, filter, q);
    return { skip: q.skip, limit: q.limit, total, resources: rows };
  }

  /** @throws NotFoundError (not in the caller's account); ForbiddenError (no view permission on its KMS account) */
  async get(p: Principal, id: string): Promise<ApprovalRecord> {
    const a = await this.d.repo.find(p.account, id);
    if (!a) throw new NotFoundError(`Approval ${id} not found`);
    await this.acls.assertPermitted(p, a.kmsId, KEY_VIEW_PERMISSIONS);
    return a;
  }

  /**
   * Records the caller's approval; the N-th one runs the action (exactly once, whatever the
   * number of approvers at the same moment) and the answer shows its outcome.
   * @throws NotFoundError; ForbiddenError (the requester, or the action's permission lacking); ConflictError (not pending, expired, already decided)
   */
  async approve(p: Principal, id: string, comment: string | undefined, requestId: string): Promise<ApprovalRecord> {
    const a = await this.decidable(p, id);
    if (a.requesterId === p.userId)
      throw new ForbiddenError(`The requester of approval ${a.id} cannot approve their own request`);
    await this.vote(p, a, 'approve', comment);
    const claimed = await this.d.repo.claimExecution(a.id);
    if (!claimed) return (await this.d.repo.find(p.account, a.id)) ?? a;
    return this.execute(claimed, requestId);
  }

  /**
   * Rejects a pending approval (the requester may withdraw their own). It ends there.
   * @throws NotFoundError; ForbiddenError (the action's permission lacking); ConflictError (not pending, expired, already decided)
   */
  async reject(p: Principal, id: string, comment: string | undefined): Promise<ApprovalRecord> {
    const a = await this.decidable(p, id);
    await this.vote(p, a, 'reject', comment);
    if (!(await this.d.repo.reject(a.id))) {
      throw new ConflictError(`Approval ${a.id} was decided meanwhile; it is no longer pending`);
    }
    return (await this.d.repo.find(p.account, a.id)) ?? a;
  }

  /** Loads an approval the caller may decide on: visible, pending, and the action's permission held. */
  private async decidable(p: Principal, id: string): Promise<ApprovalRecord> {
    const a = await this.get(p, id);
    await this.acls.assertPermitted(p, a.kmsId, await this.permissionOf(a));
    assertPending(a);
    return a;
  }

  /** The permission that approves the action (keydelete by the key's origin, keymaterialdelete, keyupdate). */
  private async permissionOf(a: ApprovalRecord): Promise<KmsPermission> {
    const need = NEED[a.action];
    if (need !== 'delete') return need as KmsPermission;
    const key = await this.d.keys.find(a.account, a.keyId);
    return keyDeletePermission(key?.origin ?? null);
  }

  private async vote(p: Principal, a: ApprovalRecord, decision: 'approve' | 'reject', comment?: string) {
    const refused = await this.d.repo.vote(p.account, a.id, {
      userId: p.userId,
      username: p.username,
      decision,
      comment: comment ?? null,
    });
    if (refused) throw refusal(a, refused);
  }

  /** Runs a claimed approval's action as its requester, records the outcome and audits it. */
  private async execute(a: ApprovalRecord, requestId: string): Promise<ApprovalRecord> {
    let error: AppError | Error | undefined;
    try {
      const requester = await this.d.principalNow({
        userId: a.requesterId,
        username: a.requesterName,
        account: a.account,
        groups: a.requesterGroups,
        ...(a.requesterIssuer ? { issuer: a.requesterIssuer } : {}),
      });
      if (!requester) throw new ForbiddenError(`The requester ${a.requesterName} is no longer an enabled user`);
      await this.run(requester, a);
    } catch (err) {
      error = err instanceof Error ? err : new Error(String(err));
    }
    const message = error ? failureText(error) : null;
    const done = await this.d.repo.finish(a.id, error ? 'failed' : 'executed', message);
    await this.d.audit.record({
      account: a.account,
      actor: a.requesterName,
      action: 'executeApproval',
      resourceType: 'approval',
      resourceId: a.id,
      result: error ? 'failure' : 'success',
      statusCode: error ? (error instanceof AppError ? httpStatusOf(error) : 500) : 200,
      requestId,
      details: {
        approval_action: a.action,
        key_id: a.keyId,
        approvers: done.votes.filter((v) => v.decision === 'approve').map((v) => v.username),
      },
    });
    return done;
  }

  private run(p: Principal, a: ApprovalRecord): Promise<unknown> {
    const b = a.body;
    switch (a.action) {
      case 'schedule-deletion':
        return this.d.actions.scheduleDeletion(p, a.keyId, typeof b.days === 'number' ? b.days : undefined);
      case 'delete-material':
        return this.d.actions.deleteMaterial(
          p,
          a.keyId,
          typeof b.key_material_id === 'string' ? b.key_material_id : undefined,
        );
      case 'policy':
        return this.d.actions.putPolicy(p, a.keyId, b as PolicyActionInput);
    }
  }
}

/** An AppError's message is safe for users (with AWS's exception name when AWS refused); anything else is not shown. */
function failureText(err: Error): string {
  if (!(err instanceof AppError)) return 'Internal error';
  return err.awsName && !err.message.includes(err.awsName) ? `${err.awsName}: ${err.message}` : err.message;
}

function assertPending(a: ApprovalRecord): void {
  if (a.status === 'expired')
    throw new ConflictError(`Approval ${a.id} expired at ${a.expiresAt.toISOString()}; request the action again`);
  if (a.status !== 'pending') throw new ConflictError(`Approval ${a.id} is ${a.status}, no longer pending`);
}

function refusal(a: ApprovalRecord, why: VoteRefusal): AppError {
  switch (why) {
    case 'not_found':
      return new NotFoundError(`Approval ${a.id} not found`);
    case 'already_voted':
      return new ConflictError(`This user has already decided on approval ${a.id}; one decision per user`);
    case 'expired':
      return new ConflictError(`Approval ${a.id} expired; request the action again`);
    case 'not_pending':
      return new ConflictError(`Approval ${a.id} is no longer pending`);
  }
}
