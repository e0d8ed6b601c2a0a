import { assertCanWrite, type Principal } from '../../auth/principal.js';
import type { SecretBox } from '../../auth/secret-box.js';
import { AppError, ValidationError } from '../../errors/index.js';
import type { ProviderResolver } from '../../providers/registry.js';
import { mapLimit } from '../jobs/concurrency.js';
import type { ConnectionRepository } from '../connections/connection.repository.js';
import type { AwsExternalIds } from '../connections/external-id.js';
import { homeRegion, providerTarget } from '../connections/provider-target.js';

/** `POST /cckm/aws/accounts`: the connection (name or id) and optionally a role to assume through it. */
export interface DiscoveryInput {
  connection?: unknown;
  assume_role_arn?: unknown;
  assume_role_external_id?: unknown;
}

export interface DiscoveredAccount {
  accountId: string;
  /** The caller identity's ARN (the user or assumed role the connection acts as). */
  arn: string;
  regions: string[];
}

/**
 * The public regions of each partition where AWS offers KMS. Opt-in regions the account has
 * not enabled are found by probing, not listed away here.
 */
const KMS_REGIONS: Readonly<Record<'aws' | 'aws-us-gov' | 'aws-cn', readonly string[]>> = {
  aws: [
    'us-east-1',
    'us-east-2',
    'us-west-1',
    'us-west-2',
    'af-south-1',
    'ap-east-1',
    'ap-east-2',
    'ap-south-1',
    'ap-south-2',
    'ap-southeast-1',
    'ap-southeast-2',
    'ap-southeast-3',
    'ap-southeast-4',
    'ap-southeast-5',
    'ap-southeast-7',
    'ap-northeast-1',
    'ap-northeast-2',
    'ap-northeast-3',
    'ca-central-1',
    'ca-west-1',
    'eu-central-1',
    'eu-central-2',
    'eu-west-1',
    'eu-west-2',
    'eu-west-3',
    'eu-south-1',
    'eu-south-2',
    'eu-north-1',
    'il-central-1',
    'me-south-1',
    'me-central-1',
    'mx-central-1',
    'sa-east-1',
  ],
  'aws-us-gov': ['us-gov-west-1', 'us-gov-east-1'],
  'aws-cn': ['cn-north-1', 'cn-northwest-1'],
};

/** Probes at once when discovering the regions of a real AWS account. */
const PROBE_CONCURRENCY = 8;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/;
/** Errors meaning the region answers for this account (it is enabled) though the call was not allowed. */
const ENABLED_BUT_DENIED = new Set(['AccessDeniedException', 'AccessDenied']);

/**
 * Account discovery: which AWS account a connection (optionally through a role) reaches, with
 * STS GetCallerIdentity, and the regions enabled for it. For the bundled emulator these are
 * its configured regions (EMULATOR_REGIONS). For AWS, EC2 DescribeRegions is not among our
 * dependencies, so each KMS region of the connection's partition is probed with KMS ListKeys
 * (one key): a region that answers, or refuses only for lack of permission, is enabled; a
 * region that does not know the credentials (an opt-in region not enabled) or cannot be
 * reached is not listed.
 */
export class AccountDiscovery {
  constructor(
    private readonly connections: ConnectionRepository,
    private readonly box: SecretBox,
    private readonly providers: ProviderResolver,
    private readonly externalIds: AwsExternalIds,
    private readonly emulatorRegions: readonly string[] = [],
  ) {}

  /**
   * @throws ForbiddenError without write rights (it uses the connection's credentials);
   *   ValidationError naming `connection`, `assume_role_arn` or `assume_role_external_id`;
   *   the AWS error of GetCallerIdentity when the connection does not authenticate
   */
  async discover(p: Principal, input: DiscoveryInput): Promise<DiscoveredAccount> {
    assertCanWrite(p);
    const body = (input ?? {}) as Record<string, unknown>;
    for (const k of Object.keys(body))
      if (!['connection', 'assume_role_arn', 'assume_role_external_id'].includes(k))
        throw ValidationError.field(k, 'is not a field of this request');
    if (typeof body.connection !== 'string' || body.connection === '' || body.connection.length > 256)
      throw ValidationError.field('connection', 'is required: the name or id of a connection');
    const roleArn = body.assume_role_arn;
    if (roleArn !== undefined && (typeof roleArn !== 'string' || roleArn.length > 2048 || !ROLE_ARN.test(roleArn)))
      throw ValidationError.field('assume_role_arn', 'must be the ARN of an IAM role');
    const externalId = body.assume_role_external_id;
    if (externalId !== undefined && typeof externalId !== 'string')
      throw ValidationError.field('assume_role_external_id', 'must be a string');
    this.externalIds.check(p.account, externalId as string | undefined);
    const connection = await this.connections.find(p.account, body.connection);
    if (!connection) throw ValidationError.field('connection', 'no connection with this name or id');
    const role = roleArn
      ? { assumeRoleArn: roleArn as string, assumeRoleExternalId: this.externalIds.shown(p.account, roleArn as string) }
      : undefined;
    const home = homeRegion(connection.cloudName, connection.awsRegion);
    const identity = await this.providers.resolve(providerTarget(this.box, connection, home, role)).getCallerIdentity();
    if (connection.provider === 'emulator')
      return { accountId: identity.account, arn: identity.arn, regions: [...this.emulatorRegions] };
    const candidates = KMS_REGIONS[connection.cloudName as keyof typeof KMS_REGIONS] ?? KMS_REGIONS.aws;
    const enabled = await mapLimit([...candidates], PROBE_CONCURRENCY, async (region) => {
      try {
        await this.providers.resolve(providerTarget(this.box, connection, region, role)).kms('ListKeys', { Limit: 1 });
        return true;
      } catch (err) {
        return err instanceof AppError && ENABLED_BUT_DENIED.has(err.awsName ?? '');
      }
    });
    return { accountId: identity.account, arn: identity.arn, regions: candidates.filter((_, i) => enabled[i]) };
  }
}
