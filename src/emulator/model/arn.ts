/**
 * ARNs and identifiers of KMS resources. The partition follows the Region, as AWS's
 * does: `cn-*` → `aws-cn`, `us-gov-*` → `aws-us-gov`, everything else `aws`.
 */

/** The AWS partition that a Region belongs to. */
export function partitionOf(region: string): 'aws' | 'aws-cn' | 'aws-us-gov' {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** True in the China Regions (cn-north-1, cn-northwest-1, ...). */
export const isChinaRegion = (region: string): boolean => region.startsWith('cn-');

/** `arn:<partition>:kms:<region>:<account>:key/<keyId>` */
export function keyArn(region: string, accountId: string, keyId: string): string {
  return `arn:${partitionOf(region)}:kms:${region}:${accountId}:key/${keyId}`;
}

/** `arn:<partition>:kms:<region>:<account>:alias/<name>` (aliasName includes `alias/`). */
export function aliasArn(region: string, accountId: string, aliasName: string): string {
  return `arn:${partitionOf(region)}:kms:${region}:${accountId}:${aliasName}`;
}

/** The account root principal, `arn:<partition>:iam::<account>:root`. */
export function accountRootArn(region: string, accountId: string): string {
  return `arn:${partitionOf(region)}:iam::${accountId}:root`;
}

/** A parsed KMS ARN: a key or an alias. */
export interface ParsedKmsArn {
  partition: string;
  region: string;
  accountId: string;
  resourceType: 'key' | 'alias';
  /** The key id, or the alias name including `alias/`. */
  resource: string;
}

const KMS_ARN = /^arn:(aws|aws-cn|aws-us-gov):kms:([a-z0-9-]+):(\d{12}):(key|alias)\/(.+)$/;

/** Parses a KMS key or alias ARN; undefined when `value` is not one. */
export function parseKmsArn(value: string): ParsedKmsArn | undefined {
  const m = KMS_ARN.exec(value);
  if (!m) return undefined;
  const [, partition, region, accountId, type, rest] = m as unknown as [
    string,
    string,
    string,
    string,
    'key' | 'alias',
    string,
  ];
  return { partition, region, accountId, resourceType: type, resource: type === 'alias' ? `alias/${rest}` : rest };
}

/** The account id inside an IAM principal ARN (`arn:aws:iam::<account>:...`), if any. */
export function accountOfPrincipal(arn: string): string | undefined {
  return /^arn:[a-z-]+:(?:iam|sts)::(\d{12}):/.exec(arn)?.[1];
}
