import { canWrite, ownership, type Principal } from '../../auth/principal.js';
import type { AuditRecord } from '../../cckm/audit/audit.service.js';
import type { Page } from '../../cckm/common/list.js';
import type { ConnectionRecord, GroupRecord, UserRecord } from '../../cckm/common/records.js';
import type { GroupView } from '../../cckm/users/user.service.js';
import type { KmsView } from '../../cckm/kms/kms.service.js';
import type { KeyView } from '../../cckm/keys/key-view.js';
import type { TemplateView } from '../../cckm/templates/template.service.js';

type Json = Record<string, unknown>;

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

/**
 * Fields every record of the original product carries. Presenters add theirs with
 * Object.assign: building records with object spreads cost ~45-70 µs each (V8 leaves its
 * fast path), which dominated a list page of 100 keys.
 */
function base(kind: string, r: { id: string; account: string; createdAt: Date; updatedAt: Date }, uriId = r.id) {
  const o = ownership(r.account);
  return {
    id: r.id,
    uri: `kylo:kylo:${kind}:${uriId}`,
    account: o.account,
    application: o.application,
    devAccount: o.devAccount,
    createdAt: iso(r.createdAt),
    updatedAt: iso(r.updatedAt),
  };
}

/** The list envelope, echoing the limit the client asked for (-1 stays -1). */
export function page<T>(p: Page<T>, present: (item: T) => Json, requestedLimit: number): Json {
  return { skip: p.skip, limit: requestedLimit, total: p.total, resources: p.resources.map(present) };
}

/** One audit event. It has no owner fields of its own beyond the account it belongs to. */
export function auditRecord(a: AuditRecord): Json {
  return {
    id: a.id,
    at: a.at.toISOString(),
    account: ownership(a.account).account,
    actor: a.actor,
    action: a.action,
    resource_type: a.resourceType,
    resource_id: a.resourceId,
    result: a.result,
    status_code: a.statusCode,
    request_id: a.requestId,
    details: a.details,
  };
}

export function user(u: UserRecord): Json {
  return Object.assign(base('usermgmt:users', u), {
    username: u.username,
    name: u.name,
    email: u.email,
    groups: u.groups,
    disabled: u.disabled,
    last_login: iso(u.lastLoginAt),
  });
}

export function group(g: GroupView | (GroupRecord & { usersCount: number })): Json {
  return {
    name: g.name,
    description: g.description,
    built_in: g.builtIn,
    users_count: g.usersCount,
    createdAt: iso(g.createdAt),
    updatedAt: iso(g.updatedAt),
  };
}

/**
 * A connection; the secret access key never leaves the server. The ExternalId is for the
 * admins who write it into a role's trust policy: read-only users see null.
 */
export function connection(c: ConnectionRecord, viewer: Principal): Json {
  return Object.assign(base('connectionmgmt:connections', c, `${c.name}-${c.id}`), {
    name: c.name,
    description: c.description,
    service: 'aws',
    category: 'cloud',
    provider: c.provider,
    cloud_name: c.cloudName,
    access_key_id: c.accessKeyId,
    assume_role_arn: c.assumeRoleArn,
    assume_role_external_id: canWrite(viewer) ? c.assumeRoleExternalId : null,
    aws_sts_regional_endpoints: c.awsStsRegionalEndpoints,
    aws_region: c.awsRegion,
    endpoint_url: c.endpointUrl,
    labels: c.labels ?? {},
    meta: c.meta ?? {},
    products: c.products,
    resource_url: `/api/v1/connectionmgmt/services/aws/connections/${c.id}`,
    last_connection_ok: c.lastConnectionOk,
    last_connection_error: c.lastConnectionError,
    last_connection_at: iso(c.lastConnectionAt),
  });
}

/** A KMS account; like a connection's, its ExternalId is shown to admins only. */
export function kms(v: KmsView, viewer: Principal): Json {
  const k = v.kms;
  return Object.assign(base('cckm:aws-kms', k), {
    name: k.name,
    account_id: k.awsAccountId,
    connection: v.connection.name,
    connection_id: v.connection.id,
    regions: k.regions,
    arn: v.rootArn,
    assume_role_arn: k.assumeRoleArn,
    assume_role_external_id: canWrite(viewer) ? k.assumeRoleExternalId : null,
    auto_added: k.autoAdded,
    status: k.status,
    acls: k.acls ?? [],
    approvals_required: k.approvalsRequired,
    cloud_name: v.connection.cloudName,
  });
}

/** A template, with the policy it gives (TemplateView.policy). */
export function template(v: TemplateView): Json {
  const t = v.template;
  return Object.assign(base('cckm:aws-policy-template', t), {
    name: t.name,
    kms: v.kms.name,
    kms_id: v.kms.id,
    account_id: v.kms.awsAccountId,
    policy: v.policy,
    key_admins: t.keyAdmins,
    key_admins_roles: t.keyAdminsRoles,
    key_users: t.keyUsers,
    key_users_roles: t.keyUsersRoles,
    external_accounts: t.externalAccounts,
    is_verified: t.isVerified,
    keys_count: v.keysCount,
  });
}

/** The key record of seed 004. */
export function key(v: KeyView): Json {
  const k = v.key;
  return Object.assign(base('cckm:aws-key', k), {
    kms_id: k.kmsId,
    kms: v.kms.name,
    region: k.region,
    cloud_name: k.cloudName,
    synced_at: iso(k.syncedAt),
    rotation_status: k.rotationStatus,
    rotation_job_enabled: k.rotationJobEnabled ?? false,
    job_config_id: k.jobConfigId ?? null,
    auto_rotate_key_source: k.autoRotateKeySource ?? null,
    rotated_at: iso(k.rotatedAt),
    next_rotation_at: iso(k.nextRotationAt),
    key_type: k.keyType ?? 'symmetric',
    basic_view_enabled: false,
    gone: k.gone,
    key_material_origin: k.keyMaterialOrigin ?? 'unknown',
    status: k.status,
    last_error: k.lastError,
    key_admins: k.keyAdmins,
    key_admins_roles: k.keyAdminsRoles,
    key_users: k.keyUsers,
    key_users_roles: k.keyUsersRoles,
    external_accounts: k.externalAccounts,
    cckm_policy_template_id: k.policyTemplateId,
    policy_drift: k.policyDrift ?? false,
    policy_drift_checked_at: iso(k.policyDriftCheckedAt),
    labels: k.labels ?? {},
    custom_key_store_id: k.customKeyStoreId,
    aws_param: k.awsParam ?? {},
  });
}
