import { ownership } from '../../auth/principal.js';
import type { ApprovalRecord } from '../../cckm/approvals/approval.repository.js';

type Json = Record<string, unknown>;

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

/**
 * An approval of a destructive key change: what runs (`action`, `key_id`, the stored
 * `request_body`), who asked, how many approvals it needs and has, each decision, and the
 * outcome (`status`, `result` holding the error message of a failed action).
 */
export function approval(a: ApprovalRecord): Json {
  const o = ownership(a.account);
  return {
    id: a.id,
    uri: `kylo:kylo:cckm:approval:${a.id}`,
    account: o.account,
    application: o.application,
    devAccount: o.devAccount,
    createdAt: iso(a.createdAt),
    updatedAt: iso(a.updatedAt),
    action: a.action,
    key_id: a.keyId,
    kms_id: a.kmsId,
    request_body: a.body,
    requester_id: a.requesterId,
    requester: a.requesterName,
    required: a.required,
    approvals: a.votes.filter((v) => v.decision === 'approve').length,
    status: a.status,
    expires_at: iso(a.expiresAt),
    decided_at: iso(a.decidedAt),
    result: a.result,
    decisions: a.votes.map((v) => ({
      user_id: v.userId,
      username: v.username,
      decision: v.decision,
      comment: v.comment,
      at: iso(v.createdAt),
    })),
  };
}
