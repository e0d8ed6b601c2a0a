-- Source keys of opencckm's own XKS proxy. The AES-256 material is sealed with the
-- server's SecretBox (AES-256-GCM, purpose bound to account and id); it is never stored
-- in plaintext. Names are optional and unique per account when present.
CREATE TABLE "xks_keys" (
  "id" UUID NOT NULL,
  "account" TEXT NOT NULL,
  "name" TEXT,
  "sealed_material" BYTEA NOT NULL,
  "enabled" BOOLEAN NOT NULL DEFAULT true,
  "created_by" TEXT,
  "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updated_at" TIMESTAMPTZ(6) NOT NULL,
  CONSTRAINT "xks_keys_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "xks_keys_account_name_key" ON "xks_keys"("account", "name");
CREATE INDEX "xks_keys_account_created_at_id_idx" ON "xks_keys"("account", "created_at", "id");
