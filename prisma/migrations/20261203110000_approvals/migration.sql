-- Approvals for destructive key changes (issue 15 item 5). A KMS account with
-- approvals_required N > 0 turns schedule-deletion, delete-material and key policy changes
-- into a pending approval that N users other than the requester must approve. Approvers are
-- rows of approval_votes (one per user: the primary key), so a second vote by the same user
-- fails on the constraint; the execution is claimed by one conditional update of status.
ALTER TABLE "kms_accounts" ADD COLUMN "approvals_required" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "kms_accounts" ADD CONSTRAINT "kms_accounts_approvals_required_check"
  CHECK ("approvals_required" BETWEEN 0 AND 10);

CREATE TABLE "approvals" (
  "id" UUID NOT NULL,
  "account" TEXT NOT NULL,
  "kms_id" UUID NOT NULL,
  "key_id" UUID NOT NULL,
  "action" TEXT NOT NULL,
  "body" JSONB NOT NULL DEFAULT '{}',
  "requester_id" TEXT NOT NULL,
  "requester_name" TEXT NOT NULL,
  "requester_groups" TEXT[],
  "requester_issuer" TEXT,
  "required" INTEGER NOT NULL,
  "status" TEXT NOT NULL DEFAULT 'pending',
  "expires_at" TIMESTAMPTZ(6) NOT NULL,
  "result" TEXT,
  "decided_at" TIMESTAMPTZ(6),
  "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "approvals_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "approvals_account_created_at_id_idx" ON "approvals"("account", "created_at", "id");
CREATE INDEX "approvals_kms_id_idx" ON "approvals"("kms_id");
ALTER TABLE "approvals" ADD CONSTRAINT "approvals_kms_id_fkey"
  FOREIGN KEY ("kms_id") REFERENCES "kms_accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "approval_votes" (
  "approval_id" UUID NOT NULL,
  "user_id" TEXT NOT NULL,
  "username" TEXT NOT NULL,
  "decision" TEXT NOT NULL,
  "comment" TEXT,
  "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "approval_votes_pkey" PRIMARY KEY ("approval_id", "user_id")
);
ALTER TABLE "approval_votes" ADD CONSTRAINT "approval_votes_approval_id_fkey"
  FOREIGN KEY ("approval_id") REFERENCES "approvals"("id") ON DELETE CASCADE ON UPDATE CASCADE;
