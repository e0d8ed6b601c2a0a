import { fork, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import path from 'node:path';
import { KEY_ADMIN_ACTIONS } from '../../src/cckm/policy/key-policy.js';
import { signRequest } from '../../src/sigv4/sigv4-signer.js';

/** A bench server child process (see emulator-server.ts) and a keep-alive KMS JSON client for it. */
export interface BenchServer {
  port: number;
  child: ChildProcess;
  /** The server process's CPU time so far (µs, process.cpuUsage). */
  cpu(): Promise<NodeJS.CpuUsage>;
  stop(): Promise<void>;
}

/**
 * Server modes (see emulator-server.ts): `bare` answers a fixed body, `bare-aes` is a bare
 * AES-GCM Encrypt handler (the ceiling of the signed runs), `memory` and `postgres` serve
 * the emulator in open mode, `memory-signed` serves it verifying SigV4 with {@link BENCH_CREDENTIAL}.
 */
export type BenchServerMode = 'bare' | 'bare-aes' | 'memory' | 'memory-signed' | 'memory-signed-user' | 'postgres';

/**
 * A realistic key policy (the console's shape: root, administrators, users, grants for
 * AWS resources, plus a conditional Deny) under which the `memory-signed-user` credential,
 * IAM user bench-app, is a key user: every request is decided by evaluating it.
 */
export function benchKeyPolicy(account: string): string {
  const user = (n: string) => `arn:aws:iam::${account}:user/${n}`;
  return JSON.stringify({
    Version: '2012-10-17',
    Id: 'key-consolepolicy-3',
    Statement: [
      {
        Sid: 'Enable IAM User Permissions',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${account}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
      {
        Sid: 'Allow access for Key Administrators',
        Effect: 'Allow',
        Principal: { AWS: [user('admin1'), user('admin2')] },
        Action: KEY_ADMIN_ACTIONS,
        Resource: '*',
      },
      {
        Sid: 'Allow use of the key',
        Effect: 'Allow',
        Principal: { AWS: [user('bench-app'), user('reporting')] },
        Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
        Resource: '*',
      },
      {
        Sid: 'Allow attachment of persistent resources',
        Effect: 'Allow',
        Principal: { AWS: [user('bench-app'), user('reporting')] },
        Action: ['kms:CreateGrant', 'kms:ListGrants', 'kms:RevokeGrant'],
        Resource: '*',
        Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
      },
      {
        Sid: 'Deny other accounts',
        Effect: 'Deny',
        Principal: '*',
        Action: 'kms:*',
        Resource: '*',
        Condition: { StringNotEquals: { 'kms:CallerAccount': account } },
      },
    ],
  });
}

/** The access key the `memory-signed` server accepts and the signing client uses. */
export const BENCH_CREDENTIAL = { accessKeyId: 'AKIABENCHSIGNED00001', secretAccessKey: 'bench-signed-secret-key' };

/**
 * Starts `emulator-server.js <mode> [url]` and waits until it listens. With
 * `BENCH_CPU_PROF_DIR` set, the server runs under `node --cpu-prof` and writes its
 * profile there when stopped (NODE_OPTIONS may not carry --cpu-prof).
 */
export function startBenchServer(mode: BenchServerMode, url?: string): Promise<BenchServer> {
  const script = path.join(path.dirname(new URL(import.meta.url).pathname), 'emulator-server.js');
  const profileDir = process.env.BENCH_CPU_PROF_DIR;
  const execArgv = profileDir ? [...process.execArgv, '--cpu-prof', `--cpu-prof-dir=${profileDir}`] : process.execArgv;
  const child = fork(script, url ? [mode, url] : [mode], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
    child.once('message', (m: { port: number }) =>
      resolve({
        port: m.port,
        child,
        cpu: () =>
          new Promise<NodeJS.CpuUsage>((done) => {
            const onMessage = (msg: { cpu?: NodeJS.CpuUsage }) => {
              if (!msg.cpu) return;
              child.off('message', onMessage);
              done(msg.cpu);
            };
            child.on('message', onMessage);
            child.send('cpu');
          }),
        stop: () =>
          new Promise<void>((done) => {
            child.removeAllListeners('exit');
            child.once('exit', () => done());
            child.send('stop');
          }),
      }),
    );
  });
}

/**
 * Sends one AWS JSON 1.1 request and resolves with the response text. Unsigned unless the
 * client was made with `signed`: the open-mode servers run with `auth: 'off'`, and the
 * Authorization header only carries the Region in its credential scope, which is how the
 * endpoint picks the Region.
 */
export type KmsCall = (op: string, body: string, region?: string) => Promise<string>;

/**
 * Like {@link KmsCall} but resolves with the number of response bytes, once every byte
 * of a 200 response has arrived (checked against Content-Length): the load loops' call.
 * It does not decode the body into a JS string: a string over ~128 KiB (a ListKeys page
 * of 1 000 keys is 138 KB) is a V8 large object whose allocation alone costs ~1.2 ms of
 * client CPU here, which would measure the client's heap rather than the endpoint. The
 * SDK reference runs (sdkClient) include the full client-side decode and parse.
 */
export type KmsSend = (op: string, body: string, region?: string) => Promise<number>;

/** What the results JSON says about the load generator. */
export const LEAN_CLIENT_DESCRIPTION =
  'lean node:http keep-alive client in the bench process: real POST / requests with AWS JSON 1.1 bodies, X-Amz-Target and a SigV4-form Authorization header (unsigned: the server configures no credentials); receives every response byte and checks status and Content-Length, without decoding the JSON. Runs prefixed sdk_ use @aws-sdk/client-kms (signing, full response parsing) for reference.';

/** What the results JSON says about the signing variant of the lean client. */
export const SIGNED_CLIENT_DESCRIPTION =
  'the lean client signing every request with SigV4 (host, content-type, x-amz-content-sha256, x-amz-date, x-amz-target) by the bench credential, at send time';

/**
 * Headers to send for one request: unsigned (a SigV4-form Authorization header that only
 * names the Region), or, with `signed`, signed by {@link BENCH_CREDENTIAL} as an SDK would.
 */
function requestHeaders(
  port: number,
  signed: boolean,
  op: string,
  body: string,
  region: string,
): Record<string, string | number> {
  const headers = { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `TrentService.${op}` };
  if (!signed) {
    const authorization = `AWS4-HMAC-SHA256 Credential=BENCH/20260101/${region}/kms/aws4_request, SignedHeaders=host, Signature=${'0'.repeat(64)}`;
    return { ...headers, authorization, 'content-length': Buffer.byteLength(body) };
  }
  const bytes = Buffer.from(body, 'utf8');
  const url = new URL(`http://127.0.0.1:${port}/`);
  return {
    ...signRequest({ method: 'POST', url, headers, body: bytes, credential: BENCH_CREDENTIAL, region, service: 'kms' }),
    'content-length': bytes.length,
  };
}

/** A keep-alive client for a bench server; `signed` signs every request (see {@link requestHeaders}). */
export function kmsClient(
  port: number,
  options: { signed?: boolean } = {},
): { call: KmsCall; send: KmsSend; close(): void } {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const exchange = <T>(
    op: string,
    body: string,
    region: string,
    finish: (status: number, chunks: Buffer[], size: number, expected: number) => T,
  ): Promise<T> =>
    new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/',
          agent,
          headers: requestHeaders(port, options.signed === true, op, body, region),
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            chunks.push(c);
            size += c.length;
          });
          res.on('end', () => {
            try {
              resolve(finish(res.statusCode ?? 0, chunks, size, Number(res.headers['content-length'] ?? -1)));
            } catch (err) {
              reject(err instanceof Error ? err : new Error(String(err)));
            }
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const call: KmsCall = (op, body, region = 'us-east-1') =>
    exchange(op, body, region, (status, chunks) => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (status !== 200) throw new Error(`${op} answered ${status}: ${text.slice(0, 200)}`);
      return text;
    });
  const send: KmsSend = (op, body, region = 'us-east-1') =>
    exchange(op, body, region, (status, chunks, size, expected) => {
      if (status !== 200)
        throw new Error(`${op} answered ${status}: ${Buffer.concat(chunks).toString('utf8').slice(0, 200)}`);
      if (size !== expected) throw new Error(`${op}: ${size} of ${expected} response bytes`);
      return size;
    });
  return { call, send, close: () => agent.destroy() };
}
