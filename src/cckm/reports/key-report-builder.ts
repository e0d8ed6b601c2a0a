import { driftOf, isoTime, KEY_COLUMNS, keyCells, rotationMode } from './report-cells.js';
import type { ReportBuilder, ReportKey, ReportKms, ReportRowValues } from './report-types.js';
import { Tally } from './tally.js';

const COLUMNS = [
  ...KEY_COLUMNS,
  'description',
  'key_state',
  'key_spec',
  'key_usage',
  'origin',
  'custom_key_store_id',
  'rotation',
  'policy_drift',
  'created_at',
] as const;

/**
 * `key-report`: the inventory. Counts by KMS account (`<name> (<aws account id>)`),
 * region, key state, key spec, origin, rotation mode, template drift and custom key store.
 */
export class KeyReportBuilder implements ReportBuilder {
  readonly columns = COLUMNS;
  private total = 0;
  private readonly by = {
    account: new Tally(),
    region: new Tally(),
    state: new Tally(),
    spec: new Tally(),
    origin: new Tally(),
    rotation: new Tally(),
    drift: new Tally(),
    custom_key_store: new Tally(),
  };

  add(k: ReportKey, kms: ReportKms): ReportRowValues {
    const rotation = rotationMode(k);
    const drift = driftOf(k);
    this.total++;
    this.by.account.add(`${kms.name} (${kms.awsAccountId})`);
    this.by.region.add(k.region);
    this.by.state.add(k.keyState);
    this.by.spec.add(k.keySpec);
    this.by.origin.add(k.origin);
    this.by.rotation.add(rotation);
    this.by.drift.add(drift);
    this.by.custom_key_store.add(k.customKeyStoreId);
    return {
      ...keyCells(k, kms),
      description: k.description,
      key_state: k.keyState,
      key_spec: k.keySpec,
      key_usage: k.keyUsage,
      origin: k.origin,
      custom_key_store_id: k.customKeyStoreId,
      rotation,
      policy_drift: k.policyDrift,
      created_at: isoTime(k.createdAt),
    };
  }

  summary(): Record<string, unknown> {
    return {
      total: this.total,
      by_account: this.by.account.toJSON(),
      by_region: this.by.region.toJSON(),
      by_state: this.by.state.toJSON(),
      by_spec: this.by.spec.toJSON(),
      by_origin: this.by.origin.toJSON(),
      by_rotation: this.by.rotation.toJSON(),
      by_drift: this.by.drift.toJSON(),
      by_custom_key_store: this.by.custom_key_store.toJSON(),
    };
  }
}
