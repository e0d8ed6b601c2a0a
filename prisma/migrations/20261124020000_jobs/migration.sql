-- Synchronization and bulk jobs on a PostgreSQL queue. A job is split into units (one per
-- KMS account x region for sync, one per chunk of keys for bulk); workers of any instance
-- claim units with FOR UPDATE SKIP LOCKED and hold them under a lease they keep renewing,
-- so a unit whose instance died is taken over once its lease expires.
CREATE TABLE "jobs" (
  "id" UUID NOT NULL,
  "account" TEXT NOT NULL,
  "kind" TEXT NOT NULL,
  "status" TEXT NOT NULL DEFAULT 'in_progress',
  "params" JSONB NOT NULL DEFAULT '{}',
  "principal" JSONB NOT NULL DEFAULT '{}',
  "cancel_requested" BOOLEAN NOT NULL DEFAULT false,
  "created_by" TEXT,
  "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "completed_at" TIMESTAMPTZ(6),
  CONSTRAINT "jobs_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "jobs_account_kind_created_at_id_idx" ON "jobs"("account", "kind", "created_at", "id");

CREATE TABLE "job_units" (
  "job_id" UUID NOT NULL,
  "seq" INTEGER NOT NULL,
  "label" TEXT NOT NULL,
  "status" TEXT NOT NULL DEFAULT 'pending',
  "active_scope" TEXT,
  "payload" JSONB NOT NULL DEFAULT '{}',
  "progress" JSONB NOT NULL DEFAULT '{}',
  "results" JSONB NOT NULL DEFAULT '[]',
  "message" TEXT,
  "lease_owner" TEXT,
  "lease_until" TIMESTAMPTZ(6),
  "attempts" INTEGER NOT NULL DEFAULT 0,
  "started_at" TIMESTAMPTZ(6),
  "finished_at" TIMESTAMPTZ(6),
  CONSTRAINT "job_units_pkey" PRIMARY KEY ("job_id", "seq")
);
CREATE UNIQUE INDEX "job_units_active_scope_key" ON "job_units"("active_scope");
CREATE INDEX "job_units_status_lease_until_idx" ON "job_units"("status", "lease_until");
ALTER TABLE "job_units" ADD CONSTRAINT "job_units_job_id_fkey"
  FOREIGN KEY ("job_id") REFERENCES "jobs"("id") ON DELETE CASCADE ON UPDATE CASCADE;
