import type { AppError } from '../errors/index.js';
import type {
  CallerIdentity,
  CloudHsmOperationName,
  CloudHsmOperations,
  KmsOperationName,
  KmsOperations,
  KmsProvider,
  SimulateAccessRequest,
  SimulatedAccess,
} from '../providers/kms-provider.js';
import type { KmsEmulator } from './emulator.js';
import { accountRootArn } from './model/arn.js';
import { parseExplainRequest } from './authz/explain.js';

/**
 * A {@link KmsProvider} served in-process by the emulator, for one account and Region.
 * Calls act as the account root, as the emulator's own endpoint does for that account.
 */
export class EmulatorKmsProvider implements KmsProvider {
  readonly kind = 'emulator' as const;

  constructor(
    private readonly emulator: KmsEmulator,
    readonly accountId: string,
    readonly region: string,
  ) {}

  /** @throws AppError with the AWS exception name, as the emulator raises it */
  kms<Op extends KmsOperationName>(op: Op, input: KmsOperations[Op]['input']): Promise<KmsOperations[Op]['output']> {
    return this.emulator.call({ accountId: this.accountId, region: this.region }, op, input);
  }

  /** Calls the emulator's simulated CloudHSM v2. @throws AppError with the CloudHSM exception name */
  cloudHsm<Op extends CloudHsmOperationName>(
    op: Op,
    input: CloudHsmOperations[Op]['input'],
  ): Promise<CloudHsmOperations[Op]['output']> {
    return this.emulator.cloudHsm.call({ accountId: this.accountId, region: this.region }, op, input) as Promise<
      CloudHsmOperations[Op]['output']
    >;
  }

  /**
   * Asks the emulator's evaluator, as this account's root asks the explain endpoint.
   * @throws AppError (ValidationException, NotFoundException, AccessDeniedException)
   */
  async simulateAccess(r: SimulateAccessRequest): Promise<SimulatedAccess> {
    const out = this.emulator.explain(
      { accountId: this.accountId, region: this.region },
      parseExplainRequest({
        Principal: r.principal,
        Action: r.action,
        KeyId: r.keyId,
        ...(r.encryptionContext ? { EncryptionContext: r.encryptionContext } : {}),
      }),
    );
    return { allowed: out.allowed, decidedBy: out.decidedBy, explanation: out.explanation };
  }

  /** The account root, as STS GetCallerIdentity reports it for root credentials. */
  async getCallerIdentity(): Promise<CallerIdentity> {
    return { account: this.accountId, arn: accountRootArn(this.region, this.accountId), userId: this.accountId };
  }
}

/**
 * A provider whose every call fails with `error`: what an emulator connection with
 * credentials the emulator refuses gets (an SDK client with bad credentials is built
 * fine too, and fails at its first call).
 */
export function refusedEmulatorProvider(error: AppError, region: string): KmsProvider {
  const fail = () => Promise.reject(error);
  return { kind: 'emulator', region, kms: fail, cloudHsm: fail, getCallerIdentity: fail };
}
