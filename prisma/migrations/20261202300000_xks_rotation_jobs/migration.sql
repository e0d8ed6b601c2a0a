-- Hosted XKS stores attach to a `cckm_xks_credential_rotation` job config
-- (`POST /cckm/aws/custom-key-stores/{id}/enable-credential-rotation-job`), as keys attach to
-- a `cckm_key_rotation` one. A config with stores attached cannot be deleted (RESTRICT).
ALTER TABLE "custom_key_stores" ADD COLUMN "credential_rotation_job_enabled" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "custom_key_stores" ADD COLUMN "job_config_id" UUID;
CREATE INDEX "custom_key_stores_job_config_id_idx" ON "custom_key_stores"("job_config_id");
ALTER TABLE "custom_key_stores" ADD CONSTRAINT "custom_key_stores_job_config_id_fkey"
  FOREIGN KEY ("job_config_id") REFERENCES "job_configs"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
