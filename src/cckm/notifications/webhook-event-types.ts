/** Pure (no imports): the web console bundles this list too. */

/** Every event a webhook may subscribe to. */
export const WEBHOOK_EVENT_TYPES = [
  'key.created',
  'key.deleted',
  'key.state_changed',
  'key.policy_drift_detected',
  'key.rotated',
  'key.rotation_failed',
  'key.material_expiring',
  'key.pending_deletion',
  'job.completed',
  'job.failed',
  'custom_key_store.connection_failed',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];
