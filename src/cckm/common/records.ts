/**
 * The stored records the domain works with. They mirror the database models
 * (prisma/schema.prisma) field for field, so repositories return rows unchanged;
 * cckm/ never imports Prisma itself.
 */

export interface UserRecord {
  id: string;
  account: string;
  username: string;
  name: string | null;
  email: string | null;
  passwordHash: string;
  groups: string[];
  disabled: boolean;
  tokenVersion: number;
  lastLoginAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface GroupRecord {
  id: string;
  account: string;
  name: string;
  description: string | null;
  builtIn: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface ConnectionRecord {
  id: string;
  account: string;
  name: string;
  description: string | null;
  provider: string;
  cloudName: string;
  accessKeyId: string | null;
  secretAccessKeyEnc: Uint8Array | null;
  assumeRoleArn: string | null;
  assumeRoleExternalId: string | null;
  awsStsRegionalEndpoints: string;
  awsRegion: string | null;
  endpointUrl: string | null;
  labels: unknown;
  meta: unknown;
  products: string[];
  lastConnectionOk: boolean | null;
  lastConnectionError: string | null;
  lastConnectionAt: Date | null;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface KmsAccountRecord {
  id: string;
  account: string;
  name: string;
  awsAccountId: string;
  connectionId: string;
  regions: string[];
  assumeRoleArn: string | null;
  assumeRoleExternalId: string | null;
  acls: unknown;
  status: string;
  autoAdded: boolean;
  /** Approvals a destructive key change needs before it runs (0..10; 0: none). */
  approvalsRequired: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface PolicyTemplateRecord {
  id: string;
  account: string;
  name: string;
  kmsId: string;
  policy: unknown;
  keyAdmins: string[];
  keyAdminsRoles: string[];
  keyUsers: string[];
  keyUsersRoles: string[];
  externalAccounts: string[];
  isVerified: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface KeyRecord {
  id: string;
  account: string;
  kmsId: string;
  region: string;
  status: string;
  kmsKeyId: string | null;
  arn: string | null;
  cloudName: string;
  keyType: string | null;
  keyMaterialOrigin: string | null;
  keyState: string | null;
  keyUsage: string | null;
  keySpec: string | null;
  origin: string | null;
  enabled: boolean | null;
  multiRegion: boolean | null;
  multiRegionKeyType: string | null;
  customKeyStoreId: string | null;
  aliases: string[];
  tags: unknown;
  policyTemplateId: string | null;
  keyAdmins: string[];
  keyAdminsRoles: string[];
  keyUsers: string[];
  keyUsersRoles: string[];
  externalAccounts: string[];
  awsParam: unknown;
  rotationStatus: string;
  /** Attached to a scheduler job config (enable-rotation-job). */
  rotationJobEnabled: boolean;
  jobConfigId: string | null;
  autoRotateKeySource: string | null;
  /** When a scheduler run last rotated the key, and the tick of its job config that will consider it next. */
  rotatedAt: Date | null;
  nextRotationAt: Date | null;
  labels: unknown;
  gone: boolean;
  /** The key's policy in AWS no longer matches its template (checked when the policy is read). */
  policyDrift: boolean;
  policyDriftCheckedAt: Date | null;
  lastError: string | null;
  syncedAt: Date | null;
  awsCreatedAt: Date | null;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** The policy-principal lists a key or a template may carry. */
export interface PolicyPrincipals {
  keyAdmins: string[];
  keyAdminsRoles: string[];
  keyUsers: string[];
  keyUsersRoles: string[];
  externalAccounts: string[];
}
