/** The API's records as the console reads them (openapi/cckm.yaml), limited to the fields it shows. */
import { KEY_SPECS as SERVER_KEY_SPECS, USAGES_BY_SPEC } from '../../src/cckm/keys/key-rules.js';
import { WEBHOOK_EVENT_TYPES } from '../../src/cckm/notifications/webhook-event-types.js';

export const KEY_STATES = [
  'Enabled',
  'Disabled',
  'PendingDeletion',
  'PendingImport',
  'PendingReplicaDeletion',
  'Unavailable',
  'Creating',
  'Updating',
] as const;
export const KEY_USAGES = ['ENCRYPT_DECRYPT', 'SIGN_VERIFY', 'GENERATE_VERIFY_MAC', 'KEY_AGREEMENT'] as const;
export const ORIGINS = ['AWS_KMS', 'EXTERNAL', 'AWS_CLOUDHSM', 'EXTERNAL_KEY_STORE'] as const;

/** Each key spec with the key usages AWS KMS accepts for it: the server's own table (pure, bundled here). */
export const SPEC_USAGES: Readonly<Record<string, readonly string[]>> = USAGES_BY_SPEC;
export const KEY_SPECS: readonly string[] = SERVER_KEY_SPECS;

export interface AwsKey {
  id: string;
  kms: string;
  kms_id: string;
  region: string;
  createdAt: string;
  synced_at: string | null;
  gone: boolean;
  status: string;
  last_error: string | null;
  policy_drift?: boolean;
  cckm_policy_template_id: string | null;
  key_material_origin: string;
  aws_param: {
    AWSAccountId?: string;
    Arn?: string;
    KeyID?: string;
    Description?: string;
    KeyState?: string;
    KeyUsage?: string;
    KeySpec?: string;
    KeyManager?: string;
    Origin?: string;
    Alias?: string[];
    Tags?: { TagKey: string; TagValue: string }[];
    Policy?: unknown;
    KeyRotationEnabled?: boolean;
    RotationPeriodInDays?: number;
    NextRotationDate?: string;
    MultiRegion?: boolean;
    DeletionDate?: string;
    ValidTo?: string;
    CreationDate?: string;
    CustomKeyStoreId?: string;
  };
}

export interface Kms {
  id: string;
  name: string;
  account_id: string;
  connection: string;
  regions: string[];
  status: string;
  auto_added: boolean;
}

export interface Template {
  id: string;
  name: string;
  kms: string;
  kms_id: string;
  policy: unknown;
  keys_count: number;
  is_verified: boolean;
  updatedAt: string;
}

export interface Job {
  id: string;
  createdAt: string;
  completed_at: string | null;
  overall_status: string;
  cancel_requested: boolean;
  created_by: string | null;
}

export interface SyncJob extends Job {
  kms: string[];
  regions: string[];
  synchronize_all: boolean;
  detailed_status: Record<string, string>;
  progress: Record<string, number>;
}

export interface BulkJob extends Job {
  operation: string;
  progress: { total: number; succeeded: number; failed: number; skipped: number; pending: number };
  results?: { key_id: string; status: string; error?: string }[];
}

export interface AuditRecord {
  id: string;
  at: string;
  actor: string;
  action: string;
  resource_type: string;
  resource_id: string | null;
  result: string;
  status_code: number;
  request_id: string;
}

export interface JobConfig {
  id: string;
  name: string;
  description: string | null;
  operation: string;
  run_at: string;
  time_zone: string;
  disabled: boolean;
  next_run_at: string | null;
  last_run_at: string | null;
  cckm_key_rotation_params?: { cloud_name: string; expiration?: string; expire_in?: string; rotation_after?: string };
  cckm_synchronization_params?: { kms?: string[]; regions?: string[]; synchronize_all?: boolean };
}

export interface JobConfigRun {
  id: string;
  createdAt: string;
  trigger: string;
  kind: string;
  overall_status: string;
  completed_at: string | null;
  progress: Record<string, number>;
  units: { label: string; status: string; message: string | null }[];
  results: {
    key_id?: string;
    custom_key_store_id?: string;
    status: string;
    reason?: string;
    valid_to?: string;
  }[];
}

export const REPORT_TYPES = ['key-report', 'key-aging', 'key-usage'] as const;

export interface Report {
  id: string;
  name: string;
  report_type: string;
  kms: string[];
  regions: string[] | null;
  from: string | null;
  to: string | null;
  unused_days?: number;
  expiring_days?: number;
  status: string;
  message: string | null;
  progress: { total: number; processed: number; percent: number };
  row_count: number;
  summary?: Record<string, unknown> | null;
  createdAt: string;
  completed_at: string | null;
  created_by: string | null;
}

export interface ReportContents {
  skip: number;
  limit: number;
  total: number;
  columns: string[];
  resources: Record<string, unknown>[];
}

/** The events a webhook may subscribe to: the server's list (pure, bundled here). */
export const WEBHOOK_EVENTS = WEBHOOK_EVENT_TYPES;

export interface Webhook {
  id: string;
  url: string;
  description: string | null;
  events: string[];
  disabled: boolean;
  createdAt: string;
  updatedAt: string;
  created_by: string | null;
}

/** The create answer: the only time the signing secret is ever sent. */
export interface WebhookCreated extends Webhook {
  secret: string;
}

export interface WebhookDelivery {
  id: string;
  event_id: string;
  event_type: string;
  status: string;
  attempts: number;
  next_attempt_at: string | null;
  response_code: number | null;
  response_excerpt: string | null;
  last_error: string | null;
  createdAt: string;
  finished_at: string | null;
}
