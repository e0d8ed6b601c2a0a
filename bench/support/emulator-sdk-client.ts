import { Agent } from 'node:http';
import { DescribeKeyCommand, EncryptCommand, KMSClient, ListKeysCommand } from '@aws-sdk/client-kms';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/**
 * The reference client of the emulator bench: @aws-sdk/client-kms over a keep-alive
 * agent, as applications call KMS (SigV4 signing, retries off, full response parsing).
 * Its own CPU cost per call is far higher than the lean client's, so on a 2-core machine
 * it measures the SDK as much as the endpoint.
 */
export interface SdkBenchClient {
  encrypt(keyId: string, plaintext: Uint8Array): Promise<unknown>;
  describeKey(keyId: string): Promise<unknown>;
  listKeys(limit: number, region: string): Promise<number>;
  close(): void;
}

export function sdkClient(port: number): SdkBenchClient {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const clients = new Map<string, KMSClient>();
  const client = (region: string) => {
    let c = clients.get(region);
    if (!c) {
      c = new KMSClient({
        endpoint: `http://127.0.0.1:${port}`,
        region,
        credentials: { accessKeyId: 'AKIABENCHREFERENCE01', secretAccessKey: 'bench-reference-secret' },
        maxAttempts: 1,
        requestHandler: new NodeHttpHandler({ httpAgent: agent }),
      });
      clients.set(region, c);
    }
    return c;
  };
  return {
    encrypt: (keyId, plaintext) => client('us-east-1').send(new EncryptCommand({ KeyId: keyId, Plaintext: plaintext })),
    describeKey: (keyId) => client('us-east-1').send(new DescribeKeyCommand({ KeyId: keyId })),
    listKeys: async (limit, region) => {
      const out = await client(region).send(new ListKeysCommand({ Limit: limit }));
      return out.Keys?.length ?? 0;
    },
    close: () => {
      for (const c of clients.values()) c.destroy();
      agent.destroy();
    },
  };
}
