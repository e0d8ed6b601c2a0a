-- opencckm initial schema (mirrors prisma/schema.prisma)

CREATE TABLE "users" (
  "id" UUID NOT NULL,
  "account" TEXT NOT NULL,
  "username" TEXT NOT NULL,
  "name" TEXT,
  "email" TEXT,
  "password_hash" TEXT NOT NULL,
  "groups" TEXT[],
  "disabled" BOOLEAN NOT NULL DEFAULT false,
  "token_version" INTEGER NOT NULL DEFAULT 0,
  "last_login_at" TIMESTAMPTZ(6),
  "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updated_at" TIMESTAMPTZ(6) NOT NULL,
  CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "users_username_key" ON "users"("username");
CREATE INDEX "users_account_idx" ON "users"("account");

CREATE TABLE "groups" (
  "id" UUID NOT NULL,
  "account" TEXT NOT NULL,
  "name" TEXT NOT NULL,
  "description" TEXT,
  "built_in" BOOLEAN NOT NULL DEFAULT false,
  "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updated_at" TIMESTAMPTZ(6) NOT NULL,
  CONSTRAINT "groups_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "groups_account_name_key" ON "groups"("account", "name");

CREATE TABLE "refresh_tokens" (
  "id" UUID NOT NULL,
  "user_id" UUID NOT NULL,
  "token_hash" TEXT NOT NULL,
  "expires_at" TIMESTAMPTZ(6) NOT NULL,
  "revoked_at" TIMESTAMPTZ(6),
  "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "refresh_tokens_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "refresh_tokens_token_hash_key" ON "refresh_tokens"("token_hash");
CREATE INDEX "refresh_tokens_user_id_idx" ON "refresh_tokens"("user_id");
ALTER TABLE "refresh_tokens" ADD CONSTRAINT "refresh_tokens_user_id_fkey"
  FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "connections" (
  "id" UUID NOT NULL,
  "account" TEXT NOT NULL,
  "name" TEXT NOT NULL,
  "description" TEXT,
  "provider" TEXT NOT NULL,
  "cloud_name" TEXT NOT NULL,
  "access_key_id" TEXT,
  "secret_access_key_enc" BYTEA,
  "assume_role_arn" TEXT,
  "assume_role_external_id" TEXT,
  "aws_sts_regional_endpoints" TEXT NOT NULL DEFAULT 'legacy',
  "aws_region" TEXT,
  "endpoint_url" TEXT,
  "labels" JSONB NOT NULL DEFAULT '{}',
  "meta" JSONB NOT NULL DEFAULT '{}',
  "products" TEXT[] DEFAULT ARRAY['cckm']::TEXT[],
  "last_connection_ok" BOOLEAN,
  "last_connection_error" TEXT,
  "last_connection_at" TIMESTAMPTZ(6),
  "created_by" TEXT,
  "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updated_at" TIMESTAMPTZ(6) NOT NULL,
  CONSTRAINT "connections_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "connections_account_name_key" ON "connections"("account", "name");

CREATE TABLE "kms_accounts" (
  "id" UUID NOT NULL,
  "account" TEXT NOT NULL,
  "name" TEXT NOT NULL,
  "aws_account_id" TEXT NOT NULL,
  "connection_id" UUID NOT NULL,
  "regions" TEXT[],
  "assume_role_arn" TEXT,
  "assume_role_external_id" TEXT,
  "acls" JSONB NOT NULL DEFAULT '[]',
  "status" TEXT NOT NULL DEFAULT 'active',
  "auto_added" BOOLEAN NOT NULL DEFAULT false,
  "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updated_at" TIMESTAMPTZ(6) NOT NULL,
  CONSTRAINT "kms_accounts_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "kms_accounts_account_name_key" ON "kms_accounts"("account", "name");
ALTER TABLE "kms_accounts" ADD CONSTRAINT "kms_accounts_connection_id_fkey"
  FOREIGN KEY ("connection_id") REFERENCES "connections"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

CREATE TABLE "policy_templates" (
  "id" UUID NOT NULL,
  "account" TEXT NOT NULL,
  "name" TEXT NOT NULL,
  "kms_id" UUID NOT NULL,
  "policy" JSONB,
  "key_admins" TEXT[],
  "key_admins_roles" TEXT[],
  "key_users" TEXT[],
  "key_users_roles" TEXT[],
  "external_accounts" TEXT[],
  "is_verified" BOOLEAN NOT NULL DEFAULT false,
  "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updated_at" TIMESTAMPTZ(6) NOT NULL,
  CONSTRAINT "policy_templates_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "policy_templates_account_name_key" ON "policy_templates"("account", "name");
ALTER TABLE "policy_templates" ADD CONSTRAINT "policy_templates_kms_id_fkey"
  FOREIGN KEY ("kms_id") REFERENCES "kms_accounts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

CREATE TABLE "aws_keys" (
  "id" UUID NOT NULL,
  "account" TEXT NOT NULL,
  "kms_id" UUID NOT NULL,
  "region" TEXT NOT NULL,
  "status" TEXT NOT NULL DEFAULT 'ready',
  "kms_key_id" TEXT,
  "arn" TEXT,
  "cloud_name" TEXT NOT NULL,
  "key_type" TEXT,
  "key_material_origin" TEXT,
  "key_state" TEXT,
  "key_usage" TEXT,
  "key_spec" TEXT,
  "origin" TEXT,
  "enabled" BOOLEAN,
  "multi_region" BOOLEAN,
  "multi_region_key_type" TEXT,
  "custom_key_store_id" TEXT,
  "aliases" TEXT[],
  "tags" JSONB NOT NULL DEFAULT '[]',
  "policy_template_id" UUID,
  "key_admins" TEXT[],
  "key_admins_roles" TEXT[],
  "key_users" TEXT[],
  "key_users_roles" TEXT[],
  "external_accounts" TEXT[],
  "aws_param" JSONB NOT NULL DEFAULT '{}',
  "rotation_status" TEXT NOT NULL DEFAULT '',
  "labels" JSONB NOT NULL DEFAULT '{}',
  "gone" BOOLEAN NOT NULL DEFAULT false,
  "last_error" TEXT,
  "synced_at" TIMESTAMPTZ(6),
  "aws_created_at" TIMESTAMPTZ(6),
  "created_by" TEXT,
  "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updated_at" TIMESTAMPTZ(6) NOT NULL,
  CONSTRAINT "aws_keys_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "aws_keys_kms_id_region_kms_key_id_key" ON "aws_keys"("kms_id", "region", "kms_key_id");
CREATE INDEX "aws_keys_account_created_at_idx" ON "aws_keys"("account", "created_at");
CREATE INDEX "aws_keys_account_region_idx" ON "aws_keys"("account", "region");
CREATE INDEX "aws_keys_account_kms_key_id_idx" ON "aws_keys"("account", "kms_key_id");
CREATE INDEX "aws_keys_account_key_state_idx" ON "aws_keys"("account", "key_state");
CREATE INDEX "aws_keys_aliases_idx" ON "aws_keys" USING GIN ("aliases");
ALTER TABLE "aws_keys" ADD CONSTRAINT "aws_keys_kms_id_fkey"
  FOREIGN KEY ("kms_id") REFERENCES "kms_accounts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "aws_keys" ADD CONSTRAINT "aws_keys_policy_template_id_fkey"
  FOREIGN KEY ("policy_template_id") REFERENCES "policy_templates"("id") ON DELETE SET NULL ON UPDATE CASCADE;

CREATE TABLE "idempotency_keys" (
  "account" TEXT NOT NULL,
  "key" TEXT NOT NULL,
  "user_id" TEXT NOT NULL,
  "request_hash" TEXT NOT NULL,
  "state" TEXT NOT NULL,
  "status_code" INTEGER,
  "response" JSONB,
  "resource_id" TEXT,
  "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "expires_at" TIMESTAMPTZ(6) NOT NULL,
  CONSTRAINT "idempotency_keys_pkey" PRIMARY KEY ("account", "key")
);
CREATE INDEX "idempotency_keys_expires_at_idx" ON "idempotency_keys"("expires_at");

CREATE TABLE "audit_events" (
  "id" BIGSERIAL NOT NULL,
  "at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "account" TEXT NOT NULL,
  "actor" TEXT NOT NULL,
  "action" TEXT NOT NULL,
  "resource_type" TEXT NOT NULL,
  "resource_id" TEXT,
  "result" TEXT NOT NULL,
  "status_code" INTEGER NOT NULL,
  "request_id" TEXT NOT NULL,
  "details" JSONB NOT NULL DEFAULT '{}',
  CONSTRAINT "audit_events_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "audit_events_account_at_idx" ON "audit_events"("account", "at");

CREATE TABLE "emulator_objects" (
  "kind" TEXT NOT NULL,
  "account_id" TEXT NOT NULL,
  "region" TEXT NOT NULL,
  "id" TEXT NOT NULL,
  "doc" JSONB NOT NULL,
  "secret" BYTEA,
  "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "emulator_objects_pkey" PRIMARY KEY ("kind", "account_id", "region", "id")
);
