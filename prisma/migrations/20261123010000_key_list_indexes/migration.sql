-- Key lists sort by (created_at, id) within an account, optionally within a region:
-- indexes in exactly that order let PostgreSQL walk them instead of sorting.
DROP INDEX "aws_keys_account_created_at_idx";
DROP INDEX "aws_keys_account_region_idx";
CREATE INDEX "aws_keys_account_created_at_id_idx" ON "aws_keys"("account", "created_at", "id");
CREATE INDEX "aws_keys_account_region_created_at_id_idx" ON "aws_keys"("account", "region", "created_at", "id");
