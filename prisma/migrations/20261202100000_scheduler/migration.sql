-- The scheduler: job configs (`/api/v1/scheduler/job-configs`) fire runs on the existing job
-- queue. A run is a row of `jobs` linked to its config and to the cron tick it is for; the
-- unique index on (job_config_id, scheduled_at) makes a tick fire at most once whatever the
-- number of instances, and `next_run_at` (advanced in the same transaction that inserts the
-- run) makes it fire at least once, also after every instance was down (once, not per miss).
CREATE TABLE "job_configs" (
  "id" UUID NOT NULL,
  "account" TEXT NOT NULL,
  "name" TEXT NOT NULL,
  "description" TEXT,
  "operation" TEXT NOT NULL,
  "run_at" TEXT NOT NULL,
  "time_zone" TEXT NOT NULL DEFAULT 'UTC',
  "disabled" BOOLEAN NOT NULL DEFAULT false,
  "params" JSONB NOT NULL DEFAULT '{}',
  "next_run_at" TIMESTAMPTZ(6),
  "last_run_at" TIMESTAMPTZ(6),
  "created_by" TEXT,
  "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "job_configs_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "job_configs_account_name_key" ON "job_configs"("account", "name");
CREATE INDEX "job_configs_account_created_at_id_idx" ON "job_configs"("account", "created_at", "id");
CREATE INDEX "job_configs_disabled_next_run_at_idx" ON "job_configs"("disabled", "next_run_at");

ALTER TABLE "jobs" ADD COLUMN "job_config_id" UUID;
ALTER TABLE "jobs" ADD COLUMN "scheduled_at" TIMESTAMPTZ(6);
CREATE UNIQUE INDEX "jobs_job_config_id_scheduled_at_key" ON "jobs"("job_config_id", "scheduled_at");
CREATE INDEX "jobs_job_config_id_created_at_idx" ON "jobs"("job_config_id", "created_at");
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_job_config_id_fkey"
  FOREIGN KEY ("job_config_id") REFERENCES "job_configs"("id") ON DELETE SET NULL ON UPDATE CASCADE;

ALTER TABLE "aws_keys" ADD COLUMN "rotation_job_enabled" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "aws_keys" ADD COLUMN "job_config_id" UUID;
ALTER TABLE "aws_keys" ADD COLUMN "auto_rotate_key_source" TEXT;
ALTER TABLE "aws_keys" ADD COLUMN "rotated_at" TIMESTAMPTZ(6);
ALTER TABLE "aws_keys" ADD COLUMN "next_rotation_at" TIMESTAMPTZ(6);
CREATE INDEX "aws_keys_job_config_id_idx" ON "aws_keys"("job_config_id");
ALTER TABLE "aws_keys" ADD CONSTRAINT "aws_keys_job_config_id_fkey"
  FOREIGN KEY ("job_config_id") REFERENCES "job_configs"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
