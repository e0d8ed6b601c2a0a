-- Custom key stores (CloudHSM and external) per KMS account and region. A local-hosted
-- store (opencckm is its XKS proxy) keeps its proxy credential sealed in xks_credential_enc.
CREATE TABLE "custom_key_stores" (
  "id" UUID NOT NULL,
  "account" TEXT NOT NULL,
  "kms_id" UUID NOT NULL,
  "region" TEXT NOT NULL,
  "name" TEXT NOT NULL,
  "type" TEXT NOT NULL,
  "linked_state" BOOLEAN NOT NULL DEFAULT false,
  "custom_key_store_id" TEXT,
  "connection_state" TEXT,
  "connection_error_code" TEXT,
  "cloud_hsm_cluster_id" TEXT,
  "trust_anchor_certificate" TEXT,
  "number_of_hsms" INTEGER,
  "xks_proxy_connectivity" TEXT,
  "xks_proxy_uri_endpoint" TEXT,
  "xks_proxy_uri_path" TEXT,
  "xks_proxy_vpc_endpoint_service_name" TEXT,
  "xks_proxy_access_key_id" TEXT,
  "local_hosted_params" JSONB,
  "xks_credential_enc" BYTEA,
  "gone" BOOLEAN NOT NULL DEFAULT false,
  "last_error" TEXT,
  "synced_at" TIMESTAMPTZ(6),
  "aws_created_at" TIMESTAMPTZ(6),
  "created_by" TEXT,
  "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updated_at" TIMESTAMPTZ(6) NOT NULL,
  CONSTRAINT "custom_key_stores_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "custom_key_stores_kms_id_region_name_key" ON "custom_key_stores"("kms_id", "region", "name");
CREATE UNIQUE INDEX "custom_key_stores_kms_id_region_custom_key_store_id_key" ON "custom_key_stores"("kms_id", "region", "custom_key_store_id");
CREATE INDEX "custom_key_stores_account_created_at_id_idx" ON "custom_key_stores"("account", "created_at", "id");
ALTER TABLE "custom_key_stores" ADD CONSTRAINT "custom_key_stores_kms_id_fkey"
  FOREIGN KEY ("kms_id") REFERENCES "kms_accounts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
