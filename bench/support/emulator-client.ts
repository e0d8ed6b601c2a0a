import { fork, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import path from 'node:path';

/** A bench server child process (see emulator-server.ts) and a keep-alive KMS JSON client for it. */
export interface BenchServer {
  port: number;
  child: ChildProcess;
  /** The server process's CPU time so far (µs, process.cpuUsage). */
  cpu(): Promise<NodeJS.CpuUsage>;
  stop(): Promise<void>;
}

/** Starts `emulator-server.js <mode> [url]` and waits until it listens. */
export function startBenchServer(mode: 'bare' | 'memory' | 'postgres', url?: string): Promise<BenchServer> {
  const script = path.join(path.dirname(new URL(import.meta.url).pathname), 'emulator-server.js');
  const child = fork(script, url ? [mode, url] : [mode], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
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
 * Sends one AWS JSON 1.1 request and resolves with the response text (unsigned: the
 * bench server runs with `auth: 'off'`; the Authorization header only carries the
 * Region in its credential scope, which is how the endpoint picks the Region).
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

export function kmsClient(port: number): { call: KmsCall; send: KmsSend; close(): void } {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const auth = (region: string) => `AWS4-HMAC-SHA256 Credential=BENCH/20260101/${region}/kms/aws4_request, SignedHeaders=host, Signature=${'0'.repeat(64)}`;
  const exchange = <T>(op: string, body: string, region: string, finish: (status: number, chunks: Buffer[], size: number, expected: number) => T): Promise<T> =>
    new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/',
          agent,
          headers: {
            'content-type': 'application/x-amz-json-1.1',
            'x-amz-target': `TrentService.${op}`,
            authorization: auth(region),
            'content-length': Buffer.byteLength(body),
          },
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
      if (status !== 200) throw new Error(`${op} answered ${status}: ${Buffer.concat(chunks).toString('utf8').slice(0, 200)}`);
      if (size !== expected) throw new Error(`${op}: ${size} of ${expected} response bytes`);
      return size;
    });
  return { call, send, close: () => agent.destroy() };
}
