-- Policy-template drift: a key linked to a template whose policy in AWS no longer matches
-- the template (changed outside opencckm). Evaluated whenever opencckm reads the key's
-- policy (actions, refresh, sync); re-applying the template clears it.
ALTER TABLE "aws_keys" ADD COLUMN "policy_drift" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "aws_keys" ADD COLUMN "policy_drift_checked_at" TIMESTAMPTZ(6);
-- The keys list filter `policy_drift=true` within an account.
CREATE INDEX "aws_keys_account_policy_drift_idx" ON "aws_keys"("account", "policy_drift");
