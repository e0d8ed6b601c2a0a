import * as Hsm from '@aws-sdk/client-cloudhsm-v2';
import * as Kms from '@aws-sdk/client-kms';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { UnsupportedOperationError } from '../../errors/index.js';
import type { CallerIdentity, CloudHsmOperationName, CloudHsmOperations, KmsOperationName, KmsOperations, KmsProvider } from '../kms-provider.js';
import type { ProviderTarget } from '../registry.js';
import { fromAwsError } from './translate-error.js';

export interface AwsProviderOptions {
  timeoutMs: number;
  maxAttempts: number;
}

type KmsCommand = Parameters<Kms.KMSClient['send']>[0];
type CommandCtor = new (input: unknown) => KmsCommand;

/** Refresh assumed-role credentials this long before they expire. */
const REFRESH_MARGIN_MS = 5 * 60 * 1000;

/**
 * KMS, CloudHSM v2 and STS over the AWS SDK for one account and region. Retries use the
 * SDK's standard strategy (exponential backoff with jitter on throttling and 5xx).
 */
export class AwsKmsProvider implements KmsProvider {
  readonly kind = 'aws' as const;
  readonly region: string;
  private readonly kmsClient: Kms.KMSClient;
  private readonly hsmClient: Hsm.CloudHSMV2Client;
  private readonly stsClient: STSClient;

  constructor(target: ProviderTarget, options: AwsProviderOptions) {
    this.region = target.region;
    const base = {
      region: target.region,
      maxAttempts: options.maxAttempts,
      retryMode: 'standard',
      requestHandler: new NodeHttpHandler({ requestTimeout: options.timeoutMs, connectionTimeout: Math.min(options.timeoutMs, 5000) }),
      ...(target.endpointUrl ? { endpoint: target.endpointUrl } : {}),
    };
    const staticCreds: AwsCredentialIdentity | undefined =
      target.accessKeyId && target.secretAccessKey
        ? { accessKeyId: target.accessKeyId, secretAccessKey: target.secretAccessKey }
        : undefined;
    const stsRegion = target.stsRegionalEndpoints === 'regional' ? (target.stsRegion ?? target.region) : defaultStsRegion(target.cloudName);
    this.stsClient = new STSClient({ ...base, region: stsRegion, ...(staticCreds ? { credentials: staticCreds } : {}) });
    const credentials = target.assumeRoleArn ? this.assumedRole(target.assumeRoleArn, target.assumeRoleExternalId) : staticCreds;
    const withCreds = { ...base, ...(credentials ? { credentials } : {}) };
    this.kmsClient = new Kms.KMSClient(withCreds);
    // The CloudHSM v2 client is published on an older SDK line; its config types predate
    // @smithy's, though the handler and credential shapes are the same at run time.
    this.hsmClient = new Hsm.CloudHSMV2Client(withCreds as unknown as Hsm.CloudHSMV2ClientConfig);
  }

  async kms<Op extends KmsOperationName>(op: Op, input: KmsOperations[Op]['input']): Promise<KmsOperations[Op]['output']> {
    const Ctor = (Kms as unknown as Record<string, CommandCtor | undefined>)[`${op}Command`];
    if (!Ctor) throw new UnsupportedOperationError(`${op} is not available in this AWS SDK version`);
    try {
      const { $metadata: _meta, ...out } = (await this.kmsClient.send(new Ctor(input))) as { $metadata: unknown };
      return out as KmsOperations[Op]['output'];
    } catch (err) {
      throw fromAwsError(err, `KMS ${op}`);
    }
  }

  async cloudHsm<Op extends CloudHsmOperationName>(op: Op, input: CloudHsmOperations[Op]['input']): Promise<CloudHsmOperations[Op]['output']> {
    try {
      const { $metadata: _meta, ...out } = await this.hsmClient.send(new Hsm.DescribeClustersCommand(input));
      return out;
    } catch (err) {
      throw fromAwsError(err, `CloudHSM ${op}`);
    }
  }

  async getCallerIdentity(): Promise<CallerIdentity> {
    try {
      const out = await this.stsClient.send(new GetCallerIdentityCommand({}));
      return { account: out.Account ?? '', arn: out.Arn ?? '', userId: out.UserId ?? '' };
    } catch (err) {
      throw fromAwsError(err, 'STS GetCallerIdentity');
    }
  }

  /** Credentials of an assumed role, cached and refreshed before they expire. */
  private assumedRole(roleArn: string, externalId?: string): AwsCredentialIdentityProvider {
    let current: AwsCredentialIdentity | undefined;
    let pending: Promise<AwsCredentialIdentity> | undefined;
    const fetch = async (): Promise<AwsCredentialIdentity> => {
      try {
        const out = await this.stsClient.send(
          new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'opencckm', ...(externalId ? { ExternalId: externalId } : {}) }),
        );
        const c = out.Credentials;
        if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error('AssumeRole returned no credentials');
        return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
      } catch (err) {
        throw fromAwsError(err, 'STS AssumeRole');
      }
    };
    return async () => {
      const fresh = current && (!current.expiration || current.expiration.getTime() - Date.now() > REFRESH_MARGIN_MS);
      if (fresh && current) return current;
      pending ??= fetch().finally(() => (pending = undefined));
      current = await pending;
      return current;
    };
  }
}

function defaultStsRegion(cloud: string): string {
  return cloud === 'aws-us-gov' ? 'us-gov-east-1' : cloud === 'aws-cn' ? 'cn-north-1' : 'us-east-1';
}
