-- Notifications (issue 15 item 4): webhook subscriptions per account and their deliveries.
-- A delivery row is written for each subscription an event matches (one statement, so a
-- subscription gets an event once: unique per webhook and event id); workers of every
-- instance claim due rows with FOR UPDATE SKIP LOCKED under a lease timed by the database
-- clock, and a failed attempt is retried at `next_attempt_at` (exponential backoff).
CREATE TABLE "webhooks" (
  "id" UUID NOT NULL,
  "account" TEXT NOT NULL,
  "url" TEXT NOT NULL,
  "description" TEXT,
  "sealed_secret" BYTEA NOT NULL,
  "events" TEXT[],
  "disabled" BOOLEAN NOT NULL DEFAULT false,
  "created_by" TEXT,
  "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "webhooks_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "webhooks_account_created_at_id_idx" ON "webhooks"("account", "created_at", "id");

CREATE TABLE "webhook_deliveries" (
  "id" UUID NOT NULL,
  "webhook_id" UUID NOT NULL,
  "account" TEXT NOT NULL,
  "event_id" UUID NOT NULL,
  "event_type" TEXT NOT NULL,
  "payload" JSONB NOT NULL DEFAULT '{}',
  "status" TEXT NOT NULL DEFAULT 'pending',
  "attempts" INTEGER NOT NULL DEFAULT 0,
  "next_attempt_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "lease_owner" TEXT,
  "lease_until" TIMESTAMPTZ(6),
  "response_code" INTEGER,
  "response_excerpt" TEXT,
  "last_error" TEXT,
  "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "finished_at" TIMESTAMPTZ(6),
  CONSTRAINT "webhook_deliveries_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "webhook_deliveries_webhook_id_event_id_key" ON "webhook_deliveries"("webhook_id", "event_id");
CREATE INDEX "webhook_deliveries_status_next_attempt_at_idx" ON "webhook_deliveries"("status", "next_attempt_at");
CREATE INDEX "webhook_deliveries_webhook_id_created_at_id_idx" ON "webhook_deliveries"("webhook_id", "created_at", "id");
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_webhook_id_fkey"
  FOREIGN KEY ("webhook_id") REFERENCES "webhooks"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- key.material_expiring is published once per key and ValidTo: the instance whose insert
-- wins publishes it. Rows are pruned once their ValidTo has passed (no notice is due then).
CREATE TABLE "webhook_expiry_notices" (
  "key_id" UUID NOT NULL,
  "account" TEXT NOT NULL,
  "valid_to" TIMESTAMPTZ(6) NOT NULL,
  "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "webhook_expiry_notices_pkey" PRIMARY KEY ("key_id", "valid_to")
);
