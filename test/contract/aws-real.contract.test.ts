import { AwsKmsProvider } from '../../src/providers/aws/aws-kms-provider.js';
import { describeProviderContract } from './kms-provider.contract.js';

/**
 * The same contract against a real AWS account (or any KMS endpoint), opt-in:
 *   KMS_CONTRACT_AWS=1 KMS_CONTRACT_REGION=eu-west-1 KMS_CONTRACT_ACCOUNT_ID=<12 digits>
 *   AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... [KMS_CONTRACT_ENDPOINT=https://...] npm test -- test/contract
 * It creates keys and schedules them for deletion (7 days) at the end: use a test account.
 */
const env = process.env;
const enabled =
  env.KMS_CONTRACT_AWS === '1' && env.KMS_CONTRACT_ACCOUNT_ID && env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY;

if (enabled) {
  describeProviderContract('aws provider against a real account', async () => ({
    provider: new AwsKmsProvider(
      {
        connectionId: 'contract-real',
        connectionVersion: '1',
        tenant: 'kylo',
        provider: 'aws',
        cloudName: 'aws',
        region: env.KMS_CONTRACT_REGION ?? 'us-east-1',
        accessKeyId: env.AWS_ACCESS_KEY_ID!,
        secretAccessKey: env.AWS_SECRET_ACCESS_KEY!,
        ...(env.KMS_CONTRACT_ENDPOINT ? { endpointUrl: env.KMS_CONTRACT_ENDPOINT } : {}),
        stsRegionalEndpoints: 'legacy',
      },
      { timeoutMs: 15000, maxAttempts: 3 },
    ),
    accountId: env.KMS_CONTRACT_ACCOUNT_ID!,
    close: async () => undefined,
  }));
} else {
  describe('KmsProvider contract: aws provider against a real account', () => {
    it('is skipped: set KMS_CONTRACT_AWS=1, KMS_CONTRACT_ACCOUNT_ID, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to run it', () => {
      console.info(
        'real-AWS contract not run: KMS_CONTRACT_AWS and credentials are not set (see test/contract/aws-real.contract.test.ts)',
      );
      expect(enabled).toBeFalsy();
    });
  });
}
