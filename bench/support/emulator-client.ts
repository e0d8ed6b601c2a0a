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
 * bench server configures no credentials; the Authorization header only carries the
 * Region in its credential scope, which is how the endpoint picks the Region).
 */
export type KmsCall = (op: string, body: string, region?: string) => Promise<string>;

export function kmsClient(port: number): { call: KmsCall; close(): void } {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const auth = (region: string) => `AWS4-HMAC-SHA256 Credential=BENCH/20260101/${region}/kms/aws4_request, SignedHeaders=host, Signature=00`;
  const call: KmsCall = (op, body, region = 'us-east-1') =>
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
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if (res.statusCode === 200) resolve(text);
            else reject(new Error(`${op} answered ${res.statusCode}: ${text.slice(0, 200)}`));
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  return { call, close: () => agent.destroy() };
}
