import { awsError } from '../errors/index.js';
import type {
  CallerIdentity,
  CloudHsmOperationName,
  CloudHsmOperations,
  KmsOperationName,
  KmsOperations,
  KmsProvider,
} from '../providers/kms-provider.js';
import type { KmsEmulator } from './emulator.js';
import { accountRootArn } from './model/arn.js';

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

  /** CloudHSM v2 is not emulated yet. @throws UnsupportedOperationException */
  async cloudHsm<Op extends CloudHsmOperationName>(
    op: Op,
    _input: CloudHsmOperations[Op]['input'],
  ): Promise<CloudHsmOperations[Op]['output']> {
    throw awsError('UnsupportedOperationException', `CloudHSM ${op} is not implemented by the opencckm emulator yet`);
  }

  /** The account root, as STS GetCallerIdentity reports it for root credentials. */
  async getCallerIdentity(): Promise<CallerIdentity> {
    return { account: this.accountId, arn: accountRootArn(this.region, this.accountId), userId: this.accountId };
  }
}
