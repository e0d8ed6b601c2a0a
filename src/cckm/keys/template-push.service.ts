import type { Principal } from '../../auth/principal.js';
import { partitionOf } from '../../providers/registry.js';
import type { PolicyTemplateRecord } from '../common/records.js';
import type { KmsService } from '../kms/kms.service.js';
import { templatePolicy } from '../policy/key-policy.js';
import type { TemplatePusher } from '../templates/template.service.js';
import { readKeyFacts } from './key-facts.js';
import { recordColumns } from './key-metadata.js';
import type { KeyRepository } from './key.repository.js';

/**
 * A template's auto_push: its policy applied to every key carrying it, which clears their
 * policy drift. Given to TemplateService when the services are built, so a template update
 * pushes without the HTTP layer passing the key service in.
 */
export class TemplatePushService implements TemplatePusher {
  constructor(
    private readonly keys: KeyRepository,
    private readonly kms: KmsService,
  ) {}

  /** Returns the number of keys updated. */
  async push(p: Principal, template: PolicyTemplateRecord): Promise<number> {
    const kms = await this.kms.find(p, template.kmsId);
    let count = 0;
    for (const key of await this.keys.listByTemplate(template.id)) {
      if (!key.kmsKeyId || key.gone) continue;
      const { provider, connection } = await this.kms.provider(kms, key.region);
      const policy = templatePolicy(template, {
        accountId: kms.awsAccountId,
        partition: partitionOf(connection.cloudName),
        keyUsage: key.keyUsage ?? 'ENCRYPT_DECRYPT',
        keySpec: key.keySpec ?? 'SYMMETRIC_DEFAULT',
      });
      await provider.kms('PutKeyPolicy', {
        KeyId: key.kmsKeyId,
        PolicyName: 'default',
        Policy: JSON.stringify(policy),
      });
      const facts = await readKeyFacts(provider, key.kmsKeyId, { policy });
      await this.keys.update(key.id, { ...recordColumns(facts), policyDrift: false, policyDriftCheckedAt: new Date() });
      count++;
    }
    return count;
  }
}
