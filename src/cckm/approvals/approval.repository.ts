import type { ListQuery } from '../common/list.js';

/** The key actions that wait for approvals on a KMS account with `approvals_required` > 0. */
export type ApprovalAction = 'schedule-deletion' | 'delete-material' | 'policy';

/**
 * Stored states. `expired` is not stored: a `pending` row whose `expiresAt` has passed is
 * answered as expired (and filtered so), by the database clock.
 * - pending → rejected (one reject) | executing (the N-th approval claims the run)
 * - executing → executed | failed (the action's outcome)
 */
type StoredApprovalStatus = 'pending' | 'rejected' | 'executing' | 'executed' | 'failed';
export type ApprovalStatus = StoredApprovalStatus | 'expired';
/** One user's decision on an approval (one per user). */
export interface ApprovalVote {
  userId: string;
  username: string;
  decision: 'approve' | 'reject';
  comment: string | null;
  createdAt: Date;
}

export interface ApprovalRecord {
  id: string;
  account: string;
  kmsId: string;
  /** The key record's id (opencckm's), not the AWS key id. */
  keyId: string;
  action: ApprovalAction;
  /** The action's request body, run as is once approved. */
  body: Record<string, unknown>;
  requesterId: string;
  requesterName: string;
  requesterGroups: string[];
  /** Set when the requester is a user of an external issuer (no local user row). */
  requesterIssuer: string | null;
  /** Approvals needed (the KMS account's `approvals_required` when requested). */
  required: number;
  status: ApprovalStatus;
  expiresAt: Date;
  /** The error message of a failed action. */
  result: string | null;
  decidedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  votes: ApprovalVote[];
}

export type NewApproval = Omit<
  ApprovalRecord,
  'status' | 'result' | 'decidedAt' | 'createdAt' | 'updatedAt' | 'votes' | 'expiresAt'
> & {
  /** Hours from now (the database clock) until the approval expires. */
  ttlHours: number;
};

export interface ApprovalFilter {
  statuses?: ApprovalStatus[];
  kmsId?: string;
  keyId?: string;
  /** Only these KMS accounts (the ACL scope; an empty list matches nothing); undefined: all. */
  kmsIds?: string[];
}

/** Why a vote was not recorded. */
export type VoteRefusal = 'not_found' | 'not_pending' | 'expired' | 'already_voted';

/** Storage of approvals and their votes; every read and write is scoped by tenant account. */
export interface ApprovalRepository {
  create(a: NewApproval): Promise<ApprovalRecord>;
  find(account: string, id: string): Promise<ApprovalRecord | null>;
  list(account: string, filter: ApprovalFilter, q: ListQuery): Promise<{ total: number; rows: ApprovalRecord[] }>;
  /**
   * Records a vote if the approval is still pending and not expired (database clock) and the
   * user has not voted yet; otherwise says why not. Never two votes of one user.
   */
  vote(account: string, id: string, vote: Omit<ApprovalVote, 'createdAt'>): Promise<VoteRefusal | null>;
  /**
   * Moves a pending approval with at least `required` approve votes to `executing`, in one
   * conditional update: of any number of concurrent callers exactly one gets the record.
   */
  claimExecution(id: string): Promise<ApprovalRecord | null>;
  /** A pending approval → rejected (conditional); false when it was no longer pending. */
  reject(id: string): Promise<boolean>;
  /** An executing approval's outcome: executed, or failed with the error message. */
  finish(id: string, status: 'executed' | 'failed', result: string | null): Promise<ApprovalRecord>;
}
