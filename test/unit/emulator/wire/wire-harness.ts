import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KMSClient } from '@aws-sdk/client-kms';
import { STSClient } from '@aws-sdk/client-sts';
import { createEmulatorWireHandler, type WireHandlerOptions } from '../../../../src/emulator/wire/handler.js';
import { ACCOUNT, openHarness, type Harness } from '../helpers.js';

export const ACCESS_KEY = 'AKIAEMULATORTEST0001';
export const SECRET = 'emulator-secret-key-for-tests-only';
export const ACCESS_KEY_2 = 'AKIAEMULATORTEST0002';
export const ACCOUNT_2 = '999988887777';

export interface WireHarness extends Harness {
  server: Server;
  endpoint: string;
  kms(opts?: { accessKeyId?: string; secretAccessKey?: string; region?: string }): KMSClient;
  sts(opts?: { accessKeyId?: string; secretAccessKey?: string; region?: string }): STSClient;
  close(): Promise<void>;
}

/** The wire handler on 127.0.0.1:0 in front of a fresh in-memory emulator. */
export async function startWire(options: Partial<WireHandlerOptions> = {}): Promise<WireHarness> {
  const h = await openHarness();
  const handler = createEmulatorWireHandler(h.emulator, {
    credentials: {
      [ACCESS_KEY]: { secretAccessKey: SECRET, accountId: ACCOUNT },
      [ACCESS_KEY_2]: { secretAccessKey: SECRET, accountId: ACCOUNT_2 },
    },
    defaultAccountId: ACCOUNT,
    defaultRegion: 'us-east-1',
    ...options,
  });
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const creds = (o: { accessKeyId?: string; secretAccessKey?: string } = {}) => ({
    accessKeyId: o.accessKeyId ?? ACCESS_KEY,
    secretAccessKey: o.secretAccessKey ?? SECRET,
  });
  return {
    ...h,
    server,
    endpoint,
    kms: (o = {}) =>
      new KMSClient({ endpoint, region: o.region ?? 'us-east-1', credentials: creds(o), maxAttempts: 1 }),
    sts: (o = {}) =>
      new STSClient({ endpoint, region: o.region ?? 'us-east-1', credentials: creds(o), maxAttempts: 1 }),
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await h.emulator.close();
    },
  };
}
