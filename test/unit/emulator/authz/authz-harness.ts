import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KMSClient } from '@aws-sdk/client-kms';
import { STSClient } from '@aws-sdk/client-sts';
import { KmsEmulator } from '../../../../src/emulator/emulator.js';
import type { AuthzRecord } from '../../../../src/emulator/authz/authorizer.js';
import { IdentityDirectory } from '../../../../src/emulator/authz/identities.js';
import { InMemoryEmulatorStore } from '../../../../src/emulator/store/in-memory-store.js';
import { createEmulatorWireHandler } from '../../../../src/emulator/wire/handler.js';
import { signRequest } from '../../../../src/sigv4/sigv4-signer.js';

/** Two accounts, their roots, and users / roles declared with identity policies, signed over the real wire. */
export const A = '111122223333';
export const B = '444455556666';
export const REGION = 'us-east-1';
const SECRET = 'authz-test-secret-0123456789abcdefghijkl';

export const arnOf = (account: string, who: string) =>
  who === 'root' ? `arn:aws:iam::${account}:root` : `arn:aws:iam::${account}:${who}`;

const allowAll = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };

/** The identities file the tests declare (validated by IdentityDirectory.parse as at start). */
export const IDENTITIES = {
  users: [
    // alice and bob: no identity policies configured (allowed wherever the key policy delegates).
    { account: A, name: 'alice' },
    { account: A, name: 'bob' },
    // carol: an identity policy that allows everything but denies Encrypt.
    {
      account: A,
      name: 'carol',
      policies: [
        { name: 'all', document: allowAll },
        { name: 'no-encrypt', document: { Statement: [{ Effect: 'Deny', Action: 'kms:Encrypt', Resource: '*' }] } },
      ],
    },
    // erin: identity policies configured, none: only what a key policy names her for.
    { account: A, name: 'erin', policies: [] },
    // frank: may create keys and list them, nothing else by IAM.
    {
      account: A,
      name: 'frank',
      policies: [
        {
          name: 'create',
          document: { Statement: [{ Effect: 'Allow', Action: ['kms:CreateKey', 'kms:ListKeys'], Resource: '*' }] },
        },
      ],
    },
    // admin: configured without policies, so only key policies naming admin let it act.
    { account: A, name: 'admin', policies: [] },
    // dave: another account, allowed everything by IAM in his account.
    { account: B, name: 'dave', policies: [{ name: 'all', document: allowAll }] },
  ],
  roles: [
    {
      account: A,
      name: 'ops',
      policies: [],
      trustPolicy: {
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${A}:user/alice` },
            Action: 'sts:AssumeRole',
            Condition: { StringLike: { 'sts:RoleSessionName': 'ops-*' } },
          },
        ],
      },
    },
  ],
};

type Who = 'root' | 'alice' | 'bob' | 'carol' | 'erin' | 'frank' | 'admin' | 'rootB' | 'dave';
const CREDENTIALS: Record<Who, { account: string; principal?: string }> = {
  root: { account: A },
  alice: { account: A, principal: 'user/alice' },
  bob: { account: A, principal: 'user/bob' },
  carol: { account: A, principal: 'user/carol' },
  erin: { account: A, principal: 'user/erin' },
  frank: { account: A, principal: 'user/frank' },
  admin: { account: A, principal: 'user/admin' },
  rootB: { account: B },
  dave: { account: B, principal: 'user/dave' },
};
const keyIdOf = (who: Who) => `AKIA${who.toUpperCase().padEnd(16, 'X')}`;

export interface AuthzWire {
  url: string;
  emulator: KmsEmulator;
  log: AuthzRecord[];
  kms(who: Who): KMSClient;
  sts(who: Who): STSClient;
  /** A KMS client that asks for the decisions and records the response header. */
  explained(who: Who): { client: KMSClient; header: () => string | undefined };
  /** POST /_opencckm/authz/explain signed as `who`. */
  explain(who: Who, body: unknown): Promise<{ status: number; json: Record<string, unknown> }>;
  close(): Promise<void>;
}

export async function startAuthzWire(): Promise<AuthzWire> {
  const log: AuthzRecord[] = [];
  const emulator = await KmsEmulator.open({
    store: new InMemoryEmulatorStore(),
    rootKey: randomBytes(32),
    defaultAccountId: A,
    schedulerIntervalMs: 0,
    identities: IdentityDirectory.parse(IDENTITIES),
    onAuthzDecision: (r) => log.push(r),
  });
  const credentials = Object.fromEntries(
    Object.entries(CREDENTIALS).map(([who, c]) => [
      keyIdOf(who as Who),
      { secretAccessKey: SECRET, accountId: c.account, ...(c.principal ? { principal: c.principal } : {}) },
    ]),
  );
  const server: Server = createServer(
    createEmulatorWireHandler(emulator, { credentials, defaultAccountId: A, defaultRegion: REGION }),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const creds = (who: Who) => ({ accessKeyId: keyIdOf(who), secretAccessKey: SECRET });
  const clients: { destroy(): void }[] = [];
  const track = <T extends { destroy(): void }>(c: T) => (clients.push(c), c);
  return {
    url,
    emulator,
    log,
    kms: (who) => track(new KMSClient({ region: REGION, endpoint: url, credentials: creds(who), maxAttempts: 1 })),
    sts: (who) => track(new STSClient({ region: REGION, endpoint: url, credentials: creds(who), maxAttempts: 1 })),
    explained: (who) => {
      const client = track(new KMSClient({ region: REGION, endpoint: url, credentials: creds(who), maxAttempts: 1 }));
      let header: string | undefined;
      client.middlewareStack.add(
        (next) => async (args) => {
          (args.request as { headers: Record<string, string> }).headers['x-opencckm-authz'] = 'explain';
          // Innermost in the deserialize step: sees the raw response, before errors are parsed.
          const out = await next(args);
          header = (out.response as { headers: Record<string, string> }).headers['x-opencckm-authz'];
          return out;
        },
        { step: 'deserialize', priority: 'low', name: 'authzHeader' },
      );
      return { client, header: () => header };
    },
    explain: async (who, body) => {
      const bytes = Buffer.from(JSON.stringify(body));
      const target = new URL('/_opencckm/authz/explain', url);
      const headers = signRequest({
        method: 'POST',
        url: target,
        headers: { 'content-type': 'application/json' },
        body: bytes,
        credential: creds(who),
        region: REGION,
        service: 'kms',
      });
      const res = await fetch(target, { method: 'POST', headers, body: bytes });
      return { status: res.status, json: (await res.json()) as Record<string, unknown> };
    },
    close: async () => {
      for (const c of clients) c.destroy();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await emulator.close();
    },
  };
}

/** The AWS error name a promise rejects with (fails the test when it resolves). */
export async function errorName(p: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await p;
  } catch (err) {
    return { name: (err as Error).name, message: (err as Error).message };
  }
  throw new Error('expected the call to fail');
}
