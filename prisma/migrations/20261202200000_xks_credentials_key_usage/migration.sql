-- XKS proxy keys may be restricted to some usages (GetKeyMetadata's keyUsage): the proxy
-- answers InvalidKeyUsageException for an operation the key does not allow.
ALTER TABLE "xks_keys" ADD COLUMN "key_usage" TEXT[] NOT NULL DEFAULT ARRAY['ENCRYPT', 'DECRYPT']::TEXT[];

-- Credential rotation of stores opencckm hosts: the next credential (sealed like the current
-- one) is accepted by the proxy next to the current one while AWS is switched to it, then it
-- replaces the current one; the version counts completed rotations.
ALTER TABLE "custom_key_stores" ADD COLUMN "xks_next_access_key_id" TEXT;
ALTER TABLE "custom_key_stores" ADD COLUMN "xks_next_credential_enc" BYTEA;
ALTER TABLE "custom_key_stores" ADD COLUMN "xks_credential_version" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "custom_key_stores" ADD COLUMN "xks_credential_rotated_at" TIMESTAMPTZ(6);
