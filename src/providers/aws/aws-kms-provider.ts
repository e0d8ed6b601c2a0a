import type * as Hsm from '@aws-sdk/client-cloudhsm-v2';
import type * as Kms from '@aws-sdk/client-kms';
import type * as Sts from '@aws-sdk/client-sts';
import http from 'node:http';
import https from 'node:https';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import {
  type AppError,
  ProviderFailureError,
  ProviderTimeoutError,
  UnsupportedOperationError,
  ValidationError,
} from '../../errors/index.js';
import type {
  CallerIdentity,
  CloudHsmOperationName,
  CloudHsmOperations,
  KmsOperationName,
  KmsOperations,
  KmsProvider,
} from '../kms-provider.js';
import type { OutboundPolicy } from '../outbound-policy.js';
import type { ProviderTarget } from '../registry.js';
import { fromAwsError, knowSdkErrors } from './translate-error.js';

export interface AwsProviderOptions {
  /** Budget of one provider call, retries and connection establishment included. */
  timeoutMs: number;
  maxAttempts: number;
  /**
   * Let the SDK's default credential chain (environment, ~/.aws, container or instance role)
   * stand in when a target has no access key. Off unless the operator opts in
   * (CCKM_AWS_AMBIENT_CREDENTIALS): otherwise any tenant could act as the server's own identity.
   */
  ambientCredentials?: boolean;
  /** Where calls may go: the endpoint is checked before any call, and every connection's addresses when it is made. */
  outbound?: OutboundPolicy;
}

/** Stands in for the SDK's default chain: a target without its own keys gets no identity. */
const noAmbientCredentials: AwsCredentialIdentityProvider = async () => {
  throw ValidationError.field(
    'access_key_id',
    'the connection has no access key; this server does not lend its own AWS identity to connections (CCKM_AWS_AMBIENT_CREDENTIALS)',
  );
};

type KmsCommand = Parameters<Kms.KMSClient['send']>[0];
type CommandCtor = new (input: unknown) => KmsCommand;
interface Sendable {
  send(command: never, options: { abortSignal: AbortSignal }): Promise<unknown>;
  destroy(): void;
}

/** Refresh assumed-role credentials this long before they expire (at most a quarter of their lifetime). */
const REFRESH_MARGIN_MS = 5 * 60 * 1000;

/**
 * KMS, CloudHSM v2 and STS over the AWS SDK for one account and region. Retries use the
 * SDK's standard strategy (exponential backoff with jitter on throttling and 5xx), all
 * within the call's time budget: a call answers within `timeoutMs`, whatever the network does.
 */
export class AwsKmsProvider implements KmsProvider {
  readonly kind = 'aws' as const;
  readonly region: string;
  /** The KMS and STS clients, made on the first call (the SDK is loaded then; see {@link loadSdk}). */
  private clients: Promise<SdkClients> | undefined;
  private readonly makeClients: (sdk: Sdk) => SdkClients;
  /** Created on the first CloudHSM call: most connections never make one. */
  private hsmClient: Hsm.CloudHSMV2Client | undefined;
  private readonly clientConfig: object;
  private inFlight = 0;
  private readonly drainWaiters: (() => void)[] = [];
  /** Set when the outbound policy refuses the endpoint: every call fails with it, nothing is sent. */
  private readonly refusal?: AppError;

  constructor(
    target: ProviderTarget,
    private readonly options: AwsProviderOptions,
  ) {
    this.region = target.region;
    const refused = target.endpointUrl ? options.outbound?.checkAwsEndpoint(target.endpointUrl) : undefined;
    if (refused) this.refusal = ValidationError.field('endpoint_url', refused);
    const lookup = options.outbound?.lookup;
    const agent = { keepAlive: true, maxSockets: 50, ...(lookup ? { lookup } : {}) };
    const base = {
      region: target.region,
      maxAttempts: options.maxAttempts,
      retryMode: 'standard',
      // No per-attempt request timeout: a timed-out attempt would be retried, and a CreateKey
      // that AWS did execute would then create a second key. The call's budget (send) bounds it.
      requestHandler: new NodeHttpHandler({
        connectionTimeout: Math.min(options.timeoutMs, 5000),
        httpAgent: new http.Agent(agent),
        httpsAgent: new https.Agent(agent),
      }),
      ...(target.endpointUrl ? { endpoint: target.endpointUrl } : {}),
    };
    const staticCreds: AwsCredentialIdentity | AwsCredentialIdentityProvider | undefined =
      target.accessKeyId && target.secretAccessKey
        ? { accessKeyId: target.accessKeyId, secretAccessKey: target.secretAccessKey }
        : options.ambientCredentials
          ? undefined
          : noAmbientCredentials;
    const stsRegion =
      target.stsRegionalEndpoints === 'regional'
        ? (target.stsRegion ?? target.region)
        : defaultStsRegion(target.cloudName);
    const credentials = target.assumeRoleArn
      ? this.assumedRole(target.assumeRoleArn, target.assumeRoleExternalId)
      : staticCreds;
    const withCreds = { ...base, ...(credentials ? { credentials } : {}) };
    this.makeClients = (sdk) => {
      const sts = new sdk.Sts.STSClient({
        ...base,
        region: stsRegion,
        ...(staticCreds ? { credentials: staticCreds } : {}),
      });
      return {
        sdk,
        kms: new sdk.Kms.KMSClient(withCreds),
        sts,
        identity: target.assumeRoleArn ? new sdk.Sts.STSClient({ ...withCreds, region: stsRegion }) : sts,
      };
    };
    this.clientConfig = withCreds;
  }

  async kms<Op extends KmsOperationName>(
    op: Op,
    input: KmsOperations[Op]['input'],
  ): Promise<KmsOperations[Op]['output']> {
    if (this.refusal) throw this.refusal;
    const { sdk, kms } = await this.sdkClients();
    const Ctor = (sdk.Kms as unknown as Record<string, CommandCtor | undefined>)[`${op}Command`];
    if (!Ctor) throw new UnsupportedOperationError(`${op} is not available in this AWS SDK version`);
    const { $metadata: _meta, ...out } = (await this.send(kms, new Ctor(input), `KMS ${op}`)) as {
      $metadata: unknown;
    };
    return out as KmsOperations[Op]['output'];
  }

  async cloudHsm<Op extends CloudHsmOperationName>(
    op: Op,
    input: CloudHsmOperations[Op]['input'],
  ): Promise<CloudHsmOperations[Op]['output']> {
    const sdk = await loadCloudHsmSdk();
    const Ctor = (sdk as unknown as Record<string, (new (input: unknown) => unknown) | undefined>)[`${op}Command`];
    if (!Ctor) throw new UnsupportedOperationError(`CloudHSM ${op} is not available in this AWS SDK version`);
    // The CloudHSM v2 client is published on an older SDK line; its config types predate
    // @smithy's, though the handler and credential shapes are the same at run time.
    this.hsmClient ??= new sdk.CloudHSMV2Client(this.clientConfig as unknown as Hsm.CloudHSMV2ClientConfig);
    const client = this.hsmClient as unknown as Sendable;
    const { $metadata: _meta, ...out } = (await this.send(client, new Ctor(input), `CloudHSM ${op}`)) as {
      $metadata: unknown;
    };
    return out as CloudHsmOperations[Op]['output'];
  }

  async getCallerIdentity(): Promise<CallerIdentity> {
    if (this.refusal) throw this.refusal;
    const { sdk, identity } = await this.sdkClients();
    const out = (await this.send(
      identity,
      new sdk.Sts.GetCallerIdentityCommand({}),
      'STS GetCallerIdentity',
    )) as Sts.GetCallerIdentityCommandOutput;
    return { account: out.Account ?? '', arn: out.Arn ?? '', userId: out.UserId ?? '' };
  }

  /** Waits for the calls in flight, then destroys the SDK clients and their sockets. */
  async close(): Promise<void> {
    if (this.inFlight > 0) await new Promise<void>((resolve) => this.drainWaiters.push(resolve));
    const hsm = this.hsmClient as unknown as Sendable | undefined;
    const made = this.clients ? await this.clients.catch(() => undefined) : undefined;
    const all = made ? [made.kms, made.sts, made.identity] : [];
    for (const c of new Set<Sendable>([...(all as unknown as Sendable[]), ...(hsm ? [hsm] : [])])) c.destroy();
  }

  private sdkClients(): Promise<SdkClients> {
    this.clients ??= loadSdk().then(this.makeClients);
    return this.clients;
  }

  /**
   * Sends one command within the call's time budget. The abort signal covers the SDK's
   * retries and back-off waits, credential resolution and connection establishment.
   */
  private async send(client: Sendable, command: unknown, what: string): Promise<unknown> {
    if (this.refusal) throw this.refusal;
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), this.options.timeoutMs);
    this.inFlight++;
    try {
      return await client.send(command as never, { abortSignal: abort.signal });
    } catch (err) {
      if (abort.signal.aborted)
        throw new ProviderTimeoutError(`${what} did not complete within ${this.options.timeoutMs} ms`, { cause: err });
      throw fromAwsError(err, what);
    } finally {
      clearTimeout(timer);
      if (--this.inFlight === 0) this.drainWaiters.splice(0).forEach((resolve) => resolve());
    }
  }

  /** Credentials of an assumed role, cached and refreshed before they expire. */
  private assumedRole(roleArn: string, externalId?: string): AwsCredentialIdentityProvider {
    let current: { creds: AwsCredentialIdentity; refreshAt: number } | undefined;
    let pending: Promise<{ creds: AwsCredentialIdentity; refreshAt: number }> | undefined;
    const fetch = async () => {
      const fetchedAt = Date.now();
      const { sdk, sts } = await this.sdkClients();
      const out = (await this.send(
        sts,
        new sdk.Sts.AssumeRoleCommand({
          RoleArn: roleArn,
          RoleSessionName: 'opencckm',
          ...(externalId ? { ExternalId: externalId } : {}),
        }),
        'STS AssumeRole',
      )) as Sts.AssumeRoleCommandOutput;
      const c = out.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey)
        throw new ProviderFailureError('STS AssumeRole returned no credentials', { awsName: 'InternalFailure' });
      const expiresAt = c.Expiration?.getTime() ?? Infinity;
      const margin = Math.min(REFRESH_MARGIN_MS, (expiresAt - fetchedAt) / 4);
      return {
        creds: {
          accessKeyId: c.AccessKeyId,
          secretAccessKey: c.SecretAccessKey,
          sessionToken: c.SessionToken,
          expiration: c.Expiration,
        },
        refreshAt: expiresAt - margin,
      };
    };
    return async () => {
      if (current && Date.now() < current.refreshAt) return current.creds;
      pending ??= fetch().finally(() => (pending = undefined));
      current = await pending;
      return current.creds;
    };
  }
}

function defaultStsRegion(cloud: string): string {
  return cloud === 'aws-us-gov' ? 'us-gov-east-1' : cloud === 'aws-cn' ? 'cn-north-1' : 'us-east-1';
}

/** The KMS and STS SDKs. */
interface Sdk {
  Kms: typeof Kms;
  Sts: typeof Sts;
}

interface SdkClients {
  sdk: Sdk;
  kms: Kms.KMSClient;
  /** STS with the connection's own credentials (AssumeRole). */
  sts: Sts.STSClient;
  /** STS with the credentials KMS calls use (the assumed role's, when there is one). */
  identity: Sts.STSClient;
}

let sdk: Promise<Sdk> | undefined;
/**
 * The KMS and STS SDKs, loaded on the first call to AWS: an installation that talks only to
 * its emulator never loads them (they take a few hundred ms of CPU to load, in every process
 * and in every test file that builds an app).
 */
function loadSdk(): Promise<Sdk> {
  sdk ??= Promise.all([import('@aws-sdk/client-kms'), import('@aws-sdk/client-sts')]).then(([Kms, Sts]) => {
    knowSdkErrors(Kms, Sts);
    return { Kms, Sts };
  });
  return sdk;
}

let cloudHsmSdk: Promise<typeof Hsm> | undefined;
/** The CloudHSM v2 SDK, loaded once on first use (it takes most of a second to load). */
function loadCloudHsmSdk(): Promise<typeof Hsm> {
  return (cloudHsmSdk ??= import('@aws-sdk/client-cloudhsm-v2'));
}
