import type { Principal } from '../../auth/principal.js';
import { ValidationError } from '../../errors/index.js';
import type { KmsAccountRecord, PolicyPrincipals, PolicyTemplateRecord } from '../common/records.js';
import {
  buildKeyPolicy,
  defaultKeyPolicy,
  hasPrincipals,
  parsePolicy,
  type PolicyContext,
  type PolicyDocument,
} from '../policy/key-policy.js';
import { PRINCIPAL_FIELDS, principalsOf, type PrincipalFields } from '../templates/principal-fields.js';
import type { TemplateService } from '../templates/template.service.js';

/** Where a key policy of an action comes from. */
export interface PolicySources extends PrincipalFields {
  /** A literal policy (object or JSON string) and the field it came in. */
  policy?: { value: unknown; field: string };
  policytemplate?: string;
}

export interface ResolvedPolicy {
  policy: PolicyDocument;
  /** The template applied, when the policy came from one. */
  template?: PolicyTemplateRecord;
  /** The principal lists the record keeps (empty unless the policy was built from them). */
  principals: PolicyPrincipals;
}

/**
 * Resolves the key policy of the `policy` and `replicate-key` actions the way create does:
 * a literal policy, a template of the same KMS account, or principal lists, mutually
 * exclusive (a 400 names both fields). Principal lists that are all empty mean AWS's
 * default policy. Undefined when nothing is given.
 *
 * @throws ValidationError naming the field at fault
 */
export async function resolveActionPolicy(
  p: Principal,
  input: PolicySources,
  kms: KmsAccountRecord,
  ctx: PolicyContext,
  templates: TemplateService,
): Promise<ResolvedPolicy | undefined> {
  const listed = PRINCIPAL_FIELDS.find(([f]) => (input[f]?.length ?? 0) > 0)?.[0];
  const given = [input.policy?.field, input.policytemplate !== undefined ? 'policytemplate' : undefined, listed].filter(
    (f): f is string => f !== undefined,
  );
  if (given.length > 1) {
    const message = `${given[0]} and ${given[1]} are mutually exclusive; give only one way to set the key policy`;
    throw new ValidationError(message, { details: given.slice(0, 2).map((field) => ({ field, message })) });
  }
  const principals = principalsOf(input);
  if (input.policy) return { policy: parsePolicy(input.policy.value, input.policy.field), principals };
  if (input.policytemplate !== undefined) {
    const template = await templates.find(p, input.policytemplate, 'policytemplate');
    if (template.kmsId !== kms.id)
      throw ValidationError.field('policytemplate', `belongs to another KMS account than ${kms.name}`);
    const policy = template.policy ? (template.policy as PolicyDocument) : buildKeyPolicy(ctx, template);
    return { policy, template, principals };
  }
  if (hasPrincipals(principals)) return { policy: buildKeyPolicy(ctx, principals), principals };
  if (PRINCIPAL_FIELDS.some(([f]) => input[f] !== undefined)) return { policy: defaultKeyPolicy(ctx), principals };
  return undefined;
}
